/*
 * The reconciler: settles pending attempts whose outcome the customer's
 * request did not learn (a timeout, a 5xx, a dropped connection).
 *
 * Until its deadline an attempt is asked about again with exactly the
 * request the customer's page sent, under the same Idempotency-Key: the
 * gateway answers with the first request's outcome if it had one, so
 * nothing is charged twice, and charges it now if the first request never
 * arrived. Past the deadline nothing is sent that could charge: the
 * reconciler looks the intent up (by id, or by a search on the attempt's
 * metadata once every request that could still be in flight has timed
 * out), cancels one that still waits for the customer, and fails the
 * attempt, releasing its reservation, when the gateway never made a
 * charge for it. Once an outcome is final, payment_settle applies it
 * exactly once.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gateway.h"
#include "gwhttp.h"
#include "reconcile.h"
#include "strbuf.h"

#define RECONCILE_BATCH	10

static const char	q_claim[] =
	"SELECT * FROM payment_claim($1, make_interval(secs => $2), "
	"make_interval(secs => $3))";
static const char	q_settle[] =
	"SELECT * FROM payment_settle($1, $2, $3, $4, $5, $6, $7, $8, $9)";
static const char	q_intent[] = "SELECT payment_intent($1, $2)";

static const char	reconcile_cancel_body[] =
	"cancellation_reason=abandoned&" GATEWAY_EXPAND;

struct reconcile_attempt {
	const char	*id;
	char		 intent[64];
	int		 past_deadline;
	int		 quiet;
	int64_t		 total;
	const char	*currency;
	const char	*payment_method;
	const char	*link;
};

static void	reconcile_call(const struct conf *, const char *,
		    const char *, const char *, const char *,
		    struct gateway_result *, int *);
static int	reconcile_resend(const struct conf *,
		    const struct reconcile_attempt *, struct gateway_result *);
static int	reconcile_search(const struct conf *,
		    const struct reconcile_attempt *, struct gateway_result *);
static void	reconcile_one(PGconn *, const struct conf *,
		    struct reconcile_attempt *);
static void	reconcile_remember(PGconn *, const char *, const char *);
static void	reconcile_settle(PGconn *, const char *,
		    const struct gateway_result *);

/*
 * One gateway call: a POST with the body under the idempotency key, or a
 * GET when body is NULL. The answer is read as an intent into r; when
 * found is not NULL it is read as a search instead, and *found is what
 * gateway_parse_search() returned.
 */
static void
reconcile_call(const struct conf *c, const char *url, const char *body,
    const char *key, const char *what, struct gateway_result *r, int *found)
{
	struct strbuf		 out;
	long			 status;

	strbuf_init(&out);
	status = gwhttp_request(c, url, body, key, &out);
	if (found != NULL)
		*found = gateway_parse_search(status, out.data, out.len, r);
	else
		gateway_parse_intent(status, out.data, out.len, r);
	if (status == 0 || status >= 500)
		fprintf(stderr, "reconcile: %s: no answer from the gateway "
		    "(%ld)\n", what, status);
	strbuf_free(&out);
}

/* Exactly the customer's request again, under the same key. */
static int
reconcile_resend(const struct conf *c, const struct reconcile_attempt *a,
    struct gateway_result *r)
{
	struct strbuf	 body;
	char		 url[512];

	strbuf_init(&body);
	if (!gateway_intent_body(&body, a->total, a->currency,
	    a->payment_method, a->id, a->link, NULL, NULL)) {
		strbuf_free(&body);
		return (0);
	}
	(void)snprintf(url, sizeof(url), "%s/v1/payment_intents",
	    c->gateway_url);
	reconcile_call(c, url, strbuf_cstr(&body), a->id, a->id, r, NULL);
	strbuf_free(&body);
	return (1);
}

/* The intent made for the attempt: 1 found, 0 none, -1 cannot tell. */
static int
reconcile_search(const struct conf *c, const struct reconcile_attempt *a,
    struct gateway_result *r)
{
	struct strbuf	 q;
	char		 url[512];
	int		 found;

	strbuf_init(&q);
	if (!gateway_search_query(&q, a->id)) {
		strbuf_free(&q);
		return (-1);
	}
	(void)snprintf(url, sizeof(url), "%s/v1/payment_intents/search?%s",
	    c->gateway_url, strbuf_cstr(&q));
	strbuf_free(&q);
	reconcile_call(c, url, NULL, NULL, a->id, r, &found);
	return (found);
}

static void
reconcile_one(PGconn *db, const struct conf *c, struct reconcile_attempt *a)
{
	struct gateway_result	 r;
	char			 url[512], key[64];

	if (a->intent[0] == '\0' && !a->past_deadline) {
		if (!reconcile_resend(c, a, &r))
			return;
	} else {
		if (a->intent[0] == '\0') {
			/*
			 * Past the deadline nothing more is sent that could
			 * charge; once every request that could still arrive
			 * has timed out, the gateway's word that it has no
			 * intent for the attempt means nothing was charged.
			 */
			if (!a->quiet)
				return;
			switch (reconcile_search(c, a, &r)) {
			case 0:
				memset(&r, 0, sizeof(r));
				r.outcome = GATEWAY_DECLINED;
				r.amount = -1;
				(void)snprintf(r.code, sizeof(r.code),
				    "not_sent");
				(void)snprintf(r.message, sizeof(r.message),
				    "The payment did not reach the payment "
				    "processor, so nothing was charged. Please "
				    "try again.");
				reconcile_settle(db, a->id, &r);
				return;
			case 1:
				(void)snprintf(a->intent, sizeof(a->intent),
				    "%s", r.intent_id);
				reconcile_remember(db, a->id, a->intent);
				break;
			default:
				return;
			}
		}
		/* By id, with the charge, for the card on the receipt. */
		(void)snprintf(url, sizeof(url),
		    "%s/v1/payment_intents/%s?" GATEWAY_EXPAND,
		    c->gateway_url, a->intent);
		reconcile_call(c, url, NULL, NULL, a->id, &r, NULL);
	}

	/*
	 * Still waiting for the customer (an authentication that was never
	 * finished, say) when time is up: cancel it, under a key of its own,
	 * and settle by what the cancellation answers, which may be that
	 * the payment went through after all. "processing" cannot be
	 * canceled: money is moving, and its webhook will settle it.
	 */
	if (a->past_deadline && r.outcome == GATEWAY_PENDING &&
	    r.intent_id[0] != '\0' && strcmp(r.status, "processing") != 0) {
		(void)snprintf(url, sizeof(url),
		    "%s/v1/payment_intents/%s/cancel", c->gateway_url,
		    r.intent_id);
		(void)snprintf(key, sizeof(key), "%s-cancel", a->id);
		reconcile_call(c, url, reconcile_cancel_body, key, a->id, &r,
		    NULL);
		if (r.outcome == GATEWAY_DECLINED && !strcmp(r.status,
		    "canceled")) {
			(void)snprintf(r.code, sizeof(r.code), "expired");
			(void)snprintf(r.message, sizeof(r.message),
			    "The payment was not completed in time and was "
			    "canceled; nothing was charged.");
		}
	}
	reconcile_settle(db, a->id, &r);
}

static void
reconcile_remember(PGconn *db, const char *attempt, const char *intent)
{
	PGresult	*res;
	const char	*p[2];

	p[0] = attempt;
	p[1] = intent;
	res = PQexecParams(db, q_intent, 2, NULL, p, NULL, NULL, 0);
	PQclear(res);
}

static void
reconcile_settle(PGconn *db, const char *attempt,
    const struct gateway_result *r)
{
	PGresult	*res;
	const char	*p[9];
	char		 amount[32];

	/*
	 * A re-sent request the gateway refuses (an idempotency error, say)
	 * tells nothing about the first one: that may have charged.
	 */
	if (r->outcome == GATEWAY_REJECTED) {
		fprintf(stderr, "reconcile %s: gateway refused the request: "
		    "%s %s\n", attempt, r->code, r->message);
		return;
	}
	if (r->outcome == GATEWAY_PENDING || r->outcome == GATEWAY_UNKNOWN) {
		/* Not final yet: remember the intent, ask again later. */
		if (r->intent_id[0] != '\0')
			reconcile_remember(db, attempt, r->intent_id);
		return;
	}
	gateway_settle_params(r, attempt, "reconciler", amount,
	    sizeof(amount), p);
	res = PQexecParams(db, q_settle, 9, NULL, p, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		fprintf(stderr, "reconcile %s: %s", attempt,
		    PQerrorMessage(db));
	}
	PQclear(res);
}

/* One batch; returns how many attempts were asked about, -1 on error. */
int
reconcile_run(PGconn *db, const struct conf *c)
{
	PGresult			*res;
	struct reconcile_attempt	 a;
	const char			*p[3];
	char				 limit[16], age[16], quiet[16];
	int				 i, n;

	if (c->gateway_url == NULL || c->gateway_secret_key == NULL)
		return (0);
	(void)snprintf(limit, sizeof(limit), "%d", RECONCILE_BATCH);
	(void)snprintf(age, sizeof(age), "%d", c->reconcile_after);
	/* Longer than any request of ours can still be on its way. */
	(void)snprintf(quiet, sizeof(quiet), "%d", 2 * c->gateway_timeout +
	    60);
	p[0] = limit;
	p[1] = age;
	p[2] = quiet;
	res = PQexecParams(db, q_claim, 3, NULL, p, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		fprintf(stderr, "reconcile: %s", PQerrorMessage(db));
		PQclear(res);
		return (-1);
	}
	n = PQntuples(res);
	for (i = 0; i < n; i++) {
		memset(&a, 0, sizeof(a));
		a.id = PQgetvalue(res, i, 0);
		if (!PQgetisnull(res, i, 1))
			(void)snprintf(a.intent, sizeof(a.intent), "%s",
			    PQgetvalue(res, i, 1));
		a.past_deadline = PQgetvalue(res, i, 2)[0] == 't';
		a.total = strtoll(PQgetvalue(res, i, 3), NULL, 10);
		a.currency = PQgetvalue(res, i, 4);
		a.payment_method = PQgetvalue(res, i, 5);
		a.link = PQgetvalue(res, i, 6);
		a.quiet = PQgetvalue(res, i, 7)[0] == 't';
		reconcile_one(db, c, &a);
	}
	PQclear(res);
	return (n);
}
