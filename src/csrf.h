/*
 * Anti-forgery tokens for the public payment forms. A page has no session,
 * so the token binds the form to its link and its attempt id with an HMAC
 * under the key that signed the link: a form cannot be replayed against
 * another link or attempt, and nothing needs storing.
 */
#ifndef PAYPORTAL_CSRF_H
#define PAYPORTAL_CSRF_H

#include <stddef.h>

#define CSRF_TOKEN_LEN	43	/* base64url of 32 bytes */

int	csrf_token(const unsigned char *, size_t, const char *, const char *,
	    char [CSRF_TOKEN_LEN + 1]);
int	csrf_verify(const unsigned char *, size_t, const char *, const char *,
	    const char *);

#endif
