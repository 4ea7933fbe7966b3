/*
 * Pay link ids: 128 random bits from the CSPRNG, never sequential, stored
 * as a PostgreSQL uuid.
 */
#include <stdio.h>

#include <openssl/rand.h>

#include "linkid.h"

int
linkid_random(unsigned char id[LINK_ID_LEN])
{
	return (RAND_bytes(id, LINK_ID_LEN) == 1);
}

void
linkid_format(const unsigned char id[LINK_ID_LEN],
    char out[LINKID_UUID_LEN + 1])
{
	static const char	hex[] = "0123456789abcdef";
	int			i, o;

	for (i = 0, o = 0; i < LINK_ID_LEN; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			out[o++] = '-';
		out[o++] = hex[id[i] >> 4];
		out[o++] = hex[id[i] & 0x0f];
	}
	out[o] = '\0';
}
