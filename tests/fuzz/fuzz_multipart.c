/*
 * libFuzzer driver for multipart.c, under the boundary "b": every file
 * found lies inside the body and has a name; the text fields keep the
 * limits of form.c; a refusal leaves nothing behind. The input is also
 * tried as a Content-Type, whose boundary must be one RFC 2046 allows.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "multipart.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void	fuzz_boundary(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct multipart	 mp;
	const unsigned char	*body;
	char			*copy, err[128];
	size_t			 i;

	fuzz_boundary(data, size);
	/* A copy of exactly size bytes, so ASan sees any overread. */
	if ((copy = malloc(size ? size : 1)) == NULL)
		return (0);
	memcpy(copy, data, size);
	body = (const unsigned char *)copy;

	multipart_init(&mp);
	err[0] = '\0';
	if (!multipart_parse(&mp, copy, size, "b", err, sizeof(err))) {
		if (err[0] == '\0' || mp.fields.nfields != 0 || mp.nfiles != 0)
			abort();
		free(copy);
		return (0);
	}
	if (mp.nfiles > MULTIPART_MAX_FILES ||
	    mp.fields.nfields > MULTIPART_MAX_PARTS)
		abort();
	for (i = 0; i < mp.nfiles; i++) {
		if (mp.files[i].name[0] == '\0' || mp.files[i].data < body ||
		    mp.files[i].data + mp.files[i].len > body + size)
			abort();
		if (multipart_file(&mp, mp.files[i].name) == NULL)
			abort();
	}
	for (i = 0; i < mp.fields.nfields; i++) {
		if (mp.fields.fields[i].name[0] == '\0' ||
		    strlen(mp.fields.fields[i].name) > FORM_MAX_NAME ||
		    strlen(mp.fields.fields[i].value) !=
		    mp.fields.fields[i].value_len ||
		    mp.fields.fields[i].value_len > FORM_MAX_VALUE)
			abort();
	}
	multipart_free(&mp);
	free(copy);
	return (0);
}

static void
fuzz_boundary(const uint8_t *data, size_t size)
{
	char	ctype[256], b[MULTIPART_BOUNDARY_MAX + 1];
	size_t	n;

	n = size < sizeof(ctype) - 1 ? size : sizeof(ctype) - 1;
	memcpy(ctype, data, n);
	ctype[n] = '\0';
	if (!multipart_boundary(ctype, b, sizeof(b)))
		return;
	n = strlen(b);
	if (n == 0 || n > MULTIPART_BOUNDARY_MAX || b[n - 1] == ' ' ||
	    strpbrk(b, "\"\\;\r\n") != NULL)
		abort();
}
