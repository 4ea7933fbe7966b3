/*
 * libFuzzer driver for cookie.c. The first byte picks the cookie name and
 * the rest is the header. A value found must be a C string without
 * control bytes that fits exactly the room it needs, and must be found
 * again in a header made of that value alone; cookie_value_valid must
 * agree with its definition on any string.
 */
#define _GNU_SOURCE	/* memmem(3) on glibc */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cookie.h"

#define FUZZ_OUT	64

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void	fuzz_found(const char *, size_t, const char *, const char *);
static void	fuzz_valid(const uint8_t *, size_t);

static const char	*fuzz_names[] = {
	"sid", "a", "csrf", "__Host-pp", "",
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char	*name;
	char		 out[FUZZ_OUT], big[FUZZ_OUT * 4];
	char		*hdr;
	size_t		 len;

	if (size < 1)
		return (0);
	fuzz_valid(data, size);
	name = fuzz_names[data[0] % (sizeof(fuzz_names) /
	    sizeof(fuzz_names[0]))];
	data++;
	size--;

	/* A copy of exactly size bytes, so ASan sees any overread. */
	if ((hdr = malloc(size ? size : 1)) == NULL)
		return (0);
	memcpy(hdr, data, size);

	if (cookie_get(hdr, size, name, out, sizeof(out))) {
		if (name[0] == '\0')
			abort();
		fuzz_found(hdr, size, name, out);
	} else {
		if (out[0] != '\0')
			abort();
		/* The only reason a larger out can change: room. */
		if (cookie_get(hdr, size, name, big, sizeof(big))) {
			len = strlen(big);
			if (len < sizeof(out))
				abort();
			fuzz_found(hdr, size, name, big);
		}
	}
	free(hdr);
	return (0);
}

static void
fuzz_found(const char *hdr, size_t size, const char *name, const char *val)
{
	char		*again, *out;
	size_t		 len, i, n;

	len = strlen(val);
	for (i = 0; i < len; i++) {
		if ((unsigned char)val[i] < 0x20 || val[i] == 0x7f ||
		    val[i] == ';')
			abort();
	}
	/* Found in the header as it was, quotes aside. */
	if (len > size || (len > 0 && memmem(hdr, size, val, len) == NULL))
		abort();

	if ((out = malloc(len + 1)) == NULL)
		return;
	if (!cookie_get(hdr, size, name, out, len + 1) ||
	    strcmp(out, val) != 0)
		abort();
	if (cookie_get(hdr, size, name, out, len))
		abort();

	/* Alone and quoted, the value reads back as itself. */
	n = strlen(name) + 3 + len;
	if ((again = malloc(n)) == NULL) {
		free(out);
		return;
	}
	memcpy(again, name, strlen(name));
	memcpy(again + strlen(name), "=\"", 2);
	memcpy(again + strlen(name) + 2, val, len);
	again[n - 1] = '"';
	if (!cookie_get(again, n, name, out, len + 1) ||
	    strcmp(out, val) != 0)
		abort();
	free(again);
	free(out);
}

static void
fuzz_valid(const uint8_t *data, size_t size)
{
	char		*s;
	size_t		 i, len;
	int		 want;
	char		 c;

	if ((s = malloc(size + 1)) == NULL)
		return;
	memcpy(s, data, size);
	s[size] = '\0';
	len = strlen(s);
	want = len >= 1 && len <= COOKIE_VALUE_MAX;
	for (i = 0; i < len; i++) {
		c = s[i];
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '_'))
			want = 0;
	}
	if (cookie_value_valid(s) != want)
		abort();
	free(s);
}
