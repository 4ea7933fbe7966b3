/*
 * Page templates: every templates/<name>.html compiled into the binary is
 * parsed once at start, before the workers fork, so a broken template stops
 * the server instead of a customer's page. Partials resolve by <name>.
 */
#include <stdio.h>
#include <string.h>

#include "embed.h"
#include "render.h"

static struct mustache_set	*render_set;

int
render_init(char *err, size_t errlen)
{
	const struct embed_file	*f;
	char			 name[128];
	size_t			 len;

	if ((render_set = mustache_set_new()) == NULL)
		return (0);
	for (f = embed_files; f->path != NULL; f++) {
		len = strlen(f->path);
		if (strncmp(f->path, "templates/", 10) != 0 || len < 16 ||
		    strcmp(f->path + len - 5, ".html") != 0)
			continue;
		(void)snprintf(name, sizeof(name), "%.*s", (int)(len - 15),
		    f->path + 10);
		if (!mustache_set_add(render_set, name, (const char *)f->data,
		    f->len, err, errlen))
			return (0);
	}
	return (1);
}

int
render_page(const char *name, const struct mustache_value *ctx,
    struct strbuf *out)
{
	char		err[256];

	if (!mustache_render(render_set, name, ctx, out, err, sizeof(err))) {
		fprintf(stderr, "render %s: %s\n", name, err);
		return (0);
	}
	return (!out->failed);
}
