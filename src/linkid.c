/*
 * Pay link ids: 128 random bits from the CSPRNG, never sequential, stored
 * as a PostgreSQL uuid.
 */
#include <stdio.h>

#include <openssl/rand.h>

#include "linkid.h"

static int	linkid_nibble(char);

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

int
linkid_parse(const char *s, unsigned char id[LINK_ID_LEN])
{
	int		i, o, hi, lo;

	for (i = 0, o = 0; o < LINK_ID_LEN; o++) {
		if (o == 4 || o == 6 || o == 8 || o == 10) {
			if (s[i++] != '-')
				return (0);
		}
		if ((hi = linkid_nibble(s[i])) < 0 ||
		    (lo = linkid_nibble(s[i + 1])) < 0)
			return (0);
		id[o] = (unsigned char)(hi << 4 | lo);
		i += 2;
	}
	return (s[i] == '\0');
}

static int
linkid_nibble(char c)
{
	if (c >= '0' && c <= '9')
		return (c - '0');
	if (c >= 'a' && c <= 'f')
		return (c - 'a' + 10);
	return (-1);
}
