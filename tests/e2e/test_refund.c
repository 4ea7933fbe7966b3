/*
 * Refunds: an admin's refund of a receipt, recorded through refund_begin
 * (as the back office records it), sent to the gateway stand-in and
 * settled by the background work. Every scenario ends with the ledger
 * invariants, refunds' included, checked against the gateway's books.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "e2e.h"
#include "linkid.h"

#define SETTLE_SECONDS	20

static long long	paid_of(const struct e2e_paid *, int);
static long long	refunded_of(const struct e2e_paid *, int);
static void		answer_is(char *, const char *);
static void		receipt_page(const struct e2e_paid *,
			    struct e2e_resp *);

TestSuite(refund, .init = e2e_init);

/* What is paid on invoice i of the receipt's customer. */
static long long
paid_of(const struct e2e_paid *pd, int i)
{
	char		 number[64];
	const char	*p[1] = { number };

	(void)snprintf(number, sizeof(number), "%s-%d", pd->pre, i);
	return (e2e_count("SELECT paid FROM invoices WHERE number = $1", 1,
	    p));
}

/* What refunds hold, pending or done, of invoice i on the receipt. */
static long long
refunded_of(const struct e2e_paid *pd, int i)
{
	char		 number[64];
	const char	*p[2] = { pd->receipt, number };

	(void)snprintf(number, sizeof(number), "%s-%d", pd->pre, i);
	return (e2e_count("SELECT x.refunded FROM receipt_allocations x JOIN "
	    "invoices v ON v.id = x.invoice_id WHERE x.receipt_id = $1 AND "
	    "v.number = $2", 2, p));
}

/* Frees the answer of e2e_refund_begin() once it starts with want. */
static void
answer_is(char *got, const char *want)
{
	cr_assert(strncmp(got, want, strlen(want)) == 0, "got \"%s\", want "
	    "\"%s...\"", got, want);
	free(got);
}

static void
receipt_page(const struct e2e_paid *pd, struct e2e_resp *r)
{
	char	url[700];

	(void)snprintf(url, sizeof(url), "%s/receipts/%s", pd->path,
	    pd->attempt);
	e2e_get(url, r);
	cr_assert_eq(r->status, 200);
}

E2E_TEST(refund, full_refund_gives_everything_back_once)
{
	static const long long	 totals[] = { 10000, 5000 };
	struct e2e_paid		 pd;
	struct e2e_resp		 r;
	struct strbuf		 mail;
	char			 id[LINKID_UUID_LEN + 1], want[160];
	const char		*p[2];

	e2e_paid_receipt(totals, 2, &pd);
	/* Card 2.9% + 0.30 of 150.00 = 4.35 + 0.30. */
	cr_assert_eq(pd.fee, 465);
	cr_assert_eq(paid_of(&pd, 1), 10000);

	/* Everything, and so the fee too. */
	e2e_refund_id(id);
	answer_is(e2e_refund_begin(id, pd.receipt, NULL, NULL, NULL,
	    "Order cancelled"), "new - 15465 465 pending: ");
	e2e_refund_succeeds(id, SETTLE_SECONDS);

	cr_assert_eq(paid_of(&pd, 1), 0);
	cr_assert_eq(paid_of(&pd, 2), 0);
	cr_assert_eq(refunded_of(&pd, 1), 10000);
	cr_assert_eq(refunded_of(&pd, 2), 5000);
	cr_assert_eq(e2e_gateway_refunded(pd.intent), 15465,
	    "the gateway did not refund exactly once");
	p[0] = id;
	cr_assert_eq(e2e_count("SELECT count(*) FROM refunds WHERE id = $1 "
	    "AND reason = 'Order cancelled' AND settled_by = 'background' "
	    "AND requested_by = (SELECT id FROM staff WHERE email = "
	    "'admin@harborstreet.example')", 1, p), 1);
	p[1] = pd.number;
	cr_assert_eq(e2e_count("SELECT count(*) FROM link_events WHERE "
	    "kind = 'refunded' AND detail->>'refund' = $1 AND "
	    "detail->>'receipt' = $2 AND (detail->>'amount')::bigint = 15465 "
	    "AND actor = 'Ada Admin'", 2, p), 1, "no \"refunded\" event");
	cr_assert_eq(e2e_count("SELECT count(*) FROM link_events WHERE "
	    "kind = 'refund_requested' AND detail->>'refund' = $1", 1, p), 1);

	/* The customer is told, by mail. */
	(void)snprintf(want, sizeof(want), "(receipt %s).", pd.number);
	strbuf_init(&mail);
	cr_assert_eq(e2e_mail_count(want, 20, &mail), 1, "no refund mail "
	    "for %s", pd.number);
	cr_assert(strstr(strbuf_cstr(&mail), "Subject: Refund of $154.65 "
	    "from ") != NULL, "%s", strbuf_cstr(&mail));
	(void)snprintf(want, sizeof(want), "Invoice %s-1: $100.00\r\n"
	    "Invoice %s-2: $50.00\r\nConvenience fee: $4.65\r\n"
	    "Total refunded: $154.65\r\n", pd.pre, pd.pre);
	cr_assert(strstr(strbuf_cstr(&mail), want) != NULL, "%s",
	    strbuf_cstr(&mail));
	cr_assert(strstr(strbuf_cstr(&mail), "visa card ending 4242") != NULL);
	strbuf_free(&mail);

	/* The receipt says so; the invoices are open again. */
	receipt_page(&pd, &r);
	cr_assert(e2e_contains(&r, "badge refunded\">Refunded<"));
	cr_assert(e2e_contains(&r, "id=\"receipt-net\">$0.00<"));
	cr_assert(e2e_contains(&r, "−$154.65"));
	e2e_resp_free(&r);
	e2e_get(pd.path, &r);
	cr_assert(!e2e_contains(&r, "Nothing is due right now"));
	e2e_resp_free(&r);

	/* Nothing is left to give back. */
	e2e_refund_id(id);
	(void)snprintf(want, sizeof(want), "error receipt - - -: Receipt %s "
	    "has been refunded in full already.", pd.number);
	answer_is(e2e_refund_begin(id, pd.receipt, NULL, NULL, NULL, NULL),
	    want);
}

E2E_TEST(refund, partial_refunds_then_the_rest)
{
	static const long long	 totals[] = { 10000, 5000 };
	struct e2e_paid		 pd;
	struct e2e_resp		 r;
	char			 id[LINKID_UUID_LEN + 1], nums[128];

	e2e_paid_receipt(totals, 2, &pd);
	(void)snprintf(nums, sizeof(nums), "{%s-1,%s-2}", pd.pre, pd.pre);

	/* 25.00 of the first invoice; not everything, so not the fee. */
	e2e_refund_id(id);
	answer_is(e2e_refund_begin(id, pd.receipt, nums, "{2500,0}", NULL,
	    ""), "new - 2500 0 pending: ");
	e2e_refund_succeeds(id, SETTLE_SECONDS);
	cr_assert_eq(paid_of(&pd, 1), 7500);
	cr_assert_eq(paid_of(&pd, 2), 5000);
	cr_assert_eq(e2e_gateway_refunded(pd.intent), 2500);

	receipt_page(&pd, &r);
	cr_assert(e2e_contains(&r, "badge partial\">Partly refunded<"));
	cr_assert(e2e_contains(&r, "−$25.00"));
	cr_assert(e2e_contains(&r, "id=\"receipt-net\">$129.65<"));
	e2e_resp_free(&r);

	/* The fee alone, asked for. */
	e2e_refund_id(id);
	answer_is(e2e_refund_begin(id, pd.receipt, nums, "{0,0}", "true",
	    NULL), "new - 465 465 pending: ");
	e2e_refund_succeeds(id, SETTLE_SECONDS);

	/* All that is left: the rest of both invoices. */
	e2e_refund_id(id);
	answer_is(e2e_refund_begin(id, pd.receipt, nums, "{NULL,NULL}", NULL,
	    NULL), "new - 12500 0 pending: ");
	e2e_refund_succeeds(id, SETTLE_SECONDS);
	cr_assert_eq(paid_of(&pd, 1), 0);
	cr_assert_eq(paid_of(&pd, 2), 0);
	cr_assert_eq(e2e_gateway_refunded(pd.intent), pd.total);

	receipt_page(&pd, &r);
	cr_assert(e2e_contains(&r, "badge refunded\">Refunded<"));
	cr_assert(e2e_contains(&r, "−$4.65"));
	cr_assert(e2e_contains(&r, "−$125.00"));
	cr_assert(e2e_contains(&r, "id=\"receipt-net\">$0.00<"));
	e2e_resp_free(&r);
}

E2E_TEST(refund, bad_requests_are_refused_and_move_nothing)
{
	static const long long	 totals[] = { 10000 };
	struct e2e_paid		 pd, other;
	char			 id[LINKID_UUID_LEN + 1], one[64], two[128];
	char			 first[LINKID_UUID_LEN + 1];
	char			 want[200], err[512], q[1024], *v;
	const char		*p[2];

	e2e_paid_receipt(totals, 1, &pd);
	e2e_paid_receipt(totals, 1, &other);
	(void)snprintf(one, sizeof(one), "{%s-1}", pd.pre);
	e2e_refund_id(id);

	(void)snprintf(want, sizeof(want), "error amount-%s-1 - - -: Amount "
	    "for %s-1 is more than is left to refund of it.", pd.pre, pd.pre);
	answer_is(e2e_refund_begin(id, pd.receipt, one, "{10001}", NULL, NULL),
	    want);
	(void)snprintf(want, sizeof(want), "error amount-%s-1 - - -: Amount "
	    "for %s-1 must not be negative.", pd.pre, pd.pre);
	answer_is(e2e_refund_begin(id, pd.receipt, one, "{-1}", NULL, NULL),
	    want);
	answer_is(e2e_refund_begin(id, pd.receipt, one, "{0}", "false", NULL),
	    "error amount - - -: Enter an amount to refund for at least one "
	    "invoice, or refund the convenience fee.");
	(void)snprintf(two, sizeof(two), "{%s-1}", other.pre);
	(void)snprintf(want, sizeof(want), "error amount-%s-1 - - -: Invoice "
	    "%s-1 was not paid by receipt %s.", other.pre, other.pre,
	    pd.number);
	answer_is(e2e_refund_begin(id, pd.receipt, two, "{1}", NULL, NULL),
	    want);
	(void)snprintf(two, sizeof(two), "{%s-1,%s-1}", pd.pre, pd.pre);
	answer_is(e2e_refund_begin(id, pd.receipt, two, "{1,1}", NULL, NULL),
	    "error amount - - -: An invoice was listed twice.");
	answer_is(e2e_refund_begin(id, "999999999", NULL, NULL, NULL, NULL),
	    "error receipt - - -: There is no such receipt.");
	memset(q, 'x', 501);
	q[501] = '\0';
	answer_is(e2e_refund_begin(id, pd.receipt, NULL, NULL, NULL, q),
	    "error reason - - -: Reason must be at most 500 characters.");

	/* Only an admin refunds. */
	p[0] = id;
	p[1] = pd.receipt;
	v = e2e_value("SELECT o_message FROM refund_begin($1, $2, NULL, NULL, "
	    "NULL, NULL, (SELECT id FROM staff WHERE "
	    "email = 'staff@harborstreet.example'))", 2, p);
	cr_assert_str_eq(v, "Only an admin can refund a payment.");
	free(v);

	/* None of that wrote anything. */
	cr_assert_eq(e2e_count("SELECT count(*) FROM refunds WHERE id = $1",
	    1, p), 0);
	cr_assert_eq(refunded_of(&pd, 1), 0);

	/* 60.00 given back: 50.00 more is more than is left. */
	answer_is(e2e_refund_begin(id, pd.receipt, one, "{6000}", "false",
	    NULL), "new - 6000 0 pending: ");
	(void)snprintf(first, sizeof(first), "%s", id);
	e2e_refund_id(id);
	(void)snprintf(want, sizeof(want), "error amount-%s-1 - - -: Amount "
	    "for %s-1 is more than is left to refund of it.", pd.pre, pd.pre);
	answer_is(e2e_refund_begin(id, pd.receipt, one, "{5000}", NULL, NULL),
	    want);

	/*
	 * The database refuses an over-refund whatever writes it: a refund
	 * of 50.00 more written by hand, past refund_begin, and holds moved
	 * by hand.
	 */
	(void)snprintf(q, sizeof(q), "BEGIN; INSERT INTO refunds (id, "
	    "receipt_id, currency, amount, fee, requested_by) VALUES ('%s', "
	    "%s, 'USD', 5000, 0, 1); INSERT INTO refund_allocations "
	    "(refund_id, receipt_id, invoice_id, amount) SELECT '%s', %s, "
	    "id, 5000 FROM invoices WHERE number = '%s-1'; COMMIT", id,
	    pd.receipt, id, pd.receipt, pd.pre);
	cr_assert(e2e_sql_fails(q, err, sizeof(err)), "over-refund written");
	cr_assert(strstr(err, "receipt_allocations_refunded") != NULL, "%s",
	    err);
	e2e_sql("ROLLBACK", 0, NULL);
	(void)snprintf(q, sizeof(q), "UPDATE receipt_allocations SET refunded "
	    "= amount + 1 WHERE receipt_id = %s", pd.receipt);
	cr_assert(e2e_sql_fails(q, err, sizeof(err)));
	cr_assert(strstr(err, "receipt_allocations_refunded") != NULL, "%s",
	    err);
	(void)snprintf(q, sizeof(q), "UPDATE receipts SET fee_refunded = fee "
	    "+ 1 WHERE id = %s", pd.receipt);
	cr_assert(e2e_sql_fails(q, err, sizeof(err)));
	cr_assert(strstr(err, "receipts_fee_refunded") != NULL, "%s", err);
	/* A refund that does not add up is refused at commit. */
	(void)snprintf(q, sizeof(q), "INSERT INTO refunds (id, receipt_id, "
	    "currency, amount, fee, requested_by) VALUES ('%s', %s, 'USD', "
	    "100, 0, 1)", id, pd.receipt);
	cr_assert(e2e_sql_fails(q, err, sizeof(err)));
	cr_assert(strstr(err, "do not add up") != NULL, "%s", err);
	/* Refunds are evidence. */
	cr_assert(e2e_sql_fails("DELETE FROM refunds", err, sizeof(err)));
	cr_assert(strstr(err, "append-only") != NULL, "%s", err);
	cr_assert(e2e_sql_fails("UPDATE refund_allocations SET amount = 1",
	    err, sizeof(err)));
	(void)snprintf(q, sizeof(q), "UPDATE refunds SET amount = 100 WHERE "
	    "id = '%s'", first);
	cr_assert(e2e_sql_fails(q, err, sizeof(err)));
	cr_assert(strstr(err, "only a pending refund's progress") != NULL,
	    "%s", err);
	cr_assert_eq(refunded_of(&pd, 1), 6000);
}

struct twice {
	const char	*id;
	const char	*receipt;
	const char	*numbers;
	char		 result[32];
};

/* One submit of the form, on a connection of its own. */
static void *
twice_begin(void *arg)
{
	struct twice	*t = arg;
	PGconn		*db;
	PGresult	*res;
	const char	*p[3];

	db = PQconnectdb(e2e_env("E2E_DSN"));
	p[0] = t->id;
	p[1] = t->receipt;
	p[2] = t->numbers;
	res = PQexecParams(db, "SELECT o_result || ' ' || o_amount FROM "
	    "refund_begin($1, $2, $3, '{3000}', NULL, 'Twice', (SELECT id "
	    "FROM staff WHERE email = 'admin@harborstreet.example'))", 3,
	    NULL, p, NULL, NULL, 0);
	if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1)
		(void)snprintf(t->result, sizeof(t->result), "%s",
		    PQgetvalue(res, 0, 0));
	PQclear(res);
	PQfinish(db);
	return (NULL);
}

E2E_TEST(refund, the_same_refund_twice_is_one_refund)
{
	static const long long	 totals[] = { 10000 };
	struct e2e_paid		 pd;
	struct twice		 t[2];
	pthread_t		 th[2];
	char			 id[LINKID_UUID_LEN + 1], one[64];
	int			 i, news;

	e2e_paid_receipt(totals, 1, &pd);
	(void)snprintf(one, sizeof(one), "{%s-1}", pd.pre);
	e2e_refund_id(id);

	/* A double click: two submits of one form at the same moment. */
	memset(t, 0, sizeof(t));
	for (i = 0; i < 2; i++) {
		t[i].id = id;
		t[i].receipt = pd.receipt;
		t[i].numbers = one;
	}
	for (i = 0; i < 2; i++)
		cr_assert_eq(pthread_create(&th[i], NULL, twice_begin, &t[i]),
		    0);
	news = 0;
	/* Both joined first: each writes its result until it ends. */
	for (i = 0; i < 2; i++)
		cr_assert_eq(pthread_join(th[i], NULL), 0);
	for (i = 0; i < 2; i++) {
		if (strcmp(t[i].result, "new 3000") == 0)
			news++;
		else
			cr_assert_str_eq(t[i].result, "existing 3000");
	}
	cr_assert_eq(news, 1);

	e2e_refund_succeeds(id, SETTLE_SECONDS);
	/* Again after it settled: the same refund, how it ended. */
	answer_is(e2e_refund_begin(id, pd.receipt, one, "{3000}", NULL,
	    "Twice"), "existing - 3000 0 succeeded: ");
	answer_is(e2e_refund_begin(id, pd.receipt, one, "{NULL}", NULL, NULL),
	    "existing - 3000 0 succeeded: ");
	/* The same id with other amounts is a form used twice. */
	answer_is(e2e_refund_begin(id, pd.receipt, one, "{2000}", NULL, NULL),
	    "error refund - - succeeded: This refund form was already used.");
	cr_assert_eq(e2e_gateway_refunded(pd.intent), 3000,
	    "the gateway refunded other than once");
	cr_assert_eq(paid_of(&pd, 1), 7000);
}

E2E_TEST(refund, the_gateway_webhook_is_recorded_once_and_settles_nothing_twice)
{
	static const long long	 totals[] = { 8000 };
	struct e2e_paid		 pd;
	char			 id[LINKID_UUID_LEN + 1];
	const char		*p[1];

	e2e_paid_receipt(totals, 1, &pd);
	e2e_refund_all(&pd, id);
	e2e_refund_succeeds(id, SETTLE_SECONDS);
	/* charge.refunded reached the portal and was recorded, once. */
	cr_assert_eq(e2e_wait_count("SELECT count(*) FROM gateway_events WHERE "
	    "type = 'charge.refunded' AND intent_id = $1", pd.intent, 1, 20),
	    1);
	p[0] = id;
	cr_assert_eq(e2e_count("SELECT count(*) FROM link_events WHERE "
	    "kind = 'refunded' AND detail->>'refund' = $1", 1, p), 1);
	cr_assert_eq(e2e_gateway_refunded(pd.intent), pd.total);
}

E2E_TEST(refund, a_refund_the_gateway_refuses_fails_and_holds_nothing)
{
	static const long long	 total = 7000;
	struct e2e_paid		 pd;
	char			 ref[64], intent[64];
	char			 id[LINKID_UUID_LEN + 1];
	char			 *v;
	const char		*p[3];
	unsigned char		 rnd[LINK_ID_LEN];

	/*
	 * A receipt whose charge the gateway does not know (as if made in
	 * another account): it answers 400 resource_missing, a refusal.
	 */
	memset(&pd, 0, sizeof(pd));
	e2e_pending(total, 0, "pm_unknown", "1 hour", pd.attempt, ref,
	    sizeof(ref), pd.pre, sizeof(pd.pre));
	cr_assert(linkid_random(rnd));
	(void)snprintf(intent, sizeof(intent), "pi_e2e%02x%02x%02x%02x%02x",
	    rnd[0], rnd[1], rnd[2], rnd[3], rnd[4]);
	p[0] = pd.attempt;
	p[1] = intent;
	v = e2e_value("SELECT o_state FROM payment_settle($1, true, $2, "
	    "'visa', '4242', NULL, NULL, 'e2e', NULL)", 2, p);
	cr_assert_str_eq(v, "succeeded");
	free(v);
	v = e2e_value("SELECT id FROM receipts WHERE attempt_id = $1", 1, p);
	(void)snprintf(pd.receipt, sizeof(pd.receipt), "%s", v);
	free(v);

	e2e_refund_all(&pd, id);
	v = e2e_refund_wait(id, SETTLE_SECONDS);
	cr_assert_str_eq(v, "failed - resource_missing");
	free(v);
	p[0] = id;
	cr_assert_eq(e2e_count("SELECT count(*) FROM refunds WHERE id = $1 AND "
	    "failure_message LIKE 'No such payment_intent%'", 1, p), 1);
	cr_assert_eq(e2e_count("SELECT count(*) FROM link_events WHERE kind = "
	    "'refund_failed' AND detail->>'refund' = $1 AND detail->>'code' = "
	    "'resource_missing'", 1, p), 1);
	/* The hold is let go: all of it can be refunded again. */
	cr_assert_eq(refunded_of(&pd, 1), 0);
	cr_assert_eq(paid_of(&pd, 1), 7000);
	e2e_refund_id(id);
	answer_is(e2e_refund_begin(id, pd.receipt, NULL, NULL, "false", NULL),
	    "new - 7000 0 pending: ");
	v = e2e_refund_wait(id, SETTLE_SECONDS);
	cr_assert_str_eq(v, "failed - resource_missing");
	free(v);

	/* A failed refund is not the customer's business. */
	p[0] = pd.attempt;
	cr_assert_eq(e2e_count("SELECT count(*) FROM payment_receipt((SELECT "
	    "link_id FROM payment_attempts WHERE id = $1), $1) WHERE "
	    "o_refund_at IS NOT NULL", 1, p), 0);
}

/* The back office: admins refund from a customer's Financial tab. */
E2E_TEST(refund, an_admin_refunds_from_the_back_office)
{
	static const long long	 totals[] = { 10000, 5000 };
	struct e2e_paid		 pd;
	struct e2e_staff	 admin, staff;
	struct e2e_resp		 r;
	char			 url[128], cust[128], body[512], refund[64];
	char			 f1[64], f2[64], want[320], *v;
	const char		*p[2];

	e2e_paid_receipt(totals, 2, &pd);
	e2e_as_admin(&admin);
	e2e_as_staff(&staff);
	p[0] = pd.receipt;
	v = e2e_value("SELECT customer_id FROM receipts WHERE id = $1", 1, p);
	(void)snprintf(cust, sizeof(cust), "/staff/customers/%s", v);
	free(v);
	(void)snprintf(url, sizeof(url), "/staff/receipts/%s/refund",
	    pd.receipt);
	(void)snprintf(want, sizeof(want), "%s-1", pd.pre);
	p[1] = want;
	v = e2e_value("SELECT 'i' || v.id || '_amount' FROM invoices v "
	    "WHERE v.number = $2 AND $1 <> ''", 2, p);
	(void)snprintf(f1, sizeof(f1), "%s", v);
	free(v);
	(void)snprintf(want, sizeof(want), "%s-2", pd.pre);
	v = e2e_value("SELECT 'i' || v.id || '_amount' FROM invoices v "
	    "WHERE v.number = $2 AND $1 <> ''", 2, p);
	(void)snprintf(f2, sizeof(f2), "%s", v);
	free(v);

	/* The Financial tab: a Refund action for admins only. */
	(void)snprintf(want, sizeof(want), "href=\"%s\"", url);
	e2e_staff_req(&admin, cust, NULL, NULL, &r);
	cr_assert_eq(r.status, 200);
	cr_assert(e2e_contains(&r, want), "no refund action");
	e2e_resp_free(&r);
	e2e_staff_req(&staff, cust, NULL, NULL, &r);
	cr_assert_eq(r.status, 200);
	cr_assert(!e2e_contains(&r, want));
	e2e_resp_free(&r);
	e2e_staff_req(&staff, url, NULL, NULL, &r);
	cr_assert_eq(r.status, 403);
	e2e_resp_free(&r);

	/* The form: everything left, and the fee. */
	e2e_staff_req(&admin, url, NULL, NULL, &r);
	cr_assert_eq(r.status, 200);
	cr_assert(e2e_contains(&r, "value=\"100.00\""));
	cr_assert(e2e_contains(&r, "value=\"50.00\""));
	cr_assert(e2e_contains(&r, "name=\"fee\" id=\"fee\" checked"));
	e2e_html_value(&r, "name=\"refund\"", refund, sizeof(refund));
	cr_assert(strlen(refund) == 36, "no refund id: %s", refund);
	e2e_resp_free(&r);

	/* Staff cannot refund, nor can a form without its CSRF token. */
	(void)snprintf(body, sizeof(body), "currency=USD&refund=%s&%s=1.00&"
	    "%s=", refund, f1, f2);
	e2e_staff_req(&staff, url, body, NULL, &r);
	cr_assert_eq(r.status, 403);
	e2e_resp_free(&r);
	(void)snprintf(body, sizeof(body), "csrf=nope&currency=USD&refund=%s&"
	    "%s=1.00", refund, f1);
	e2e_staff_req(&admin, url, body, NULL, &r);
	cr_assert_eq(r.status, 403);
	e2e_resp_free(&r);

	/* Errors next to their fields, the values kept. */
	(void)snprintf(body, sizeof(body), "currency=USD&refund=%s&%s=1.005&"
	    "%s=50.01&reason=Damaged%%20goods", refund, f1, f2);
	e2e_staff_req(&admin, url, body, NULL, &r);
	cr_assert_eq(r.status, 422, "%ld", r.status);
	(void)snprintf(want, sizeof(want), "id=\"%s-error\">Amount for %s-1 "
	    "has more than 2 decimal places", f1, pd.pre);
	cr_assert(e2e_contains(&r, want), "%s", strbuf_cstr(&r.body));
	cr_assert(e2e_contains(&r, "value=\"1.005\""));
	cr_assert(e2e_contains(&r, "value=\"Damaged goods\""));
	cr_assert(e2e_contains(&r, "name=\"fee\" id=\"fee\" >"),
	    "the fee box unticked is not kept");
	e2e_resp_free(&r);
	(void)snprintf(body, sizeof(body), "currency=USD&refund=%s&%s=1.00&"
	    "%s=50.01", refund, f1, f2);
	e2e_staff_req(&admin, url, body, NULL, &r);
	cr_assert_eq(r.status, 422);
	(void)snprintf(want, sizeof(want), "id=\"%s-error\">Amount for %s-2 "
	    "is more than is left to refund of it.", f2, pd.pre);
	cr_assert(e2e_contains(&r, want), "%s", strbuf_cstr(&r.body));
	cr_assert(e2e_contains(&r, refund), "the form's refund id changed");
	e2e_resp_free(&r);
	(void)snprintf(body, sizeof(body), "currency=USD&refund=%s&%s=&%s=",
	    refund, f1, f2);
	e2e_staff_req(&admin, url, body, NULL, &r);
	cr_assert_eq(r.status, 422);
	cr_assert(e2e_contains(&r, "href=\"#amounts\">Enter an amount to "
	    "refund for at least one invoice"));
	e2e_resp_free(&r);
	p[0] = pd.receipt;
	cr_assert_eq(e2e_count("SELECT count(*) FROM refunds WHERE "
	    "receipt_id = $1", 1, p), 0, "a refused form wrote a refund");

	/* 25.00 of the first invoice: "Refund requested", then refunded. */
	(void)snprintf(body, sizeof(body), "currency=USD&refund=%s&%s=25&"
	    "%s=&reason=Damaged%%20goods", refund, f1, f2);
	e2e_staff_req(&admin, url, body, NULL, &r);
	cr_assert_eq(r.status, 303, "%ld: %s", r.status, strbuf_cstr(&r.body));
	e2e_resp_free(&r);
	/* The same form again is the same refund. */
	e2e_staff_req(&admin, url, body, NULL, &r);
	cr_assert_eq(r.status, 303);
	e2e_resp_free(&r);
	e2e_refund_succeeds(refund, SETTLE_SECONDS);
	cr_assert_eq(e2e_gateway_refunded(pd.intent), 2500);
	cr_assert_eq(paid_of(&pd, 1), 7500);
	p[0] = refund;
	cr_assert_eq(e2e_count("SELECT count(*) FROM refunds WHERE id = $1 "
	    "AND fee = 0 AND reason = 'Damaged goods' AND requested_by = "
	    "(SELECT id FROM staff WHERE email = "
	    "'admin@harborstreet.example')", 1, p), 1);

	(void)snprintf(want, sizeof(want), "%s?requested=%s", url, refund);
	e2e_staff_req(&admin, want, NULL, NULL, &r);
	cr_assert_eq(r.status, 200);
	cr_assert(e2e_contains(&r, "id=\"requested\">Refund requested."));
	cr_assert(e2e_contains(&r, "badge state-refunded\">refunded<"));
	cr_assert(e2e_contains(&r, "id=\"receipt-refunded\">$25.00<"));
	cr_assert(e2e_contains(&r, "by Ada Admin"));
	cr_assert(e2e_contains(&r, "Damaged goods"));
	/* What is left is the form's new default. */
	cr_assert(e2e_contains(&r, "value=\"75.00\""));
	e2e_resp_free(&r);

	/* The Financial tab and the activity say so, with who did it. */
	e2e_staff_req(&admin, cust, NULL, NULL, &r);
	cr_assert(e2e_contains(&r, "Refunded $25.00"));
	cr_assert(e2e_contains(&r, "id=\"refunds\""));
	e2e_resp_free(&r);
	e2e_staff_req(&staff, cust, NULL, NULL, &r);
	cr_assert(e2e_contains(&r, "id=\"refunds\""), "staff see refunds");
	e2e_resp_free(&r);
	(void)snprintf(want, sizeof(want), "/staff/activity?kind=refunded&"
	    "customer=C-%s", pd.pre);
	e2e_staff_req(&admin, want, NULL, NULL, &r);
	cr_assert_eq(r.status, 200);
	cr_assert(e2e_contains(&r, "Refunded"));
	cr_assert(e2e_contains(&r, "Ada Admin"));
	cr_assert(e2e_contains(&r, pd.number));
	cr_assert(e2e_contains(&r, "$25.00"));
	e2e_resp_free(&r);
}
