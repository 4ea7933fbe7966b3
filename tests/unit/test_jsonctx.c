/*
 * The database's JSON page data as a Mustache data tree: money formatted,
 * pay links signed, lists with their "has_" flags, and what may not pass.
 */
#include <string.h>

#include <criterion/criterion.h>

#include "jsonctx.h"
#include "linktoken.h"
#include "mustache.h"

static struct link_key	keys[2];
static struct jsonctx	jc;

static void
setup(void)
{
	memset(keys, 0, sizeof(keys));
	(void)strcpy(keys[0].id, "k1");
	memset(keys[0].secret, 0x11, 32);
	keys[0].secret_len = 32;
	keys[0].state = LINK_KEY_ACTIVE;
	(void)strcpy(keys[1].id, "old");
	memset(keys[1].secret, 0x22, 32);
	keys[1].secret_len = 32;
	keys[1].state = LINK_KEY_RETIRED;
	jc.keys = keys;
	jc.nkeys = 2;
	jc.public_url = "https://pay.example";
}

/* Renders tmpl against the JSON text. */
static char *
render(const char *json, const char *tmpl)
{
	struct mustache_set	*set;
	struct mustache_value	*ctx;
	struct strbuf		 out;
	json_error_t		 e;
	json_t			*v;
	char			 err[128], *s;

	v = json_loads(json, 0, &e);
	cr_assert(v != NULL, "%s", e.text);
	ctx = jsonctx_value(&jc, v);
	json_decref(v);
	set = mustache_set_new();
	cr_assert(mustache_set_add(set, "t", tmpl, strlen(tmpl), err,
	    sizeof(err)), "%s", err);
	strbuf_init(&out);
	cr_assert(mustache_render(set, "t", ctx, &out, err, sizeof(err)));
	s = strdup(strbuf_cstr(&out));
	strbuf_free(&out);
	mustache_value_free(ctx);
	mustache_set_free(set);
	return (s);
}

TestSuite(jsonctx, .init = setup);

Test(jsonctx, money_is_formatted_by_currency)
{
	char	*s;

	s = render("{\"a\":{\"minor\":123456,\"currency\":\"USD\"},"
	    "\"b\":{\"minor\":1235,\"currency\":\"JPY\"},"
	    "\"c\":{\"minor\":1234,\"currency\":\"KWD\"}}",
	    "{{a}}|{{b}}|{{c}}");
	cr_assert_str_eq(s, "$1,234.56|¥1,235|KWD 1.234");
	free(s);
}

Test(jsonctx, plain_money_is_a_form_value)
{
	char	*s;

	s = render("{\"a\":{\"plain\":123456,\"currency\":\"USD\"},"
	    "\"b\":{\"plain\":1235,\"currency\":\"JPY\"},"
	    "\"c\":{\"plain\":1234,\"currency\":\"KWD\"},"
	    "\"d\":{\"plain\":5,\"currency\":\"XYZ\"}}",
	    "{{a}}|{{b}}|{{c}}|{{d}}");
	cr_assert_str_eq(s, "1234.56|1235|1.234|5");
	free(s);
	/* Both, or a third key: not money. */
	s = render("{\"a\":{\"plain\":1,\"minor\":1,\"currency\":\"USD\"}}",
	    "{{a.plain}}");
	cr_assert_str_eq(s, "1");
	free(s);
}

Test(jsonctx, near_money_shapes_stay_objects)
{
	char	*s;

	/* A third key, or a string amount, is not money. */
	s = render("{\"a\":{\"minor\":1,\"currency\":\"USD\",\"x\":1},"
	    "\"b\":{\"minor\":\"1\",\"currency\":\"USD\"}}",
	    "{{#a}}{{x}}{{/a}}|{{b.minor}}");
	cr_assert_str_eq(s, "1|1");
	free(s);
	s = render("{\"a\":{\"minor\":5,\"currency\":\"XYZ\"}}", "{{a}}");
	cr_assert_str_eq(s, "XYZ 5 (minor units)");
	free(s);
}

Test(jsonctx, pay_links_are_signed_with_their_key)
{
	json_t			*v;
	struct link_claims	 cl;
	char			 url[512], *s;
	const char		*tok;

	v = json_pack("{s:s,s:I,s:s}", "pay_link",
	    "0123abcd-0000-4000-8000-00000000abcd", "expires",
	    (json_int_t)4102444800LL, "key", "k1");
	cr_assert(jsonctx_link_url(&jc, v, url, sizeof(url)));
	json_decref(v);
	cr_assert(strncmp(url, "https://pay.example/pay/p1.k1.", 30) == 0,
	    "%s", url);
	tok = url + strlen("https://pay.example/pay/");
	cr_assert_eq(link_token_verify(tok, strlen(tok), keys, 2, 0, &cl),
	    LINK_TOKEN_OK);
	cr_assert_eq(cl.expires, 4102444800LL);
	cr_assert_eq(cl.link_id[0], 0x01);
	cr_assert_eq(cl.link_id[15], 0xcd);

	/* A retired or unknown key, or a malformed id, makes no URL. */
	s = render("{\"a\":{\"pay_link\":\"0123abcd-0000-4000-8000-00000000"
	    "abcd\",\"expires\":1,\"key\":\"old\"},\"b\":{\"pay_link\":\"0123"
	    "abcd-0000-4000-8000-00000000abcd\",\"expires\":1,\"key\":\"x\"},"
	    "\"c\":{\"pay_link\":\"not-a-uuid\",\"expires\":1,\"key\":\"k1\"}}",
	    "[{{a}}][{{b}}][{{c}}]{{^a}}none{{/a}}");
	cr_assert_str_eq(s, "[][][]none");
	free(s);
}

Test(jsonctx, lists_get_has_flags_and_values_keep_meaning)
{
	char	*s;

	s = render("{\"rows\":[{\"n\":1},{\"n\":2}],\"none\":[],\"t\":true,"
	    "\"f\":false,\"z\":null,\"q\":1.5,\"h\":\"<b>\"}",
	    "{{#has_rows}}{{#rows}}{{n}},{{/rows}}{{/has_rows}}"
	    "{{^has_none}}empty{{/has_none}}{{#t}}T{{/t}}{{^f}}F{{/f}}"
	    "{{^z}}Z{{/z}}{{q}}{{h}}");
	cr_assert_str_eq(s, "1,2,emptyTFZ1.5&lt;b&gt;");
	free(s);
}

Test(jsonctx, resolve_gives_json_with_text)
{
	json_t	*v, *r;
	char	*s;

	v = json_loads("{\"a\":[{\"minor\":250,\"currency\":\"EUR\"}],"
	    "\"b\":{\"pay_link\":\"0123abcd-0000-4000-8000-00000000abcd\","
	    "\"expires\":9,\"key\":\"old\"},\"c\":3}", 0, NULL);
	r = jsonctx_resolve(&jc, v);
	s = json_dumps(r, JSON_SORT_KEYS | JSON_COMPACT);
	cr_assert_str_eq(s, "{\"a\":[\"€2.50\"],\"b\":null,\"c\":3}");
	free(s);
	json_decref(r);
	json_decref(v);
}

Test(jsonctx, qr_codes_render_as_svg)
{
	char	*s;

	s = render("{\"q\":{\"qr_code\":{\"pay_link\":\"0123abcd-0000-4000-"
	    "8000-00000000abcd\",\"expires\":4102444800,\"key\":\"k1\"}}}",
	    "{{{q}}}");
	cr_assert(strncmp(s, "<svg", 4) == 0, "%s", s);
	cr_assert(strstr(s, "<path") != NULL);
	free(s);
}
