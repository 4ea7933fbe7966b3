/*
 * Growable buffer. Allocation failure is sticky: callers append freely and
 * check "failed" once at the end instead of after every call.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strbuf.h"

static int	strbuf_grow(struct strbuf *, size_t);

void
strbuf_init(struct strbuf *b)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	b->failed = 0;
}

void
strbuf_reset(struct strbuf *b)
{
	b->len = 0;
	b->failed = 0;
	if (b->data != NULL)
		b->data[0] = '\0';
}

/* Drops everything after len bytes, e.g. a render that failed half-way. */
void
strbuf_truncate(struct strbuf *b, size_t len)
{
	if (len >= b->len)
		return;
	b->len = len;
	b->data[len] = '\0';
}

void
strbuf_free(struct strbuf *b)
{
	free(b->data);
	strbuf_init(b);
}

static int
strbuf_grow(struct strbuf *b, size_t need)
{
	size_t		 ncap;
	char		*p;

	if (b->failed)
		return (0);
	if (need > SIZE_MAX - b->len - 1) {
		b->failed = 1;
		return (0);
	}
	if (b->len + need + 1 <= b->cap)
		return (1);

	ncap = b->cap ? b->cap : 256;
	while (ncap < b->len + need + 1) {
		if (ncap > SIZE_MAX / 2) {
			ncap = b->len + need + 1;
			break;
		}
		ncap *= 2;
	}
	if ((p = realloc(b->data, ncap)) == NULL) {
		b->failed = 1;
		return (0);
	}
	b->data = p;
	b->cap = ncap;
	return (1);
}

void
strbuf_append(struct strbuf *b, const void *d, size_t len)
{
	if (len == 0 || !strbuf_grow(b, len))
		return;
	memcpy(b->data + b->len, d, len);
	b->len += len;
	b->data[b->len] = '\0';
}

void
strbuf_appends(struct strbuf *b, const char *s)
{
	strbuf_append(b, s, strlen(s));
}

void
strbuf_appendc(struct strbuf *b, char c)
{
	strbuf_append(b, &c, 1);
}

void
strbuf_appendv(struct strbuf *b, const char *fmt, va_list ap)
{
	va_list		 copy;
	int		 n;

	va_copy(copy, ap);
	n = vsnprintf(NULL, 0, fmt, copy);
	va_end(copy);
	if (n < 0) {
		b->failed = 1;
		return;
	}
	if (!strbuf_grow(b, (size_t)n))
		return;
	(void)vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
}

void
strbuf_appendf(struct strbuf *b, const char *fmt, ...)
{
	va_list		 ap;

	va_start(ap, fmt);
	strbuf_appendv(b, fmt, ap);
	va_end(ap);
}

/* Escapes the five characters that matter in HTML text and attributes. */
void
strbuf_append_html(struct strbuf *b, const char *s, size_t len)
{
	size_t		 i, start;
	const char	*rep;

	start = 0;
	for (i = 0; i < len; i++) {
		switch (s[i]) {
		case '&':
			rep = "&amp;";
			break;
		case '<':
			rep = "&lt;";
			break;
		case '>':
			rep = "&gt;";
			break;
		case '"':
			rep = "&quot;";
			break;
		case '\'':
			rep = "&#39;";
			break;
		default:
			continue;
		}
		strbuf_append(b, s + start, i - start);
		strbuf_appends(b, rep);
		start = i + 1;
	}
	strbuf_append(b, s + start, len - start);
}

const char *
strbuf_cstr(struct strbuf *b)
{
	if (b->data == NULL)
		return ("");
	return (b->data);
}
