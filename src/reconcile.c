/*
 * The reconciler and the outbox. A pending attempt is asked about again
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
#define OUTBOX_BATCH	10
#define OUTBOX_MAX_BACKOFF	3600	/* seconds */

static const char	q_claim[] =
	"SELECT * FROM payment_claim($1, make_interval(secs => $2))";
static const char	q_settle[] =
	"SELECT * FROM payment_settle($1, $2, $3, $4, $5, $6, $7, $8, $9)";
static const char	q_intent[] = "SELECT payment_intent($1, $2)";
static const char	q_outbox_claim[] = "SELECT * FROM outbox_claim($1)";
static const char	q_outbox_sent[] =
	"UPDATE outbox SET sent_at = now(), claimed_until = NULL,"
	" last_error = NULL WHERE id = $1";
static const char	q_outbox_retry[] =
	"UPDATE outbox SET claimed_until = NULL, last_error = $2,"
	" next_at = now() + make_interval(secs => $3) WHERE id = $1";
static const char	q_receipt_mail[] =
	"SELECT r.number, r.currency, r.amount, r.fee, r.total, r.method,"
	"  coalesce(r.card_brand, ''), coalesce(r.card_last4, ''),"
	"  to_char(r.created_at AT TIME ZONE b.timezone,"
	"    'Mon FMDD, YYYY HH24:MI'), c.name, b.name, b.email,"
	"  v.number, x.amount,"
	"  to_char(now() AT TIME ZONE 'UTC', 'Dy, DD Mon YYYY HH24:MI:SS')"
	" FROM receipts r JOIN customers c ON c.id = r.customer_id"
	" CROSS JOIN business b"
	" JOIN receipt_allocations x ON x.receipt_id = r.id"
	" JOIN invoices v ON v.id = x.invoice_id"
	" WHERE r.id = $1 ORDER BY v.due_date, v.number";

static size_t	reconcile_write(char *, size_t, size_t, void *);
static int	reconcile_ask(const struct conf *, PGresult *, int,
		    struct gateway_result *);
static void	reconcile_settle(PGconn *, const char *,
		    const struct gateway_result *);
static int	outbox_receipt(PGconn *, const struct conf *, const char *,
		    const char *, struct strbuf *, char *, size_t);
static int	outbox_send(const struct conf *, const char *,
		    struct strbuf *, char *, size_t);
static size_t	outbox_read(char *, size_t, size_t, void *);

struct outbox_reader {
	const char	*data;
	size_t		 len;
	size_t		 off;
};

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

static size_t
outbox_read(char *p, size_t size, size_t n, void *arg)
{
	struct outbox_reader	*rd = arg;
	size_t			 len;

	len = size * n;
	if (len > rd->len - rd->off)
		len = rd->len - rd->off;
	memcpy(p, rd->data + rd->off, len);
	rd->off += len;
	return (len);
}

/*
 * The receipt as a plain-text mail, CRLF line ends (libcurl dot-stuffs
 * only after CRLF). No card details beyond brand and last four digits.
 */
static int
outbox_receipt(PGconn *db, const struct conf *c, const char *id,
    const char *to, struct strbuf *m, char *err, size_t errlen)
{
	PGresult		*res;
	const struct currency	*cur;
	const char		*p[1];
	char			 a[MONEY_FORMAT_MAX];
	int			 i, n;

	p[0] = id;
	res = PQexecParams(db, q_receipt_mail, 1, NULL, p, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) == 0 ||
	    (cur = money_currency(PQgetvalue(res, 0, 1))) == NULL) {
		(void)snprintf(err, errlen, "receipt %s not readable", id);
		PQclear(res);
		return (0);
	}
	strbuf_appendf(m, "From: %s <%s>\r\n", PQgetvalue(res, 0, 10),
	    c->smtp_from);
	strbuf_appendf(m, "To: <%s>\r\n", to);
	strbuf_appendf(m, "Date: %s +0000\r\n", PQgetvalue(res, 0, 14));
	strbuf_appendf(m, "Message-ID: <receipt.%s.%s@payportal>\r\n",
	    PQgetvalue(res, 0, 0), id);
	strbuf_appendf(m, "Subject: Receipt %s from %s\r\n",
	    PQgetvalue(res, 0, 0), PQgetvalue(res, 0, 10));
	strbuf_appends(m, "MIME-Version: 1.0\r\n"
	    "Content-Type: text/plain; charset=utf-8\r\n"
	    "Content-Transfer-Encoding: 8bit\r\n\r\n");
	(void)money_format(strtoll(PQgetvalue(res, 0, 4), NULL, 10), cur, a,
	    sizeof(a));
	strbuf_appendf(m, "Dear %s,\r\n\r\nThank you for your payment of %s "
	    "on %s.\r\n\r\nReceipt: %s\r\n", PQgetvalue(res, 0, 9), a,
	    PQgetvalue(res, 0, 8), PQgetvalue(res, 0, 0));
	n = PQntuples(res);
	for (i = 0; i < n; i++) {
		(void)money_format(strtoll(PQgetvalue(res, i, 13), NULL, 10),
		    cur, a, sizeof(a));
		strbuf_appendf(m, "Invoice %s: %s\r\n", PQgetvalue(res, i, 12),
		    a);
	}
	(void)money_format(strtoll(PQgetvalue(res, 0, 3), NULL, 10), cur, a,
	    sizeof(a));
	strbuf_appendf(m, "Convenience fee: %s\r\n", a);
	(void)money_format(strtoll(PQgetvalue(res, 0, 4), NULL, 10), cur, a,
	    sizeof(a));
	strbuf_appendf(m, "Total charged: %s\r\n", a);
	if (!strcmp(PQgetvalue(res, 0, 5), "card"))
		strbuf_appendf(m, "Paid by %s card ending %s\r\n",
		    PQgetvalue(res, 0, 6), PQgetvalue(res, 0, 7));
	else
		strbuf_appendf(m, "Paid by bank account ending %s\r\n",
		    PQgetvalue(res, 0, 7));
	strbuf_appendf(m, "\r\n%s\r\n%s\r\n", PQgetvalue(res, 0, 10),
	    PQgetvalue(res, 0, 11));
	PQclear(res);
	return (!m->failed);
}

static int
outbox_send(const struct conf *c, const char *to, struct strbuf *m,
    char *err, size_t errlen)
{
	CURL			*h;
	struct curl_slist	*rcpt;
	struct outbox_reader	 rd;
	char			 addr[300];
	CURLcode		 rc;

	if ((h = curl_easy_init()) == NULL)
		return (0);
	rd.data = m->data;
	rd.len = m->len;
	rd.off = 0;
	(void)snprintf(addr, sizeof(addr), "<%s>", to);
	rcpt = curl_slist_append(NULL, addr);
	(void)snprintf(addr, sizeof(addr), "<%s>", c->smtp_from);
	curl_easy_setopt(h, CURLOPT_URL, c->smtp_url);
	curl_easy_setopt(h, CURLOPT_MAIL_FROM, addr);
	curl_easy_setopt(h, CURLOPT_MAIL_RCPT, rcpt);
	curl_easy_setopt(h, CURLOPT_READFUNCTION, outbox_read);
	curl_easy_setopt(h, CURLOPT_READDATA, &rd);
	curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(h, CURLOPT_TIMEOUT, 30L);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	/* Mail over the internet upgrades to TLS or fails (smtps:// is TLS). */
	if (strncmp(c->smtp_url, "smtp://127.", 11) != 0 &&
	    strncmp(c->smtp_url, "smtp://localhost", 16) != 0)
		curl_easy_setopt(h, CURLOPT_USE_SSL, (long)CURLUSESSL_ALL);
	rc = curl_easy_perform(h);
	if (rc != CURLE_OK)
		(void)snprintf(err, errlen, "smtp: %s", curl_easy_strerror(rc));
	curl_slist_free_all(rcpt);
	curl_easy_cleanup(h);
	return (rc == CURLE_OK);
}

/* One batch of due mail; a failure is retried later with backoff. */
int
outbox_run(PGconn *db, const struct conf *c)
{
	PGresult	*res, *up;
	struct strbuf	 m;
	const char	*p[3];
	char		 err[256], backoff[16], limit[16];
	int		 i, n, tries, wait, ok;

	if (c->smtp_url == NULL || c->smtp_from == NULL)
		return (0);
	(void)snprintf(limit, sizeof(limit), "%d", OUTBOX_BATCH);
	p[0] = limit;
	res = PQexecParams(db, q_outbox_claim, 1, NULL, p, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		fprintf(stderr, "outbox: %s", PQerrorMessage(db));
		PQclear(res);
		return (-1);
	}
	n = PQntuples(res);
	for (i = 0; i < n; i++) {
		strbuf_init(&m);
		err[0] = '\0';
		ok = outbox_receipt(db, c, PQgetvalue(res, i, 4),
		    PQgetvalue(res, i, 2), &m, err, sizeof(err)) &&
		    outbox_send(c, PQgetvalue(res, i, 2), &m, err, sizeof(err));
		strbuf_free(&m);
		p[0] = PQgetvalue(res, i, 0);
		if (ok) {
			up = PQexecParams(db, q_outbox_sent, 1, NULL, p, NULL,
			    NULL, 0);
		} else {
			tries = atoi(PQgetvalue(res, i, 3));
			wait = 15;
			while (--tries > 0 && wait < OUTBOX_MAX_BACKOFF)
				wait *= 2;
			if (wait > OUTBOX_MAX_BACKOFF)
				wait = OUTBOX_MAX_BACKOFF;
			(void)snprintf(backoff, sizeof(backoff), "%d", wait);
			p[1] = err;
			p[2] = backoff;
			up = PQexecParams(db, q_outbox_retry, 3, NULL, p, NULL,
			    NULL, 0);
		}
		PQclear(up);
	}
	PQclear(res);
	return (n);
}
