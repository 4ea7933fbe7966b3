/*
 * JSON page data to a Mustache data tree; see jsonctx.h for the two
 * special shapes.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "jsonctx.h"
#include "linkid.h"
#include "money.h"
#include "qr.h"

static int	jsonctx_money(json_t *, char *, size_t);
static struct mustache_value	*jsonctx_qr(const struct jsonctx *,
				    json_t *);

struct mustache_value *
jsonctx_value(const struct jsonctx *jc, json_t *v)
{
	struct mustache_value	*m;
	const char		*key;
	json_t			*item;
	size_t			 i;
	char			 text[LINK_TOKEN_MAX + 512];

	switch (json_typeof(v)) {
	case JSON_OBJECT:
		if (json_object_get(v, "pay_link") != NULL) {
			if (!jsonctx_link_url(jc, v, text, sizeof(text)))
				return (mustache_null());
			return (mustache_str(text));
		}
		if (json_object_get(v, "qr_code") != NULL)
			return (jsonctx_qr(jc, json_object_get(v, "qr_code")));
		if (jsonctx_money(v, text, sizeof(text)))
			return (mustache_str(text));
		m = mustache_map();
		json_object_foreach(v, key, item) {
			(void)mustache_set(m, key, jsonctx_value(jc, item));
			if (json_is_array(item) && strlen(key) < 60) {
				(void)snprintf(text, sizeof(text), "has_%s", key);
				mustache_set_bool(m, text,
				    json_array_size(item) > 0);
			}
		}
		return (m);
	case JSON_ARRAY:
		m = mustache_list();
		json_array_foreach(v, i, item)
			(void)mustache_push(m, jsonctx_value(jc, item));
		return (m);
	case JSON_TRUE:
		return (mustache_bool(1));
	case JSON_FALSE:
		return (mustache_bool(0));
	case JSON_NULL:
		return (mustache_null());
	default:
		if (!jsonctx_text(jc, v, text, sizeof(text)))
			return (mustache_null());
		return (mustache_str(text));
	}
}

int
jsonctx_text(const struct jsonctx *jc, json_t *v, char *out,
    size_t len)
{
	int		n;

	if (len == 0)
		return (0);
	out[0] = '\0';
	switch (json_typeof(v)) {
	case JSON_STRING:
		n = snprintf(out, len, "%s", json_string_value(v));
		break;
	case JSON_INTEGER:
		n = snprintf(out, len, "%" JSON_INTEGER_FORMAT,
		    json_integer_value(v));
		break;
	case JSON_REAL:
		/* Only quantities reach here; money is never a real. */
		n = snprintf(out, len, "%.15g", json_real_value(v));
		break;
	case JSON_OBJECT:
		if (json_object_get(v, "pay_link") != NULL)
			return (jsonctx_link_url(jc, v, out, len));
		if (!jsonctx_money(v, out, len))
			out[0] = '\0';
		return (1);
	default:
		return (1);
	}
	return (n >= 0 && (size_t)n < len);
}

/* A pay link's URL as an SVG QR code, for printing. */
static struct mustache_value *
jsonctx_qr(const struct jsonctx *jc, json_t *link)
{
	struct mustache_value	*m;
	struct strbuf		 svg;
	char			 url[LINK_TOKEN_MAX + 512];

	if (!jsonctx_link_url(jc, link, url, sizeof(url)))
		return (mustache_null());
	strbuf_init(&svg);
	m = qr_svg(url, &svg) ? mustache_strn(svg.data, svg.len) :
	    mustache_null();
	strbuf_free(&svg);
	return (m);
}

/*
 * {"minor": n, "currency": "USD"} as "$12.34", or {"plain": n, "currency":
 * "USD"} as "12.34" for a form's input, exactly; 0 for anything else.
 */
static int
jsonctx_money(json_t *v, char *out, size_t len)
{
	const struct currency	*cur;
	const json_t		*minor, *plain, *code;
	int			 n;

	minor = json_object_get(v, "minor");
	plain = json_object_get(v, "plain");
	if (plain != NULL)
		minor = plain;
	if (json_object_size(v) != 2 || minor == NULL ||
	    (code = json_object_get(v, "currency")) == NULL ||
	    !json_is_integer(minor) || !json_is_string(code))
		return (0);
	if ((cur = money_currency(json_string_value(code))) != NULL &&
	    (plain != NULL ? money_format_plain(json_integer_value(minor), cur,
	    out, len) : money_format(json_integer_value(minor), cur, out, len)))
		return (1);
	/* A currency the portal does not know still shows, unformatted. */
	if (plain != NULL)
		n = snprintf(out, len, "%" JSON_INTEGER_FORMAT,
		    json_integer_value(minor));
	else
		n = snprintf(out, len, "%s %" JSON_INTEGER_FORMAT
		    " (minor units)", json_string_value(code),
		    json_integer_value(minor));
	return (n >= 0 && (size_t)n < len);
}

json_t *
jsonctx_resolve(const struct jsonctx *jc, json_t *v)
{
	json_t		*r, *item;
	const char	*key;
	size_t		 i;
	char		 text[LINK_TOKEN_MAX + 512];

	switch (json_typeof(v)) {
	case JSON_OBJECT:
		if (json_object_get(v, "pay_link") != NULL)
			return (jsonctx_link_url(jc, v, text, sizeof(text)) ?
			    json_string(text) : json_null());
		if (jsonctx_money(v, text, sizeof(text)))
			return (json_string(text));
		r = json_object();
		json_object_foreach(v, key, item)
			(void)json_object_set_new(r, key,
			    jsonctx_resolve(jc, item));
		return (r);
	case JSON_ARRAY:
		r = json_array();
		json_array_foreach(v, i, item)
			(void)json_array_append_new(r, jsonctx_resolve(jc, item));
		return (r);
	default:
		return (json_deep_copy(v));
	}
}

int
jsonctx_link_url(const struct jsonctx *jc, json_t *v, char *out,
    size_t len)
{
	unsigned char	 id[LINK_ID_LEN];
	char		 token[LINK_TOKEN_MAX + 1];
	const char	*uuid, *kid;
	json_int_t	 expires;
	size_t		 i;
	int		 n;

	uuid = json_string_value(json_object_get(v, "pay_link"));
	kid = json_string_value(json_object_get(v, "key"));
	if (uuid == NULL || kid == NULL ||
	    !json_is_integer(json_object_get(v, "expires")) ||
	    !linkid_parse(uuid, id))
		return (0);
	expires = json_integer_value(json_object_get(v, "expires"));
	for (i = 0; i < jc->nkeys; i++) {
		if (strcmp(jc->keys[i].id, kid) != 0)
			continue;
		if (!link_token_sign(&jc->keys[i], id, (int64_t)expires, token,
		    sizeof(token)))
			return (0);
		n = snprintf(out, len, "%s/pay/%s", jc->public_url, token);
		return (n >= 0 && (size_t)n < len);
	}
	return (0);
}
