#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <qrencode.h>

#include "qr.h"
#include "strbuf.h"

#define SVG_HEAD	"<svg xmlns=\"http://www.w3.org/2000/svg\" " \
			"viewBox=\"0 0 %zu %zu\" role=\"img\" " \
			"aria-label=\"QR code\" shape-rendering=\"crispEdges\">" \
			"<rect width=\"%zu\" height=\"%zu\" fill=\"#fff\"/>" \
			"<path fill=\"#000\" d=\""
#define SVG_TAIL	"\"/></svg>"

static size_t	svg_modules(const char *, unsigned char **);
static size_t	matches_library(const char *);
static char	*repeat(char, size_t);

/*
 * Reads back the SVG qr_svg writes: checks the fixed markup and paints
 * the path's runs into a grid of side n (returned), each module once.
 */
static size_t
svg_modules(const char *svg, unsigned char **gridp)
{
	unsigned char	*grid;
	char		 head[512];
	const char	*p;
	size_t		 n, x, y, run, run2, i;
	int		 used;

	cr_assert_eq(sscanf(svg, "<svg xmlns=\"http://www.w3.org/2000/svg\" "
	    "viewBox=\"0 0 %zu", &n), 1, "%.80s", svg);
	cr_assert_gt(n, 8);
	snprintf(head, sizeof(head), SVG_HEAD, n, n, n, n);
	cr_assert_eq(strncmp(svg, head, strlen(head)), 0, "%s", svg);
	cr_assert_not_null(grid = calloc(n * n, 1));

	for (p = svg + strlen(head); *p == 'M'; p += used) {
		used = 0;
		cr_assert_eq(sscanf(p, "M%zu %zuh%zuv1h-%zuz%n", &x, &y, &run,
		    &run2, &used), 4, "at \"%.20s\"", p);
		cr_assert_gt(used, 0);
		cr_assert_eq(run, run2);
		cr_assert_gt(run, 0);
		cr_assert_lt(y, n);
		cr_assert_leq(x + run, n);
		for (i = x; i < x + run; i++) {
			cr_assert_eq(grid[y * n + i], 0, "painted twice");
			grid[y * n + i] = 1;
		}
	}
	cr_assert_str_eq(p, SVG_TAIL);
	*gridp = grid;
	return (n);
}

/* Compares the SVG of text with libqrencode's own matrix; returns n. */
static size_t
matches_library(const char *text)
{
	struct strbuf	 sb;
	QRcode		*qr;
	unsigned char	*grid;
	const char	*p;
	size_t		 n, w, x, y, i;
	long		 runs;
	int		 dark;

	strbuf_init(&sb);
	cr_assert_eq(qr_svg(text, &sb), 1, "\"%.40s\"", text);
	n = svg_modules(strbuf_cstr(&sb), &grid);

	cr_assert_not_null(qr = QRcode_encodeString8bit(text, 0,
	    QR_ECLEVEL_M));
	w = (size_t)qr->width;
	cr_assert_eq(n, w + 2 * QR_QUIET);
	for (y = 0; y < n; y++) {
		for (x = 0; x < n; x++) {
			dark = 0;
			if (x >= QR_QUIET && x < QR_QUIET + w &&
			    y >= QR_QUIET && y < QR_QUIET + w) {
				dark = qr->data[(y - QR_QUIET) * w +
				    (x - QR_QUIET)] & 1;
			}
			cr_assert_eq(grid[y * n + x], dark,
			    "\"%.40s\": module %zu,%zu", text, x, y);
		}
	}
	/* One path command per maximal run: none split, none merged. */
	runs = 0;
	for (i = 0; i < w * w; i++) {
		if ((qr->data[i] & 1) && (i % w == 0 || !(qr->data[i - 1] & 1)))
			runs++;
	}
	for (p = strbuf_cstr(&sb); (p = strchr(p, 'M')) != NULL; p++)
		runs--;
	cr_assert_eq(runs, 0, "\"%.40s\": runs not maximal", text);

	QRcode_free(qr);
	free(grid);
	strbuf_free(&sb);
	return (n);
}

static char *
repeat(char c, size_t n)
{
	char	*s;

	cr_assert_not_null(s = malloc(n + 1));
	memset(s, c, n);
	s[n] = '\0';
	return (s);
}

Test(qr, matrix_matches_library)
{
	char	*s;

	matches_library("a");
	matches_library("https://pay.example.com/p/p1.k2026."
	    "AAECAwQFBgcICQoLDA0ODwAAAABpVbkA."
	    "0mli7DAcxH69cRvlrKUey08UU2lSKlv-uPR8fjzQjLM");
	matches_library("HTTPS://PAY.EXAMPLE/1234567890");
	matches_library("Gr\xc3\xbc\xc3\x9f""e \xe2\x82\xac 12,50 <&\">");
	s = repeat('z', 1000);
	matches_library(s);
	free(s);
}

Test(qr, size_grows_with_input)
{
	char	*a, *b;
	size_t	 n1, n2, n3;

	a = repeat('x', 100);
	b = repeat('x', 1000);
	n1 = matches_library("short");
	n2 = matches_library(a);
	n3 = matches_library(b);
	cr_assert_eq(n1, 21 + 8, "version 1 is 21 modules wide");
	cr_assert_lt(n1, n2);
	cr_assert_lt(n2, n3);
	free(a);
	free(b);
}

/* 2331 bytes is the most version 40 holds in 8-bit mode at level M. */
Test(qr, capacity)
{
	struct strbuf	 sb;
	char		*s;

	s = repeat('a', 2331);
	cr_assert_eq(matches_library(s), 177 + 8);
	free(s);

	strbuf_init(&sb);
	strbuf_appends(&sb, "before");
	s = repeat('a', 2332);
	cr_assert_eq(qr_svg(s, &sb), 0);
	free(s);
	s = repeat('a', 2954);
	cr_assert_eq(qr_svg(s, &sb), 0);
	free(s);
	s = repeat('a', 10000);
	cr_assert_eq(qr_svg(s, &sb), 0);
	free(s);
	cr_assert_str_eq(strbuf_cstr(&sb), "before");
	cr_assert_eq(sb.failed, 0);
	strbuf_free(&sb);
}

Test(qr, refuses_nothing_to_encode)
{
	struct strbuf	 sb;

	strbuf_init(&sb);
	cr_assert_eq(qr_svg(NULL, &sb), 0);
	cr_assert_eq(qr_svg("", &sb), 0);
	cr_assert_eq(sb.len, 0);
	strbuf_free(&sb);
}

/* It appends, and the text itself never reaches the markup. */
Test(qr, appends_without_text)
{
	struct strbuf	 sb;
	unsigned char	*grid;

	strbuf_init(&sb);
	strbuf_appends(&sb, "<p>");
	cr_assert_eq(qr_svg("<script>alert(1)</script>", &sb), 1);
	cr_assert_eq(strncmp(strbuf_cstr(&sb), "<p><svg ", 8), 0);
	cr_assert_null(strstr(strbuf_cstr(&sb), "script"));
	svg_modules(strbuf_cstr(&sb) + 3, &grid);
	free(grid);
	strbuf_free(&sb);
}

/*
 * Independent of libqrencode's memory layout: the 15-bit format
 * information read from the SVG next to the top-left finder (row 8,
 * columns 0-5, 7, 8; then column 8, rows 7, 5-0; ISO/IEC 18004 7.9) is
 * one of the eight strings for level M. A transposed or mirrored drawing
 * reads as none of them.
 */
Test(qr, format_information_is_level_m)
{
	static const unsigned	 level_m[] = {
		0x5412, 0x5125, 0x5e7c, 0x5b4b, 0x45f9, 0x40ce, 0x4f97, 0x4aa0,
	};
	static const size_t	 cols[] = { 0, 1, 2, 3, 4, 5, 7, 8 };
	static const size_t	 rows[] = { 7, 5, 4, 3, 2, 1, 0 };
	static const char	*texts[] = {
		"hello", "a", "https://pay.example.com/x", "xyzzy123",
	};
	struct strbuf		 sb;
	unsigned char		*grid;
	unsigned		 fmt;
	size_t			 n, i, t, found;

	for (t = 0; t < sizeof(texts) / sizeof(texts[0]); t++) {
		strbuf_init(&sb);
		cr_assert_eq(qr_svg(texts[t], &sb), 1);
		n = svg_modules(strbuf_cstr(&sb), &grid);
		fmt = 0;
		for (i = 0; i < 8; i++)
			fmt = fmt << 1 | grid[(QR_QUIET + 8) * n + QR_QUIET +
			    cols[i]];
		for (i = 0; i < 7; i++)
			fmt = fmt << 1 | grid[(QR_QUIET + rows[i]) * n +
			    QR_QUIET + 8];
		found = 0;
		for (i = 0; i < 8; i++)
			found += fmt == level_m[i];
		cr_assert_eq(found, 1, "\"%s\": format %04x", texts[t], fmt);
		/* The dark module, always at column 8, row width - 8. */
		cr_assert_eq(grid[(n - QR_QUIET - 8) * n + QR_QUIET + 8], 1);
		free(grid);
		strbuf_free(&sb);
	}
}
