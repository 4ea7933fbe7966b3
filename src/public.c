/*
 * The customer's pages behind a pay link:
 *
 *	GET  /pay/<token>			open invoices, selection form
 *	POST /pay/<token>/review		the selection checked by the server
 *	GET  /pay/<token>/invoices/<number>	one invoice, printable
 *
 * The token's MAC is checked before the database is touched; a bad token,
 * an unknown link and an invoice outside the link's scope all get the same
 * 404, and an expired or revoked link a 410.
 */
#include <kore/kore.h>
#include <kore/http.h>
#include <kore/pgsql.h>

#include <ctype.h>
#include <time.h>

#include <openssl/crypto.h>

#include "conf.h"
#include "db.h"
#include "form.h"
#include "invoicedoc.h"
#include "linkid.h"
#include "linktoken.h"
#include "payview.h"
#include "portal.h"
#include "public.h"
#include "public_sql.h"
#include "web.h"

enum public_kind { PUBLIC_PAGE, PUBLIC_REVIEW, PUBLIC_INVOICE };

enum public_state_id {
	PUBLIC_STATE_INIT,
	PUBLIC_STATE_QUERY,
	PUBLIC_STATE_WAIT,
	PUBLIC_STATE_RENDER,
	PUBLIC_STATE_MAX
};

struct public_state {
	enum public_kind	 kind;
	struct kore_pgsql	 sql;
	char			 uuid[LINKID_UUID_LEN + 1];
	char			 base[8 + LINK_TOKEN_MAX];
	char			 number[64];
	char			 addr[WEB_ADDR_MAX];
	char			 ua[WEB_UA_MAX + 1];
	struct form		 form;
	int			 found;
	int			 failed;
	struct pay_view		 view;
	struct invoicedoc	 doc;
};

static int	public_init(struct http_request *);
static int	public_query(struct http_request *);
static int	public_wait(struct http_request *);
static int	public_render(struct http_request *);
static int	public_run(struct http_request *, enum public_kind);
static void	public_free(struct http_request *);
static int	public_rows_view(struct public_state *, struct kore_pgsql *);
static int	public_rows_invoice(struct public_state *,
		    struct kore_pgsql *);
static int	public_token(const char *, char *, size_t, const char **);
static int	public_number(const char *, char *, size_t);

static struct http_state	public_states[] = {
	KORE_HTTP_STATE(public_init),
	KORE_HTTP_STATE(public_query),
	KORE_HTTP_STATE(public_wait),
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
		db_bind(&st->sql, req);
	}
	return (http_state_run(public_states, PUBLIC_STATE_MAX, req));
}

static void
public_free(struct http_request *req)
{
	struct public_state	*st;

	st = http_state_get(req);
	/* The query handle lives in this state: release it before freeing. */
	kore_pgsql_cleanup(&st->sql);
	form_free(&st->form);
	payview_free(&st->view);
	invoicedoc_free(&st->doc);
	OPENSSL_cleanse(st->base, sizeof(st->base));
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

static int
public_init(struct http_request *req)
{
	struct public_state	*st;
	struct link_claims	 claims;
	const char		*rest;
	char			 token[LINK_TOKEN_MAX + 1], err[128];
	char			*body;
	size_t			 len;
	enum link_verdict	 verdict;
	int			 ok;

	st = http_state_get(req);
	if (!web_method(req, st->kind == PUBLIC_REVIEW ? HTTP_METHOD_POST :
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

	if (st->kind == PUBLIC_INVOICE &&
	    !public_number(rest + strlen("/invoices/"), st->number,
	    sizeof(st->number))) {
		web_error(req, HTTP_STATUS_NOT_FOUND);
		return (HTTP_STATE_COMPLETE);
	}
	if (st->kind == PUBLIC_PAGE) {
		(void)web_client_addr(req, st->addr, sizeof(st->addr));
		web_user_agent(req, st->ua, sizeof(st->ua));
	}
	if (st->kind == PUBLIC_REVIEW) {
		if (!web_body(req, &body, &len)) {
			web_error(req, HTTP_STATUS_BAD_REQUEST);
			return (HTTP_STATE_COMPLETE);
		}
		ok = form_parse(&st->form, body, len, err, sizeof(err));
		kore_free(body);
		if (!ok) {
			kore_log(LOG_NOTICE, "review form refused: %s", err);
			web_error(req, HTTP_STATUS_BAD_REQUEST);
			return (HTTP_STATE_COMPLETE);
		}
	}
	req->fsm_state = PUBLIC_STATE_QUERY;
	return (HTTP_STATE_CONTINUE);
}

static int
public_query(struct http_request *req)
{
	struct public_state	*st;
	const char		*p[4];
	enum db_status		 r;

	st = http_state_get(req);
	if (st->kind == PUBLIC_INVOICE) {
		p[0] = st->uuid;
		p[1] = st->number;
		r = db_send(&st->sql, q_public_invoice, 2, p);
	} else {
		p[0] = st->uuid;
		p[1] = st->addr[0] != '\0' ? st->addr : NULL;
		p[2] = st->kind == PUBLIC_PAGE ? st->ua : NULL;
		p[3] = st->kind == PUBLIC_PAGE ? "true" : "false";
		r = db_send(&st->sql, q_public_view, 4, p);
	}
	if (r == DB_WAIT)
		return (HTTP_STATE_RETRY);
	if (r == DB_FAILED) {
		web_error(req, HTTP_STATUS_INTERNAL_ERROR);
		return (HTTP_STATE_COMPLETE);
	}
	req->fsm_state = PUBLIC_STATE_WAIT;
	return (HTTP_STATE_CONTINUE);
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
		if (!st->failed) {
			if (st->kind == PUBLIC_INVOICE)
				st->failed = !public_rows_invoice(st, &st->sql);
			else
				st->failed = !public_rows_view(st, &st->sql);
		}
		db_next(&st->sql);
		return (HTTP_STATE_CONTINUE);
	case DB_DONE:
		req->fsm_state = PUBLIC_STATE_RENDER;
		return (HTTP_STATE_CONTINUE);
	case DB_FAILED:
	default:
		web_error(req, HTTP_STATUS_INTERNAL_ERROR);
		return (HTTP_STATE_COMPLETE);
	}
}

static int
public_rows_view(struct public_state *st, struct kore_pgsql *sql)
{
	const char	*v[13];
	char		 err[256];
	int		 row, rows, col;

	rows = kore_pgsql_ntuples(sql);
	for (row = 0; row < rows; row++) {
		for (col = 0; col < 13; col++) {
			v[col] = db_isnull(sql, row, col) ? NULL :
			    kore_pgsql_getvalue(sql, row, col);
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
public_render(struct http_request *req)
{
	struct public_state	*st;
	struct mustache_value	*ctx;
	int			 ok;

	st = http_state_get(req);
	if (st->failed) {
		web_error(req, HTTP_STATUS_INTERNAL_ERROR);
		return (HTTP_STATE_COMPLETE);
	}
	if (!st->found) {
		web_error(req, HTTP_STATUS_NOT_FOUND);
		return (HTTP_STATE_COMPLETE);
	}
	if (st->view.state != PAYVIEW_OK) {
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
		web_render(req, ok ? HTTP_STATUS_OK : 422,
		    ok ? "review" : "pay", ctx);
		break;
	case PUBLIC_PAGE:
	default:
		ctx = payview_context(&st->view, st->base);
		web_render(req, HTTP_STATUS_OK, "pay", ctx);
		break;
	}
	return (HTTP_STATE_COMPLETE);
}
