/*
 * The customer's pages behind a pay link:
 *
 *	GET  /pay/<token>			open invoices, selection form
 *	POST /pay/<token>/review		the selection checked; checkout
 *	POST /pay/<token>/confirm		pay: reserve, charge, settle
 *	GET  /pay/<token>/payments/<attempt>	paid, processing or declined
 *	GET  /pay/<token>/receipts/<attempt>	the printable receipt
 *	GET  /pay/<token>/invoices/<number>	one invoice, printable
 *
 * The token's MAC is checked before the database is touched; a bad token,
 * an unknown link and an invoice outside the link's scope all get the same
 * 404, and an expired or revoked link a 410.
 *
 * Each request runs a short list of steps (queries, one gateway call) in
 * Kore's state machine; what a step learns decides the next one.
 */
#include <kore/kore.h>
#include <kore/http.h>
#include <kore/pgsql.h>

#include <ctype.h>
#include <time.h>

#include <openssl/crypto.h>

#include "conf.h"
#include "csrf.h"
#include "db.h"
#include "form.h"
#include "gateway.h"
#include "invoicedoc.h"
#include "linkid.h"
#include "linktoken.h"
#include "pay.h"
#include "payview.h"
#include "portal.h"
#include "public.h"
#include "public_sql.h"
#include "receipt.h"
#include "web.h"

enum public_kind {
	PUBLIC_PAGE, PUBLIC_REVIEW, PUBLIC_INVOICE, PUBLIC_CONFIRM,
	PUBLIC_PAYMENT, PUBLIC_RECEIPT
};

enum public_step {
	STEP_VIEW, STEP_INVOICE, STEP_BEGIN, STEP_SETTLE, STEP_STATUS,
	STEP_RENDER
};

enum public_state_id {
	PUBLIC_STATE_INIT,
	PUBLIC_STATE_QUERY,
	PUBLIC_STATE_WAIT,
	PUBLIC_STATE_GATEWAY,
	PUBLIC_STATE_GATEWAY_WAIT,
	PUBLIC_STATE_RENDER,
	PUBLIC_STATE_MAX
};

struct public_state {
	enum public_kind	 kind;
	enum public_step	 step;
	struct kore_pgsql	 sql;
	int			 sql_bound;
	struct pay_call		 call;
	const struct link_key	*key;		/* the key that signed the link */
	struct link_key		 key_copy;	/* the keys may reload meanwhile */
	char			 uuid[LINKID_UUID_LEN + 1];
	char			 base[8 + LINK_TOKEN_MAX];
	char			 number[64];
	char			 attempt[LINKID_UUID_LEN + 1];
	char			 addr[WEB_ADDR_MAX];
	char			 ua[WEB_UA_MAX + 1];
	struct form		 form;
	int			 found;
	int			 failed;
	struct pay_view		 view;
	struct invoicedoc	 doc;
	struct receipt_view	 receipt;
	struct pay_begin	 begin;
	struct gateway_result	 result;
	char			 known[16];	/* state of this attempt, if any */
};

static int	public_init(struct http_request *);
static int	public_query(struct http_request *);
static int	public_wait(struct http_request *);
static int	public_gateway(struct http_request *);
static int	public_gateway_wait(struct http_request *);
static int	public_render(struct http_request *);
static int	public_run(struct http_request *, enum public_kind);
static void	public_free(struct http_request *);
static int	public_rows(struct public_state *, struct kore_pgsql *);
static int	public_rows_view(struct public_state *, struct kore_pgsql *);
static int	public_rows_invoice(struct public_state *,
		    struct kore_pgsql *);
static int	public_rows_status(struct public_state *, struct kore_pgsql *);
static enum public_step	public_next(struct http_request *,
			    struct public_state *);
static int	public_token(const char *, char *, size_t, const char **);
static int	public_number(const char *, char *, size_t);
static int	public_uuid(const char *, char *);
static int	public_form(struct http_request *, struct public_state *);
static void	public_redirect(struct http_request *, struct public_state *);
static void	public_checkout(struct public_state *,
		    struct mustache_value *);
static void	public_pay_config(struct mustache_value *);
static const char	*public_layout(struct http_request *);

static struct http_state	public_states[] = {
	KORE_HTTP_STATE(public_init),
	KORE_HTTP_STATE(public_query),
	KORE_HTTP_STATE(public_wait),
	KORE_HTTP_STATE(public_gateway),
	KORE_HTTP_STATE(public_gateway_wait),
	KORE_HTTP_STATE(public_render),
};

int
public_pay(struct http_request *req)
{
	return (public_run(req, PUBLIC_PAGE));
}

int
public_review(struct http_request *req)
{
	return (public_run(req, PUBLIC_REVIEW));
}

int
public_invoice(struct http_request *req)
{
	return (public_run(req, PUBLIC_INVOICE));
}

int
public_confirm(struct http_request *req)
{
	return (public_run(req, PUBLIC_CONFIRM));
}

int
public_payment(struct http_request *req)
{
	return (public_run(req, PUBLIC_PAYMENT));
}

int
public_receipt(struct http_request *req)
{
	return (public_run(req, PUBLIC_RECEIPT));
}

static int
public_run(struct http_request *req, enum public_kind kind)
{
	struct public_state	*st;

	if (!http_state_exists(req)) {
		st = http_state_create(req, sizeof(*st), public_free);
		st->kind = kind;
		form_init(&st->form);
		payview_init(&st->view);
		invoicedoc_init(&st->doc);
		receipt_init(&st->receipt);
	}
	return (http_state_run(public_states, PUBLIC_STATE_MAX, req));
}

static void
public_free(struct http_request *req)
{
	struct public_state	*st;

	st = http_state_get(req);
	/* Handles living in this state are released before it is freed. */
	if (st->sql_bound)
		kore_pgsql_cleanup(&st->sql);
	pay_call_cleanup(&st->call);
	pay_begin_free(&st->begin);
	form_free(&st->form);
	payview_free(&st->view);
	invoicedoc_free(&st->doc);
	receipt_free(&st->receipt);
	OPENSSL_cleanse(st->base, sizeof(st->base));
	OPENSSL_cleanse(&st->key_copy, sizeof(st->key_copy));
	http_state_cleanup(req);
}

/* Splits "/pay/<token>[/rest]": copies the token, points rest past it. */
static int
public_token(const char *path, char *token, size_t len, const char **rest)
{
	const char	*p, *end;

	if (strncmp(path, "/pay/", 5) != 0)
		return (0);
	p = path + 5;
	if ((end = strchr(p, '/')) == NULL)
		end = p + strlen(p);
	if (end == p || (size_t)(end - p) >= len)
		return (0);
	memcpy(token, p, (size_t)(end - p));
	token[end - p] = '\0';
	*rest = end;
	return (1);
}

/* An invoice number as the schema allows it: [A-Za-z0-9][A-Za-z0-9._-]*. */
static int
public_number(const char *s, char *out, size_t len)
{
	size_t		i;

	for (i = 0; s[i] != '\0'; i++) {
		if (i + 1 >= len || i >= 40)
			return (0);
		if (!isalnum((unsigned char)s[i]) && (i == 0 ||
		    (s[i] != '.' && s[i] != '_' && s[i] != '-')))
			return (0);
		out[i] = s[i];
	}
	out[i] = '\0';
	return (i > 0);
}

/* A lower-case uuid, as the forms and URLs carry attempt ids. */
static int
public_uuid(const char *s, char *out)
{
	size_t		i;

	for (i = 0; i < LINKID_UUID_LEN; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return (0);
		} else if (!isdigit((unsigned char)s[i]) &&
		    (s[i] < 'a' || s[i] > 'f'))
			return (0);
	}
	if (s[LINKID_UUID_LEN] != '\0')
		return (0);
	memcpy(out, s, LINKID_UUID_LEN + 1);
	return (1);
}

static int
public_form(struct http_request *req, struct public_state *st)
{
	char		*body, err[128];
	size_t		 len;
	int		 ok;

	if (!web_body(req, &body, &len))
		return (0);
	ok = form_parse(&st->form, body, len, err, sizeof(err));
	OPENSSL_cleanse(body, len);
	kore_free(body);
	if (!ok)
		kore_log(LOG_NOTICE, "payment form refused: %s", err);
	return (ok);
}

static int
public_init(struct http_request *req)
{
	struct public_state	*st;
	struct link_claims	 claims;
	const char		*rest, *csrf;
	char			 token[LINK_TOKEN_MAX + 1];
	enum link_verdict	 verdict;
	size_t			 i;
	int			 post;

	st = http_state_get(req);
	post = st->kind == PUBLIC_REVIEW || st->kind == PUBLIC_CONFIRM;
	if (!web_method(req, post ? HTTP_METHOD_POST :
	    HTTP_METHOD_GET | HTTP_METHOD_HEAD))
		return (HTTP_STATE_COMPLETE);

	if (!public_token(req->path, token, sizeof(token), &rest)) {
		web_error(req, HTTP_STATUS_NOT_FOUND);
		return (HTTP_STATE_COMPLETE);
	}
	verdict = link_token_verify(token, strlen(token), portal_conf.keys,
	    portal_conf.nkeys, (int64_t)time(NULL), &claims);
	if (verdict == LINK_TOKEN_INVALID) {
		OPENSSL_cleanse(token, sizeof(token));
		web_error(req, HTTP_STATUS_NOT_FOUND);
		return (HTTP_STATE_COMPLETE);
	}
	(void)snprintf(st->base, sizeof(st->base), "/pay/%s", token);
	OPENSSL_cleanse(token, sizeof(token));
	if (verdict == LINK_TOKEN_EXPIRED) {
		web_error(req, HTTP_STATUS_GONE);
		return (HTTP_STATE_COMPLETE);
	}
	linkid_format(claims.link_id, st->uuid);
	for (i = 0; i < portal_conf.nkeys; i++) {
		if (!strcmp(portal_conf.keys[i].id, claims.key_id)) {
			st->key_copy = portal_conf.keys[i];
			st->key = &st->key_copy;
		}
	}

	switch (st->kind) {
	case PUBLIC_INVOICE:
		if (!public_number(rest + strlen("/invoices/"), st->number,
		    sizeof(st->number))) {
			web_error(req, HTTP_STATUS_NOT_FOUND);
			return (HTTP_STATE_COMPLETE);
		}
		st->step = STEP_INVOICE;
		break;
	case PUBLIC_PAYMENT:
	case PUBLIC_RECEIPT:
		if (!public_uuid(strrchr(rest, '/') + 1, st->attempt)) {
			web_error(req, HTTP_STATUS_NOT_FOUND);
			return (HTTP_STATE_COMPLETE);
		}
		st->step = STEP_STATUS;
		break;
	case PUBLIC_PAGE:
		(void)web_client_addr(req, st->addr, sizeof(st->addr));
		web_user_agent(req, st->ua, sizeof(st->ua));
		st->step = STEP_VIEW;
		break;
	case PUBLIC_CONFIRM:
		(void)web_client_addr(req, st->addr, sizeof(st->addr));
		web_user_agent(req, st->ua, sizeof(st->ua));
		/* FALLTHROUGH */
	case PUBLIC_REVIEW:
		if (!public_form(req, st)) {
			web_error(req, HTTP_STATUS_BAD_REQUEST);
			return (HTTP_STATE_COMPLETE);
		}
		st->step = STEP_VIEW;
		if (st->kind != PUBLIC_CONFIRM)
			break;
		/* The form must be the one this link's checkout rendered. */
		csrf = form_get(&st->form, "csrf");
		if (form_get(&st->form, "attempt") == NULL ||
		    !public_uuid(form_get(&st->form, "attempt"), st->attempt) ||
		    st->key == NULL || !csrf_verify(st->key->secret,
		    st->key->secret_len, st->uuid, st->attempt, csrf)) {
			kore_log(LOG_NOTICE, "link %s: payment form with a "
			    "missing or wrong CSRF token", st->uuid);
			web_error(req, HTTP_STATUS_FORBIDDEN);
			return (HTTP_STATE_COMPLETE);
		}
		break;
	}
	req->fsm_state = PUBLIC_STATE_QUERY;
	return (HTTP_STATE_CONTINUE);
}

static int
public_query(struct http_request *req)
{
	struct public_state	*st;
	const char		*p[9];
	char			 amount[32];
	enum db_status		 r;

	st = http_state_get(req);
	if (!st->sql_bound) {
		db_bind(&st->sql, req);
		st->sql_bound = 1;
	}
	switch (st->step) {
	case STEP_VIEW:
		p[0] = st->uuid;
		p[1] = st->addr[0] != '\0' ? st->addr : NULL;
		p[2] = st->kind == PUBLIC_PAGE ? st->ua : NULL;
		p[3] = st->kind == PUBLIC_PAGE ? "true" : "false";
		/* A form already paid (or declined) shows how it went. */
		p[4] = st->kind == PUBLIC_CONFIRM ? st->attempt : NULL;
		r = db_send_prepared(&st->sql, q_public_view, 5, p);
		break;
	case STEP_INVOICE:
		p[0] = st->uuid;
		p[1] = st->number;
		r = db_send(&st->sql, q_public_invoice, 2, p);
		break;
	case STEP_BEGIN:
		pay_begin_params(&st->begin, &st->view, &st->form, st->attempt,
		    st->uuid, st->addr, st->ua, p);
		r = db_send_prepared(&st->sql, q_payment_begin, 8, p);
		break;
	case STEP_SETTLE:
		gateway_settle_params(&st->result, st->attempt, "customer",
		    amount, sizeof(amount), p);
		r = db_send_prepared(&st->sql, q_payment_settle, 9, p);
		break;
	case STEP_STATUS:
	default:
		p[0] = st->uuid;
		p[1] = st->attempt;
		r = db_send_prepared(&st->sql, q_payment_status, 2, p);
		break;
	}
	return (db_sent(req, r, PUBLIC_STATE_WAIT));
}

static int
public_wait(struct http_request *req)
{
	struct public_state	*st;

	st = http_state_get(req);
	switch (db_poll(&st->sql, "public page")) {
	case DB_WAIT:
		return (HTTP_STATE_RETRY);
	case DB_ROWS:
		if (!st->failed)
			st->failed = !public_rows(st, &st->sql);
		db_next(&st->sql);
		return (HTTP_STATE_CONTINUE);
	case DB_DONE:
		/* The next step takes a fresh handle from the pool. */
		kore_pgsql_cleanup(&st->sql);
		st->sql_bound = 0;
		if (st->failed) {
			web_error(req, HTTP_STATUS_INTERNAL_ERROR);
			return (HTTP_STATE_COMPLETE);
		}
		st->step = public_next(req, st);
		if (st->step == STEP_RENDER)
			req->fsm_state = PUBLIC_STATE_RENDER;
		else if (st->step == STEP_SETTLE && st->result.outcome ==
		    GATEWAY_UNKNOWN)
			req->fsm_state = PUBLIC_STATE_GATEWAY;
		else
			req->fsm_state = PUBLIC_STATE_QUERY;
		return (HTTP_STATE_CONTINUE);
	case DB_FAILED:
	default:
		kore_pgsql_cleanup(&st->sql);
		st->sql_bound = 0;
		web_error(req, HTTP_STATUS_INTERNAL_ERROR);
		return (HTTP_STATE_COMPLETE);
	}
}

static int
public_rows(struct public_state *st, struct kore_pgsql *sql)
{
	switch (st->step) {
	case STEP_VIEW:
		return (public_rows_view(st, sql));
	case STEP_INVOICE:
		return (public_rows_invoice(st, sql));
	case STEP_BEGIN:
		return (pay_begin_rows(&st->begin, sql));
	case STEP_SETTLE:
		return (pay_settle_rows(&st->result, sql));
	case STEP_STATUS:
	default:
		return (public_rows_status(st, sql));
	}
}

/*
 * What comes after a step. STEP_SETTLE with an unknown outcome means "ask
 * the gateway first"; the gateway's answer then leads to the settle query.
 */
static enum public_step
public_next(struct http_request *req, struct public_state *st)
{
	switch (st->step) {
	case STEP_VIEW:
		if (!st->found || st->view.state != PAYVIEW_OK ||
		    st->kind != PUBLIC_CONFIRM || !strcmp(st->known,
		    "succeeded") || !strcmp(st->known, "failed"))
			return (STEP_RENDER);
		if (!payview_select(&st->view, &st->form))
			return (STEP_RENDER);
		return (STEP_BEGIN);
	case STEP_BEGIN:
		if (pay_begin_charge(&st->begin)) {
			st->result.outcome = GATEWAY_UNKNOWN;
			return (STEP_SETTLE);
		}
		return (STEP_RENDER);
	case STEP_INVOICE:
	case STEP_SETTLE:
	case STEP_STATUS:
	default:
		return (STEP_RENDER);
	}
}

/*
 * public_link_page's rows: the link and its invoices, then the fee rules,
 * each with the state of the attempt the request named.
 */
static int
public_rows_view(struct public_state *st, struct kore_pgsql *sql)
{
	const char	*v[20];
	char		 err[256];
	int		 row, rows, col;

	rows = kore_pgsql_ntuples(sql);
	for (row = 0; row < rows; row++) {
		for (col = 0; col < 20; col++) {
			v[col] = db_isnull(sql, row, col) ? NULL :
			    kore_pgsql_getvalue(sql, row, col);
		}
		if (row == 0 && v[13] != NULL)
			(void)snprintf(st->known, sizeof(st->known), "%s",
			    v[13]);
		if (v[14] != NULL) {
			if (!payview_add_fee(&st->view, v[14], v[15], v[16],
			    v[17], v[18], v[19], err, sizeof(err))) {
				kore_log(LOG_ERR, "fee rules: %s", err);
				return (0);
			}
			continue;
		}
		if (!st->found) {
			if (!payview_set_link(&st->view, v[0], v[1], v[2],
			    v[3], v[4], err, sizeof(err))) {
				kore_log(LOG_ERR, "link %s: %s", st->uuid, err);
				return (0);
			}
			st->found = 1;
		}
		if (v[5] == NULL)
			continue;
		if (!payview_add_invoice(&st->view, v[5], v[6], v[7], v[8],
		    v[9], v[10], v[11], v[12], err, sizeof(err))) {
			kore_log(LOG_ERR, "link %s: %s", st->uuid, err);
			return (0);
		}
	}
	return (1);
}

static int
public_rows_status(struct public_state *st, struct kore_pgsql *sql)
{
	const char	*v[RCPT_NCOLS];
	char		 err[256];
	int		 row, rows, col;

	rows = kore_pgsql_ntuples(sql);
	for (row = 0; row < rows; row++) {
		for (col = 0; col < RCPT_NCOLS; col++) {
			v[col] = db_isnull(sql, row, col) ? NULL :
			    kore_pgsql_getvalue(sql, row, col);
		}
		if (!receipt_add_row(&st->receipt, v, err, sizeof(err))) {
			kore_log(LOG_ERR, "payment %s: %s", st->attempt, err);
			return (0);
		}
		st->found = 1;
	}
	return (1);
}

static int
public_rows_invoice(struct public_state *st, struct kore_pgsql *sql)
{
	const char	*v[IDOC_NCOLS + IDOC_L_NCOLS + 1];
	char		 err[256];
	int		 row, rows, col;

	rows = kore_pgsql_ntuples(sql);
	for (row = 0; row < rows; row++) {
		for (col = 0; col < IDOC_NCOLS + IDOC_L_NCOLS + 1; col++) {
			v[col] = db_isnull(sql, row, col) ? NULL :
			    kore_pgsql_getvalue(sql, row, col);
		}
		if (row == 0) {
			st->found = 1;
			if (strcmp(v[0], "ok")) {
				st->view.state = !strcmp(v[0], "revoked") ?
				    PAYVIEW_REVOKED : PAYVIEW_EXPIRED;
				return (1);
			}
			if (v[1 + IDOC_NUMBER] == NULL) {
				st->found = 0;
				return (1);
			}
			if (!invoicedoc_set(&st->doc, v + 1, err,
			    sizeof(err))) {
				kore_log(LOG_ERR, "invoice: %s", err);
				return (0);
			}
		}
		if (v[1 + IDOC_NCOLS] == NULL)
			continue;
		if (!invoicedoc_add_line(&st->doc, v + 1 + IDOC_NCOLS, err,
		    sizeof(err))) {
			kore_log(LOG_ERR, "invoice %s: %s", st->number, err);
			return (0);
		}
	}
	return (1);
}

static int
public_gateway(struct http_request *req)
{
	struct public_state	*st;

	st = http_state_get(req);
	if (!pay_call_start(&st->call, req, &st->begin, st->attempt,
	    st->uuid)) {
		/* Nothing was sent: the reservation waits for the reconciler. */
		public_redirect(req, st);
		return (HTTP_STATE_COMPLETE);
	}
	req->fsm_state = PUBLIC_STATE_GATEWAY_WAIT;
	return (HTTP_STATE_RETRY);
}

static int
public_gateway_wait(struct http_request *req)
{
	struct public_state	*st;

	st = http_state_get(req);
	if (!pay_call_finish(&st->call, &st->result))
		return (HTTP_STATE_RETRY);
	if (st->result.outcome == GATEWAY_UNKNOWN ||
	    st->result.outcome == GATEWAY_PENDING) {
		/* Not final: the customer sees "processing" until it settles. */
		public_redirect(req, st);
		return (HTTP_STATE_COMPLETE);
	}
	st->step = STEP_SETTLE;
	req->fsm_state = PUBLIC_STATE_QUERY;
	return (HTTP_STATE_CONTINUE);
}

/* After a POST that paid (or tried to), the outcome has its own URL. */
static void
public_redirect(struct http_request *req, struct public_state *st)
{
	char		url[sizeof(st->base) + 64];

	(void)snprintf(url, sizeof(url), "%s/payments/%s", st->base,
	    st->attempt);
	web_security_headers(req);
	http_response_header(req, "location", url);
	http_response_header(req, "cache-control", "no-store");
	http_response(req, HTTP_STATUS_SEE_OTHER, NULL, 0);
	OPENSSL_cleanse(url, sizeof(url));
}

/* "?layout=a4" or "?layout=thermal", else the configured receipt layout. */
static const char *
public_layout(struct http_request *req)
{
	struct form	 q;
	const char	*v, *layout;
	char		 err[64];

	layout = portal_conf.receipt_layout_db != NULL ?
	    portal_conf.receipt_layout_db : portal_conf.receipt_layout;
	if (req->query_string == NULL)
		return (layout);
	form_init(&q);
	if (form_parse(&q, req->query_string, strlen(req->query_string), err,
	    sizeof(err)) && (v = form_get(&q, "layout")) != NULL) {
		if (!strcmp(v, "a4"))
			layout = "a4";
		else if (!strcmp(v, "thermal"))
			layout = "thermal";
	}
	form_free(&q);
	return (layout);
}

/* What the pay page's script needs: the gateway for card details. */
static void
public_pay_config(struct mustache_value *ctx)
{
	struct mustache_value	*g;

	if (portal_conf.gateway_publishable_key == NULL)
		return;
	g = mustache_set(ctx, "gateway", mustache_map());
	mustache_set_str(g, "url", portal_conf.gateway_browser_url != NULL ?
	    portal_conf.gateway_browser_url : portal_conf.gateway_url);
	mustache_set_str(g, "key", portal_conf.gateway_publishable_key);
}

static void
public_checkout(struct public_state *st, struct mustache_value *ctx)
{
	unsigned char	id[LINK_ID_LEN];
	char		attempt[LINKID_UUID_LEN + 1];
	char		csrf[CSRF_TOKEN_LEN + 1];

	if (st->key == NULL || !linkid_random(id))
		return;
	linkid_format(id, attempt);
	if (!csrf_token(st->key->secret, st->key->secret_len, st->uuid,
	    attempt, csrf))
		return;
	payview_checkout(&st->view, ctx, attempt, csrf);
	public_pay_config(ctx);
	OPENSSL_cleanse(csrf, sizeof(csrf));
}

static int
public_render(struct http_request *req)
{
	struct public_state	*st;
	struct mustache_value	*ctx;
	const char		*layout;
	int			 ok;

	st = http_state_get(req);
	if (st->kind == PUBLIC_CONFIRM && st->known[0] != '\0' &&
	    strcmp(st->known, "pending") != 0) {
		public_redirect(req, st);
		return (HTTP_STATE_COMPLETE);
	}
	if (!st->found) {
		web_error(req, HTTP_STATUS_NOT_FOUND);
		return (HTTP_STATE_COMPLETE);
	}
	if (st->view.state != PAYVIEW_OK && (st->kind == PUBLIC_PAGE ||
	    st->kind == PUBLIC_REVIEW || st->kind == PUBLIC_CONFIRM ||
	    st->kind == PUBLIC_INVOICE)) {
		web_error(req, HTTP_STATUS_GONE);
		return (HTTP_STATE_COMPLETE);
	}

	switch (st->kind) {
	case PUBLIC_INVOICE:
		ctx = invoicedoc_context(&st->doc, st->base);
		web_render(req, HTTP_STATUS_OK, "invoice", ctx);
		break;
	case PUBLIC_REVIEW:
		ok = payview_select(&st->view, &st->form);
		ctx = payview_context(&st->view, st->base);
		if (ok)
			public_checkout(st, ctx);
		web_render(req, ok ? HTTP_STATUS_OK : 422,
		    ok ? "review" : "pay", ctx);
		break;
	case PUBLIC_CONFIRM:
		if (st->view.nerrors == 0 && pay_begin_done(&st->begin)) {
			public_redirect(req, st);
			break;
		}
		if (pay_begin_gone(&st->begin)) {
			web_error(req, HTTP_STATUS_GONE);
			break;
		}
		/* Refused: the selection again, with what was wrong. */
		pay_begin_explain(&st->begin, &st->view);
		ctx = payview_context(&st->view, st->base);
		public_pay_config(ctx);
		web_render(req, pay_begin_limited(&st->begin) ? 429 : 422,
		    "pay", ctx);
		break;
	case PUBLIC_PAYMENT:
	case PUBLIC_RECEIPT:
		if (st->kind == PUBLIC_RECEIPT &&
		    strcmp(st->receipt.text[RCPT_STATE], "succeeded") != 0) {
			web_error(req, HTTP_STATUS_NOT_FOUND);
			break;
		}
		layout = public_layout(req);
		ctx = receipt_context(&st->receipt, st->base, st->attempt,
		    layout);
		web_render(req, HTTP_STATUS_OK, st->kind == PUBLIC_RECEIPT ?
		    "receipt" : "payment", ctx);
		break;
	case PUBLIC_PAGE:
	default:
		ctx = payview_context(&st->view, st->base);
		public_pay_config(ctx);
		web_render(req, HTTP_STATUS_OK, "pay", ctx);
		break;
	}
	return (HTTP_STATE_COMPLETE);
}
