#include <criterion/criterion.h>

#include <stdlib.h>
#include <string.h>

#include "form.h"

static void	parses(struct form *, const char *);
static void	refuses(const char *, size_t, const char *);
static void	field_is(const struct form *, size_t, const char *,
		    const char *);

static void
parses(struct form *f, const char *body)
{
	char		 err[128];

	form_init(f);
	err[0] = '\0';
	cr_assert_eq(form_parse(f, body, strlen(body), err, sizeof(err)), 1,
	    "\"%s\" refused: %s", body, err);
}

static void
refuses(const char *body, size_t len, const char *want)
{
	struct form	 f;
	char		 err[128];

	form_init(&f);
	err[0] = '\0';
	cr_assert_eq(form_parse(&f, body, len, err, sizeof(err)), 0,
	    "\"%.*s\" accepted", (int)len, body);
	cr_assert_str_eq(err, want, "\"%.*s\"", (int)len, body);
	cr_assert_null(f.fields);
	cr_assert_eq(f.nfields, 0);
	form_free(&f);
}

static void
field_is(const struct form *f, size_t i, const char *name, const char *value)
{
	cr_assert_lt(i, f->nfields);
	cr_assert_str_eq(f->fields[i].name, name);
	cr_assert_str_eq(f->fields[i].value, value);
	cr_assert_eq(f->fields[i].value_len, strlen(value));
}

Test(form, simple)
{
	struct form	 f;

	parses(&f, "amount=12.50&method=card");
	cr_assert_eq(f.nfields, 2);
	field_is(&f, 0, "amount", "12.50");
	field_is(&f, 1, "method", "card");
	cr_assert_str_eq(form_get(&f, "amount"), "12.50");
	cr_assert_str_eq(form_get(&f, "method"), "card");
	cr_assert_null(form_get(&f, "missing"));
	cr_assert_null(form_get(&f, "amoun"));
	cr_assert_eq(form_count(&f, "amount"), 1);
	cr_assert_eq(form_count(&f, "missing"), 0);
	form_free(&f);
	cr_assert_null(f.fields);
	cr_assert_eq(f.nfields, 0);
}

Test(form, empty_body)
{
	struct form	 f;
	char		 err[64];

	parses(&f, "");
	cr_assert_eq(f.nfields, 0);
	cr_assert_null(form_get(&f, "a"));
	form_free(&f);

	form_init(&f);
	cr_assert_eq(form_parse(&f, NULL, 0, err, sizeof(err)), 1);
	cr_assert_eq(f.nfields, 0);
	form_free(&f);

	parses(&f, "&&&");
	cr_assert_eq(f.nfields, 0);
	form_free(&f);
}

Test(form, decoding)
{
	struct form	 f;

	parses(&f, "name=Jane+Q.+Doe&note=a%26b%3Dc%25&x=%7e%7E&sp=%20+");
	cr_assert_eq(f.nfields, 4);
	field_is(&f, 0, "name", "Jane Q. Doe");
	field_is(&f, 1, "note", "a&b=c%");
	field_is(&f, 2, "x", "~~");
	field_is(&f, 3, "sp", "  ");
	form_free(&f);

	parses(&f, "first+name=x&%61%6D%6F%75%6E%74=5");
	field_is(&f, 0, "first name", "x");
	field_is(&f, 1, "amount", "5");
	form_free(&f);

	/* Only the first '=' splits; '+' decoded after splitting. */
	parses(&f, "a=b=c&d=%2B");
	field_is(&f, 0, "a", "b=c");
	field_is(&f, 1, "d", "+");
	form_free(&f);
}

Test(form, empty_pairs_and_values)
{
	struct form	 f;

	parses(&f, "a=1&&b=2&");
	cr_assert_eq(f.nfields, 2);
	field_is(&f, 0, "a", "1");
	field_is(&f, 1, "b", "2");
	form_free(&f);

	parses(&f, "&flag&empty=&c=3");
	cr_assert_eq(f.nfields, 3);
	field_is(&f, 0, "flag", "");
	field_is(&f, 1, "empty", "");
	field_is(&f, 2, "c", "3");
	cr_assert_str_eq(form_get(&f, "flag"), "");
	form_free(&f);
}

Test(form, repeated_names)
{
	struct form	 f;

	parses(&f, "inv=A1&amt=5&inv=B2&inv=C3&amt=7");
	cr_assert_eq(f.nfields, 5);
	cr_assert_eq(form_count(&f, "inv"), 3);
	cr_assert_eq(form_count(&f, "amt"), 2);
	cr_assert_str_eq(form_get(&f, "inv"), "A1");
	cr_assert_str_eq(form_get(&f, "amt"), "5");
	field_is(&f, 0, "inv", "A1");
	field_is(&f, 2, "inv", "B2");
	field_is(&f, 3, "inv", "C3");
	field_is(&f, 4, "amt", "7");
	form_free(&f);
}

Test(form, utf8)
{
	struct form	 f;

	/* "Zoë" and "€" and U+1F600, encoded and raw. */
	parses(&f, "n=Zo%C3%AB&c=%E2%82%AC&e=%F0%9F%98%80&r=\xc3\xab");
	field_is(&f, 0, "n", "Zo\xc3\xab");
	field_is(&f, 1, "c", "\xe2\x82\xac");
	field_is(&f, 2, "e", "\xf0\x9f\x98\x80");
	field_is(&f, 3, "r", "\xc3\xab");
	form_free(&f);

	parses(&f, "max=%F4%8F%BF%BF&min=%C2%80&pre=%ED%9F%BF");
	field_is(&f, 0, "max", "\xf4\x8f\xbf\xbf");
	form_free(&f);

	refuses("a=%C3", 5, "field 1: invalid UTF-8");
	refuses("a=%C3%28", 8, "field 1: invalid UTF-8");
	refuses("a=1&b=%FF", 9, "field 2: invalid UTF-8");
	/* Overlong forms, a surrogate, U+110000, a cut sequence. */
	refuses("a=%C0%AF", 8, "field 1: invalid UTF-8");
	refuses("a=%E0%80%AF", 11, "field 1: invalid UTF-8");
	refuses("a=%ED%A0%80", 11, "field 1: invalid UTF-8");
	refuses("a=%F4%90%80%80", 14, "field 1: invalid UTF-8");
	refuses("a=%F0%9F%98", 11, "field 1: invalid UTF-8");
	refuses("%80=1", 5, "field 1: invalid UTF-8");
	refuses("a=\xe2\x82", 4, "field 1: invalid UTF-8");
}

Test(form, bad_escapes)
{
	refuses("a=%", 3, "field 1: invalid percent-encoding");
	refuses("a=%4", 4, "field 1: invalid percent-encoding");
	refuses("a=%4&b=1", 8, "field 1: invalid percent-encoding");
	refuses("a=%G0", 5, "field 1: invalid percent-encoding");
	refuses("a=%0G", 5, "field 1: invalid percent-encoding");
	refuses("a=% 1", 5, "field 1: invalid percent-encoding");
	refuses("a=%+1", 5, "field 1: invalid percent-encoding");
	refuses("a=1&&b=2&c=%%", 13, "field 3: invalid percent-encoding");
	refuses("%zz=1", 5, "field 1: invalid percent-encoding");
}

Test(form, nul)
{
	refuses("a=%00", 5, "field 1: contains a NUL byte");
	refuses("a=x%00y", 7, "field 1: contains a NUL byte");
	refuses("a%00b=1", 7, "field 1: contains a NUL byte");
	refuses("a=1&b=x\0y", 9, "field 2: contains a NUL byte");
}

Test(form, empty_name)
{
	refuses("=1", 2, "field 1: empty name");
	refuses("a=1&=", 5, "field 2: empty name");
}

Test(form, limits)
{
	struct form	 f;
	char		*body, err[64];
	size_t		 i, n;

	body = malloc(FORM_MAX_BODY + 2);
	cr_assert_not_null(body);

	/* A name of exactly FORM_MAX_NAME bytes, then one more. */
	memset(body, 'n', FORM_MAX_NAME);
	memcpy(body + FORM_MAX_NAME, "=v", 2);
	form_init(&f);
	cr_assert_eq(form_parse(&f, body, FORM_MAX_NAME + 2, err,
	    sizeof(err)), 1);
	cr_assert_eq(strlen(f.fields[0].name), FORM_MAX_NAME);
	form_free(&f);
	memset(body, 'n', FORM_MAX_NAME + 1);
	memcpy(body + FORM_MAX_NAME + 1, "=v", 2);
	refuses(body, FORM_MAX_NAME + 3,
	    "field 1: name too long (max 128 bytes)");

	/* Limits apply to decoded lengths: %41 is one byte. */
	n = 0;
	memcpy(body, "v=", 2);
	for (i = 0; i < FORM_MAX_VALUE; i++, n += 3)
		memcpy(body + 2 + n, "%41", 3);
	form_init(&f);
	cr_assert_eq(form_parse(&f, body, 2 + n, err, sizeof(err)), 1);
	cr_assert_eq(f.fields[0].value_len, FORM_MAX_VALUE);
	form_free(&f);
	memcpy(body + 2 + n, "A", 1);
	refuses(body, 3 + n, "field 1: value too long (max 2048 bytes)");

	/* FORM_MAX_FIELDS fields of "a&", then one more. */
	for (i = 0; i < FORM_MAX_FIELDS; i++)
		memcpy(body + 2 * i, "a&", 2);
	form_init(&f);
	cr_assert_eq(form_parse(&f, body, 2 * FORM_MAX_FIELDS, err,
	    sizeof(err)), 1);
	cr_assert_eq(f.nfields, FORM_MAX_FIELDS);
	cr_assert_eq(form_count(&f, "a"), FORM_MAX_FIELDS);
	form_free(&f);
	body[2 * FORM_MAX_FIELDS] = 'b';
	refuses(body, 2 * FORM_MAX_FIELDS + 1, "too many fields (max 512)");

	/* Empty pairs do not count towards the field limit. */
	memset(body, '&', FORM_MAX_BODY + 1);
	body[0] = 'a';
	form_init(&f);
	cr_assert_eq(form_parse(&f, body, FORM_MAX_BODY, err, sizeof(err)), 1);
	cr_assert_eq(f.nfields, 1);
	form_free(&f);
	refuses(body, FORM_MAX_BODY + 1, "body too large (max 65536 bytes)");

	free(body);
}

Test(form, error_buffer)
{
	struct form	 f;
	char		 err[8];

	form_init(&f);
	cr_assert_eq(form_parse(&f, "a=%", 3, err, sizeof(err)), 0);
	cr_assert_str_eq(err, "field 1");
	cr_assert_eq(form_parse(&f, "a=%", 3, NULL, 0), 0);
	cr_assert_eq(f.nfields, 0);
}

Test(form, only_len_bytes)
{
	struct form	 f;
	char		 err[64];

	form_init(&f);
	cr_assert_eq(form_parse(&f, "a=12&b=3", 4, err, sizeof(err)), 1);
	cr_assert_eq(f.nfields, 1);
	field_is(&f, 0, "a", "12");
	form_free(&f);
}
