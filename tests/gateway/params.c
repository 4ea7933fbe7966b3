/*
 * Form bodies and query strings ("a=1&b[c]=2"). Fields are counted before
 * anything is allocated so the limit holds; names and values come out
 * decoded, NUL-terminated and valid UTF-8, so they can go into JSON as is.
 * Each field remembers whether an endpoint asked for it, which is how
 * unknown parameters are refused the way Stripe refuses them.
 */
#include <stdlib.h>
#include <string.h>

#include "standin.h"

static char	*params_decode(const char *, size_t, size_t);
static int	 params_hex(char);
static int	 params_utf8(const unsigned char *, size_t);

void
params_init(struct params *p)
{
	p->v = NULL;
	p->n = 0;
}

int
params_parse(struct params *p, const char *s, size_t len)
{
	const char	*cur, *end, *amp, *eq;
	size_t		 count;
	struct param	*f;

	end = s + len;
	count = 0;
	for (cur = s; cur < end; cur = amp + 1) {
		if ((amp = memchr(cur, '&', (size_t)(end - cur))) == NULL)
			amp = end;
		if (amp > cur)
			count++;
		if (amp == end)
			break;
	}
	if (count > PARAMS_MAX_FIELDS)
		return (0);
	if (count == 0)
		return (1);
	if ((p->v = calloc(count, sizeof(*p->v))) == NULL)
		return (0);

	for (cur = s; cur < end; cur = amp + 1) {
		if ((amp = memchr(cur, '&', (size_t)(end - cur))) == NULL)
			amp = end;
		if (amp == cur)
			continue;
		if ((eq = memchr(cur, '=', (size_t)(amp - cur))) == NULL)
			eq = amp;
		f = &p->v[p->n];
		f->name = params_decode(cur, (size_t)(eq - cur),
		    PARAMS_MAX_NAME);
		f->value = params_decode(eq == amp ? amp : eq + 1,
		    eq == amp ? 0 : (size_t)(amp - eq - 1), PARAMS_MAX_VALUE);
		p->n++;
		if (f->name == NULL || f->value == NULL || f->name[0] == '\0') {
			params_free(p);
			return (0);
		}
		if (amp == end)
			break;
	}
	return (1);
}

/* The first value of a name, or NULL; all fields of that name are used. */
const char *
params_get(struct params *p, const char *name)
{
	size_t		 i;
	const char	*value;

	value = NULL;
	for (i = 0; i < p->n; i++) {
		if (strcmp(p->v[i].name, name) != 0)
			continue;
		p->v[i].used = 1;
		if (value == NULL)
			value = p->v[i].value;
	}
	return (value);
}

/*
 * Walks the fields whose name starts with prefix: returns the next name
 * from *iter on, with its value, and marks it used; NULL at the end.
 */
const char *
params_prefixed(struct params *p, const char *prefix, size_t *iter,
    const char **value)
{
	size_t		 plen;

	plen = strlen(prefix);
	for (; *iter < p->n; (*iter)++) {
		if (strncmp(p->v[*iter].name, prefix, plen) != 0)
			continue;
		p->v[*iter].used = 1;
		*value = p->v[*iter].value;
		return (p->v[(*iter)++].name);
	}
	return (NULL);
}

const char *
params_unused(const struct params *p)
{
	size_t		 i;

	for (i = 0; i < p->n; i++) {
		if (!p->v[i].used)
			return (p->v[i].name);
	}
	return (NULL);
}

void
params_free(struct params *p)
{
	size_t		 i;

	for (i = 0; i < p->n; i++) {
		free(p->v[i].name);
		free(p->v[i].value);
	}
	free(p->v);
	params_init(p);
}

static char *
params_decode(const char *s, size_t len, size_t max)
{
	char		*out;
	size_t		 i, n;
	int		 hi, lo;

	if ((out = malloc(len + 1)) == NULL)
		return (NULL);
	n = 0;
	for (i = 0; i < len; i++) {
		if (s[i] == '+') {
			out[n++] = ' ';
		} else if (s[i] == '%') {
			if (len - i < 3)
				goto fail;
			if ((hi = params_hex(s[i + 1])) < 0 ||
			    (lo = params_hex(s[i + 2])) < 0)
				goto fail;
			out[n++] = (char)(hi << 4 | lo);
			i += 2;
		} else {
			out[n++] = s[i];
		}
	}
	out[n] = '\0';
	if (n > max || memchr(out, '\0', n) != NULL ||
	    !params_utf8((unsigned char *)out, n))
		goto fail;
	return (out);

fail:
	free(out);
	return (NULL);
}

static int
params_hex(char c)
{
	if (c >= '0' && c <= '9')
		return (c - '0');
	if (c >= 'a' && c <= 'f')
		return (c - 'a' + 10);
	if (c >= 'A' && c <= 'F')
		return (c - 'A' + 10);
	return (-1);
}

/* Strict UTF-8: no overlong forms, no surrogates, nothing above U+10FFFF. */
static int
params_utf8(const unsigned char *s, size_t len)
{
	size_t		 i, k, need;
	uint32_t	 cp, min;

	for (i = 0; i < len; i += need + 1) {
		if (s[i] < 0x80) {
			need = 0;
			continue;
		}
		if ((s[i] & 0xe0) == 0xc0) {
			need = 1;
			cp = s[i] & 0x1f;
			min = 0x80;
		} else if ((s[i] & 0xf0) == 0xe0) {
			need = 2;
			cp = s[i] & 0x0f;
			min = 0x800;
		} else if ((s[i] & 0xf8) == 0xf0) {
			need = 3;
			cp = s[i] & 0x07;
			min = 0x10000;
		} else {
			return (0);
		}
		if (need >= len - i)
			return (0);
		for (k = 1; k <= need; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return (0);
			cp = cp << 6 | (s[i + k] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return (0);
	}
	return (1);
}
