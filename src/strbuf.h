/*
 * A growable byte buffer for the parts of payportal that do not depend on
 * Kore (templates, money formatting, parsers), so they can be unit-tested
 * and fuzzed on their own.
 */
#ifndef PAYPORTAL_STRBUF_H
#define PAYPORTAL_STRBUF_H

#include <stdarg.h>
#include <stddef.h>

struct strbuf {
	char		*data;
	size_t		 len;
	size_t		 cap;
	int		 failed;	/* an allocation failed; data is stale */
};

void	strbuf_init(struct strbuf *);
void	strbuf_reset(struct strbuf *);
void	strbuf_truncate(struct strbuf *, size_t);
void	strbuf_free(struct strbuf *);
void	strbuf_append(struct strbuf *, const void *, size_t);
void	strbuf_appends(struct strbuf *, const char *);
void	strbuf_appendc(struct strbuf *, char);
void	strbuf_appendf(struct strbuf *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
void	strbuf_appendv(struct strbuf *, const char *, va_list);
void	strbuf_append_html(struct strbuf *, const char *, size_t);
const char	*strbuf_cstr(struct strbuf *);

#endif
