/*
 * The gateway's webhook: POST /gateway/webhook. The signature is checked
 * in constant time against every configured secret (several during a
 * rotation) with a 5-minute tolerance before anything else; the event is
 * then recorded and applied in one transaction (gateway_event_settle, or
 * refund_event for a charge.refunded), so a replayed event changes
 * nothing and a failed one can be retried.
 */
#include <kore/kore.h>
#include <kore/http.h>
#include <kore/pgsql.h>

#include <time.h>

#include <openssl/crypto.h>

#include "db.h"
#include "gateway.h"
#include "gwsig.h"
#include "hook.h"
#include "portal.h"
#include "public_sql.h"
#include "web.h"

#define HOOK_MAX_SECRETS	4

static const char	q_hook_refund[] = "SELECT refund_event($1, $2, $3)";

enum hook_state_id {
	HOOK_STATE_INIT,
	HOOK_STATE_QUERY,
	HOOK_STATE_WAIT,
	HOOK_STATE_MAX
};

struct hook_state {
	struct kore_pgsql	 sql;
	int			 sql_bound;
	char			 event[128];
	char			 type[64];
	char			 amount[32];
	struct gateway_result	 result;
	const char		*success;	/* "true", "false" or NULL */
	char			 charge_intent[64];	/* of charge.refunded */
	char			 outcome[16];
};

static int	hook_init(struct http_request *);
static int	hook_query(struct http_request *);
static int	hook_wait(struct http_request *);
static enum db_status	hook_send_settle(struct hook_state *,
			    const char **);
static void	hook_free(struct http_request *);
static void	hook_answer(struct http_request *, int, const char *);
static size_t	hook_secrets(char *, const char **, size_t);

static struct http_state	hook_states[] = {
	KORE_HTTP_STATE(hook_init),
	KORE_HTTP_STATE(hook_query),
	KORE_HTTP_STATE(hook_wait),
};

int
hook_gateway(struct http_request *req)
{
	if (!http_state_exists(req))
		(void)http_state_create(req, sizeof(struct hook_state),
		    hook_free);
	return (http_state_run(hook_states, HOOK_STATE_MAX, req));
}

static void
hook_free(struct http_request *req)
{
	struct hook_state	*st;

	st = http_state_get(req);
	if (st->sql_bound)
		kore_pgsql_cleanup(&st->sql);
	http_state_cleanup(req);
}

static void
hook_answer(struct http_request *req, int status, const char *text)
{
	http_response_header(req, "content-type", "text/plain");
	http_response_header(req, "cache-control", "no-store");
	http_response(req, status, text, strlen(text));
}

/* "whsec_a whsec_b": the secrets in force, in a copy split in place. */
static size_t
hook_secrets(char *copy, const char **out, size_t max)
{
	char		*p, *tok;
	size_t		 n;

	n = 0;
	p = copy;
	while (n < max && (tok = strsep(&p, " ,")) != NULL) {
		if (*tok != '\0')
			out[n++] = tok;
	}
	return (n);
}

static int
hook_init(struct http_request *req)
{
	struct hook_state	*st;
	const char		*sig, *secrets[HOOK_MAX_SECRETS];
	char			*body, copy[512];
	size_t			 len, n;
	enum gwsig_verdict	 v;

	st = http_state_get(req);
	if (req->method != HTTP_METHOD_POST) {
		hook_answer(req, HTTP_STATUS_METHOD_NOT_ALLOWED, "POST only\n");
		return (HTTP_STATE_COMPLETE);
	}
	if (portal_conf.gateway_webhook_secret == NULL) {
		kore_log(LOG_ERR, "webhook: no gateway_webhook_secret set");
		hook_answer(req, HTTP_STATUS_SERVICE_UNAVAILABLE,
		    "not configured\n");
		return (HTTP_STATE_COMPLETE);
	}
	if (!http_request_header(req, "stripe-signature", &sig))
		sig = "";
	if (!web_body(req, &body, &len)) {
		hook_answer(req, HTTP_STATUS_BAD_REQUEST, "bad body\n");
		return (HTTP_STATE_COMPLETE);
	}
	(void)snprintf(copy, sizeof(copy), "%s",
	    portal_conf.gateway_webhook_secret);
	n = hook_secrets(copy, secrets, HOOK_MAX_SECRETS);
	v = gwsig_verify(sig, secrets, n, body, len, (int64_t)time(NULL));
	OPENSSL_cleanse(copy, sizeof(copy));
	if (v != GWSIG_OK) {
		kore_free(body);
		kore_log(LOG_NOTICE, "webhook refused: %s signature",
		    v == GWSIG_STALE ? "stale" : v == GWSIG_MALFORMED ?
		    "malformed" : "wrong");
		hook_answer(req, HTTP_STATUS_BAD_REQUEST, "invalid signature\n");
		return (HTTP_STATE_COMPLETE);
	}
	if (!gateway_parse_event(body, len, st->event, sizeof(st->event),
	    st->type, sizeof(st->type), &st->result)) {
		kore_free(body);
		hook_answer(req, HTTP_STATUS_BAD_REQUEST, "not an event\n");
		return (HTTP_STATE_COMPLETE);
	}
	/*
	 * A refund's Charge names the intent, not the refund: its pending
	 * refunds are asked about again at once (refund.c), under their own
	 * keys, which tells each one's outcome.
	 */
	if (!strcmp(st->type, "charge.refunded"))
		(void)gateway_parse_charge_event(body, len, st->charge_intent,
		    sizeof(st->charge_intent));
	kore_free(body);

	/* Only an intent's final outcome settles anything. */
	st->success = NULL;
	if (!strcmp(st->type, "payment_intent.succeeded") &&
	    st->result.outcome == GATEWAY_SUCCEEDED)
		st->success = "true";
	else if (!strcmp(st->type, "payment_intent.payment_failed") &&
	    st->result.outcome == GATEWAY_DECLINED)
		st->success = "false";
	req->fsm_state = HOOK_STATE_QUERY;
	return (HTTP_STATE_CONTINUE);
}

static int
hook_query(struct http_request *req)
{
	struct hook_state	*st;
	const char		*p[10];
	enum db_status		 r;

	st = http_state_get(req);
	if (!st->sql_bound) {
		db_bind(&st->sql, req);
		st->sql_bound = 1;
	}
	p[0] = st->event;
	p[1] = st->type;
	if (st->charge_intent[0] != '\0') {
		p[2] = st->charge_intent;
		r = db_send(&st->sql, q_hook_refund, 3, p);
	} else
		r = hook_send_settle(st, p);
	if (r == DB_WAIT)
		return (HTTP_STATE_RETRY);
	if (r == DB_FAILED) {
		/* Not recorded: the gateway retries the event later. */
		hook_answer(req, HTTP_STATUS_INTERNAL_ERROR, "try again\n");
		return (HTTP_STATE_COMPLETE);
	}
	req->fsm_state = HOOK_STATE_WAIT;
	return (HTTP_STATE_CONTINUE);
}

/* An intent's event: its outcome, for gateway_event_settle. */
static enum db_status
hook_send_settle(struct hook_state *st, const char **p)
{
	int	ok;

	ok = st->success != NULL && !strcmp(st->success, "true");
	(void)snprintf(st->amount, sizeof(st->amount), "%lld",
	    (long long)st->result.amount);
	p[2] = st->result.intent_id[0] != '\0' ? st->result.intent_id : NULL;
	p[3] = st->result.attempt[0] != '\0' ? st->result.attempt : NULL;
	p[4] = st->success;
	p[5] = st->result.amount >= 0 ? st->amount : NULL;
	p[6] = st->result.brand[0] != '\0' ? st->result.brand : NULL;
	p[7] = st->result.last4[0] != '\0' ? st->result.last4 : NULL;
	p[8] = ok ? NULL : (st->result.code[0] != '\0' ? st->result.code :
	    "declined");
	p[9] = ok ? NULL : (st->result.message[0] != '\0' ?
	    st->result.message : "The payment was declined.");
	return (db_send_prepared(&st->sql, q_hook_settle, 10, p));
}

static int
hook_wait(struct http_request *req)
{
	struct hook_state	*st;

	st = http_state_get(req);
	switch (db_poll(&st->sql, "webhook")) {
	case DB_WAIT:
		return (HTTP_STATE_RETRY);
	case DB_ROWS:
		if (kore_pgsql_ntuples(&st->sql) > 0) {
			(void)snprintf(st->outcome, sizeof(st->outcome), "%s",
			    kore_pgsql_getvalue(&st->sql, 0, 0));
		}
		db_next(&st->sql);
		return (HTTP_STATE_CONTINUE);
	case DB_DONE:
		hook_answer(req, HTTP_STATUS_OK, st->outcome[0] != '\0' ?
		    st->outcome : "ok");
		return (HTTP_STATE_COMPLETE);
	case DB_FAILED:
	default:
		hook_answer(req, HTTP_STATUS_INTERNAL_ERROR, "try again\n");
		return (HTTP_STATE_COMPLETE);
	}
}
