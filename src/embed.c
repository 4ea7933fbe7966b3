#include <string.h>

#include "embed.h"

const struct embed_file *
embed_find(const char *path)
{
	const struct embed_file	*f;

	for (f = embed_files; f->path != NULL; f++) {
		if (!strcmp(f->path, path))
			return (f);
	}
	return (NULL);
}
