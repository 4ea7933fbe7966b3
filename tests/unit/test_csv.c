#include <criterion/criterion.h>

#include <stdlib.h>
#include <string.h>

#include "csv.h"
#include "strbuf.h"

static void	row_is(const char *const *, size_t, const char *);
static void	one_is(const char *, const char *);
static size_t	read_row(const char *, char **, size_t, size_t *);

static void
row_is(const char *const *fields, size_t n, const char *want)
{
	struct strbuf	 sb;

	strbuf_init(&sb);
	csv_row(&sb, fields, n);
	cr_assert_eq(sb.failed, 0);
	cr_assert_str_eq(strbuf_cstr(&sb), want);
	strbuf_free(&sb);
}

/* One field in a row of two, so the single-empty-field rule stays out. */
static void
one_is(const char *field, const char *want)
{
	struct strbuf	 sb;
	const char	*fields[2];

	fields[0] = field;
	fields[1] = "x";
	strbuf_init(&sb);
	csv_row(&sb, fields, 2);
	cr_assert_eq(sb.failed, 0);
	cr_assert_geq(sb.len, 4);
	cr_assert_str_eq(sb.data + sb.len - 4, ",x\r\n", "\"%s\"", field);
	sb.data[sb.len - 4] = '\0';
	cr_assert_str_eq(sb.data, want, "\"%s\"", field);
	strbuf_free(&sb);
}

/*
 * A strict RFC 4180 reader, written apart from csv.c: reads one row at
 * s into at most max malloc'd fields, sets *n, returns the bytes used.
 */
static size_t
read_row(const char *s, char **out, size_t max, size_t *n)
{
	const char	*p;
	char		*f;
	size_t		 len;

	*n = 0;
	p = s;
	for (;;) {
		cr_assert_lt(*n, max);
		cr_assert_not_null(f = malloc(strlen(p) + 1));
		len = 0;
		if (*p == '"') {
			for (p++;; p++) {
				cr_assert_neq(*p, '\0', "unterminated quote");
				if (*p == '"' && p[1] == '"')
					f[len++] = *p++;
				else if (*p == '"')
					break;
				else
					f[len++] = *p;
			}
			p++;
		} else {
			for (; *p != ',' && *p != '\r' && *p != '\0'; p++) {
				cr_assert_neq(*p, '"', "bare quote");
				cr_assert_neq(*p, '\n', "bare LF");
				f[len++] = *p;
			}
		}
		f[len] = '\0';
		out[(*n)++] = f;
		if (*p == ',') {
			p++;
			continue;
		}
		cr_assert_eq(p[0], '\r', "field not followed by , or CRLF");
		cr_assert_eq(p[1], '\n');
		return ((size_t)(p + 2 - s));
	}
}

Test(csv, plain)
{
	const char	*r1[] = { "INV-1001", "Northwind", "125.00" };
	const char	*r2[] = { "a", NULL, "", "b" };
	const char	*r3[] = { "inner space ok" };

	row_is(r1, 3, "INV-1001,Northwind,125.00\r\n");
	row_is(r2, 4, "a,,,b\r\n");
	row_is(r3, 1, "inner space ok\r\n");
	row_is(NULL, 0, "\r\n");
}

/* A lone empty field is written as "" so the row is not a blank line. */
Test(csv, single_empty_field)
{
	const char	*empty[] = { "" };
	const char	*null[] = { NULL };
	const char	*two[] = { "", "" };

	row_is(empty, 1, "\"\"\r\n");
	row_is(null, 1, "\"\"\r\n");
	row_is(two, 2, ",\r\n");
}

Test(csv, quoting)
{
	one_is("a,b", "\"a,b\"");
	one_is("say \"hi\"", "\"say \"\"hi\"\"\"");
	one_is("\"", "\"\"\"\"");
	one_is("line\nbreak", "\"line\nbreak\"");
	one_is("line\r\nbreak", "\"line\r\nbreak\"");
	one_is("cr\r", "\"cr\r\"");
	one_is(" lead", "\" lead\"");
	one_is("trail ", "\"trail \"");
	one_is(" ", "\" \"");
	one_is("in side", "in side");
	one_is("tab\tinside", "tab\tinside");
	one_is("caf\xc3\xa9", "caf\xc3\xa9");
	one_is("it's", "it's");
}

/* Cells a spreadsheet would evaluate start with a quote instead. */
Test(csv, formula_guard)
{
	one_is("=SUM(A1:A9)", "'=SUM(A1:A9)");
	one_is("+1", "'+1");
	one_is("+12.50", "'+12.50");
	one_is("-1+2", "'-1+2");
	one_is("@SUM(A1)", "'@SUM(A1)");
	one_is("\tx", "'\tx");
	one_is("\rx", "\"'\rx\"");
	one_is("=1,2", "\"'=1,2\"");
	one_is("=HYPERLINK(\"http://x.example\")",
	    "\"'=HYPERLINK(\"\"http://x.example\"\")\"");
	one_is("-cmd|' /C calc'!A0", "'-cmd|' /C calc'!A0");
	one_is("=", "'=");
	one_is("-", "'-");
	/* Not at the start: no guard. */
	one_is("a=1", "a=1");
	one_is("x-1", "x-1");
}

/* Amounts are plain decimals and stay numbers. */
Test(csv, numbers)
{
	one_is("-12.50", "-12.50");
	one_is("12.50", "12.50");
	one_is("-0", "-0");
	one_is("-1234567890123", "-1234567890123");
	one_is("0.5", "0.5");
	/* Anything else after a leading '-' is guarded. */
	one_is("-.5", "'-.5");
	one_is("-12.", "'-12.");
	one_is("-12.5.0", "'-12.5.0");
	one_is("-1e5", "'-1e5");
	one_is("-12,50", "\"'-12,50\"");
	one_is("- 12", "'- 12");
	one_is("--12", "'--12");
	one_is("-12.50 ", "\"'-12.50 \"");
	one_is("-\xd9\xa1", "'-\xd9\xa1");
}

Test(csv, appends)
{
	struct strbuf	 sb;
	const char	*r1[] = { "id", "amount" };
	const char	*r2[] = { "1", "-3.00" };

	strbuf_init(&sb);
	csv_row(&sb, r1, 2);
	csv_row(&sb, r2, 2);
	cr_assert_str_eq(strbuf_cstr(&sb), "id,amount\r\n1,-3.00\r\n");
	strbuf_free(&sb);
}

/* Every field reads back as written, with the guard's quote in front. */
Test(csv, round_trip)
{
	static const char	*fields[] = {
		"plain", "", NULL, "a,b", "\"", "\"\"", "x\"y", "\r\n", "\n",
		" both ", "=1+1", "-12.50", "-x", "@", "\t", "\r", ",", "'",
		"a\r\nb,\"c\"", "=\"a,b\"",
	};
	struct strbuf		 sb;
	char			*got[32];
	const char		*f;
	size_t			 n, i, used;
	int			 guard;

	strbuf_init(&sb);
	csv_row(&sb, fields, sizeof(fields) / sizeof(fields[0]));
	cr_assert_eq(sb.failed, 0);
	used = read_row(strbuf_cstr(&sb), got, 32, &n);
	cr_assert_eq(used, sb.len);
	cr_assert_eq(n, sizeof(fields) / sizeof(fields[0]));
	for (i = 0; i < n; i++) {
		f = fields[i] == NULL ? "" : fields[i];
		guard = f[0] != '\0' && strchr("=+-@\t\r", f[0]) != NULL &&
		    strcmp(f, "-12.50") != 0;
		if (guard) {
			cr_assert_eq(got[i][0], '\'', "field %zu", i);
			cr_assert_str_eq(got[i] + 1, f, "field %zu", i);
		} else
			cr_assert_str_eq(got[i], f, "field %zu", i);
		free(got[i]);
	}
	strbuf_free(&sb);
}
