/*
 * Cookie header parsing. Browsers trim whitespace around names and values
 * and keep going after a malformed pair, so this does too; what it hands
 * back is always a C string without control bytes, safe to compare or log.
 */
#include <string.h>

#include "cookie.h"

static int	cookie_ows(char);

int
cookie_get(const char *hdr, size_t len, const char *name, char *out,
    size_t outlen)
{
	const char	*p, *next, *end, *semi, *eq, *n, *nend, *v, *vend;
	size_t		 namelen, vlen, i;

	if (out != NULL && outlen > 0)
		out[0] = '\0';
	if (hdr == NULL || name == NULL || out == NULL ||
	    (namelen = strlen(name)) == 0)
		return (0);

	end = hdr + len;
	for (p = hdr; p < end; p = next) {
		if ((semi = memchr(p, ';', (size_t)(end - p))) == NULL)
			semi = end;
		next = semi == end ? end : semi + 1;
		/* A pair without '=' is no cookie of any name. */
		if ((eq = memchr(p, '=', (size_t)(semi - p))) == NULL)
			continue;
		for (n = p; n < eq && cookie_ows(*n); n++)
			;
		for (nend = eq; nend > n && cookie_ows(nend[-1]); nend--)
			;
		if ((size_t)(nend - n) != namelen ||
		    memcmp(n, name, namelen) != 0)
			continue;

		for (v = eq + 1; v < semi && cookie_ows(*v); v++)
			;
		for (vend = semi; vend > v && cookie_ows(vend[-1]); vend--)
			;
		if (vend - v >= 2 && v[0] == '"' && vend[-1] == '"') {
			v++;
			vend--;
		}
		vlen = (size_t)(vend - v);
		for (i = 0; i < vlen; i++) {
			if ((unsigned char)v[i] < 0x20 || v[i] == 0x7f)
				return (0);
		}
		if (vlen >= outlen)
			return (0);
		memcpy(out, v, vlen);
		out[vlen] = '\0';
		return (1);
	}
	return (0);
}

int
cookie_value_valid(const char *v)
{
	size_t		 i;
	char		 c;

	if (v == NULL)
		return (0);
	for (i = 0; v[i] != '\0'; i++) {
		if (i == COOKIE_VALUE_MAX)
			return (0);
		c = v[i];
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '_'))
			return (0);
	}
	return (i > 0);
}

static int
cookie_ows(char c)
{
	return (c == ' ' || c == '\t');
}
