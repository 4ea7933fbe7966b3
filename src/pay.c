/*
 * The money-moving part of the confirm request. The attempt id from the
 * checkout form is the gateway's Idempotency-Key, so submitting the same
 * form twice, in two tabs or twenty times at once, is one charge: the
 * database serialises the attempt (payment_begin) and the gateway replays
 * its first answer for the key.
 */
#include <kore/kore.h>
#include <kore/http.h>
#include <kore/pgsql.h>
#include <kore/curl.h>

#include <ctype.h>

#include <openssl/crypto.h>

#include "db.h"
#include "pay.h"
#include "portal.h"

static int	pay_pm_valid(const char *);
static void	pay_copy(char *, size_t, const char *);

static void
pay_copy(char *dst, size_t len, const char *src)
{
	(void)snprintf(dst, len, "%s", src != NULL ? src : "");
}

/* A payment-method id as the gateway issues it: "pm_" and [A-Za-z0-9_]. */
static int
pay_pm_valid(const char *s)
{
	size_t		i;

	if (s == NULL || strncmp(s, "pm_", 3) != 0)
		return (0);
	for (i = 3; s[i] != '\0'; i++) {
		if (i >= 100 || (!isalnum((unsigned char)s[i]) && s[i] != '_'))
			return (0);
	}
	return (i > 3);
}

/*
 * payment_begin($1 attempt, $2 link, $3 method, $4 payment method,
 * $5 invoice numbers, $6 amounts, $7 address, $8 user agent): the
 * selection the server itself checked, never the browser's totals. A bad
 * method or payment-method id is passed on as empty, and payment_begin
 * refuses it with a message naming the field.
 */
void
pay_begin_params(struct pay_begin *b, const struct pay_view *v,
    const struct form *f, const char *attempt, const char *link,
    const char *addr, const char *ua, const char **p)
{
	const struct pay_invoice	*inv;
	const char			*m;
	size_t				 i;
	int				 first;

	m = form_get(f, "method");
	pay_copy(b->method, sizeof(b->method), m != NULL &&
	    (!strcmp(m, "card") || !strcmp(m, "bank_account")) ? m : "");
	m = form_get(f, "payment_method");
	pay_copy(b->pm, sizeof(b->pm), pay_pm_valid(m) ? m : "");

	strbuf_init(&b->numbers);
	strbuf_init(&b->amounts);
	strbuf_appendc(&b->numbers, '{');
	strbuf_appendc(&b->amounts, '{');
	first = 1;
	for (i = 0; i < v->ninv; i++) {
		inv = &v->inv[i];
		if (!inv->selected)
			continue;
		/* Numbers are [A-Za-z0-9._-] (schema CHECK): safe quoted. */
		strbuf_appendf(&b->numbers, "%s\"%s\"", first ? "" : ",",
		    inv->number);
		strbuf_appendf(&b->amounts, "%s%lld", first ? "" : ",",
		    (long long)inv->amount);
		first = 0;
	}
	strbuf_appendc(&b->numbers, '}');
	strbuf_appendc(&b->amounts, '}');

	p[0] = attempt;
	p[1] = link;
	p[2] = b->method;
	p[3] = b->pm;
	p[4] = strbuf_cstr(&b->numbers);
	p[5] = strbuf_cstr(&b->amounts);
	p[6] = addr[0] != '\0' ? addr : NULL;
	p[7] = ua;
}

int
pay_begin_rows(struct pay_begin *b, struct kore_pgsql *sql)
{
	const char	*v[9];
	int		 col;

	if (kore_pgsql_ntuples(sql) != 1)
		return (0);
	for (col = 0; col < 9; col++)
		v[col] = db_isnull(sql, 0, col) ? NULL :
		    kore_pgsql_getvalue(sql, 0, col);
	pay_copy(b->result, sizeof(b->result), v[0]);
	pay_copy(b->field, sizeof(b->field), v[1]);
	pay_copy(b->message, sizeof(b->message), v[2]);
	pay_copy(b->state, sizeof(b->state), v[3]);
	pay_copy(b->currency, sizeof(b->currency), v[4]);
	b->amount = v[5] ? strtoll(v[5], NULL, 10) : 0;
	b->fee = v[6] ? strtoll(v[6], NULL, 10) : 0;
	b->total = v[7] ? strtoll(v[7], NULL, 10) : 0;
	pay_copy(b->intent, sizeof(b->intent), v[8]);
	return (1);
}

void
pay_begin_free(struct pay_begin *b)
{
	strbuf_free(&b->numbers);
	strbuf_free(&b->amounts);
}

/* A new attempt, or a resubmitted one that is still open: charge it. */
int
pay_begin_charge(const struct pay_begin *b)
{
	return (!strcmp(b->result, "new") || (!strcmp(b->result, "existing") &&
	    !strcmp(b->state, "pending")));
}

int
pay_begin_done(const struct pay_begin *b)
{
	return (!strcmp(b->result, "new") || !strcmp(b->result, "existing"));
}

int
pay_begin_gone(const struct pay_begin *b)
{
	return (!strcmp(b->result, "gone"));
}

int
pay_begin_limited(const struct pay_begin *b)
{
	return (!strcmp(b->result, "limited"));
}

/* payment_begin's refusal, shown on the page like the view's own errors. */
void
pay_begin_explain(struct pay_begin *b, struct pay_view *v)
{
	if (b->message[0] != '\0')
		payview_refuse(v, b->field, b->message);
}

/*
 * POST /v1/payment_intents with confirm=true: the whole charge in one call
 * whose Idempotency-Key is the attempt id. Returns 0 if nothing could be
 * sent; the attempt then stays pending for the reconciler.
 */
int
pay_call_start(struct pay_call *c, struct http_request *req,
    const struct pay_begin *b, const char *attempt, const char *link)
{
	char		url[512], auth[300];

	if (portal_conf.gateway_url == NULL) {
		kore_log(LOG_ERR, "payment %s: no gateway_url configured",
		    attempt);
		return (0);
	}
	strbuf_init(&c->body);
	if (!gateway_intent_body(&c->body, b->total, b->currency, b->pm,
	    attempt, link, NULL, NULL) || c->body.failed) {
		kore_log(LOG_ERR, "payment %s: cannot build the gateway "
		    "request", attempt);
		strbuf_free(&c->body);
		return (0);
	}
	(void)snprintf(url, sizeof(url), "%s/v1/payment_intents",
	    portal_conf.gateway_url);
	if (!kore_curl_init(&c->curl, url, KORE_CURL_ASYNC)) {
		kore_log(LOG_ERR, "payment %s: curl: %s", attempt,
		    c->curl.errbuf);
		strbuf_free(&c->body);
		return (0);
	}
	c->started = 1;
	kore_curl_http_setup(&c->curl, HTTP_METHOD_POST, c->body.data,
	    c->body.len);
	(void)snprintf(auth, sizeof(auth), "Bearer %s",
	    portal_conf.gateway_secret_key);
	kore_curl_http_set_header(&c->curl, "Authorization", auth);
	OPENSSL_cleanse(auth, sizeof(auth));
	kore_curl_http_set_header(&c->curl, "Idempotency-Key", attempt);
	kore_curl_http_set_header(&c->curl, "Stripe-Version",
	    portal_conf.gateway_version);
	kore_curl_http_set_header(&c->curl, "Content-Type",
	    "application/x-www-form-urlencoded");
	/* Past the timeout the reconciler asks again with the same key. */
	curl_easy_setopt(c->curl.handle, CURLOPT_TIMEOUT,
	    (long)portal_conf.gateway_timeout);
	curl_easy_setopt(c->curl.handle, CURLOPT_CONNECTTIMEOUT, 5L);
	kore_curl_bind_request(&c->curl, req);
	kore_curl_run(&c->curl);
	return (1);
}

/* 0 while the call runs; then the gateway's answer, read strictly. */
int
pay_call_finish(struct pay_call *c, struct gateway_result *r)
{
	const u_int8_t	*body;
	size_t		 len;

	if (c->curl.handle != NULL)
		return (0);
	if (!kore_curl_success(&c->curl)) {
		kore_log(LOG_NOTICE, "gateway: %s", kore_curl_strerror(&c->curl));
		gateway_parse_intent(0, NULL, 0, r);
		return (1);
	}
	kore_curl_response_as_bytes(&c->curl, &body, &len);
	gateway_parse_intent(c->curl.http.status, (const char *)body, len, r);
	if (r->outcome == GATEWAY_REJECTED) {
		kore_log(LOG_ERR, "gateway refused the request (%ld): %s %s",
		    c->curl.http.status, r->code, r->message);
	}
	return (1);
}

void
pay_call_cleanup(struct pay_call *c)
{
	if (c->started) {
		kore_curl_cleanup(&c->curl);
		strbuf_free(&c->body);
		c->started = 0;
	}
}

int
pay_settle_rows(struct gateway_result *r, struct kore_pgsql *sql)
{
	(void)r;
	return (kore_pgsql_ntuples(sql) == 1);
}
