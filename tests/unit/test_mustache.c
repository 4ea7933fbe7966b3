/*
 * Tests for src/mustache.c: every test of the official Mustache spec files
 * (../shared/mustache-spec from the repository root, or $MUSTACHE_SPEC_DIR),
 * each as its own test, then the engine's own errors and limits.
 */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <jansson.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mustache.h"

#define SPEC_DIR	"../shared/mustache-spec"
#define SPEC_TESTS_MAX	512
#define SPEC_MAIN	"spec main template"

struct spec_ref {
	int		 file;
	int		 test;	/* -1: the file could not be read */
};

static const char *spec_files[] = {
	"comments", "interpolation", "sections", "inverted", "partials",
	"delimiters",
};

static json_t			*spec_load(int, char *, size_t);
static struct mustache_value	*spec_value(json_t *);
static char			*spec_quote(const char *, size_t);
static void			 spec_run(json_t *, const char *);
static char			*render(const char *, const char *,
				    const struct mustache_value *);
static char			*render_error(const char *, const char *,
				    const struct mustache_value *);
static char			*compile_error(const char *);
static char			*nested(const char *, int, const char *);

static json_t *
spec_load(int file, char *err, size_t errlen)
{
	json_error_t	 jerr;
	json_t		*root;
	const char	*dir;
	char		 path[PATH_MAX];

	if ((dir = getenv("MUSTACHE_SPEC_DIR")) == NULL)
		dir = SPEC_DIR;
	(void)snprintf(path, sizeof(path), "%s/%s.json", dir,
	    spec_files[file]);
	if ((root = json_load_file(path, 0, &jerr)) == NULL) {
		(void)snprintf(err, errlen, "%s: %s", path, jerr.text);
		return (NULL);
	}
	if (!json_is_array(json_object_get(root, "tests"))) {
		(void)snprintf(err, errlen, "%s: no \"tests\" array", path);
		json_decref(root);
		return (NULL);
	}
	return (root);
}

/* The engine has no numbers: integers print as %lld, reals as %g. */
static struct mustache_value *
spec_value(json_t *j)
{
	struct mustache_value	*v;
	const char		*key;
	json_t			*item;
	size_t			 i;
	char			 num[64];

	switch (json_typeof(j)) {
	case JSON_OBJECT:
		v = mustache_map();
		json_object_foreach(j, key, item)
			mustache_set(v, key, spec_value(item));
		return (v);
	case JSON_ARRAY:
		v = mustache_list();
		json_array_foreach(j, i, item)
			mustache_push(v, spec_value(item));
		return (v);
	case JSON_STRING:
		return (mustache_strn(json_string_value(j),
		    json_string_length(j)));
	case JSON_INTEGER:
		(void)snprintf(num, sizeof(num), "%lld",
		    (long long)json_integer_value(j));
		return (mustache_str(num));
	case JSON_REAL:
		(void)snprintf(num, sizeof(num), "%g", json_real_value(j));
		return (mustache_str(num));
	case JSON_TRUE:
		return (mustache_bool(1));
	case JSON_FALSE:
		return (mustache_bool(0));
	default:
		return (mustache_null());
	}
}

/* JSON-quotes s so whitespace differences show in a failure message. */
static char *
spec_quote(const char *s, size_t len)
{
	json_t		*j;
	char		*q;

	j = json_stringn_nocheck(s, len);
	q = json_dumps(j, JSON_ENCODE_ANY);
	json_decref(j);
	return (q);
}

static void
spec_run(json_t *tc, const char *file)
{
	struct mustache_set	*set;
	struct mustache_value	*data;
	struct strbuf		 out;
	json_t			*tmpl, *expected, *partial;
	const char		*name, *key;
	char			*want, *got, err[256];
	int			 ok;

	name = json_string_value(json_object_get(tc, "name"));
	tmpl = json_object_get(tc, "template");
	expected = json_object_get(tc, "expected");
	cr_assert(name != NULL && json_is_string(tmpl) &&
	    json_is_string(expected), "%s: malformed test", file);

	set = mustache_set_new();
	json_object_foreach(json_object_get(tc, "partials"), key, partial) {
		cr_assert(mustache_set_add(set, key, json_string_value(partial),
		    json_string_length(partial), err, sizeof(err)),
		    "%s: %s: partial %s: %s", file, name, key, err);
	}
	cr_assert(mustache_set_add(set, SPEC_MAIN, json_string_value(tmpl),
	    json_string_length(tmpl), err, sizeof(err)),
	    "%s: %s: %s", file, name, err);

	data = spec_value(json_object_get(tc, "data"));
	strbuf_init(&out);
	ok = mustache_render(set, SPEC_MAIN, data, &out, err, sizeof(err));
	cr_assert(ok, "%s: %s: %s", file, name, err);

	if (out.len != json_string_length(expected) ||
	    memcmp(strbuf_cstr(&out), json_string_value(expected),
	    out.len) != 0) {
		want = spec_quote(json_string_value(expected),
		    json_string_length(expected));
		got = spec_quote(strbuf_cstr(&out), out.len);
		cr_expect_fail("%s: %s\n  expected: %s\n  actual:   %s",
		    file, name, want, got);
		free(want);
		free(got);
	}

	strbuf_free(&out);
	mustache_value_free(data);
	mustache_set_free(set);
}

ParameterizedTestParameters(mustache, spec)
{
	static struct spec_ref	 refs[SPEC_TESTS_MAX];
	json_t			*root;
	size_t			 f, i, n, count;
	char			 err[256];

	n = 0;
	for (f = 0; f < sizeof(spec_files) / sizeof(spec_files[0]); f++) {
		if ((root = spec_load((int)f, err, sizeof(err))) == NULL) {
			refs[n].file = (int)f;
			refs[n++].test = -1;
			continue;
		}
		count = json_array_size(json_object_get(root, "tests"));
		for (i = 0; i < count && n < SPEC_TESTS_MAX; i++) {
			refs[n].file = (int)f;
			refs[n++].test = (int)i;
		}
		json_decref(root);
	}
	return (cr_make_param_array(struct spec_ref, refs, n));
}

ParameterizedTest(struct spec_ref *ref, mustache, spec)
{
	json_t		*root, *tc;
	char		 err[256];

	root = spec_load(ref->file, err, sizeof(err));
	cr_assert(root != NULL, "spec file missing: %s", err);
	cr_assert(ref->test >= 0, "spec file missing");
	tc = json_array_get(json_object_get(root, "tests"), (size_t)ref->test);
	cr_assert(tc != NULL, "%s: no test %d", spec_files[ref->file],
	    ref->test);
	spec_run(tc, spec_files[ref->file]);
	json_decref(root);
}

/*
 * Fewer tests than these would mean a truncated copy of the spec; more
 * than SPEC_TESTS_MAX in all, that some were never run.
 */
Test(mustache, spec_complete)
{
	static const size_t	 want[] = { 12, 42, 34, 22, 12, 14 };
	json_t			*root;
	size_t			 f, n, total;
	char			 err[256];

	total = 0;
	for (f = 0; f < sizeof(spec_files) / sizeof(spec_files[0]); f++) {
		root = spec_load((int)f, err, sizeof(err));
		cr_assert(root != NULL, "spec file missing: %s", err);
		n = json_array_size(json_object_get(root, "tests"));
		cr_expect(n >= want[f], "%s.json has %zu tests, want %zu",
		    spec_files[f], n, want[f]);
		total += n;
		json_decref(root);
	}
	cr_expect(total <= SPEC_TESTS_MAX, "%zu spec tests, only %d run",
	    total, SPEC_TESTS_MAX);
}

/* Renders src as "page.html" with the partial "p"; both must compile. */
static char *
render(const char *src, const char *partial, const struct mustache_value *ctx)
{
	struct mustache_set	*set;
	struct strbuf		 out;
	char			*s, err[256];

	set = mustache_set_new();
	cr_assert(mustache_set_add(set, "page.html", src, strlen(src), err,
	    sizeof(err)), "%s", err);
	if (partial != NULL) {
		cr_assert(mustache_set_add(set, "p", partial, strlen(partial),
		    err, sizeof(err)), "%s", err);
	}
	strbuf_init(&out);
	cr_assert(mustache_render(set, "page.html", ctx, &out, err,
	    sizeof(err)), "%s", err);
	s = strdup(strbuf_cstr(&out));
	strbuf_free(&out);
	mustache_set_free(set);
	return (s);
}

/* Like render(), but the render must fail; returns the error message. */
static char *
render_error(const char *src, const char *partial,
    const struct mustache_value *ctx)
{
	struct mustache_set	*set;
	struct strbuf		 out;
	char			 err[256];

	set = mustache_set_new();
	cr_assert(mustache_set_add(set, "page.html", src, strlen(src), err,
	    sizeof(err)), "%s", err);
	if (partial != NULL) {
		cr_assert(mustache_set_add(set, "p", partial, strlen(partial),
		    err, sizeof(err)), "%s", err);
	}
	strbuf_init(&out);
	strbuf_appends(&out, "kept");
	cr_assert(!mustache_render(set, "page.html", ctx, &out, err,
	    sizeof(err)), "render should fail");
	cr_assert_str_eq(strbuf_cstr(&out), "kept",
	    "a failed render must leave the buffer as it was");
	strbuf_free(&out);
	mustache_set_free(set);
	return (strdup(err));
}

/* Compiles src as "page.html", which must fail; returns the message. */
static char *
compile_error(const char *src)
{
	struct mustache_set	*set;
	char			 err[256];

	set = mustache_set_new();
	cr_assert(!mustache_set_add(set, "page.html", src, strlen(src), err,
	    sizeof(err)), "\"%s\" should not compile", src);
	mustache_set_free(set);
	return (strdup(err));
}

/* depth sections named name around body. */
static char *
nested(const char *name, int depth, const char *body)
{
	struct strbuf	 b;
	int		 i;

	strbuf_init(&b);
	for (i = 0; i < depth; i++)
		strbuf_appendf(&b, "{{#%s}}", name);
	strbuf_appends(&b, body);
	for (i = 0; i < depth; i++)
		strbuf_appendf(&b, "{{/%s}}", name);
	cr_assert(!b.failed);
	return (b.data);
}

Test(mustache, escapes_all_five)
{
	struct mustache_value	*ctx;
	char			*s;

	ctx = mustache_map();
	mustache_set_str(ctx, "x", "&<>\"'");
	s = render("{{x}}|{{{x}}}|{{&x}}|{{ x }}", NULL, ctx);
	cr_assert_str_eq(s, "&amp;&lt;&gt;&quot;&#39;|&<>\"'|&<>\"'|"
	    "&amp;&lt;&gt;&quot;&#39;");
	free(s);
	mustache_value_free(ctx);
}

Test(mustache, section_nesting_limit)
{
	struct mustache_value	*ctx;
	char			*src, *s;

	ctx = mustache_map();
	mustache_set_bool(ctx, "a", 1);
	src = nested("a", MUSTACHE_NEST_MAX, "deep");
	s = render(src, NULL, ctx);
	cr_assert_str_eq(s, "deep");
	free(s);
	free(src);

	src = nested("a", MUSTACHE_NEST_MAX + 1, "deep");
	s = compile_error(src);
	cr_assert_str_eq(s, "page.html:1: sections nested deeper than 64");
	free(s);
	free(src);
	mustache_value_free(ctx);
}

Test(mustache, syntax_errors_name_the_line)
{
	static const struct {
		const char	*src;
		const char	*err;
	} cases[] = {
		{ "<ul>\n{{#invoices}}\n<li>{{id}}</li>\n",
		    "page.html:2: unclosed section \"invoices\"" },
		{ "{{#a}}\n{{#b}}\n\n{{/a}}\n",
		    "page.html:4: closing tag \"a\" does not match section "
		    "\"b\" opened on line 2" },
		{ "x\n\n{{/a}}",
		    "page.html:3: closing tag \"a\" without an open section" },
		{ "a\n{{b", "page.html:2: unclosed tag" },
		{ "{{{b}}", "page.html:1: unclosed tag" },
		{ "{{a b}}", "page.html:1: tag needs one name, got \"a b\"" },
		{ "{{ }}", "page.html:1: tag needs one name, got \"\"" },
		{ "{{#}}{{/}}", "page.html:1: tag needs one name, got \"\"" },
		{ "{{a..b}}", "page.html:1: empty part in name \"a..b\"" },
		{ "{{.a}}", "page.html:1: empty part in name \".a\"" },
		{ "{{a.}}", "page.html:1: empty part in name \"a.\"" },
		{ "\n{{=<% =}}", "page.html:2: bad delimiter tag" },
		{ "{{=<% %> x=}}", "page.html:1: bad delimiter tag" },
		{ "{{> }}", "page.html:1: partial needs one name, got \"\"" },
		{ "{{=<% %>=}}\n<%#a%>\n{{/a}}",
		    "page.html:2: unclosed section \"a\"" },
	};
	size_t		 i;
	char		*s;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		s = compile_error(cases[i].src);
		cr_expect_str_eq(s, cases[i].err, "template %zu", i);
		free(s);
	}
}

Test(mustache, partial_including_itself_stops)
{
	char		*s;

	s = render_error("{{>p}}", "x{{>p}}", NULL);
	cr_assert_str_eq(s,
	    "p:1: sections and partials nested deeper than 128");
	free(s);
}

Test(mustache, section_recursion_through_partial_stops)
{
	struct mustache_value	*ctx;
	char			*s;

	ctx = mustache_map();
	mustache_set_bool(ctx, "a", 1);
	s = render_error("{{>p}}", "{{#a}}\n{{>p}}\n{{/a}}", ctx);
	cr_assert_str_eq(s,
	    "p:2: sections and partials nested deeper than 128");
	free(s);
	mustache_value_free(ctx);
}

/* Each level multiplies the work by four; the step limit ends it. */
Test(mustache, exponential_render_stops)
{
	struct mustache_value	*ctx, *list;
	char			*src, *s, want[128];
	int			 i;

	ctx = mustache_map();
	list = mustache_set(ctx, "l", mustache_list());
	for (i = 0; i < 4; i++)
		mustache_push(list, mustache_bool(1));
	src = nested("l", 20, "{{>p}}");
	s = render_error(src, "", ctx);
	(void)snprintf(want, sizeof(want),
	    "page.html: rendering takes more than %d steps",
	    MUSTACHE_STEPS_MAX);
	cr_assert_str_eq(s, want);
	free(s);
	free(src);
	mustache_value_free(ctx);
}

Test(mustache, output_limit)
{
	struct mustache_value	*ctx, *list;
	char			*big, *s, want[128];
	int			 i;

	big = malloc(1024 * 1024 + 1);
	cr_assert(big != NULL);
	memset(big, 'x', 1024 * 1024);
	big[1024 * 1024] = '\0';
	ctx = mustache_map();
	mustache_set_str(ctx, "big", big);
	list = mustache_set(ctx, "l", mustache_list());
	for (i = 0; i <= MUSTACHE_OUTPUT_MAX / (1024 * 1024); i++)
		mustache_push(list, mustache_map());
	s = render_error("{{#l}}{{big}}{{/l}}", NULL, ctx);
	(void)snprintf(want, sizeof(want),
	    "page.html: output larger than %d bytes", MUSTACHE_OUTPUT_MAX);
	cr_assert_str_eq(s, want);
	free(s);
	free(big);
	mustache_value_free(ctx);
}

/*
 * Seven steps: one for the start of the line, and for each tag one for
 * its node and one for the map searched.
 */
Test(mustache, set_limits)
{
	struct mustache_set	*set;
	struct mustache_value	*ctx;
	struct strbuf		 out;
	const char		*src;
	char			 err[256];

	src = "{{x}}{{x}}{{x}}";
	set = mustache_set_new();
	cr_assert(mustache_set_add(set, "t", src, strlen(src), err,
	    sizeof(err)), "%s", err);
	ctx = mustache_map();
	mustache_set_str(ctx, "x", "0123456789");
	strbuf_init(&out);

	mustache_set_limits(set, 7, 30);
	cr_assert(mustache_render(set, "t", ctx, &out, err, sizeof(err)),
	    "%s", err);
	cr_assert_eq(out.len, 30);

	strbuf_reset(&out);
	mustache_set_limits(set, 6, 30);
	cr_assert(!mustache_render(set, "t", ctx, &out, err, sizeof(err)));
	cr_assert_str_eq(err, "t: rendering takes more than 6 steps");

	mustache_set_limits(set, 7, 29);
	cr_assert(!mustache_render(set, "t", ctx, &out, err, sizeof(err)));
	cr_assert_str_eq(err, "t: output larger than 29 bytes");
	cr_assert_eq(out.len, 0);

	strbuf_free(&out);
	mustache_value_free(ctx);
	mustache_set_free(set);
}

Test(mustache, render_twice_same_output)
{
	struct mustache_set	*set;
	struct mustache_value	*ctx, *list, *item;
	struct strbuf		 out;
	const char		*src;
	char			 err[256];
	int			 i;

	src = "<ul>\n{{#invoices}}\n  <li>{{number}}: {{amount}}</li>\n"
	    "{{/invoices}}\n</ul>\n{{^invoices}}none{{/invoices}}";
	set = mustache_set_new();
	cr_assert(mustache_set_add(set, "list.html", src, strlen(src), err,
	    sizeof(err)), "%s", err);

	ctx = mustache_map();
	list = mustache_set(ctx, "invoices", mustache_list());
	for (i = 1; i <= 2; i++) {
		item = mustache_push(list, mustache_map());
		mustache_set_strf(item, "number", "INV-%04d", i);
		mustache_set_strf(item, "amount", "%d.00 <EUR>", i * 10);
	}

	strbuf_init(&out);
	cr_assert(mustache_render(set, "list.html", ctx, &out, err,
	    sizeof(err)), "%s", err);
	cr_assert(mustache_render(set, "list.html", ctx, &out, err,
	    sizeof(err)), "%s", err);
	cr_assert_str_eq(strbuf_cstr(&out),
	    "<ul>\n  <li>INV-0001: 10.00 &lt;EUR&gt;</li>\n"
	    "  <li>INV-0002: 20.00 &lt;EUR&gt;</li>\n</ul>\n"
	    "<ul>\n  <li>INV-0001: 10.00 &lt;EUR&gt;</li>\n"
	    "  <li>INV-0002: 20.00 &lt;EUR&gt;</li>\n</ul>\n");

	strbuf_free(&out);
	mustache_value_free(ctx);
	mustache_set_free(set);
}

Test(mustache, partial_indentation_at_render_time)
{
	char		*s;

	s = render("{{>p}}\n  {{>p}}\n\t<{{>p}}>\n", "a\n{{#x}}\nb\n{{/x}}\n"
	    "c\n", NULL);
	cr_assert_str_eq(s, "a\nc\n  a\n  c\n\t<a\nc\n>\n");
	free(s);
}

Test(mustache, nested_partial_indentation_adds_up)
{
	struct mustache_set	*set;
	struct strbuf		 out;
	char			 err[256];

	set = mustache_set_new();
	cr_assert(mustache_set_add(set, "page.html", "<body>\n  {{>outer}}\n",
	    21, err, sizeof(err)), "%s", err);
	cr_assert(mustache_set_add(set, "outer",
	    "<div>\n  {{>inner}}\n</div>\n", 26, err, sizeof(err)), "%s", err);
	cr_assert(mustache_set_add(set, "inner", "<p>\n</p>\n", 9, err,
	    sizeof(err)), "%s", err);
	strbuf_init(&out);
	cr_assert(mustache_render(set, "page.html", NULL, &out, err,
	    sizeof(err)), "%s", err);
	cr_assert_str_eq(strbuf_cstr(&out),
	    "<body>\n  <div>\n    <p>\n    </p>\n  </div>\n");
	strbuf_free(&out);
	mustache_set_free(set);
}

Test(mustache, partial_added_after_its_user)
{
	struct mustache_set	*set;
	struct strbuf		 out;
	char			 err[256];

	set = mustache_set_new();
	cr_assert(mustache_set_add(set, "page.html", "[{{>footer}}]", 13, err,
	    sizeof(err)), "%s", err);
	strbuf_init(&out);
	cr_assert(mustache_render(set, "page.html", NULL, &out, err,
	    sizeof(err)), "%s", err);
	cr_assert_str_eq(strbuf_cstr(&out), "[]");
	cr_assert(mustache_set_add(set, "footer", "f", 1, err, sizeof(err)),
	    "%s", err);
	strbuf_reset(&out);
	cr_assert(mustache_render(set, "page.html", NULL, &out, err,
	    sizeof(err)), "%s", err);
	cr_assert_str_eq(strbuf_cstr(&out), "[f]");
	strbuf_free(&out);
	mustache_set_free(set);
}

Test(mustache, set_errors)
{
	struct mustache_set	*set;
	struct strbuf		 out;
	char			 err[256];

	set = mustache_set_new();
	cr_assert(mustache_set_add(set, "a", "x", 1, err, sizeof(err)));
	cr_assert(!mustache_set_add(set, "a", "y", 1, err, sizeof(err)));
	cr_assert_str_eq(err, "a: template already in the set");

	strbuf_init(&out);
	cr_assert(!mustache_render(set, "b", NULL, &out, err, sizeof(err)));
	cr_assert_str_eq(err, "b: no such template");
	cr_assert(!mustache_render(set, "b", NULL, &out, NULL, 0));
	cr_assert_eq(out.len, 0);
	strbuf_free(&out);
	mustache_set_free(set);
}

Test(mustache, truthiness)
{
	struct mustache_value	*ctx;
	char			*s;

	ctx = mustache_map();
	mustache_set_str(ctx, "empty", "");
	mustache_set_str(ctx, "missing", NULL);
	mustache_set(ctx, "map", mustache_map());
	mustache_set(ctx, "list", mustache_list());
	mustache_set_bool(ctx, "yes", 1);
	mustache_set_bool(ctx, "no", 0);
	s = render("{{#empty}}1{{/empty}}{{^empty}}2{{/empty}}"
	    "{{#missing}}3{{/missing}}{{^missing}}4{{/missing}}"
	    "{{#map}}5{{/map}}{{#list}}6{{/list}}{{^list}}7{{/list}}"
	    "{{#yes}}{{.}}{{/yes}}{{^no}}{{no}}{{/no}}{{missing}}", NULL, ctx);
	cr_assert_str_eq(s, "2457truefalse");
	free(s);
	mustache_value_free(ctx);
}

Test(mustache, null_context)
{
	char		*s;

	s = render("a{{x}}{{.}}{{#x}}b{{/x}}{{^x}}c{{/x}}{{#.}}d{{/.}}", NULL,
	    NULL);
	cr_assert_str_eq(s, "ac");
	free(s);
}

Test(mustache, set_replaces_key)
{
	struct mustache_value	*ctx, *m;
	char			*s;

	ctx = mustache_map();
	m = mustache_set(ctx, "k", mustache_map());
	mustache_set_str(m, "v", "old");
	mustache_set_strf(ctx, "k", "%s-%d", "new", 7);
	mustache_set_str(ctx, "k2", "x");
	mustache_set_str(ctx, "k2", "y");
	s = render("{{k}} {{k.v}} {{k2}}", NULL, ctx);
	cr_assert_str_eq(s, "new-7  y");
	free(s);
	mustache_value_free(ctx);
}

Test(mustache, binary_safe)
{
	struct mustache_set	*set;
	struct mustache_value	*ctx;
	struct strbuf		 out;
	char			 err[256];

	set = mustache_set_new();
	cr_assert(mustache_set_add(set, "t", "a\0b{{x}}", 8, err,
	    sizeof(err)), "%s", err);
	ctx = mustache_map();
	mustache_set(ctx, "x", mustache_strn("<\0>", 3));
	strbuf_init(&out);
	cr_assert(mustache_render(set, "t", ctx, &out, err, sizeof(err)),
	    "%s", err);
	cr_assert_eq(out.len, 12);
	cr_assert(memcmp(out.data, "a\0b&lt;\0&gt;", 12) == 0);
	strbuf_free(&out);
	mustache_value_free(ctx);
	mustache_set_free(set);
}

Test(mustache, custom_delimiters_with_triple)
{
	struct mustache_value	*ctx;
	char			*s;

	ctx = mustache_map();
	mustache_set_str(ctx, "x", "<b>");
	s = render("{{=<% %>=}}<%{x}%> <%x%> {{x}}", NULL, ctx);
	cr_assert_str_eq(s, "<b> &lt;b&gt; {{x}}");
	free(s);
	mustache_value_free(ctx);
}
