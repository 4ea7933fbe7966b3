/*
 * Form and query string parser. Two passes over the body: the first counts
 * the fields so that the limit is enforced before anything is allocated,
 * the second decodes each name and value.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "form.h"

static int	form_pair(struct form *, const char *, const char *, char *,
		    size_t);
static int	form_fail(struct form *, char *, size_t, const char *, ...)
		    __attribute__((format(printf, 4, 5)));
static const char	*form_decode(const char *, size_t, char **, size_t *);
static const char	*form_copy(const char *, size_t, char **);
static int	form_hex(char);
static int	form_utf8_valid(const unsigned char *, size_t);

void
form_init(struct form *f)
{
	f->fields = NULL;
	f->nfields = 0;
}

int
form_parse(struct form *f, const char *body, size_t len, char *err,
    size_t errlen)
{
	const char	*p, *end, *amp;
	size_t		 count;

	if (len > FORM_MAX_BODY) {
		return (form_fail(f, err, errlen,
		    "body too large (max %d bytes)", FORM_MAX_BODY));
	}
	if (len == 0)
		return (1);

	end = body + len;
	count = 0;
	for (p = body; p < end; p = amp + 1) {
		if ((amp = memchr(p, '&', (size_t)(end - p))) == NULL)
			amp = end;
		if (amp > p)
			count++;
		if (amp == end)
			break;
	}
	if (count > FORM_MAX_FIELDS) {
		return (form_fail(f, err, errlen,
		    "too many fields (max %d)", FORM_MAX_FIELDS));
	}
	if (count == 0)
		return (1);
	if ((f->fields = calloc(count, sizeof(*f->fields))) == NULL)
		return (form_fail(f, err, errlen, "out of memory"));

	for (p = body; p < end; p = amp + 1) {
		if ((amp = memchr(p, '&', (size_t)(end - p))) == NULL)
			amp = end;
		if (amp > p && !form_pair(f, p, amp, err, errlen))
			return (0);
		if (amp == end)
			break;
	}

	return (1);
}

int
form_add(struct form *f, const char *name, size_t nlen, const char *value,
    size_t vlen, char *err, size_t errlen)
{
	struct form_field	*fields, *fld;
	const char		*why;
	size_t			 i;

	i = f->nfields + 1;
	if (nlen == 0)
		return (form_fail(f, err, errlen, "field %zu: empty name", i));
	if (nlen > FORM_MAX_NAME) {
		return (form_fail(f, err, errlen,
		    "field %zu: name too long (max %d bytes)", i,
		    FORM_MAX_NAME));
	}
	if (vlen > FORM_MAX_VALUE) {
		return (form_fail(f, err, errlen,
		    "field %zu: value too long (max %d bytes)", i,
		    FORM_MAX_VALUE));
	}
	if (f->nfields == FORM_MAX_FIELDS) {
		return (form_fail(f, err, errlen,
		    "too many fields (max %d)", FORM_MAX_FIELDS));
	}
	if ((fields = reallocarray(f->fields, f->nfields + 1,
	    sizeof(*fields))) == NULL)
		return (form_fail(f, err, errlen, "out of memory"));
	f->fields = fields;
	/* Counted first: form_free releases whatever was copied. */
	fld = &f->fields[f->nfields++];
	fld->value = NULL;
	if ((why = form_copy(name, nlen, &fld->name)) != NULL ||
	    (why = form_copy(value, vlen, &fld->value)) != NULL)
		return (form_fail(f, err, errlen, "field %zu: %s", i, why));
	fld->value_len = vlen;
	return (1);
}

const char *
form_get(const struct form *f, const char *name)
{
	size_t		 i;

	for (i = 0; i < f->nfields; i++) {
		if (strcmp(f->fields[i].name, name) == 0)
			return (f->fields[i].value);
	}
	return (NULL);
}

size_t
form_count(const struct form *f, const char *name)
{
	size_t		 i, n;

	n = 0;
	for (i = 0; i < f->nfields; i++) {
		if (strcmp(f->fields[i].name, name) == 0)
			n++;
	}
	return (n);
}

void
form_free(struct form *f)
{
	size_t		 i;

	for (i = 0; i < f->nfields; i++) {
		free(f->fields[i].name);
		free(f->fields[i].value);
	}
	free(f->fields);
	form_init(f);
}

/* Decodes the pair from p to end into the next field. */
static int
form_pair(struct form *f, const char *p, const char *end, char *err,
    size_t errlen)
{
	struct form_field	*fld;
	const char		*eq, *val, *why;
	size_t			 i, nlen, vlen;

	i = f->nfields + 1;
	if ((eq = memchr(p, '=', (size_t)(end - p))) != NULL) {
		nlen = (size_t)(eq - p);
		val = eq + 1;
	} else {
		nlen = (size_t)(end - p);
		val = end;
	}
	vlen = (size_t)(end - val);
	if (nlen == 0)
		return (form_fail(f, err, errlen, "field %zu: empty name", i));

	/* Counted first: form_free releases whatever was decoded. */
	fld = &f->fields[f->nfields++];
	if ((why = form_decode(p, nlen, &fld->name, &nlen)) != NULL ||
	    (why = form_decode(val, vlen, &fld->value,
	    &fld->value_len)) != NULL)
		return (form_fail(f, err, errlen, "field %zu: %s", i, why));
	if (nlen > FORM_MAX_NAME) {
		return (form_fail(f, err, errlen,
		    "field %zu: name too long (max %d bytes)", i,
		    FORM_MAX_NAME));
	}
	if (fld->value_len > FORM_MAX_VALUE) {
		return (form_fail(f, err, errlen,
		    "field %zu: value too long (max %d bytes)", i,
		    FORM_MAX_VALUE));
	}
	return (1);
}

/* Empties the form and reports why; always returns 0. */
static int
form_fail(struct form *f, char *err, size_t errlen, const char *fmt, ...)
{
	va_list		 ap;

	form_free(f);
	if (err != NULL && errlen > 0) {
		va_start(ap, fmt);
		(void)vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return (0);
}

/*
 * Decodes n bytes into a new NUL-terminated string; decoding never grows
 * the text, so n + 1 bytes are enough. Returns NULL, or what is wrong
 * with *out left NULL.
 */
static const char *
form_decode(const char *s, size_t n, char **out, size_t *outlen)
{
	char		*d;
	size_t		 i, j;
	int		 hi, lo;

	*out = NULL;
	if ((d = malloc(n + 1)) == NULL)
		return ("out of memory");
	for (i = 0, j = 0; i < n; i++, j++) {
		if (s[i] == '+')
			d[j] = ' ';
		else if (s[i] != '%')
			d[j] = s[i];
		else {
			if (n - i < 3 || (hi = form_hex(s[i + 1])) == -1 ||
			    (lo = form_hex(s[i + 2])) == -1) {
				free(d);
				return ("invalid percent-encoding");
			}
			d[j] = (char)(hi << 4 | lo);
			i += 2;
		}
		if (d[j] == '\0') {
			free(d);
			return ("contains a NUL byte");
		}
	}
	d[j] = '\0';
	if (!form_utf8_valid((const unsigned char *)d, j)) {
		free(d);
		return ("invalid UTF-8");
	}
	*out = d;
	*outlen = j;
	return (NULL);
}

/* The same checks as form_decode, for bytes that need no decoding. */
static const char *
form_copy(const char *s, size_t n, char **out)
{
	*out = NULL;
	if (memchr(s, '\0', n) != NULL)
		return ("contains a NUL byte");
	if (!form_utf8_valid((const unsigned char *)s, n))
		return ("invalid UTF-8");
	if ((*out = malloc(n + 1)) == NULL)
		return ("out of memory");
	memcpy(*out, s, n);
	(*out)[n] = '\0';
	return (NULL);
}

static int
form_hex(char c)
{
	if (c >= '0' && c <= '9')
		return (c - '0');
	if (c >= 'a' && c <= 'f')
		return (c - 'a' + 10);
	if (c >= 'A' && c <= 'F')
		return (c - 'A' + 10);
	return (-1);
}

/*
 * RFC 3629: no overlong forms, no surrogates, nothing above U+10FFFF.
 * The second byte's range depends on the first; the rest are 80-BF.
 */
static int
form_utf8_valid(const unsigned char *s, size_t n)
{
	size_t		 i, k, more;
	unsigned char	 c, lo, hi;

	for (i = 0; i < n; i++) {
		c = s[i];
		if (c < 0x80)
			continue;
		lo = 0x80;
		hi = 0xbf;
		if (c >= 0xc2 && c <= 0xdf)
			more = 1;
		else if (c >= 0xe0 && c <= 0xef) {
			more = 2;
			if (c == 0xe0)
				lo = 0xa0;
			else if (c == 0xed)
				hi = 0x9f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			more = 3;
			if (c == 0xf0)
				lo = 0x90;
			else if (c == 0xf4)
				hi = 0x8f;
		} else
			return (0);
		if (n - i - 1 < more)
			return (0);
		for (k = 1; k <= more; k++) {
			c = s[i + k];
			if (c < lo || c > hi)
				return (0);
			lo = 0x80;
			hi = 0xbf;
		}
		i += more;
	}
	return (1);
}
