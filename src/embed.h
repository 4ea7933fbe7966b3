/* Files compiled into the binary by tools/embed.c: templates, assets, sql. */
#ifndef PAYPORTAL_EMBED_H
#define PAYPORTAL_EMBED_H

#include <stddef.h>

struct embed_file {
	const char		*path;	/* relative to the repository */
	const unsigned char	*data;	/* NUL-terminated for convenience */
	size_t			 len;
};

extern const struct embed_file	embed_files[];

const struct embed_file	*embed_find(const char *);

#endif
