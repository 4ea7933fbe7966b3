#include <criterion/criterion.h>

#include <stdlib.h>
#include <string.h>

#include "cookie.h"

static void	finds(const char *, const char *, const char *);
static void	absent(const char *, size_t, const char *);

static void
finds(const char *hdr, const char *name, const char *want)
{
	char	out[256];

	memset(out, 'x', sizeof(out));
	cr_assert_eq(cookie_get(hdr, strlen(hdr), name, out, sizeof(out)), 1,
	    "%s in \"%s\" not found", name, hdr);
	cr_assert_str_eq(out, want, "%s in \"%s\"", name, hdr);
}

static void
absent(const char *hdr, size_t len, const char *name)
{
	char	out[256];

	memset(out, 'x', sizeof(out));
	cr_assert_eq(cookie_get(hdr, len, name, out, sizeof(out)), 0,
	    "%s in \"%.*s\" found: \"%s\"", name, (int)len, hdr, out);
	cr_assert_eq(out[0], '\0');
}

Test(cookie, basic)
{
	finds("a=1; b=2", "a", "1");
	finds("a=1; b=2", "b", "2");
	finds("sid=AbC-_09", "sid", "AbC-_09");
	absent("a=1; b=2", 8, "c");
	absent("", 0, "a");
}

Test(cookie, odd_whitespace)
{
	finds("a=1;b=2", "b", "2");
	finds("  a = 1 ;\tb=2\t", "a", "1");
	finds("  a = 1 ;\tb=2\t", "b", "2");
	finds(";;a=1;", "a", "1");
	finds(" ; ; a=1 ; ; ", "a", "1");
	finds("a=1 ;   b=  two words  ", "b", "two words");
	finds("a\t=\t1", "a", "1");
}

/* Names match exactly: case, prefixes and suffixes count. */
Test(cookie, names)
{
	finds("xsid=1; sidx=2; SID=3; sid=4", "sid", "4");
	absent("xsid=1; sidx=2; SID=3", 21, "sid");
	finds("s i d=1; sid=2", "sid", "2");
	finds("s i d=1; sid=2", "s i d", "1");
	absent("a=1", 3, "");
	absent("=1", 2, "");
	/* A pair without '=' is not a cookie named by its text. */
	finds("sid; sid=4", "sid", "4");
	absent("sid", 3, "sid");
}

Test(cookie, values)
{
	finds("sid=", "sid", "");
	finds("sid=  ; a=1", "sid", "");
	finds("sid=a=b==", "sid", "a=b==");
	finds("sid=\xc3\xa9t\xc3\xa9", "sid", "\xc3\xa9t\xc3\xa9");
	finds("sid=a,b", "sid", "a,b");
}

/* RFC 6265 cookie-value: DQUOTE *cookie-octet DQUOTE loses the quotes. */
Test(cookie, quoted)
{
	finds("sid=\"abc\"", "sid", "abc");
	finds("sid=\"\"", "sid", "");
	finds("sid= \"abc\" ; a=1", "sid", "abc");
	finds("sid=\" a b \"", "sid", " a b ");
	finds("sid=\"\"abc\"\"", "sid", "\"abc\"");
	/* Unbalanced quotes are left as they are. */
	finds("sid=\"", "sid", "\"");
	finds("sid=\"abc", "sid", "\"abc");
	finds("sid=abc\"", "sid", "abc\"");
}

/* The first cookie of a name decides, even when it is unusable. */
Test(cookie, first_wins)
{
	char	out[4];

	finds("sid=1; sid=2", "sid", "1");
	finds("a=0; sid=; sid=2", "sid", "");
	absent("sid=a\x01z; sid=2", 15, "sid");
	cr_assert_eq(cookie_get("sid=toolong; sid=ok", 19, "sid", out,
	    sizeof(out)), 0);
}

Test(cookie, control_bytes)
{
	absent("sid=a\x01z", 7, "sid");
	absent("sid=a\x7fz", 7, "sid");
	absent("sid=a\tz", 7, "sid");
	absent("sid=a\r\nz", 8, "sid");
	absent("sid=a\0z", 7, "sid");
	absent("sid=\"a\0\"", 8, "sid");
	/* Control bytes elsewhere do not matter. */
	finds("x=\x01\x02; sid=ok", "sid", "ok");
}

/* A NUL inside len is a byte like any other, not the end. */
Test(cookie, embedded_nul)
{
	char	out[16];

	cr_assert_eq(cookie_get("a=1\0; sid=2", 11, "sid", out, sizeof(out)),
	    1);
	cr_assert_str_eq(out, "2");
	cr_assert_eq(cookie_get("a\0b=1; sid=3", 12, "a", out, sizeof(out)),
	    0);
}

Test(cookie, out_length)
{
	char	out[8];

	memset(out, 'x', sizeof(out));
	cr_assert_eq(cookie_get("sid=1234567", 11, "sid", out, 8), 1);
	cr_assert_str_eq(out, "1234567");
	memset(out, 'x', sizeof(out));
	cr_assert_eq(cookie_get("sid=12345678", 12, "sid", out, 8), 0);
	cr_assert_eq(out[0], '\0');
	cr_assert_eq(cookie_get("sid=\"1234567\"", 13, "sid", out, 8), 1);
	cr_assert_str_eq(out, "1234567");
	cr_assert_eq(cookie_get("sid=", 4, "sid", out, 1), 1);
	cr_assert_str_eq(out, "");
	cr_assert_eq(cookie_get("sid=1", 5, "sid", out, 1), 0);
	cr_assert_eq(cookie_get("sid=", 4, "sid", out, 0), 0);
}

/*
 * Only len bytes are read: the header is copied to a buffer of exactly
 * that size, so ASan reports any byte read past it.
 */
Test(cookie, bounded)
{
	static const char	 hdr[] = "a=1; sid=secret";
	char			 out[32];
	char			*h;
	size_t			 len;

	for (len = 0; len <= sizeof(hdr) - 1; len++) {
		cr_assert_not_null(h = malloc(len ? len : 1));
		memcpy(h, hdr, len);
		if (len < 9) {
			cr_assert_eq(cookie_get(h, len, "sid", out,
			    sizeof(out)), 0, "len %zu", len);
		} else {
			cr_assert_eq(cookie_get(h, len, "sid", out,
			    sizeof(out)), 1, "len %zu", len);
			cr_assert_eq(strlen(out), len - 9);
			cr_assert_eq(memcmp(out, "secret", len - 9), 0);
		}
		free(h);
	}
}

Test(cookie, null_arguments)
{
	char	out[8];

	cr_assert_eq(cookie_get(NULL, 0, "a", out, sizeof(out)), 0);
	cr_assert_eq(cookie_get("a=1", 3, NULL, out, sizeof(out)), 0);
	cr_assert_eq(cookie_get("a=1", 3, "a", NULL, 0), 0);
}

Test(cookie, value_valid)
{
	char	buf[COOKIE_VALUE_MAX + 2];

	cr_assert_eq(cookie_value_valid("AZaz09-_"), 1);
	cr_assert_eq(cookie_value_valid("x"), 1);
	cr_assert_eq(cookie_value_valid(""), 0);
	cr_assert_eq(cookie_value_valid(NULL), 0);
	cr_assert_eq(cookie_value_valid("a=b"), 0);
	cr_assert_eq(cookie_value_valid("a b"), 0);
	cr_assert_eq(cookie_value_valid("a+b"), 0);
	cr_assert_eq(cookie_value_valid("a/b"), 0);
	cr_assert_eq(cookie_value_valid("a;b"), 0);
	cr_assert_eq(cookie_value_valid("\"ab\""), 0);
	cr_assert_eq(cookie_value_valid("ab."), 0);
	cr_assert_eq(cookie_value_valid("\xc3\xa9"), 0);

	memset(buf, 'A', sizeof(buf));
	buf[COOKIE_VALUE_MAX] = '\0';
	cr_assert_eq(cookie_value_valid(buf), 1);
	buf[COOKIE_VALUE_MAX] = 'A';
	buf[COOKIE_VALUE_MAX + 1] = '\0';
	cr_assert_eq(cookie_value_valid(buf), 0);
}
