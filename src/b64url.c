/*
 * Base64url without padding. Decoding is strict so that a signed token has
 * a single spelling: anything else is refused rather than normalised.
 */
#include <stdint.h>

#include "b64url.h"

static int	b64url_value(char);

static const char	b64url_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

size_t
b64url_encode(const unsigned char *in, size_t len, char *out, size_t outlen)
{
	size_t		 i, n;
	uint32_t	 v;

	if (len > SIZE_MAX / 4 * 3 - 3 || outlen == 0 ||
	    B64URL_ENCLEN(len) >= outlen)
		return (0);

	n = 0;
	for (i = 0; i + 3 <= len; i += 3) {
		v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 |
		    in[i + 2];
		out[n++] = b64url_alphabet[v >> 18 & 0x3f];
		out[n++] = b64url_alphabet[v >> 12 & 0x3f];
		out[n++] = b64url_alphabet[v >> 6 & 0x3f];
		out[n++] = b64url_alphabet[v & 0x3f];
	}
	if (len - i == 1) {
		v = (uint32_t)in[i] << 16;
		out[n++] = b64url_alphabet[v >> 18 & 0x3f];
		out[n++] = b64url_alphabet[v >> 12 & 0x3f];
	} else if (len - i == 2) {
		v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8;
		out[n++] = b64url_alphabet[v >> 18 & 0x3f];
		out[n++] = b64url_alphabet[v >> 12 & 0x3f];
		out[n++] = b64url_alphabet[v >> 6 & 0x3f];
	}
	out[n] = '\0';
	return (n);
}

int
b64url_decode(const char *in, size_t len, unsigned char *out, size_t outlen,
    size_t *outn)
{
	size_t		 i, n, need;
	uint32_t	 acc;
	int		 v, bits;

	if (len % 4 == 1)
		return (0);
	need = len / 4 * 3 + (len % 4 ? len % 4 - 1 : 0);
	if (need > outlen)
		return (0);

	acc = 0;
	bits = 0;
	n = 0;
	for (i = 0; i < len; i++) {
		if ((v = b64url_value(in[i])) == -1)
			return (0);
		acc = acc << 6 | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[n++] = (unsigned char)(acc >> bits);
			acc &= (1U << bits) - 1;
		}
	}
	/* Encoders leave unused low bits zero; others spell the bytes twice. */
	if (acc != 0)
		return (0);

	*outn = n;
	return (1);
}

static int
b64url_value(char c)
{
	if (c >= 'A' && c <= 'Z')
		return (c - 'A');
	if (c >= 'a' && c <= 'z')
		return (c - 'a' + 26);
	if (c >= '0' && c <= '9')
		return (c - '0' + 52);
	if (c == '-')
		return (62);
	if (c == '_')
		return (63);
	return (-1);
}
