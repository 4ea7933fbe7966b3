/*
 * The Cookie request header, read without trusting the browser: any
 * length, any bytes, whitespace where RFC 6265 says there is none.
 */
#ifndef PAYPORTAL_COOKIE_H
#define PAYPORTAL_COOKIE_H

#include <stddef.h>

#define COOKIE_VALUE_MAX	128	/* values the portal issues */

/*
 * Finds the first cookie of the name in the first len bytes of a Cookie
 * header ("a=1; b=2") and copies its value, without the double quotes of
 * a quoted cookie-value, and a NUL into out. Returns 1, or 0 if the name
 * is empty or absent, or if its first value holds a control byte or does
 * not fit in outlen: a later cookie of the same name never stands in.
 */
int	cookie_get(const char *, size_t, const char *, char *, size_t);

/* 1 for 1 to COOKIE_VALUE_MAX base64url characters, as the portal sets. */
int	cookie_value_valid(const char *);

#endif
