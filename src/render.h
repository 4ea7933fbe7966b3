#ifndef PAYPORTAL_RENDER_H
#define PAYPORTAL_RENDER_H

#include <stddef.h>

#include "mustache.h"
#include "strbuf.h"

int	render_init(char *, size_t);
int	render_page(const char *, const struct mustache_value *,
	    struct strbuf *);

#endif
