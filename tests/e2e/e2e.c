#define _GNU_SOURCE
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <sys/wait.h>
#include <dirent.h>
#include <unistd.h>

#include <curl/curl.h>
#include <criterion/criterion.h>
#include <jansson.h>

#include "e2e.h"
#include "linkid.h"

static PGconn	*e2e_conn;
/*
 * Set in a test's own threads, where Criterion cannot raise an assertion:
 * a request that gets no answer leaves status 0 for the test to check.
 */
static __thread int	 e2e_in_worker;

static size_t	e2e_write(char *, size_t, size_t, void *);
static void	e2e_gateway_post(const char *, const char *, const char *,
		    const char *, struct strbuf *);
static void	e2e_pm_body(const char *, char *, size_t);
static void	e2e_gateway_state(struct strbuf *);
static void	e2e_gateway_refunds(struct strbuf *, struct strbuf *);
static int	e2e_hexval(char);
static curl_mime	*e2e_mime(CURL *, const struct e2e_req *);

const char *
e2e_env(const char *name)
{
	const char	*v;

	if ((v = getenv(name)) == NULL || *v == '\0')
		cr_assert_fail("%s is not set: run through 'make test'", name);
	return (v);
}

void
e2e_worker(void)
{
	e2e_in_worker = 1;
}

void
e2e_init(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
}

static size_t
e2e_write(char *p, size_t size, size_t n, void *arg)
{
	strbuf_append(arg, p, size * n);
	return (size * n);
}

void
e2e_http(const struct e2e_req *rq, struct e2e_resp *r)
{
	CURL			*c;
	struct curl_slist	*hdrs;
	curl_mime		*mime;
	char			 url[1024], accept[128];
	CURLcode		 rc;

	memset(r, 0, sizeof(*r));
	strbuf_init(&r->body);
	strbuf_init(&r->headers);
	(void)snprintf(url, sizeof(url), "%s%s", e2e_env("E2E_BASE"),
	    rq->path);
	c = curl_easy_init();
	cr_assert(c != NULL);
	hdrs = NULL;
	if (rq->extra_header != NULL)
		hdrs = curl_slist_append(hdrs, rq->extra_header);
	if (rq->accept != NULL) {
		(void)snprintf(accept, sizeof(accept), "Accept: %s",
		    rq->accept);
		hdrs = curl_slist_append(hdrs, accept);
	}
	if (rq->cookie != NULL)
		curl_easy_setopt(c, CURLOPT_COOKIE, rq->cookie);
	curl_easy_setopt(c, CURLOPT_URL, url);
	/* Real TLS: the stack's own certificate is the only trusted CA. */
	curl_easy_setopt(c, CURLOPT_CAINFO, e2e_env("E2E_CA"));
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, e2e_write);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &r->body);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, e2e_write);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, &r->headers);
	curl_easy_setopt(c, CURLOPT_USERAGENT,
	    rq->user_agent ? rq->user_agent : "payportal-e2e");
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 20L);
	if (hdrs != NULL)
		curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
	mime = NULL;
	if (rq->file_field != NULL) {
		mime = e2e_mime(c, rq);
		curl_easy_setopt(c, CURLOPT_MIMEPOST, mime);
	} else if (rq->body != NULL) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, rq->body);
	}
	if (rq->method != NULL)
		curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, rq->method);
	rc = curl_easy_perform(c);
	if (rc == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
	else if (e2e_in_worker)
		strbuf_appendf(&r->body, "%s: %s", rq->path,
		    curl_easy_strerror(rc));
	else
		cr_assert_fail("%s: %s", rq->path, curl_easy_strerror(rc));
	curl_mime_free(mime);
	curl_slist_free_all(hdrs);
	curl_easy_cleanup(c);
	(void)strbuf_cstr(&r->body);
	(void)strbuf_cstr(&r->headers);
}

/* A browser's multipart form: the request's fields, then its file. */
static curl_mime *
e2e_mime(CURL *c, const struct e2e_req *rq)
{
	curl_mime	*mime;
	curl_mimepart	*part;
	char		*fields, *p, *pair, *eq;

	mime = curl_mime_init(c);
	fields = strdup(rq->body != NULL ? rq->body : "");
	for (p = fields; (pair = strsep(&p, "&")) != NULL;) {
		if (*pair == '\0' || (eq = strchr(pair, '=')) == NULL)
			continue;
		*eq = '\0';
		part = curl_mime_addpart(mime);
		curl_mime_name(part, pair);
		curl_mime_data(part, eq + 1, CURL_ZERO_TERMINATED);
	}
	free(fields);
	part = curl_mime_addpart(mime);
	curl_mime_name(part, rq->file_field);
	curl_mime_filename(part, "upload.png");
	curl_mime_type(part, "image/png");
	curl_mime_data(part, rq->file_data, rq->file_len);
	return (mime);
}

void
e2e_get(const char *path, struct e2e_resp *r)
{
	struct e2e_req	rq = { .path = path };

	e2e_http(&rq, r);
}

void
e2e_post(const char *path, const char *body, struct e2e_resp *r)
{
	struct e2e_req	rq = { .path = path, .body = body };

	e2e_http(&rq, r);
}

void
e2e_resp_free(struct e2e_resp *r)
{
	strbuf_free(&r->body);
	strbuf_free(&r->headers);
}

/* The value of a response header, or NULL. */
const char *
e2e_header(struct e2e_resp *r, const char *name, char *buf, size_t len)
{
	const char	*p, *eol;
	size_t		 n;

	n = strlen(name);
	for (p = strbuf_cstr(&r->headers); *p != '\0'; p = eol + 1) {
		if ((eol = strchr(p, '\n')) == NULL)
			break;
		if (strncasecmp(p, name, n) == 0 && p[n] == ':') {
			p += n + 1;
			while (*p == ' ')
				p++;
			n = (size_t)(eol - p);
			while (n > 0 && isspace((unsigned char)p[n - 1]))
				n--;
			(void)snprintf(buf, len, "%.*s", (int)n, p);
			return (buf);
		}
	}
	return (NULL);
}

int
e2e_contains(struct e2e_resp *r, const char *s)
{
	return (strstr(strbuf_cstr(&r->body), s) != NULL);
}

int
e2e_before(struct e2e_resp *r, const char *a, const char *b)
{
	const char	*pa, *pb;

	pa = strstr(strbuf_cstr(&r->body), a);
	pb = strstr(strbuf_cstr(&r->body), b);
	return (pa != NULL && pb != NULL && pa < pb);
}

PGconn *
e2e_db(void)
{
	if (e2e_conn == NULL) {
		e2e_conn = PQconnectdb(e2e_env("E2E_DSN"));
		cr_assert_eq(PQstatus(e2e_conn), CONNECTION_OK, "%s",
		    PQerrorMessage(e2e_conn));
	}
	return (e2e_conn);
}

void
e2e_sql(const char *q, int n, const char **params)
{
	PGresult	*res;

	res = PQexecParams(e2e_db(), q, n, NULL, params, NULL, NULL, 0);
	cr_assert(PQresultStatus(res) == PGRES_COMMAND_OK ||
	    PQresultStatus(res) == PGRES_TUPLES_OK, "%s: %s", q,
	    PQerrorMessage(e2e_db()));
	PQclear(res);
}

/* 1 if the statement fails; its message goes to err. */
int
e2e_sql_fails(const char *q, char *err, size_t errlen)
{
	PGresult	*res;
	int		 failed;

	res = PQexec(e2e_db(), q);
	failed = PQresultStatus(res) != PGRES_COMMAND_OK &&
	    PQresultStatus(res) != PGRES_TUPLES_OK;
	(void)snprintf(err, errlen, "%s", PQerrorMessage(e2e_db()));
	PQclear(res);
	return (failed);
}

char *
e2e_value(const char *q, int n, const char **params)
{
	PGresult	*res;
	char		*v;

	res = PQexecParams(e2e_db(), q, n, NULL, params, NULL, NULL, 0);
	cr_assert_eq(PQresultStatus(res), PGRES_TUPLES_OK, "%s: %s", q,
	    PQerrorMessage(e2e_db()));
	cr_assert_eq(PQntuples(res), 1, "%s: %d rows", q, PQntuples(res));
	v = strdup(PQgetvalue(res, 0, 0));
	PQclear(res);
	return (v);
}

long long
e2e_count(const char *q, int n, const char **params)
{
	char		*v;
	long long	 c;

	v = e2e_value(q, n, params);
	c = strtoll(v, NULL, 10);
	free(v);
	return (c);
}

static int
e2e_hexval(char c)
{
	if (c >= '0' && c <= '9')
		return (c - '0');
	return (tolower((unsigned char)c) - 'a' + 10);
}

/* One of the stack's keys: "k0" (retired), "k1" (verify), "k2" (active). */
void
e2e_key(const char *id, enum link_key_state state, struct link_key *k)
{
	char		 var[16];
	const char	*hex;
	size_t		 i;

	memset(k, 0, sizeof(*k));
	(void)snprintf(var, sizeof(var), "E2E_KEY%c", id[1]);
	hex = e2e_env(var);
	for (i = 0; i < 32; i++) {
		k->secret[i] = (unsigned char)(e2e_hexval(hex[2 * i]) << 4 |
		    e2e_hexval(hex[2 * i + 1]));
	}
	k->secret_len = 32;
	(void)snprintf(k->id, sizeof(k->id), "%s", id);
	/* The signer only needs a usable key; the server decides its state. */
	k->state = state;
}

/*
 * Creates a link row for customer ref: scope "customer", or "invoices"
 * with a comma-separated invoice list; fixed (0: none), partial, and an
 * expiry; then signs a token with key_id. Writes the token and the uuid.
 */
void
e2e_link(const char *customer, const char *invoices, const char *key_id,
    long long fixed, int partial, int64_t expires, const char *created_by,
    char *token, char *uuid)
{
	unsigned char	 id[LINK_ID_LEN];
	struct link_key	 k;
	char		 exp[32], fx[32], *list, *p, *num;
	const char	*params[8];

	cr_assert(linkid_random(id));
	linkid_format(id, uuid);
	(void)snprintf(exp, sizeof(exp), "%lld", (long long)expires);
	(void)snprintf(fx, sizeof(fx), "%lld", fixed);
	params[0] = uuid;
	params[1] = customer;
	params[2] = invoices ? "invoices" : "customer";
	params[3] = fixed > 0 ? fx : NULL;
	params[4] = partial ? "true" : "false";
	params[5] = key_id;
	params[6] = exp;
	params[7] = created_by;
	e2e_sql("INSERT INTO pay_links (id, customer_id, scope, fixed_amount, "
	    "allow_partial, key_id, expires_at, created_by, created_at) "
	    "SELECT $1, id, $3, $4, $5, $6, to_timestamp($7), $8, "
	    "least(now(), to_timestamp($7) - interval '1 day') "
	    "FROM customers WHERE external_ref = $2", 8, params);
	if (invoices != NULL) {
		list = strdup(invoices);
		for (p = list; (num = strsep(&p, ",")) != NULL;) {
			params[1] = num;
			e2e_sql("INSERT INTO pay_link_invoices (link_id, "
			    "customer_id, invoice_id) SELECT $1, customer_id, id "
			    "FROM invoices WHERE number = $2", 2, params);
		}
		free(list);
	}
	e2e_key(key_id, LINK_KEY_ACTIVE, &k);
	cr_assert(link_token_sign(&k, id, expires, token, LINK_TOKEN_MAX + 1));
}

/* Signs a token for an existing link uuid with any key and expiry. */
void
e2e_sign(const char *uuid, const char *key_id, int64_t expires, char *token)
{
	unsigned char	 id[LINK_ID_LEN];
	struct link_key	 k;
	unsigned int	 b;
	int		 i, o;

	for (i = 0, o = 0; i < LINK_ID_LEN; i++) {
		if (uuid[o] == '-')
			o++;
		cr_assert(sscanf(uuid + o, "%2x", &b) == 1);
		id[i] = (unsigned char)b;
		o += 2;
	}
	e2e_key(key_id, LINK_KEY_ACTIVE, &k);
	cr_assert(link_token_sign(&k, id, expires, token, LINK_TOKEN_MAX + 1));
}

/* Runs a shell command, collecting stdout and stderr; returns its status. */
int
e2e_run(const char *cmd, struct strbuf *out)
{
	FILE		*fp;
	char		 buf[4096], full[4096];
	size_t		 n;
	int		 st;

	(void)snprintf(full, sizeof(full), "%s 2>&1", cmd);
	fp = popen(full, "r");
	cr_assert(fp != NULL);
	while ((n = fread(buf, 1, sizeof(buf), fp)) > 0)
		strbuf_append(out, buf, n);
	(void)strbuf_cstr(out);
	st = pclose(fp);
	return (WIFEXITED(st) ? WEXITSTATUS(st) : -1);
}

/* DESIGN.md's ledger invariants, checked after every scenario. */
void
e2e_invariants(void)
{
	cr_assert_eq(e2e_count("SELECT count(*) FROM invoices "
	    "WHERE paid < 0 OR paid > total", 0, NULL), 0,
	    "an invoice is overpaid or negative");
	cr_assert_eq(e2e_count("SELECT count(*) FROM payment_attempts a "
	    "WHERE (a.state = 'succeeded') <> EXISTS (SELECT 1 FROM receipts r "
	    "WHERE r.attempt_id = a.id)", 0, NULL), 0,
	    "a succeeded charge without exactly one receipt, or the reverse");
	cr_assert_eq(e2e_count("SELECT count(*) FROM receipts r WHERE r.total "
	    "<> r.fee + (SELECT coalesce(sum(x.amount), 0) FROM "
	    "receipt_allocations x WHERE x.receipt_id = r.id)", 0, NULL), 0,
	    "a receipt's allocations and fee do not add up to its charge");
	cr_assert_eq(e2e_count("SELECT count(*) FROM (SELECT gateway_ref FROM "
	    "receipts GROUP BY gateway_ref HAVING count(*) > 1) d", 0, NULL), 0,
	    "one gateway charge with two receipts");
	cr_assert_eq(e2e_count("SELECT count(*) FROM invoices v WHERE "
	    "v.reserved <> (SELECT coalesce(sum(x.amount), 0) FROM "
	    "attempt_allocations x JOIN payment_attempts a ON a.id = "
	    "x.attempt_id WHERE x.invoice_id = v.id AND a.state = 'pending')",
	    0, NULL), 0,
	    "an invoice's reservation is not what its pending payments hold");
	/* (year, seq) is unique, so n receipts with seq 1..n have no gap. */
	cr_assert_eq(e2e_count("SELECT count(*) FROM (SELECT r.year FROM "
	    "receipts r LEFT JOIN receipt_counters c ON c.year = r.year "
	    "GROUP BY r.year HAVING min(r.seq) <> 1 OR max(r.seq) <> count(*) "
	    "OR max(r.seq) IS DISTINCT FROM max(c.last) OR bool_or(r.number "
	    "<> format('R%s-%s', r.year, CASE WHEN r.seq < 1000000 THEN "
	    "lpad(r.seq::text, 6, '0') ELSE r.seq::text END))) g", 0,
	    NULL), 0, "a year's receipt numbers have a gap, or do not end "
	    "at its counter");
	e2e_refund_invariants();
}

/*
 * Refunds: what each receipt holds is what its refunds pending or done
 * hold, never more than it took; a refund adds up; money given back was
 * given back by the gateway, once; and a test's invoice has been paid
 * what its receipts took less what refunds gave back.
 */
void
e2e_refund_invariants(void)
{
	struct strbuf	 ids, amounts;
	const char	*p[3];
	char		*done;

	cr_assert_eq(e2e_count("SELECT count(*) FROM receipt_allocations x "
	    "WHERE x.refunded > x.amount OR x.refunded <> (SELECT "
	    "coalesce(sum(a.amount), 0) FROM refund_allocations a JOIN refunds "
	    "f ON f.id = a.refund_id WHERE a.receipt_id = x.receipt_id AND "
	    "a.invoice_id = x.invoice_id AND f.state <> 'failed')", 0, NULL), 0,
	    "an invoice of a receipt is refunded more than it was paid, or "
	    "other than its refunds say");
	cr_assert_eq(e2e_count("SELECT count(*) FROM receipts r WHERE "
	    "r.fee_refunded > r.fee OR r.fee_refunded <> (SELECT "
	    "coalesce(sum(f.fee), 0) FROM refunds f WHERE f.receipt_id = r.id "
	    "AND f.state <> 'failed')", 0, NULL), 0,
	    "a receipt's fee is refunded more than it was, or other than its "
	    "refunds say");
	cr_assert_eq(e2e_count("SELECT count(*) FROM refunds f WHERE f.amount "
	    "<> f.fee + (SELECT coalesce(sum(a.amount), 0) FROM "
	    "refund_allocations a WHERE a.refund_id = f.id)", 0, NULL), 0,
	    "a refund's allocations and fee part do not add up to its amount");
	cr_assert_eq(e2e_count("SELECT count(*) FROM refunds WHERE state = "
	    "'succeeded' AND gateway_refund IS NULL", 0, NULL), 0,
	    "a succeeded refund without the gateway's refund");
	cr_assert_eq(e2e_count("SELECT count(*) FROM (SELECT gateway_refund "
	    "FROM refunds WHERE gateway_refund IS NOT NULL GROUP BY "
	    "gateway_refund HAVING count(*) > 1) d", 0, NULL), 0,
	    "one gateway refund recorded twice");
	cr_assert_eq(e2e_count("SELECT count(*) FROM invoices v JOIN customers "
	    "c ON c.id = v.customer_id WHERE c.external_ref LIKE 'C-T%' AND "
	    "v.paid <> (SELECT coalesce(sum(x.amount), 0) FROM "
	    "receipt_allocations x WHERE x.invoice_id = v.id) - (SELECT "
	    "coalesce(sum(a.amount), 0) FROM refund_allocations a JOIN refunds "
	    "f ON f.id = a.refund_id WHERE a.invoice_id = v.id AND f.state = "
	    "'succeeded')", 0, NULL), 0,
	    "an invoice's paid amount is not its receipts less its refunds");

	/*
	 * Against the gateway's own books, for each charge: at least what
	 * its refunds that succeeded before the look gave back, at most
	 * what those not failed hold after it. Both sums only grow while
	 * other tests refund, and a refund is recorded before it is sent,
	 * so the bounds hold however the three looks interleave.
	 */
	done = e2e_value("SELECT coalesce(json_agg(json_build_array("
	    "r.gateway_ref, s.amount)), '[]')::text FROM receipts r JOIN "
	    "(SELECT receipt_id, sum(amount) AS amount FROM refunds WHERE "
	    "state = 'succeeded' GROUP BY receipt_id) s ON s.receipt_id = r.id",
	    0, NULL);
	strbuf_init(&ids);
	strbuf_init(&amounts);
	e2e_gateway_refunds(&ids, &amounts);
	p[0] = done;
	p[1] = strbuf_cstr(&ids);
	p[2] = strbuf_cstr(&amounts);
	cr_assert_eq(e2e_count("WITH lo AS (SELECT e->>0 AS ref, "
	    "(e->>1)::bigint AS done FROM json_array_elements($1::json) e), "
	    "gw AS (SELECT * FROM unnest($2::text[], $3::bigint[]) AS "
	    "g(ref, refunded)), "
	    "hi AS (SELECT r.gateway_ref AS ref, sum(f.amount) AS held FROM "
	    "refunds f JOIN receipts r ON r.id = f.receipt_id WHERE f.state <> "
	    "'failed' GROUP BY r.gateway_ref) "
	    "SELECT count(*) FROM (SELECT ref FROM lo UNION SELECT ref FROM "
	    "gw) k LEFT JOIN lo USING (ref) LEFT JOIN gw USING (ref) "
	    "LEFT JOIN hi USING (ref) "
	    "WHERE coalesce(gw.refunded, 0) < coalesce(lo.done, 0) "
	    "OR coalesce(gw.refunded, 0) > coalesce(hi.held, 0)", 3, p), 0,
	    "the gateway gave back other than the refunds of a charge say");
	free(done);
	strbuf_free(&ids);
	strbuf_free(&amounts);
}

/* The value="..." after the first occurrence of marker. */
void
e2e_html_value(struct e2e_resp *r, const char *marker, char *out,
    size_t len)
{
	const char	*p, *q;

	out[0] = '\0';
	if ((p = strstr(strbuf_cstr(&r->body), marker)) == NULL ||
	    (p = strstr(p, "value=\"")) == NULL)
		return;
	p += 7;
	if ((q = strchr(p, '"')) == NULL || (size_t)(q - p) >= len)
		return;
	memcpy(out, p, (size_t)(q - p));
	out[q - p] = '\0';
}

/* Posts a selection to review; on 200, the checkout's attempt and CSRF. */
int
e2e_review(const char *path, const char *body, struct e2e_checkout *co,
    struct e2e_resp *r)
{
	char	url[600];

	(void)snprintf(co->path, sizeof(co->path), "%s", path);
	(void)snprintf(url, sizeof(url), "%s/review", path);
	e2e_post(url, body, r);
	e2e_html_value(r, "name=\"attempt\"", co->attempt,
	    sizeof(co->attempt));
	e2e_html_value(r, "name=\"csrf\"", co->csrf, sizeof(co->csrf));
	return (r->status == 200 && co->attempt[0] != '\0');
}

static void
e2e_gateway_post(const char *path, const char *auth, const char *body,
    const char *key, struct strbuf *out)
{
	CURL			*c;
	struct curl_slist	*h;
	char			 url[512], hdr[128];
	long			 status;

	(void)snprintf(url, sizeof(url), "%s%s", e2e_env("E2E_GATEWAY"), path);
	c = curl_easy_init();
	h = NULL;
	if (auth != NULL) {
		(void)snprintf(hdr, sizeof(hdr), "Authorization: Bearer %s",
		    auth);
		h = curl_slist_append(h, hdr);
	}
	if (key != NULL) {
		(void)snprintf(hdr, sizeof(hdr), "Idempotency-Key: %s", key);
		h = curl_slist_append(h, hdr);
	}
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, e2e_write);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, out);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 20L);
	if (h != NULL)
		curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	if (body != NULL)
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	status = 0;
	if (curl_easy_perform(c) == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	if (!e2e_in_worker) {
		cr_assert(status != 0, "gateway %s: no answer", path);
		cr_assert(status < 500, "gateway %s: %ld", path, status);
	}
	curl_slist_free_all(h);
	curl_easy_cleanup(c);
	(void)strbuf_cstr(out);
}

static void
e2e_pm_body(const char *body, char *out, size_t len)
{
	struct strbuf	 b;
	const char	*p, *q;

	strbuf_init(&b);
	e2e_gateway_post("/v1/payment_methods", "pk_test_e2e", body, NULL, &b);
	p = strstr(strbuf_cstr(&b), "\"id\":\"pm_");
	if (p == NULL && e2e_in_worker) {
		/* The confirm without one is refused; the test sees that. */
		out[0] = '\0';
		strbuf_free(&b);
		return;
	}
	cr_assert(p != NULL, "no payment method: %s", strbuf_cstr(&b));
	p += 6;
	q = strchr(p, '"');
	(void)snprintf(out, len, "%.*s", (int)(q - p), p);
	strbuf_free(&b);
}

/* A payment method as the browser gets it from the gateway. */
void
e2e_pm(const char *card, char *out, size_t len)
{
	char	body[256];

	(void)snprintf(body, sizeof(body), "type=card&card[number]=%s&"
	    "card[exp_month]=12&card[exp_year]=2034&card[cvc]=123", card);
	e2e_pm_body(body, out, len);
}

void
e2e_pm_bank(const char *account, char *out, size_t len)
{
	char	body[300];

	(void)snprintf(body, sizeof(body), "type=us_bank_account&"
	    "us_bank_account[routing_number]=110000000&"
	    "us_bank_account[account_number]=%s&"
	    "us_bank_account[account_holder_type]=individual&"
	    "billing_details[name]=Jenny%%20Rosen", account);
	e2e_pm_body(body, out, len);
}

/* A fresh customer's invoice, its link, and a checkout with a card. */
void
e2e_checkout_new(long long total, char *path, size_t pathlen,
    char *sel, size_t sellen, struct e2e_checkout *co, char *pm,
    size_t pmlen, char *pre, size_t prelen)
{
	struct e2e_resp	 r;
	char		 ref[64], tok[LINK_TOKEN_MAX + 1], link[64];

	e2e_fixture("USD", &total, 1, ref, sizeof(ref), pre, prelen);
	e2e_link(ref, NULL, "k2", 0, 1, time(NULL) + 86400, "e2e", tok, link);
	(void)snprintf(path, pathlen, "/pay/%s", tok);
	(void)snprintf(sel, sellen, "pay=%s-1", pre);
	cr_assert(e2e_review(path, sel, co, &r));
	e2e_resp_free(&r);
	e2e_pm("4242424242424242", pm, pmlen);
}

/* POST /confirm: the checkout's hidden fields plus method and pm. */
void
e2e_confirm(const struct e2e_checkout *co, const char *selection,
    const char *method, const char *pm, struct e2e_resp *r)
{
	char	url[600], body[2048];

	(void)snprintf(url, sizeof(url), "%s/confirm", co->path);
	(void)snprintf(body, sizeof(body), "attempt=%s&csrf=%s&method=%s&"
	    "payment_method=%s&%s", co->attempt, co->csrf, method, pm,
	    selection);
	e2e_post(url, body, r);
}

void
e2e_gateway_control(const char *body)
{
	struct strbuf	b;

	strbuf_init(&b);
	e2e_gateway_post("/_control", NULL, body, NULL, &b);
	strbuf_free(&b);
}

/*
 * A pending attempt over invoice 1 of a fresh customer with one invoice
 * of the given total, as if the customer's request had reserved it and
 * then lost the gateway's answer: amount (0: all that is open) by card
 * with payment method pm, deadline an interval from now ("-1 hour" is
 * long past). Nothing is sent to the gateway.
 */
void
e2e_pending(long long total, long long amount, const char *pm,
    const char *deadline, char *attempt, char *ref, size_t reflen, char *pre,
    size_t prelen)
{
	char		 tok[LINK_TOKEN_MAX + 1], link[64], amt[32], nums[64];
	unsigned char	 id[LINK_ID_LEN];
	const char	*p[6];
	char		*v;

	e2e_fixture("USD", &total, 1, ref, reflen, pre, prelen);
	e2e_link(ref, NULL, "k2", 0, 1, time(NULL) + 86400, "e2e", tok, link);
	cr_assert(linkid_random(id));
	linkid_format(id, attempt);
	(void)snprintf(nums, sizeof(nums), "{\"%s-1\"}", pre);
	if (amount > 0)
		(void)snprintf(amt, sizeof(amt), "{%lld}", amount);
	else
		(void)snprintf(amt, sizeof(amt), "{NULL}");
	p[0] = attempt;
	p[1] = link;
	p[2] = pm;
	p[3] = nums;
	p[4] = amt;
	p[5] = deadline;
	v = e2e_value("SELECT o_result FROM payment_begin($1, $2, 'card', $3, "
	    "$4, $5, NULL, 'e2e', $6::interval)", 6, p);
	cr_assert_str_eq(v, "new");
	free(v);
}

/* How many of an attempt's invoices hold nothing reserved and nothing paid. */
long long
e2e_untouched(const char *attempt)
{
	const char	*p[1] = { attempt };

	return (e2e_count("SELECT count(*) FROM invoices v JOIN "
	    "attempt_allocations x ON x.invoice_id = v.id WHERE "
	    "x.attempt_id = $1 AND v.reserved = 0 AND v.paid = 0", 1, p));
}

/* A call of the gateway's API with the portal's secret key. */
void
e2e_gateway_api(const char *path, const char *body, const char *key,
    struct strbuf *out)
{
	e2e_gateway_post(path, "sk_test_e2e", body, key, out);
}

/* The stand-in's GET /_control/state. */
static void
e2e_gateway_state(struct strbuf *b)
{
	CURL		*c;
	char		 url[512];

	(void)snprintf(url, sizeof(url), "%s/_control/state",
	    e2e_env("E2E_GATEWAY"));
	c = curl_easy_init();
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, e2e_write);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, b);
	cr_assert_eq(curl_easy_perform(c), CURLE_OK);
	curl_easy_cleanup(c);
	(void)strbuf_cstr(b);
}

/*
 * What the gateway has refunded of each intent that has refunds, as SQL
 * array literals: ids "{pi_1,pi_2}", amounts "{300,1000}".
 */
static void
e2e_gateway_refunds(struct strbuf *ids, struct strbuf *amounts)
{
	struct strbuf	 b;
	json_t		*root, *pi;
	json_int_t	 refunded;
	size_t		 i;
	int		 n;

	strbuf_init(&b);
	e2e_gateway_state(&b);
	root = json_loadb(b.data, b.len, 0, NULL);
	cr_assert(root != NULL, "gateway state: %s", strbuf_cstr(&b));
	strbuf_appendc(ids, '{');
	strbuf_appendc(amounts, '{');
	n = 0;
	json_array_foreach(json_object_get(root, "intents"), i, pi) {
		refunded = json_integer_value(json_object_get(pi,
		    "amount_refunded"));
		if (refunded <= 0)
			continue;
		strbuf_appendf(ids, "%s%s", n ? "," : "",
		    json_string_value(json_object_get(pi, "id")));
		strbuf_appendf(amounts, "%s%lld", n ? "," : "",
		    (long long)refunded);
		n++;
	}
	strbuf_appendc(ids, '}');
	strbuf_appendc(amounts, '}');
	json_decref(root);
	strbuf_free(&b);
}

/* What the gateway has refunded of an intent. */
long long
e2e_gateway_refunded(const char *intent)
{
	struct strbuf	 b;
	json_t		*root, *pi;
	long long	 n;
	size_t		 i;

	strbuf_init(&b);
	e2e_gateway_state(&b);
	root = json_loadb(b.data, b.len, 0, NULL);
	cr_assert(root != NULL, "gateway state: %s", strbuf_cstr(&b));
	n = -1;
	json_array_foreach(json_object_get(root, "intents"), i, pi) {
		if (strcmp(json_string_value(json_object_get(pi, "id")),
		    intent) == 0)
			n = json_integer_value(json_object_get(pi,
			    "amount_refunded"));
	}
	json_decref(root);
	strbuf_free(&b);
	cr_assert(n >= 0, "the gateway has no intent %s", intent);
	return (n);
}

/* The refunds the gateway has made, of every intent. */
long long
e2e_gateway_refund_count(void)
{
	struct strbuf	 b;
	json_t		*root;
	long long	 n;

	strbuf_init(&b);
	e2e_gateway_state(&b);
	root = json_loadb(b.data, b.len, 0, NULL);
	cr_assert(root != NULL, "gateway state: %s", strbuf_cstr(&b));
	n = json_integer_value(json_object_get(root, "refunds"));
	json_decref(root);
	strbuf_free(&b);
	return (n);
}

/* PaymentIntents the gateway holds for an idempotency key (attempt). */
long long
e2e_gateway_intents(const char *attempt)
{
	struct strbuf	 b;
	char		 url[512];
	const char	*p;
	long long	 n;

	strbuf_init(&b);
	e2e_gateway_state(&b);
	(void)snprintf(url, sizeof(url), "\"idempotency_key\":\"%s\"",
	    attempt);
	n = 0;
	for (p = strbuf_cstr(&b); (p = strstr(p, url)) != NULL; p++)
		n++;
	strbuf_free(&b);
	return (n);
}

/*
 * A customer of the test's own with posted invoices of the given totals,
 * so tests that move money never share a balance with another test.
 * Invoice i is "<prefix>-<i>" (1-based); writes the customer's reference
 * and the prefix.
 */
void
e2e_fixture(const char *currency, const long long *totals, int n, char *ref,
    size_t reflen, char *prefix, size_t prefixlen)
{
	unsigned char	 r[LINK_ID_LEN];
	char		 tot[32], num[64];
	const char	*p[4];
	int		 i;

	cr_assert(linkid_random(r));
	(void)snprintf(prefix, prefixlen, "T%02x%02x%02x%02x", r[0], r[1], r[2],
	    r[3]);
	(void)snprintf(ref, reflen, "C-%s", prefix);
	p[0] = ref;
	p[1] = currency;
	e2e_sql("INSERT INTO customers (external_ref, name, email, currency) "
	    "VALUES ($1, 'Test customer ' || $1, 'pay@' || lower($1) || "
	    "'.example', $2)", 2, p);
	for (i = 0; i < n; i++) {
		(void)snprintf(num, sizeof(num), "%s-%d", prefix, i + 1);
		(void)snprintf(tot, sizeof(tot), "%lld", totals[i]);
		p[0] = num;
		p[1] = ref;
		p[2] = currency;
		p[3] = tot;
		e2e_sql("INSERT INTO invoices (number, customer_id, status, "
		    "currency, issue_date, due_date, subtotal, tax, total) "
		    "SELECT $1, id, 'posted', $3, current_date - 10, "
		    "current_date + 20, $4, 0, $4 FROM customers "
		    "WHERE external_ref = $2", 4, p);
	}
}

/* Polls a count query until it reaches want or seconds pass; the count. */
long long
e2e_wait_count(const char *q, const char *param, long long want, int seconds)
{
	const char	*p[1] = { param };
	long long	 n;
	int		 i;

	n = e2e_count(q, param != NULL ? 1 : 0, p);
	for (i = 0; n != want && i < seconds * 10; i++) {
		usleep(100000);
		n = e2e_count(q, param != NULL ? 1 : 0, p);
	}
	return (n);
}

/* The mails the SMTP sink took that contain text, after up to seconds. */
int
e2e_mail_count(const char *text, int seconds, struct strbuf *last)
{
	DIR		*d;
	struct dirent	*e;
	FILE		*fp;
	char		 path[1024], buf[65536];
	size_t		 n;
	int		 found, i;

	found = 0;
	for (i = 0; i <= seconds * 10; i++) {
		if ((d = opendir(e2e_env("E2E_MAILDIR"))) == NULL)
			return (0);
		found = 0;
		while ((e = readdir(d)) != NULL) {
			if (strstr(e->d_name, ".eml") == NULL)
				continue;
			(void)snprintf(path, sizeof(path), "%s/%s",
			    e2e_env("E2E_MAILDIR"), e->d_name);
			if ((fp = fopen(path, "r")) == NULL)
				continue;
			n = fread(buf, 1, sizeof(buf) - 1, fp);
			fclose(fp);
			buf[n] = '\0';
			if (strstr(buf, text) != NULL) {
				found++;
				if (last != NULL) {
					strbuf_reset(last);
					strbuf_append(last, buf, n);
				}
			}
		}
		closedir(d);
		if (found > 0)
			break;
		usleep(100000);
	}
	return (found);
}

/* The back office, signed in as a browser would be. */
/* Form encoding for a value. */
void
e2e_form_encode(const char *in, char *out, size_t len)
{
	static const char	hex[] = "0123456789ABCDEF";
	size_t			o;

	for (o = 0; *in != '\0' && o + 4 < len; in++) {
		if ((*in >= 'a' && *in <= 'z') || (*in >= 'A' && *in <= 'Z') ||
		    (*in >= '0' && *in <= '9') || strchr("-_.~", *in)) {
			out[o++] = *in;
		} else {
			out[o++] = '%';
			out[o++] = hex[(unsigned char)*in >> 4];
			out[o++] = hex[(unsigned char)*in & 15];
		}
	}
	out[o] = '\0';
}

/* The value a Set-Cookie header gives name, or 0. */
int
e2e_set_cookie(struct e2e_resp *r, const char *name, char *out, size_t len)
{
	const char	*p, *end;
	char		 want[64];

	(void)snprintf(want, sizeof(want), "set-cookie: %s=", name);
	for (p = strbuf_cstr(&r->headers); (p = strcasestr(p, want)) != NULL;
	    p++) {
		p += strlen(want);
		end = p + strcspn(p, ";\r\n");
		if ((size_t)(end - p) >= len)
			return (0);
		memcpy(out, p, (size_t)(end - p));
		out[end - p] = '\0';
		return (1);
	}
	return (0);
}

/* Signs in like a browser; the POST's status (303 when it worked). */
long
e2e_signin(const char *email, const char *password, struct e2e_staff *s,
    struct e2e_resp *r)
{
	return (e2e_signin_from(email, password, NULL, s, r));
}

/* The same from a browser that also sends cookie ("name=value"). */
long
e2e_signin_from(const char *email, const char *password, const char *cookies,
    struct e2e_staff *s, struct e2e_resp *r)
{
	struct e2e_req	 rq;
	char		 pre[128], cookie[512], csrf[64], e[256], pw[256];
	char		 body[1024], sid[128];

	memset(s, 0, sizeof(*s));
	e2e_get("/staff/signin", r);
	cr_assert_eq(r->status, 200);
	cr_assert(e2e_set_cookie(r, "pp_signin", pre, sizeof(pre)));
	e2e_html_value(r, "name=\"csrf\"", csrf, sizeof(csrf));
	cr_assert_str_eq(csrf, pre, "the form's token is the cookie's");
	e2e_resp_free(r);

	e2e_form_encode(email, e, sizeof(e));
	e2e_form_encode(password, pw, sizeof(pw));
	(void)snprintf(body, sizeof(body), "csrf=%s&email=%s&password=%s",
	    csrf, e, pw);
	(void)snprintf(cookie, sizeof(cookie), "pp_signin=%s%s%s", pre,
	    cookies != NULL ? "; " : "", cookies != NULL ? cookies : "");
	memset(&rq, 0, sizeof(rq));
	rq.path = "/staff/signin";
	rq.body = body;
	rq.cookie = cookie;
	e2e_http(&rq, r);
	if (r->status != 303 || !e2e_set_cookie(r, "pp_session", sid, sizeof(sid)))
		return (r->status);
	(void)snprintf(s->cookie, sizeof(s->cookie), "pp_session=%s", sid);
	e2e_resp_free(r);
	e2e_staff_req(s, "/staff/customers", NULL, NULL, r);
	cr_assert_eq(r->status, 200);
	e2e_html_value(r, "name=\"csrf\"", s->csrf, sizeof(s->csrf));
	cr_assert(s->csrf[0] != '\0');
	e2e_resp_free(r);
	return (303);
}

/* A request with the session; body adds the CSRF token unless it is "". */
void
e2e_staff_req(const struct e2e_staff *s, const char *path, const char *body,
    const char *accept, struct e2e_resp *r)
{
	struct e2e_req	rq;
	char		full[4096];

	memset(&rq, 0, sizeof(rq));
	rq.path = path;
	rq.cookie = s->cookie;
	rq.accept = accept;
	if (body != NULL) {
		if (*body == '\0' || strncmp(body, "csrf=", 5) == 0)
			(void)snprintf(full, sizeof(full), "%s", body);
		else
			(void)snprintf(full, sizeof(full), "csrf=%s&%s",
			    s->csrf, body);
		rq.method = "POST";
		rq.body = full;
	}
	e2e_http(&rq, r);
}

/*
 * A multipart form with the session and its CSRF token: fields as
 * "a=1&b=2" (not encoded), and a file.
 */
void
e2e_staff_upload(const struct e2e_staff *s, const char *path,
    const char *fields, const char *file_field, const void *data,
    size_t len, struct e2e_resp *r)
{
	struct e2e_req	rq;
	char		full[4096];

	(void)snprintf(full, sizeof(full), "csrf=%s&%s", s->csrf, fields);
	memset(&rq, 0, sizeof(rq));
	rq.path = path;
	rq.cookie = s->cookie;
	rq.body = full;
	rq.file_field = file_field;
	rq.file_data = data;
	rq.file_len = len;
	e2e_http(&rq, r);
}

/* A string field of a flat JSON answer ("url", "id"). */
void
e2e_json_field(struct e2e_resp *r, const char *name, char *out, size_t len)
{
	const char	*p, *q;
	char		 want[64];

	out[0] = '\0';
	(void)snprintf(want, sizeof(want), "\"%s\":\"", name);
	if ((p = strstr(strbuf_cstr(&r->body), want)) == NULL)
		return;
	p += strlen(want);
	if ((q = strchr(p, '"')) == NULL || (size_t)(q - p) >= len)
		return;
	memcpy(out, p, (size_t)(q - p));
	out[q - p] = '\0';
}

/*
 * "Copy Public Invoice Pay Link" for the customer with reference ref, as
 * the page's script does it; writes the link's id and URL (either may be
 * NULL).
 */
void
e2e_copy_link(const struct e2e_staff *s, const char *ref, char *id,
    size_t idlen, char *url, size_t urllen)
{
	struct e2e_resp	 r;
	const char	*p[1] = { ref };
	char		 path[128];

	(void)snprintf(path, sizeof(path), "/staff/customers/%lld/copy",
	    e2e_count("SELECT id FROM customers WHERE external_ref = $1", 1,
	    p));
	e2e_staff_req(s, path, "x=1", "application/json", &r);
	cr_assert_eq(r.status, 200, "%s", strbuf_cstr(&r.body));
	if (id != NULL)
		e2e_json_field(&r, "id", id, idlen);
	if (url != NULL)
		e2e_json_field(&r, "url", url, urllen);
	e2e_resp_free(&r);
}

/* "Send link" on a link's page, by channel to the address typed. */
void
e2e_send_link(const struct e2e_staff *s, const char *id, const char *channel,
    const char *to)
{
	struct e2e_resp	 r;
	char		 path[128], enc[512], body[600];

	(void)snprintf(path, sizeof(path), "/staff/links/%s/send", id);
	e2e_form_encode(to, enc, sizeof(enc));
	(void)snprintf(body, sizeof(body), "channel=%s&to=%s", channel, enc);
	e2e_staff_req(s, path, body, NULL, &r);
	cr_assert_eq(r.status, 303, "%s", strbuf_cstr(&r.body));
	e2e_resp_free(&r);
}

/* The stack's demo accounts. */
void
e2e_as_admin(struct e2e_staff *s)
{
	struct e2e_resp	r;

	cr_assert_eq(e2e_signin("admin@harborstreet.example",
	    e2e_env("E2E_ADMIN_PASSWORD"), s, &r), 303);
}

void
e2e_as_staff(struct e2e_staff *s)
{
	struct e2e_resp	r;

	cr_assert_eq(e2e_signin("staff@harborstreet.example",
	    e2e_env("E2E_STAFF_PASSWORD"), s, &r), 303);
}

/*
 * Refunds: a receipt to refund, paid for real. A fresh customer with USD
 * invoices of these totals pays them all by card through the portal.
 */
void
e2e_paid_receipt(const long long *totals, int n, struct e2e_paid *pd)
{
	struct e2e_checkout	 co;
	struct e2e_resp		 r;
	char			 ref[64], tok[LINK_TOKEN_MAX + 1], link[64];
	char			 sel[512], pm[128], *v;
	const char		*p[1];
	size_t			 o;
	int			 i;

	memset(pd, 0, sizeof(*pd));
	e2e_fixture("USD", totals, n, ref, sizeof(ref), pd->pre,
	    sizeof(pd->pre));
	e2e_link(ref, NULL, "k2", 0, 1, time(NULL) + 86400, "e2e", tok, link);
	(void)snprintf(pd->path, sizeof(pd->path), "/pay/%s", tok);
	for (i = 0, o = 0; i < n && o < sizeof(sel); i++)
		o += (size_t)snprintf(sel + o, sizeof(sel) - o, "%spay=%s-%d",
		    i ? "&" : "", pd->pre, i + 1);
	cr_assert(e2e_review(pd->path, sel, &co, &r), "review %ld: %s",
	    r.status, strbuf_cstr(&r.body));
	e2e_resp_free(&r);
	e2e_pm("4242424242424242", pm, sizeof(pm));
	e2e_confirm(&co, sel, "card", pm, &r);
	cr_assert_eq(r.status, 303, "%ld: %s", r.status, strbuf_cstr(&r.body));
	e2e_resp_free(&r);
	(void)snprintf(pd->attempt, sizeof(pd->attempt), "%s", co.attempt);
	p[0] = co.attempt;
	v = e2e_value("SELECT id || ' ' || number || ' ' || gateway_ref || ' ' "
	    "|| total || ' ' || fee FROM receipts WHERE attempt_id = $1", 1, p);
	cr_assert_eq(sscanf(v, "%31s %31s %63s %lld %lld", pd->receipt,
	    pd->number, pd->intent, &pd->total, &pd->fee), 5, "%s", v);
	free(v);
}

/*
 * refund_begin as the stack's admin; NULL for any argument is SQL NULL.
 * The answer as "<result> <field> <amount> <fee> <state>: <message>",
 * "-" for what it leaves NULL.
 */
char *
e2e_refund_begin(const char *refund, const char *receipt,
    const char *numbers, const char *amounts, const char *fee,
    const char *reason)
{
	const char	*p[6];

	p[0] = refund;
	p[1] = receipt;
	p[2] = numbers;
	p[3] = amounts;
	p[4] = fee;
	p[5] = reason;
	return (e2e_value("SELECT o_result || ' ' || coalesce(o_field, '-') || "
	    "' ' || coalesce(o_amount::text, '-') || ' ' || "
	    "coalesce(o_fee::text, '-') || ' ' || coalesce(o_state, '-') || "
	    "': ' || coalesce(o_message, '') FROM refund_begin($1, $2, $3, $4, "
	    "$5, $6, (SELECT id FROM staff WHERE "
	    "email = 'admin@harborstreet.example'))", 6, p));
}

/* A fresh refund id, as the back office's form would carry. */
void
e2e_refund_id(char *out)
{
	unsigned char	id[LINK_ID_LEN];

	cr_assert(linkid_random(id));
	linkid_format(id, out);
}

/* Waits up to seconds for the background work to settle a refund. */
char *
e2e_refund_wait(const char *refund, int seconds)
{
	const char	*p[1] = { refund };

	(void)e2e_wait_count("SELECT count(*) FROM refunds WHERE id = $1 AND "
	    "state <> 'pending'", refund, 1, seconds);
	return (e2e_value("SELECT state || ' ' || coalesce(gateway_refund, "
	    "'-') || ' ' || coalesce(failure_code, '-') FROM refunds WHERE "
	    "id = $1", 1, p));
}

/* A refund of all that is left of the receipt, recorded; its id in id. */
void
e2e_refund_all(const struct e2e_paid *pd, char *id)
{
	char	*v;

	e2e_refund_id(id);
	v = e2e_refund_begin(id, pd->receipt, NULL, NULL, NULL, NULL);
	cr_assert(strncmp(v, "new ", 4) == 0, "%s", v);
	free(v);
}

/* Waits up to seconds for the refund to settle, as succeeded. */
void
e2e_refund_succeeds(const char *refund, int seconds)
{
	char	*v;

	v = e2e_refund_wait(refund, seconds);
	cr_assert(strncmp(v, "succeeded re_", 13) == 0, "refund %s: %s",
	    refund, v);
	free(v);
}
