/*
 * Base64url without padding (RFC 4648 section 5), decoded strictly: one
 * byte string has exactly one accepted encoding.
 */
#ifndef PAYPORTAL_B64URL_H
#define PAYPORTAL_B64URL_H

#include <stddef.h>

/* Characters needed to encode n bytes, NUL not included. */
#define B64URL_ENCLEN(n)	(((n) / 3) * 4 + ((n) % 3 ? (n) % 3 + 1 : 0))

/*
 * Encodes and NUL-terminates. Returns the characters written, or 0 if out
 * cannot hold them and the NUL (len 0 writes "" and returns 0 as well).
 */
size_t	b64url_encode(const unsigned char *, size_t, char *, size_t);

/*
 * Decodes len characters into out. Returns 1 and *outn, or 0 on padding,
 * a character outside the alphabet, a length of 4k+1, non-zero unused
 * bits in the last character, or an out too small.
 */
int	b64url_decode(const char *, size_t, unsigned char *, size_t, size_t *);

#endif
