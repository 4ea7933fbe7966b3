/*
 * libFuzzer driver for form.c: a parsed form must respect every limit,
 * hold only valid UTF-8 without NULs, and parse back identically after
 * encoding it again.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "form.h"
#include "strbuf.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void	fuzz_check(const struct form *);
static void	fuzz_encode(struct strbuf *, const char *);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct form	 f, again;
	struct strbuf	 sb;
	char		 err[128];
	char		*body;
	size_t		 i;

	/* A copy of exactly size bytes, so ASan sees any overread. */
	if ((body = malloc(size ? size : 1)) == NULL)
		return (0);
	memcpy(body, data, size);

	form_init(&f);
	err[0] = '\0';
	if (!form_parse(&f, body, size, err, sizeof(err))) {
		if (err[0] == '\0' || f.fields != NULL || f.nfields != 0)
			abort();
		free(body);
		return (0);
	}
	fuzz_check(&f);

	strbuf_init(&sb);
	for (i = 0; i < f.nfields; i++) {
		if (i > 0)
			strbuf_appendc(&sb, '&');
		fuzz_encode(&sb, f.fields[i].name);
		strbuf_appendc(&sb, '=');
		fuzz_encode(&sb, f.fields[i].value);
	}
	if (!sb.failed && sb.len <= FORM_MAX_BODY) {
		form_init(&again);
		if (!form_parse(&again, strbuf_cstr(&sb), sb.len, err,
		    sizeof(err)))
			abort();
		if (again.nfields != f.nfields)
			abort();
		for (i = 0; i < f.nfields; i++) {
			if (strcmp(again.fields[i].name,
			    f.fields[i].name) != 0 ||
			    strcmp(again.fields[i].value,
			    f.fields[i].value) != 0)
				abort();
		}
		form_free(&again);
	}
	strbuf_free(&sb);
	form_free(&f);
	free(body);
	return (0);
}

static void
fuzz_check(const struct form *f)
{
	const struct form_field	*fld;
	size_t			 i, j;

	if (f->nfields > FORM_MAX_FIELDS)
		abort();
	for (i = 0; i < f->nfields; i++) {
		fld = &f->fields[i];
		if (fld->name[0] == '\0' || strlen(fld->name) > FORM_MAX_NAME)
			abort();
		if (strlen(fld->value) != fld->value_len ||
		    fld->value_len > FORM_MAX_VALUE)
			abort();
		for (j = 0; j < i; j++) {
			if (strcmp(f->fields[j].name, fld->name) == 0)
				break;
		}
		/* form_get returns the first of the name. */
		if (form_get(f, fld->name) != f->fields[j].value)
			abort();
		if (form_count(f, fld->name) == 0)
			abort();
	}
}

/* Escapes only what would change the parse, so most bodies stay short. */
static void
fuzz_encode(struct strbuf *sb, const char *s)
{
	for (; *s != '\0'; s++) {
		switch (*s) {
		case '%':
			strbuf_appends(sb, "%25");
			break;
		case '&':
			strbuf_appends(sb, "%26");
			break;
		case '=':
			strbuf_appends(sb, "%3D");
			break;
		case '+':
			strbuf_appends(sb, "%2B");
			break;
		case ' ':
			strbuf_appendc(sb, '+');
			break;
		default:
			strbuf_appendc(sb, *s);
			break;
		}
	}
}
