/*
 * Growable buffer. Allocation failure is sticky: callers append freely and
 * check "failed" once at the end instead of after every call.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "standin.h"

static int	buf_grow(struct buf *, size_t);
static void	buf_json_strn(struct buf *, const char *, size_t);

void
buf_init(struct buf *b)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	b->failed = 0;
}

void
buf_free(struct buf *b)
{
	free(b->data);
	buf_init(b);
}

void
buf_reset(struct buf *b)
{
	b->len = 0;
	b->failed = 0;
	if (b->data != NULL)
		b->data[0] = '\0';
}

static int
buf_grow(struct buf *b, size_t need)
{
	size_t		 ncap;
	char		*p;

	if (b->failed)
		return (0);
	if (need > SIZE_MAX / 2 - b->len) {
		b->failed = 1;
		return (0);
	}
	if (b->len + need + 1 <= b->cap)
		return (1);
	ncap = b->cap ? b->cap : 256;
	while (ncap < b->len + need + 1)
		ncap *= 2;
	if ((p = realloc(b->data, ncap)) == NULL) {
		b->failed = 1;
		return (0);
	}
	b->data = p;
	b->cap = ncap;
	return (1);
}

void
buf_append(struct buf *b, const void *d, size_t len)
{
	if (len == 0 || !buf_grow(b, len))
		return;
	memcpy(b->data + b->len, d, len);
	b->len += len;
	b->data[b->len] = '\0';
}

void
buf_appends(struct buf *b, const char *s)
{
	buf_append(b, s, strlen(s));
}

void
buf_appendf(struct buf *b, const char *fmt, ...)
{
	va_list		 ap, copy;
	int		 n;

	va_start(ap, fmt);
	va_copy(copy, ap);
	n = vsnprintf(NULL, 0, fmt, copy);
	va_end(copy);
	if (n < 0) {
		b->failed = 1;
	} else if (buf_grow(b, (size_t)n)) {
		(void)vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
		b->len += (size_t)n;
	}
	va_end(ap);
}

/* A JSON string literal, quotes included; NULL is JSON null. */
void
buf_json_str(struct buf *b, const char *s)
{
	if (s == NULL) {
		buf_appends(b, "null");
		return;
	}
	buf_json_strn(b, s, strlen(s));
}

static void
buf_json_strn(struct buf *b, const char *s, size_t len)
{
	size_t		 i, start;
	unsigned char	 c;

	buf_append(b, "\"", 1);
	start = 0;
	for (i = 0; i < len; i++) {
		c = (unsigned char)s[i];
		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		buf_append(b, s + start, i - start);
		switch (c) {
		case '"':
			buf_appends(b, "\\\"");
			break;
		case '\\':
			buf_appends(b, "\\\\");
			break;
		case '\n':
			buf_appends(b, "\\n");
			break;
		case '\r':
			buf_appends(b, "\\r");
			break;
		case '\t':
			buf_appends(b, "\\t");
			break;
		default:
			buf_appendf(b, "\\u%04x", c);
			break;
		}
		start = i + 1;
	}
	buf_append(b, s + start, len - start);
	buf_append(b, "\"", 1);
}

const char *
buf_cstr(const struct buf *b)
{
	if (b->data == NULL)
		return ("");
	return (b->data);
}
