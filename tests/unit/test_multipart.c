#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "multipart.h"

#define B	"----WebKitFormBoundaryx7Aq"

static void	parses(struct multipart *, const char *, size_t);
static void	refuses(const char *, size_t, const char *);

static void
parses(struct multipart *mp, const char *body, size_t len)
{
	char	err[128];

	multipart_init(mp);
	err[0] = '\0';
	cr_assert_eq(multipart_parse(mp, body, len, B, err, sizeof(err)), 1,
	    "refused: %s", err);
}

static void
refuses(const char *body, size_t len, const char *want)
{
	struct multipart	mp;
	char			err[128];

	multipart_init(&mp);
	err[0] = '\0';
	cr_assert_eq(multipart_parse(&mp, body, len, B, err, sizeof(err)), 0,
	    "accepted: %.*s", (int)len, body);
	cr_assert_str_eq(err, want);
	cr_assert_eq(mp.fields.nfields, 0);
	cr_assert_null(mp.fields.fields);
	cr_assert_eq(mp.nfiles, 0);
	multipart_free(&mp);
}

Test(multipart, a_browser_form_with_a_file)
{
	static const char	body[] =
	    "--" B "\r\n"
	    "Content-Disposition: form-data; name=\"csrf\"\r\n\r\n"
	    "tok\r\n"
	    "--" B "\r\n"
	    "Content-Disposition: form-data; name=\"logo\"; "
	    "filename=\"a;b \\\"c\\\".png\"\r\n"
	    "Content-Type: image/png\r\n\r\n"
	    "\x89PNG\r\n\x1a\n\0\r\n----WebKit\r\n"
	    "--" B "\r\n"
	    "content-disposition: form-data; name=\"address\"\r\n\r\n"
	    "1 Main St\r\nPortland\r\n"
	    "--" B "--\r\nepilogue";
	struct multipart		 mp;
	const struct multipart_file	*f;

	parses(&mp, body, sizeof(body) - 1);
	cr_assert_eq(mp.fields.nfields, 2);
	cr_assert_str_eq(form_get(&mp.fields, "csrf"), "tok");
	cr_assert_str_eq(form_get(&mp.fields, "address"),
	    "1 Main St\r\nPortland");
	cr_assert_eq(mp.nfiles, 1);
	f = multipart_file(&mp, "logo");
	cr_assert_not_null(f);
	cr_assert_eq(f->len, 21, "%zu", f->len);
	cr_assert_eq(memcmp(f->data, "\x89PNG\r\n\x1a\n\0\r\n----WebKit", 21),
	    0, "a near-boundary is content");
	cr_assert_null(multipart_file(&mp, "csrf"));
	multipart_free(&mp);
}

Test(multipart, no_file_chosen_and_no_parts)
{
	static const char	body[] =
	    "--" B "\r\n"
	    "Content-Disposition: form-data; name=\"logo\"; filename=\"\"\r\n"
	    "Content-Type: application/octet-stream\r\n\r\n"
	    "\r\n--" B "--";
	struct multipart	mp;

	parses(&mp, body, sizeof(body) - 1);
	cr_assert_eq(mp.nfiles, 1);
	cr_assert_eq(multipart_file(&mp, "logo")->len, 0);
	multipart_free(&mp);
	parses(&mp, "--" B "--\r\n", strlen(B) + 6);
	cr_assert_eq(mp.fields.nfields + mp.nfiles, 0);
	multipart_free(&mp);
}

Test(multipart, refusals)
{
	static const char	ctl[] = "--" B "\r\nContent-Disposition: "
				    "form-data; name=\"a\x01\"\r\n\r\n1\r\n--" B "--";
	char			big[3000];

	refuses("", 0, "the body does not start with its boundary");
	refuses("x--" B "--", strlen(B) + 5,
	    "the body does not start with its boundary");
	refuses("--" B "\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n"
	    "1", strlen(B) + 50, "part 1: no closing boundary");
	refuses("--" B "\r\nContent-Type: text/plain\r\n\r\n1\r\n--" B "--",
	    2 * strlen(B) + 40,
	    "part 1: no form-data Content-Disposition with a name");
	refuses("--" B "\r\nContent-Disposition: attachment; name=\"a\"\r\n\r\n"
	    "1\r\n--" B "--", 2 * strlen(B) + 58,
	    "part 1: no form-data Content-Disposition with a name");
	refuses("--" B "\r\nContent-Disposition: form-data; name=\"a\r\n\r\n"
	    "1\r\n--" B "--", 2 * strlen(B) + 56,
	    "part 1: no form-data Content-Disposition with a name");
	refuses("--" B "\r\nno colon\r\n\r\n1\r\n--" B "--", 2 * strlen(B) + 24,
	    "part 1: a header line without a colon");
	refuses("--" B "junk", strlen(B) + 6,
	    "part 1: no line break after the boundary");
	refuses("--" B "\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n"
	    "x\0y\r\n--" B "--", 2 * strlen(B) + 56,
	    "field 1: contains a NUL byte");
	refuses(ctl, sizeof(ctl) - 1, "part 1: a control byte in a field name");
	memset(big, 'h', sizeof(big));
	memcpy(big, "--" B "\r\nX-Pad: ", strlen(B) + 11);
	refuses(big, sizeof(big), "part 1: headers missing or too long");
}

Test(multipart, at_most_four_files)
{
	char			 body[2048];
	struct multipart	 mp;
	char			 err[128];
	size_t			 n;
	int			 i;

	n = 0;
	for (i = 0; i < 5; i++)
		n += (size_t)snprintf(body + n, sizeof(body) - n, "--" B "\r\n"
		    "Content-Disposition: form-data; name=\"f%d\"; "
		    "filename=\"f\"\r\n\r\nx\r\n", i);
	n += (size_t)snprintf(body + n, sizeof(body) - n, "--" B "--");
	multipart_init(&mp);
	cr_assert_eq(multipart_parse(&mp, body, n, B, err, sizeof(err)), 0);
	cr_assert_str_eq(err, "too many files (max 4)");
	multipart_free(&mp);
}

Test(multipart, boundary_from_the_content_type)
{
	char	b[MULTIPART_BOUNDARY_MAX + 1];

	cr_assert(multipart_boundary("multipart/form-data; boundary=" B, b,
	    sizeof(b)));
	cr_assert_str_eq(b, B);
	cr_assert(multipart_boundary("Multipart/Form-Data; charset=utf-8; "
	    "boundary=\"a b:c\"", b, sizeof(b)));
	cr_assert_str_eq(b, "a b:c");
	cr_assert(!multipart_boundary("application/x-www-form-urlencoded", b,
	    sizeof(b)));
	cr_assert(!multipart_boundary("multipart/form-data", b, sizeof(b)));
	cr_assert(!multipart_boundary("multipart/form-data; boundary=", b,
	    sizeof(b)));
	cr_assert(!multipart_boundary("multipart/form-data; boundary=\"a \"",
	    b, sizeof(b)));
	cr_assert(!multipart_boundary("multipart/form-data; boundary=a\"b", b,
	    sizeof(b)));
	cr_assert(!multipart_boundary("multipart/form-data; boundary=0123456789"
	    "0123456789012345678901234567890123456789012345678901234567890", b,
	    sizeof(b)), "71 bytes");
}
