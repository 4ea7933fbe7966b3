/*
 * The reconciler. A pending attempt is asked about again
 * with exactly the request the customer's page sent, under the same
 * Idempotency-Key: the gateway answers with the first request's outcome if
 * it had one, so nothing is charged twice; once an outcome is final,
 * payment_settle applies it exactly once.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <openssl/crypto.h>

#include "gateway.h"
#include "money.h"
#include "reconcile.h"
#include "strbuf.h"

#define RECONCILE_BATCH	10

static const char	q_claim[] =
	"SELECT * FROM payment_claim($1, make_interval(secs => $2))";
static const char	q_settle[] =
	"SELECT * FROM payment_settle($1, $2, $3, $4, $5, $6, $7, $8, $9)";
static const char	q_intent[] = "SELECT payment_intent($1, $2)";
static size_t	reconcile_write(char *, size_t, size_t, void *);
static int	reconcile_ask(const struct conf *, PGresult *, int,
		    struct gateway_result *);
static void	reconcile_settle(PGconn *, const char *,
		    const struct gateway_result *);

static size_t
reconcile_write(char *p, size_t size, size_t n, void *arg)
{
	strbuf_append(arg, p, size * n);
	return (size * n);
}

/*
 * Asks the gateway about one claimed attempt: by intent id when known,
 * else by sending the original request again under its idempotency key.
 */
static int
reconcile_ask(const struct conf *c, PGresult *res, int row,
    struct gateway_result *r)
{
	CURL			*h;
	struct curl_slist	*hdrs;
	struct strbuf		 body, out;
	const char		*attempt, *intent;
	char			 url[512], hdr[320];
	long			 status;
	CURLcode		 rc;

	attempt = PQgetvalue(res, row, 0);
	intent = PQgetisnull(res, row, 1) ? NULL : PQgetvalue(res, row, 1);
	strbuf_init(&body);
	strbuf_init(&out);
	if (intent != NULL) {
		(void)snprintf(url, sizeof(url), "%s/v1/payment_intents/%s",
		    c->gateway_url, intent);
	} else {
		(void)snprintf(url, sizeof(url), "%s/v1/payment_intents",
		    c->gateway_url);
		if (!gateway_intent_body(&body,
		    strtoll(PQgetvalue(res, row, 3), NULL, 10),
		    PQgetvalue(res, row, 4), PQgetvalue(res, row, 5), attempt,
		    PQgetvalue(res, row, 6), NULL, NULL)) {
			strbuf_free(&body);
			return (0);
		}
	}
	if ((h = curl_easy_init()) == NULL) {
		strbuf_free(&body);
		return (0);
	}
	hdrs = NULL;
	(void)snprintf(hdr, sizeof(hdr), "Authorization: Bearer %s",
	    c->gateway_secret_key);
	hdrs = curl_slist_append(hdrs, hdr);
	OPENSSL_cleanse(hdr, sizeof(hdr));
	(void)snprintf(hdr, sizeof(hdr), "Idempotency-Key: %s", attempt);
	hdrs = curl_slist_append(hdrs, hdr);
	(void)snprintf(hdr, sizeof(hdr), "Stripe-Version: %s",
	    c->gateway_version);
	hdrs = curl_slist_append(hdrs, hdr);
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, reconcile_write);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &out);
	curl_easy_setopt(h, CURLOPT_TIMEOUT, (long)c->gateway_timeout);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 5L);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	if (intent == NULL) {
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, strbuf_cstr(&body));
		curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long)body.len);
	}
	rc = curl_easy_perform(h);
	status = 0;
	if (rc == CURLE_OK)
		curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	gateway_parse_intent(status, out.data, out.len, r);
	curl_slist_free_all(hdrs);
	curl_easy_cleanup(h);
	strbuf_free(&body);
	strbuf_free(&out);
	return (1);
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
		fprintf(stderr, "reconcile %s: gateway refused the re-sent "
		    "request: %s %s\n", attempt, r->code, r->message);
		return;
	}
	if (r->outcome == GATEWAY_PENDING || r->outcome == GATEWAY_UNKNOWN) {
		/* Not final yet: remember the intent, ask again later. */
		if (r->intent_id[0] == '\0')
			return;
		p[0] = attempt;
		p[1] = r->intent_id;
		res = PQexecParams(db, q_intent, 2, NULL, p, NULL, NULL, 0);
		PQclear(res);
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
	PGresult		*res;
	struct gateway_result	 r;
	const char		*p[2];
	char			 limit[16], age[16];
	int			 i, n;

	if (c->gateway_url == NULL || c->gateway_secret_key == NULL)
		return (0);
	(void)snprintf(limit, sizeof(limit), "%d", RECONCILE_BATCH);
	(void)snprintf(age, sizeof(age), "%d", c->reconcile_after);
	p[0] = limit;
	p[1] = age;
	res = PQexecParams(db, q_claim, 2, NULL, p, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		fprintf(stderr, "reconcile: %s", PQerrorMessage(db));
		PQclear(res);
		return (-1);
	}
	n = PQntuples(res);
	for (i = 0; i < n; i++) {
		if (reconcile_ask(c, res, i, &r))
			reconcile_settle(db, PQgetvalue(res, i, 0), &r);
	}
	PQclear(res);
	return (n);
}
