/*
 * Refunds: an admin's request is recorded as a pending refund holding its
 * amounts (refund_begin, sql/008_refunds.sql); this sends it. The request
 * is POST /v1/refunds with the refund's id as the Idempotency-Key, so
 * however often it goes out again (no answer, a 5xx, a node that stopped
 * between the call and the settling) the gateway makes one refund and
 * answers every try with it. Once the gateway has named the refund it is
 * looked up by that id instead. A final answer is settled exactly once by
 * refund_settle; anything else is tried again later, with backoff.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gateway.h"
#include "gwhttp.h"
#include "refund.h"
#include "strbuf.h"

#define REFUND_BATCH		10
#define REFUND_FIRST_BACKOFF	5	/* seconds, doubling each try */
#define REFUND_MAX_BACKOFF	3600
/*
 * How long a refund the gateway has not named is sent again: Stripe
 * keeps an Idempotency-Key for at least 24 hours, and a key it has
 * forgotten would make a second refund.
 */
#define REFUND_KEY_HOURS	20

static const char	q_refund_claim[] =
	"SELECT * FROM refund_claim($1, make_interval(secs => $2),"
	" make_interval(hours => $3))";
static const char	q_refund_settle[] =
	"SELECT * FROM refund_settle($1, $2, $3, $4, $5, 'background')";
static const char	q_refund_retry[] =
	"SELECT refund_retry($1, $2, $3, make_interval(secs => $4))";

struct refund_due {
	const char	*id;
	const char	*intent;		/* the receipt's charge */
	int64_t		 amount;
	const char	*currency;
	const char	*gateway_refund;	/* or NULL: not named yet */
	int		 tries;
};

static void	refund_one(PGconn *, const struct conf *,
		    const struct refund_due *);
static int	refund_matches(const struct refund_due *,
		    const struct gateway_refund *);
static void	refund_settle(PGconn *, const struct refund_due *, int,
		    const struct gateway_refund *);
static void	refund_retry(PGconn *, const struct refund_due *,
		    const char *, const char *);

static void
refund_one(PGconn *db, const struct conf *c, const struct refund_due *d)
{
	struct gateway_refund	 g;
	struct strbuf		 body, out;
	char			 url[512], err[320];
	long			 status;

	strbuf_init(&out);
	if (d->gateway_refund != NULL) {
		(void)snprintf(url, sizeof(url), "%s/v1/refunds/%s",
		    c->gateway_url, d->gateway_refund);
		status = gwhttp_request(c, url, NULL, NULL, &out);
	} else {
		strbuf_init(&body);
		if (!gateway_refund_body(&body, d->intent, d->amount, d->id)) {
			fprintf(stderr, "refund %s: no request for charge %s\n",
			    d->id, d->intent);
			strbuf_free(&body);
			strbuf_free(&out);
			refund_retry(db, d, NULL, "The request for the payment "
			    "processor could not be made.");
			return;
		}
		(void)snprintf(url, sizeof(url), "%s/v1/refunds",
		    c->gateway_url);
		status = gwhttp_request(c, url, strbuf_cstr(&body), d->id,
		    &out);
		strbuf_free(&body);
	}
	gateway_parse_refund(status, out.data, out.len, &g);
	strbuf_free(&out);
	/* A lookup's error is about the lookup: the refund was made. */
	if (d->gateway_refund != NULL && g.refund_id[0] == '\0' &&
	    g.outcome == GATEWAY_DECLINED)
		g.outcome = GATEWAY_REJECTED;

	/* A refund that is not this one's settles nothing. */
	if (g.refund_id[0] != '\0' && !refund_matches(d, &g)) {
		fprintf(stderr, "refund %s: the gateway answered with refund "
		    "%s of %lld %s for %s, not this one\n", d->id, g.refund_id,
		    (long long)g.amount, g.currency, g.intent_id);
		refund_retry(db, d, NULL, "The payment processor's answer was "
		    "about another refund.");
		return;
	}
	switch (g.outcome) {
	case GATEWAY_SUCCEEDED:
		refund_settle(db, d, 1, &g);
		break;
	case GATEWAY_DECLINED:
		refund_settle(db, d, 0, &g);
		break;
	case GATEWAY_PENDING:
		refund_retry(db, d, g.refund_id, "The payment processor is "
		    "still working on the refund.");
		break;
	case GATEWAY_REJECTED:
		/*
		 * Our key or setup is wrong, or the request is not the first
		 * one's: either way, nothing is known about the refund.
		 */
		fprintf(stderr, "refund %s: the gateway refused the request "
		    "(%ld): %s %s\n", d->id, status, g.code, g.message);
		(void)snprintf(err, sizeof(err), "The payment processor "
		    "refused the request (HTTP %ld): %s", status, g.message);
		refund_retry(db, d, NULL, err);
		break;
	default:
		fprintf(stderr, "refund %s: no answer from the gateway (%ld)\n",
		    d->id, status);
		(void)snprintf(err, sizeof(err), "No answer from the payment "
		    "processor (%s); trying again.", status == 0 ? "timeout or "
		    "no connection" : status >= 500 ? "server error" :
		    "unexpected answer");
		refund_retry(db, d, NULL, err);
		break;
	}
}

/*
 * The gateway answers a retry with the refund it made the first time;
 * one for another amount, charge or refund id is not this refund.
 */
static int
refund_matches(const struct refund_due *d, const struct gateway_refund *g)
{
	if (g->amount != d->amount)
		return (0);
	if (g->currency[0] != '\0' && strcmp(g->currency, d->currency) != 0)
		return (0);
	if (g->intent_id[0] != '\0' && strcmp(g->intent_id, d->intent) != 0)
		return (0);
	if (g->refund[0] != '\0' && strcmp(g->refund, d->id) != 0)
		return (0);
	if (d->gateway_refund != NULL &&
	    strcmp(g->refund_id, d->gateway_refund) != 0)
		return (0);
	return (1);
}

static void
refund_settle(PGconn *db, const struct refund_due *d, int ok,
    const struct gateway_refund *g)
{
	PGresult	*res;
	const char	*p[5];

	p[0] = d->id;
	p[1] = ok ? "true" : "false";
	p[2] = g->refund_id[0] != '\0' ? g->refund_id : NULL;
	p[3] = ok ? NULL : (g->code[0] != '\0' ? g->code : "refused");
	p[4] = ok ? NULL : (g->message[0] != '\0' ? g->message :
	    "The payment processor refused the refund.");
	res = PQexecParams(db, q_refund_settle, 5, NULL, p, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK)
		fprintf(stderr, "refund %s: %s", d->id, PQerrorMessage(db));
	else if (PQntuples(res) == 0)
		fprintf(stderr, "refund %s: outcome not applied\n", d->id);
	PQclear(res);
}

/* 5 s after the first try, doubling, at most REFUND_MAX_BACKOFF. */
static void
refund_retry(PGconn *db, const struct refund_due *d, const char *named,
    const char *why)
{
	PGresult	*res;
	const char	*p[4];
	char		 after[16];
	int		 wait, i;

	wait = REFUND_FIRST_BACKOFF;
	for (i = 1; i < d->tries && wait < REFUND_MAX_BACKOFF; i++)
		wait *= 2;
	if (wait > REFUND_MAX_BACKOFF)
		wait = REFUND_MAX_BACKOFF;
	(void)snprintf(after, sizeof(after), "%d", wait);
	p[0] = d->id;
	p[1] = named != NULL && named[0] != '\0' ? named : NULL;
	p[2] = why;
	p[3] = after;
	res = PQexecParams(db, q_refund_retry, 4, NULL, p, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK)
		fprintf(stderr, "refund %s: %s", d->id, PQerrorMessage(db));
	PQclear(res);
}

/* One batch; returns how many refunds were tried, -1 on error. */
int
refund_run(PGconn *db, const struct conf *c)
{
	PGresult		*res;
	struct refund_due	 d;
	const char		*p[3];
	char			 limit[16], lease[16], hours[16];
	int			 i, n;

	if (c->gateway_url == NULL || c->gateway_secret_key == NULL)
		return (0);
	(void)snprintf(limit, sizeof(limit), "%d", REFUND_BATCH);
	/* Longer than a call can take: no other node sends it meanwhile. */
	(void)snprintf(lease, sizeof(lease), "%d", c->gateway_timeout + 30);
	(void)snprintf(hours, sizeof(hours), "%d", REFUND_KEY_HOURS);
	p[0] = limit;
	p[1] = lease;
	p[2] = hours;
	res = PQexecParams(db, q_refund_claim, 3, NULL, p, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		fprintf(stderr, "refunds: %s", PQerrorMessage(db));
		PQclear(res);
		return (-1);
	}
	n = PQntuples(res);
	for (i = 0; i < n; i++) {
		memset(&d, 0, sizeof(d));
		d.id = PQgetvalue(res, i, 0);
		d.intent = PQgetvalue(res, i, 1);
		d.amount = strtoll(PQgetvalue(res, i, 2), NULL, 10);
		d.currency = PQgetvalue(res, i, 3);
		d.gateway_refund = PQgetisnull(res, i, 4) ? NULL :
		    PQgetvalue(res, i, 4);
		d.tries = atoi(PQgetvalue(res, i, 5));
		refund_one(db, c, &d);
	}
	PQclear(res);
	return (n);
}
