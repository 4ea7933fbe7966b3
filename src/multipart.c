/*
 * multipart/form-data: delimiter, headers, content, delimiter, ..., close
 * delimiter (RFC 2046 section 5.1.1). No preamble is expected (browsers
 * send none); whatever follows the close delimiter is ignored, as the
 * RFC says of an epilogue.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "multipart.h"

static const char	*multipart_find(const char *, const char *,
			    const char *, size_t);
static int	multipart_headers(const char *, const char *, char **,
		    size_t *, int *, const char **);
static const char	*multipart_param(const char *, const char *,
			    const char *, char **, size_t *);
static int	multipart_bchar(char);
static int	multipart_fail(struct multipart *, char *, size_t,
		    const char *, ...) __attribute__((format(printf, 4, 5)));

void
multipart_init(struct multipart *mp)
{
	form_init(&mp->fields);
	mp->nfiles = 0;
}

void
multipart_free(struct multipart *mp)
{
	size_t		i;

	form_free(&mp->fields);
	for (i = 0; i < mp->nfiles; i++)
		free(mp->files[i].name);
	multipart_init(mp);
}

const struct multipart_file *
multipart_file(const struct multipart *mp, const char *name)
{
	size_t		i;

	for (i = 0; i < mp->nfiles; i++) {
		if (!strcmp(mp->files[i].name, name))
			return (&mp->files[i]);
	}
	return (NULL);
}

/* RFC 2046's bcharsnospace; a space is allowed too, but not last. */
static int
multipart_bchar(char c)
{
	return (isalnum((unsigned char)c) || strchr("'()+_,-./:=? ", c) !=
	    NULL);
}

int
multipart_boundary(const char *ctype, char *out, size_t outlen)
{
	const char	*p, *end;
	size_t		 n, i;

	if (strncasecmp(ctype, "multipart/form-data", 19) != 0)
		return (0);
	for (p = ctype + 19;;) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p++ != ';')
			return (0);
		while (*p == ' ' || *p == '\t')
			p++;
		if (strncasecmp(p, "boundary=", 9) == 0)
			break;
		/* Another parameter (charset=...): skip it. */
		if ((p = strchr(p, ';')) == NULL)
			return (0);
	}
	p += 9;
	if (*p == '"') {
		if ((end = strchr(++p, '"')) == NULL)
			return (0);
	} else {
		end = p + strcspn(p, " \t;");
	}
	n = (size_t)(end - p);
	if (n == 0 || n > MULTIPART_BOUNDARY_MAX || n >= outlen ||
	    p[n - 1] == ' ')
		return (0);
	for (i = 0; i < n; i++) {
		if (!multipart_bchar(p[i]))
			return (0);
	}
	memcpy(out, p, n);
	out[n] = '\0';
	return (1);
}

/* The first n bytes of what in [p, end), or NULL. */
static const char *
multipart_find(const char *p, const char *end, const char *what, size_t n)
{
	const char	*q;

	while ((size_t)(end - p) >= n) {
		if ((q = memchr(p, what[0], (size_t)(end - p) - n + 1)) == NULL)
			return (NULL);
		if (memcmp(q, what, n) == 0)
			return (q);
		p = q + 1;
	}
	return (NULL);
}

/*
 * One parameter's value after "; name=" in [p, end): a token, or a
 * quoted string in which a backslash escapes the next byte. Returns where
 * the value ends, or NULL.
 */
static const char *
multipart_param(const char *p, const char *end, const char *name,
    char **out, size_t *outlen)
{
	size_t		 n;
	char		*v;

	n = strlen(name);
	if ((size_t)(end - p) <= n || strncasecmp(p, name, n) != 0 ||
	    p[n] != '=')
		return (NULL);
	p += n + 1;
	if ((v = malloc((size_t)(end - p) + 1)) == NULL)
		return (NULL);
	n = 0;
	if (p < end && *p == '"') {
		for (p++; p < end && *p != '"'; p++) {
			if (*p == '\\' && p + 1 < end)
				p++;
			v[n++] = *p;
		}
		if (p == end) {
			free(v);
			return (NULL);
		}
		p++;
	} else {
		while (p < end && *p != ';' && *p != ' ' && *p != '\t')
			v[n++] = *p++;
	}
	v[n] = '\0';
	*out = v;
	*outlen = n;
	return (p);
}

/*
 * A part's header block [p, end), lines ending in CRLF: the name of its
 * form-data disposition (a copy) and whether it has a filename. Returns
 * 0 with why set for anything else.
 */
static int
multipart_headers(const char *p, const char *end, char **name,
    size_t *namelen, int *file, const char **why)
{
	const char	*eol, *v, *q;
	char		*fname;
	size_t		 flen;
	int		 seen;

	*name = NULL;
	*file = 0;
	seen = 0;
	for (; p < end; p = eol + 2) {
		if ((eol = multipart_find(p, end, "\r\n", 2)) == NULL)
			eol = end;
		if ((v = memchr(p, ':', (size_t)(eol - p))) == NULL) {
			*why = "a header line without a colon";
			goto fail;
		}
		if ((size_t)(v - p) != 19 ||
		    strncasecmp(p, "content-disposition", 19) != 0)
			continue;
		if (seen++) {
			*why = "two Content-Disposition headers";
			goto fail;
		}
		for (v++; v < eol && (*v == ' ' || *v == '\t'); v++)
			;
		if ((size_t)(eol - v) < 9 || strncasecmp(v, "form-data", 9))
			goto bad;
		for (v += 9; v < eol; v = q) {
			while (v < eol && (*v == ' ' || *v == '\t'))
				v++;
			if (v == eol)
				break;
			if (*v++ != ';')
				goto bad;
			while (v < eol && (*v == ' ' || *v == '\t'))
				v++;
			if (*name == NULL && (q = multipart_param(v, eol,
			    "name", name, namelen)) != NULL)
				continue;
			if (!*file && (q = multipart_param(v, eol, "filename",
			    &fname, &flen)) != NULL) {
				/* Only whether there is one matters. */
				free(fname);
				*file = 1;
				continue;
			}
			/* Another parameter ("filename*"): skip it. */
			q = v;
			while (q < eol && *q != ';')
				q++;
		}
	}
	if (*name == NULL || *namelen == 0)
		goto bad;
	if (*namelen > FORM_MAX_NAME) {
		*why = "a field name too long";
		goto fail;
	}
	for (q = *name; q < *name + *namelen; q++) {
		if ((unsigned char)*q < 0x20 || *q == 0x7f) {
			*why = "a control byte in a field name";
			goto fail;
		}
	}
	return (1);
bad:
	*why = "no form-data Content-Disposition with a name";
fail:
	free(*name);
	*name = NULL;
	return (0);
}

int
multipart_parse(struct multipart *mp, const char *body, size_t len,
    const char *boundary, char *err, size_t errlen)
{
	struct multipart_file	*f;
	const char		*p, *end, *hend, *next, *why;
	char			 delim[MULTIPART_BOUNDARY_MAX + 5];
	char			*name;
	size_t			 dlen, nlen, parts;
	int			 file;

	/* Each delimiter after the first starts on a line of its own. */
	dlen = (size_t)snprintf(delim, sizeof(delim), "\r\n--%s", boundary);
	if (*boundary == '\0' || dlen >= sizeof(delim))
		return (multipart_fail(mp, err, errlen, "bad boundary"));
	end = body + len;
	if (len < dlen - 2 || memcmp(body, delim + 2, dlen - 2) != 0)
		return (multipart_fail(mp, err, errlen,
		    "the body does not start with its boundary"));
	for (p = body + dlen - 2, parts = 0;; p = next + dlen) {
		if (end - p >= 2 && p[0] == '-' && p[1] == '-')
			return (1);
		if (end - p < 2 || p[0] != '\r' || p[1] != '\n')
			return (multipart_fail(mp, err, errlen,
			    "part %zu: no line break after the boundary",
			    parts + 1));
		p += 2;
		if (++parts > MULTIPART_MAX_PARTS)
			return (multipart_fail(mp, err, errlen,
			    "too many parts (max %d)", MULTIPART_MAX_PARTS));
		hend = multipart_find(p, end - p > MULTIPART_HEADER_MAX + 4 ?
		    p + MULTIPART_HEADER_MAX + 4 : end, "\r\n\r\n", 4);
		if (hend == NULL)
			return (multipart_fail(mp, err, errlen,
			    "part %zu: headers missing or too long", parts));
		if (!multipart_headers(p, hend, &name, &nlen, &file, &why))
			return (multipart_fail(mp, err, errlen,
			    "part %zu: %s", parts, why));
		p = hend + 4;
		if ((next = multipart_find(p, end, delim, dlen)) == NULL) {
			free(name);
			return (multipart_fail(mp, err, errlen,
			    "part %zu: no closing boundary", parts));
		}
		if (!file) {
			if (!form_add(&mp->fields, name, nlen, p,
			    (size_t)(next - p), err, errlen)) {
				/* err says which field and why. */
				free(name);
				multipart_free(mp);
				return (0);
			}
			free(name);
			continue;
		}
		if (mp->nfiles == MULTIPART_MAX_FILES) {
			free(name);
			return (multipart_fail(mp, err, errlen,
			    "too many files (max %d)", MULTIPART_MAX_FILES));
		}
		f = &mp->files[mp->nfiles++];
		f->name = name;
		f->data = (const unsigned char *)p;
		f->len = (size_t)(next - p);
	}
}

/* Empties the multipart and says why; always returns 0. */
static int
multipart_fail(struct multipart *mp, char *err, size_t errlen,
    const char *fmt, ...)
{
	va_list		 ap;

	multipart_free(mp);
	if (err != NULL && errlen > 0) {
		va_start(ap, fmt);
		(void)vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return (0);
}
