/*
 * The outbox: messages written in the same transaction as what caused
 * them, delivered here with retries and backoff. Receipts and refunds go
 * by email; pay links staff send go by email or by text message (an HTTP
 * API in Twilio's shape). A row is never lost: a receipt or refund mail
 * is retried until it is delivered; a link message is given up after
 * OUTBOX_LINK_TRIES, or at once when the provider refuses it for good,
 * and its link's activity says so either way.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <openssl/crypto.h>

#include "contact.h"
#include "linkid.h"
#include "linktoken.h"
#include "money.h"
#include "outbox.h"
#include "sms.h"
#include "strbuf.h"

#define OUTBOX_BATCH		10
#define OUTBOX_MAX_BACKOFF	3600	/* seconds */
#define OUTBOX_LINK_TRIES	8

static const char	q_outbox_claim[] = "SELECT * FROM outbox_claim($1)";
static const char	q_outbox_sent[] =
	"UPDATE outbox SET sent_at = now(), claimed_until = NULL,"
	" last_error = NULL WHERE id = $1";
static const char	q_outbox_retry[] =
	"UPDATE outbox SET claimed_until = NULL, last_error = $2,"
	" next_at = now() + make_interval(secs => $3) WHERE id = $1";
static const char	q_outbox_give_up[] =
	"UPDATE outbox SET gave_up_at = now(), claimed_until = NULL,"
	" last_error = $2 WHERE id = $1";
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
/* A fee-only refund has no invoice rows: one row with them NULL. */
static const char	q_refund_mail[] =
	"SELECT f.id, f.currency, f.amount, f.fee, r.number, r.method,"
	"  coalesce(r.card_brand, ''), coalesce(r.card_last4, ''),"
	"  to_char(r.created_at AT TIME ZONE b.timezone, 'Mon FMDD, YYYY'),"
	"  c.name, b.name, b.email, v.number, a.amount,"
	"  to_char(now() AT TIME ZONE 'UTC', 'Dy, DD Mon YYYY HH24:MI:SS')"
	" FROM outbox o JOIN refunds f ON f.id = o.refund_id"
	" JOIN receipts r ON r.id = f.receipt_id"
	" JOIN customers c ON c.id = r.customer_id CROSS JOIN business b"
	" LEFT JOIN refund_allocations a ON a.refund_id = f.id"
	" LEFT JOIN invoices v ON v.id = a.invoice_id"
	" WHERE o.id = $1 ORDER BY v.due_date, v.number";

static const char	q_outbox_link[] =
	"SELECT * FROM outbox_link($1)";
static const char	q_outbox_link_done[] =
	"SELECT outbox_link_done($1, $2, $3, $4, $5, make_interval(secs => $6))";

struct outbox_reader {
	const char	*data;
	size_t		 len;
	size_t		 off;
};

static size_t	outbox_read(char *, size_t, size_t, void *);
static size_t	outbox_write(char *, size_t, size_t, void *);
static int	outbox_receipt(PGconn *, const struct conf *, const char *,
		    const char *, struct strbuf *, char *, size_t);
static int	outbox_refund(PGconn *, const struct conf *, const char *,
		    const char *, struct strbuf *, char *, size_t);
static PGresult	*outbox_rows(PGconn *, const char *, const char *,
		    const char *, const struct currency **, char *, size_t);
static void	outbox_head(struct strbuf *, const struct conf *, PGresult *,
		    const char *, const char *, const char *);
static void	outbox_amounts(struct strbuf *, PGresult *,
		    const struct currency *, const char *, int64_t);
static int	outbox_send(const struct conf *, const char *,
		    struct strbuf *, char *, size_t);
static int	outbox_backoff(int);
static void	outbox_link(PGconn *, const struct conf *, PGresult *, int);
static void	outbox_fill(struct strbuf *, const char *, const char *const *,
		    const char *const *, size_t);
static int	outbox_sms(const struct conf *, const char *, const char *,
		    char *, size_t, int *);
static void	outbox_crlf(struct strbuf *, const char *);
static int	outbox_recipient_ok(const char *, const char *);
static void	outbox_header_text(struct strbuf *, const char *);

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
 * The rows of a mail's query for id, q_receipt_mail or q_refund_mail,
 * which share their columns from 9 on: customer, business, its email,
 * invoice and amount (a row each), date. The currency is column 1. NULL,
 * with err set, when there is nothing to send.
 */
static PGresult *
outbox_rows(PGconn *db, const char *q, const char *id, const char *what,
    const struct currency **cur, char *err, size_t errlen)
{
	PGresult	*res;
	const char	*p[1];

	p[0] = id;
	res = PQexecParams(db, q, 1, NULL, p, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) == 0 ||
	    (*cur = money_currency(PQgetvalue(res, 0, 1))) == NULL) {
		(void)snprintf(err, errlen, "%s %s not readable", what, id);
		PQclear(res);
		return (NULL);
	}
	return (res);
}

/*
 * A plain-text mail from the business, CRLF line ends (libcurl
 * dot-stuffs only after CRLF): the headers, then the greeting.
 */
static void
outbox_head(struct strbuf *m, const struct conf *c, PGresult *res,
    const char *to, const char *msgid, const char *subject)
{
	strbuf_appends(m, "From: ");
	outbox_header_text(m, PQgetvalue(res, 0, 10));
	strbuf_appendf(m, " <%s>\r\n", c->smtp_from);
	strbuf_appendf(m, "To: <%s>\r\n", to);
	strbuf_appendf(m, "Date: %s +0000\r\n", PQgetvalue(res, 0, 14));
	strbuf_appendf(m, "Message-ID: <%s@payportal>\r\n", msgid);
	strbuf_appends(m, "Subject: ");
	outbox_header_text(m, subject);
	strbuf_appends(m, "\r\nMIME-Version: 1.0\r\n"
	    "Content-Type: text/plain; charset=utf-8\r\n"
	    "Content-Transfer-Encoding: 8bit\r\n\r\n");
	strbuf_appendf(m, "Dear %s,\r\n\r\n", PQgetvalue(res, 0, 9));
}

/* A line per invoice, then what is named and its amount. */
static void
outbox_amounts(struct strbuf *m, PGresult *res, const struct currency *cur,
    const char *what, int64_t amount)
{
	char		 a[MONEY_FORMAT_MAX];
	int		 i, n;

	n = PQntuples(res);
	for (i = 0; i < n; i++) {
		if (PQgetisnull(res, i, 12))
			continue;
		(void)money_format(strtoll(PQgetvalue(res, i, 13), NULL, 10),
		    cur, a, sizeof(a));
		strbuf_appendf(m, "Invoice %s: %s\r\n", PQgetvalue(res, i, 12),
		    a);
	}
	if (what != NULL) {
		(void)money_format(amount, cur, a, sizeof(a));
		strbuf_appendf(m, "%s: %s\r\n", what, a);
	}
}

/* No card details beyond brand and last four digits. */
static int
outbox_receipt(PGconn *db, const struct conf *c, const char *id,
    const char *to, struct strbuf *m, char *err, size_t errlen)
{
	PGresult		*res;
	const struct currency	*cur;
	char			 a[MONEY_FORMAT_MAX], msgid[128], subject[300];

	if ((res = outbox_rows(db, q_receipt_mail, id, "receipt", &cur, err,
	    errlen)) == NULL)
		return (0);
	(void)snprintf(msgid, sizeof(msgid), "receipt.%s.%s",
	    PQgetvalue(res, 0, 0), id);
	(void)snprintf(subject, sizeof(subject), "Receipt %s from %s",
	    PQgetvalue(res, 0, 0), PQgetvalue(res, 0, 10));
	outbox_head(m, c, res, to, msgid, subject);
	(void)money_format(strtoll(PQgetvalue(res, 0, 4), NULL, 10), cur, a,
	    sizeof(a));
	strbuf_appendf(m, "Thank you for your payment of %s on %s.\r\n\r\n"
	    "Receipt: %s\r\n", a, PQgetvalue(res, 0, 8),
	    PQgetvalue(res, 0, 0));
	outbox_amounts(m, res, cur, "Convenience fee",
	    strtoll(PQgetvalue(res, 0, 3), NULL, 10));
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

/*
 * A refund, like the receipt: how much went back, of which invoices and
 * the fee, and where to. id is the outbox row.
 */
static int
outbox_refund(PGconn *db, const struct conf *c, const char *id,
    const char *to, struct strbuf *m, char *err, size_t errlen)
{
	PGresult		*res;
	const struct currency	*cur;
	char			 a[MONEY_FORMAT_MAX], msgid[128], subject[300];
	int64_t			 fee;

	if ((res = outbox_rows(db, q_refund_mail, id, "refund of outbox row",
	    &cur, err, errlen)) == NULL)
		return (0);
	(void)money_format(strtoll(PQgetvalue(res, 0, 2), NULL, 10), cur, a,
	    sizeof(a));
	(void)snprintf(msgid, sizeof(msgid), "refund.%s",
	    PQgetvalue(res, 0, 0));
	(void)snprintf(subject, sizeof(subject), "Refund of %s from %s", a,
	    PQgetvalue(res, 0, 10));
	outbox_head(m, c, res, to, msgid, subject);
	strbuf_appendf(m, "We have refunded %s of your payment of %s "
	    "(receipt %s).\r\n\r\n", a, PQgetvalue(res, 0, 8),
	    PQgetvalue(res, 0, 4));
	fee = strtoll(PQgetvalue(res, 0, 3), NULL, 10);
	outbox_amounts(m, res, cur, fee > 0 ? "Convenience fee" : NULL, fee);
	strbuf_appendf(m, "Total refunded: %s\r\n\r\n", a);
	if (!strcmp(PQgetvalue(res, 0, 5), "card"))
		strbuf_appendf(m, "The money goes back to your %s card ending "
		    "%s", PQgetvalue(res, 0, 6), PQgetvalue(res, 0, 7));
	else
		strbuf_appendf(m, "The money goes back to your bank account "
		    "ending %s", PQgetvalue(res, 0, 7));
	strbuf_appends(m, "; your bank may take a few days to show it."
	    "\r\n");
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

/* 15 s after the first failure, doubling, at most OUTBOX_MAX_BACKOFF. */
static int
outbox_backoff(int tries)
{
	int		wait;

	wait = 15;
	while (--tries > 0 && wait < OUTBOX_MAX_BACKOFF)
		wait *= 2;
	return (wait > OUTBOX_MAX_BACKOFF ? OUTBOX_MAX_BACKOFF : wait);
}

/* One batch of due messages; a failure is retried later with backoff. */
int
outbox_run(PGconn *db, const struct conf *c)
{
	PGresult	*res, *up;
	struct strbuf	 m;
	const char	*p[3], *kind;
	char		 err[256], backoff[16], limit[16];
	int		 i, n, ok;

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
		kind = PQgetvalue(res, i, 1);
		if (strcmp(kind, "receipt_email") != 0 &&
		    strcmp(kind, "refund_email") != 0) {
			outbox_link(db, c, res, i);
			continue;
		}
		p[0] = PQgetvalue(res, i, 0);
		if (!outbox_recipient_ok(kind, PQgetvalue(res, i, 2))) {
			/* No retry can fix the address: never sent, kept. */
			fprintf(stderr, "outbox %s: recipient is not a valid "
			    "address; given up\n", p[0]);
			p[1] = "recipient is not a valid address";
			up = PQexecParams(db, q_outbox_give_up, 2, NULL, p, NULL,
			    NULL, 0);
			PQclear(up);
			continue;
		}
		strbuf_init(&m);
		err[0] = '\0';
		ok = c->smtp_url != NULL && c->smtp_from != NULL;
		if (!ok)
			(void)snprintf(err, sizeof(err), "smtp_url is not set");
		if (ok && !strcmp(kind, "refund_email"))
			ok = outbox_refund(db, c, PQgetvalue(res, i, 0),
			    PQgetvalue(res, i, 2), &m, err, sizeof(err));
		else if (ok)
			ok = outbox_receipt(db, c, PQgetvalue(res, i, 4),
			    PQgetvalue(res, i, 2), &m, err, sizeof(err));
		ok = ok && outbox_send(c, PQgetvalue(res, i, 2), &m, err,
		    sizeof(err));
		strbuf_free(&m);
		if (ok) {
			up = PQexecParams(db, q_outbox_sent, 1, NULL, p, NULL,
			    NULL, 0);
		} else {
			(void)snprintf(backoff, sizeof(backoff), "%d",
			    outbox_backoff(atoi(PQgetvalue(res, i, 3))));
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

/*
 * The message's placeholders ({{business}}, {{customer}}, {{link}},
 * {{expires}}) filled in as plain text: mail and SMS bodies are not HTML,
 * so nothing is escaped. Unknown placeholders stay as they are.
 */
static void
outbox_fill(struct strbuf *out, const char *tmpl, const char *const *names,
    const char *const *values, size_t n)
{
	const char	*p, *end;
	size_t		 i, len;

	for (p = tmpl; *p != '\0'; ) {
		if (p[0] == '{' && p[1] == '{' &&
		    (end = strstr(p + 2, "}}")) != NULL) {
			len = (size_t)(end - (p + 2));
			for (i = 0; i < n; i++) {
				if (strlen(names[i]) == len &&
				    !strncmp(p + 2, names[i], len))
					break;
			}
			if (i < n) {
				strbuf_appends(out, values[i]);
				p = end + 2;
				continue;
			}
		}
		strbuf_appendc(out, *p++);
	}
}

static size_t
outbox_write(char *p, size_t size, size_t n, void *arg)
{
	struct strbuf	*b = arg;

	if (b->len + size * n > SMS_MAX_RESPONSE)
		return (0);
	strbuf_append(b, p, size * n);
	return (size * n);
}

/* One text message; *final is set when the provider refused it for good. */
static int
outbox_sms(const struct conf *c, const char *to, const char *text,
    char *err, size_t errlen, int *final)
{
	struct sms_request	 rq;
	struct sms_result	 r;
	struct strbuf		 resp;
	const char		*why;
	CURL			*h;
	CURLcode		 rc;
	long			 status;

	*final = 0;
	if (c->sms_url == NULL) {
		(void)snprintf(err, errlen, "sms_url is not set");
		return (0);
	}
	if (!sms_request_build(&rq, c->sms_url, c->sms_account, c->sms_token,
	    to, c->sms_from, text, &why)) {
		(void)snprintf(err, errlen, "%s", why);
		*final = 1;
		return (0);
	}
	if ((h = curl_easy_init()) == NULL) {
		sms_request_free(&rq);
		(void)snprintf(err, errlen, "out of memory");
		return (0);
	}
	strbuf_init(&resp);
	curl_easy_setopt(h, CURLOPT_URL, rq.url);
	curl_easy_setopt(h, CURLOPT_USERPWD, rq.userpwd);
	curl_easy_setopt(h, CURLOPT_POSTFIELDS, rq.body.data);
	curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long)rq.body.len);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, outbox_write);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &resp);
	curl_easy_setopt(h, CURLOPT_TIMEOUT, 30L);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	rc = curl_easy_perform(h);
	status = 0;
	if (rc == CURLE_OK)
		curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_cleanup(h);
	sms_request_free(&rq);
	sms_parse_response(status, resp.data != NULL ? resp.data : "",
	    resp.len, &r);
	strbuf_free(&resp);
	if (r.outcome == SMS_SENT)
		return (1);
	*final = r.outcome == SMS_REJECTED;
	if (rc != CURLE_OK)
		(void)snprintf(err, errlen, "sms: %s", curl_easy_strerror(rc));
	else if (r.code != 0)
		(void)snprintf(err, errlen, "sms: %ld %.200s", r.code, r.message);
	else
		(void)snprintf(err, errlen, "sms: HTTP %ld", status);
	return (0);
}

/*
 * A pay link by email or text message. The URL is signed here, at
 * delivery, with the key the link was made with; a link revoked or
 * expired since it was queued is not sent.
 */
static void
outbox_link(PGconn *db, const struct conf *c, PGresult *claim, int row)
{
	static const char	*names[] = { "business", "customer", "link",
				    "expires" };
	PGresult		*res, *up;
	struct strbuf		 body, m, subject;
	unsigned char		 id[LINK_ID_LEN];
	const char		*p[6], *values[4], *to, *kind;
	char			 url[LINK_TOKEN_MAX + 256];
	char			 token[LINK_TOKEN_MAX + 1], masked[300];
	char			 err[256], backoff[16];
	size_t			 k;
	int			 ok, final, tries;

	p[0] = PQgetvalue(claim, row, 0);
	kind = PQgetvalue(claim, row, 1);
	to = PQgetvalue(claim, row, 2);
	tries = atoi(PQgetvalue(claim, row, 3));
	res = PQexecParams(db, q_outbox_link, 1, NULL, p, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1) {
		fprintf(stderr, "outbox %s: %s", p[0], PQerrorMessage(db));
		PQclear(res);
		return;
	}
	/* subject, body, link, key, expires, state, customer, business,
	 * business email, expires as text */
	ok = final = 0;
	err[0] = url[0] = '\0';
	token[0] = '\0';
	if (!outbox_recipient_ok(kind, to)) {
		fprintf(stderr, "outbox %s: recipient is not a valid %s; "
		    "given up\n", p[0], strcmp(kind, "link_sms") == 0 ?
		    "number" : "address");
		(void)snprintf(err, sizeof(err), "the recipient is not valid");
		final = 1;
	} else if (strcmp(PQgetvalue(res, 0, 5), "active") != 0) {
		(void)snprintf(err, sizeof(err), "the link is %s",
		    PQgetvalue(res, 0, 5));
		final = 1;
	} else {
		for (k = 0; k < c->nkeys; k++) {
			if (!strcmp(c->keys[k].id, PQgetvalue(res, 0, 3)) &&
			    linkid_parse(PQgetvalue(res, 0, 2), id) &&
			    link_token_sign(&c->keys[k], id,
			    strtoll(PQgetvalue(res, 0, 4), NULL, 10), token,
			    sizeof(token)))
				(void)snprintf(url, sizeof(url), "%s/pay/%s",
				    c->public_url, token);
		}
		if (url[0] == '\0') {
			(void)snprintf(err, sizeof(err), "the link's signing "
			    "key %s is retired", PQgetvalue(res, 0, 3));
			final = 1;
		}
	}
	if (url[0] != '\0') {
		values[0] = PQgetvalue(res, 0, 7);
		values[1] = PQgetvalue(res, 0, 6);
		values[2] = url;
		values[3] = PQgetvalue(res, 0, 9);
		strbuf_init(&body);
		outbox_fill(&body, PQgetvalue(res, 0, 1), names, values, 4);
		if (!strcmp(kind, "link_sms")) {
			ok = !body.failed && outbox_sms(c, to,
			    strbuf_cstr(&body), err, sizeof(err), &final);
		} else if (c->smtp_url == NULL || c->smtp_from == NULL) {
			(void)snprintf(err, sizeof(err), "smtp_url is not set");
		} else {
			strbuf_init(&m);
			strbuf_init(&subject);
			strbuf_appends(&m, "From: ");
			outbox_header_text(&m, values[0]);
			strbuf_appendf(&m, " <%s>\r\n", c->smtp_from);
			strbuf_appendf(&m, "To: <%s>\r\n", to);
			if (contact_email_valid(PQgetvalue(res, 0, 8)))
				strbuf_appendf(&m, "Reply-To: <%s>\r\n",
				    PQgetvalue(res, 0, 8));
			strbuf_appendf(&m, "Date: %s +0000\r\n",
			    PQgetvalue(res, 0, 10));
			strbuf_appendf(&m, "Message-ID: <link.%s.%s@payportal>"
			    "\r\n", p[0], PQgetvalue(res, 0, 2));
			strbuf_appends(&m, "Subject: ");
			outbox_fill(&subject, PQgetvalue(res, 0, 0), names,
			    values, 4);
			outbox_header_text(&m, strbuf_cstr(&subject));
			strbuf_free(&subject);
			strbuf_appends(&m, "\r\nMIME-Version: 1.0\r\n"
			    "Content-Type: text/plain; charset=utf-8\r\n"
			    "Content-Transfer-Encoding: 8bit\r\n\r\n");
			outbox_crlf(&m, strbuf_cstr(&body));
			ok = !m.failed && outbox_send(c, to, &m, err,
			    sizeof(err));
			OPENSSL_cleanse(m.data, m.len);
			strbuf_free(&m);
		}
		OPENSSL_cleanse(body.data, body.len);
		strbuf_free(&body);
	}
	OPENSSL_cleanse(token, sizeof(token));
	OPENSSL_cleanse(url, sizeof(url));
	PQclear(res);

	/* The activity shows where it went, masked. */
	if (!(strcmp(kind, "link_sms") == 0 ?
	    contact_mask_phone(to, masked, sizeof(masked)) :
	    contact_mask_email(to, masked, sizeof(masked))))
		(void)snprintf(masked, sizeof(masked), "(unreadable)");
	if (!ok && tries >= OUTBOX_LINK_TRIES)
		final = 1;
	(void)snprintf(backoff, sizeof(backoff), "%d", outbox_backoff(tries));
	p[1] = ok ? "true" : "false";
	p[2] = masked;
	p[3] = ok ? NULL : err;
	p[4] = final ? "true" : "false";
	p[5] = backoff;
	up = PQexecParams(db, q_outbox_link_done, 6, NULL, p, NULL, NULL, 0);
	if (PQresultStatus(up) != PGRES_TUPLES_OK)
		fprintf(stderr, "outbox %s: %s", p[0], PQerrorMessage(db));
	PQclear(up);
}

/* Text with bare LF line ends as mail wants it, CRLF. */
static void
outbox_crlf(struct strbuf *m, const char *text)
{
	const char	*p;

	for (p = text; *p != '\0'; p++) {
		if (*p == '\n' && (p == text || p[-1] != '\r'))
			strbuf_appendc(m, '\r');
		strbuf_appendc(m, *p);
	}
	strbuf_appends(m, "\r\n");
}

/*
 * Where a message goes, checked again as it leaves: the address or
 * number goes into the SMTP envelope, a mail header or the provider's
 * request as it is, so anything a check at the door let through (or a
 * row written some other way) must not carry a line break or a control
 * byte there. contact_email_valid() takes no such byte by construction.
 */
static int
outbox_recipient_ok(const char *kind, const char *to)
{
	char	norm[CONTACT_PHONE_MAX + 2], why[128];

	if (!strcmp(kind, "link_sms"))
		return (contact_phone_e164(to, norm, sizeof(norm), why,
		    sizeof(why)) && !strcmp(norm, to));
	return (contact_email_valid(to));
}

/* Text for a header: a line break or control byte would end the header. */
static void
outbox_header_text(struct strbuf *m, const char *text)
{
	const unsigned char	*p;

	for (p = (const unsigned char *)text; *p != '\0'; p++)
		strbuf_appendc(m, (*p < 0x20 || *p == 0x7f) ? ' ' : (char)*p);
}
