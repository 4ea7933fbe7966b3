/*
 * Customers pay: fees, the gateway stand-in, receipts posted exactly once.
 * Every scenario ends with the ledger invariants (e2e_invariants) and,
 * where money moved, with the gateway's own count of charges.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <criterion/criterion.h>

#include "e2e.h"
#include "linkid.h"

#define DAY		86400
#define VISA		"4242424242424242"
#define NO_FUNDS	"4000000000009995"
#define DECLINED	"4000000000000002"

static char	tok[LINK_TOKEN_MAX + 1];
static char	uuid[LINKID_UUID_LEN + 1];
static char	path[512];
static char	ref[64];
static char	pre[32];
static char	sel[512];

/* A fresh customer with invoices of these totals, and a link to them. */
#define FIXTURE(cur, ...) do {						\
	static const long long t_[] = { __VA_ARGS__ };			\
	e2e_fixture(cur, t_, (int)(sizeof(t_) / sizeof(t_[0])), ref,	\
	    sizeof(ref), pre, sizeof(pre));				\
	link_for(ref, NULL, 0, 1);					\
} while (0)

/* The form body for invoices of the fixture: SEL("pay=%1&amount-%1=5"). */
static const char	*SEL(const char *);

static void	link_for(const char *, const char *, long long, int);
static void	pay(const char *, const char *, const char *, const char *,
		    struct e2e_checkout *, struct e2e_resp *);
static long long	q_link(const char *);
static long long	paid_of(int);
static char	*receipt_of(const char *);

TestSuite(pay, .init = e2e_init);

static void
link_for(const char *customer, const char *invoices, long long fixed,
    int partial)
{
	e2e_link(customer, invoices, "k2", fixed, partial,
	    time(NULL) + 30 * DAY, "e2e", tok, uuid);
	(void)snprintf(path, sizeof(path), "/pay/%s", tok);
}

/* Review, then confirm with a fresh payment method for card (or bank). */
static void
pay(const char *selection, const char *method, const char *card,
    const char *expect_review, struct e2e_checkout *co, struct e2e_resp *r)
{
	struct e2e_resp	rv;
	char		pm[128];

	cr_assert(e2e_review(path, selection, co, &rv), "review %ld: %s",
	    rv.status, strbuf_cstr(&rv.body));
	if (expect_review != NULL)
		cr_assert(e2e_contains(&rv, expect_review), "no \"%s\" in "
		    "checkout:\n%s", expect_review, strbuf_cstr(&rv.body));
	e2e_resp_free(&rv);
	if (!strcmp(method, "card"))
		e2e_pm(card, pm, sizeof(pm));
	else
		e2e_pm_bank(card, pm, sizeof(pm));
	e2e_confirm(co, selection, method, pm, r);
}

/* Replaces each "%N" with the fixture's invoice number N. */
static const char *
SEL(const char *tmpl)
{
	size_t		o;

	for (o = 0; *tmpl != '\0' && o + 64 < sizeof(sel); tmpl++) {
		if (tmpl[0] == '%' && tmpl[1] >= '1' && tmpl[1] <= '9') {
			o += (size_t)snprintf(sel + o, sizeof(sel) - o, "%s-%c",
			    pre, tmpl[1]);
			tmpl++;
		} else
			sel[o++] = *tmpl;
	}
	sel[o] = '\0';
	return (sel);
}

static long long
q_link(const char *q)
{
	const char	*p[1] = { uuid };

	return (e2e_count(q, 1, p));
}

/* What is paid on the fixture's invoice i. */
static long long
paid_of(int i)
{
	char		 number[64];
	const char	*p[1] = { number };

	(void)snprintf(number, sizeof(number), "%s-%d", pre, i);
	return (e2e_count("SELECT paid FROM invoices WHERE number = $1", 1,
	    p));
}

static char *
receipt_of(const char *attempt)
{
	const char	*p[1] = { attempt };

	return (e2e_value("SELECT number || ' ' || amount || '+' || fee || '=' "
	    "|| total || ' ' || coalesce(card_brand, '-') || ' ' || "
	    "coalesce(card_last4, '-') FROM receipts WHERE attempt_id = $1", 1,
	    p));
}

E2E_TEST(pay, full_payment_of_one_invoice_by_card)
{
	struct e2e_checkout	 co;
	struct e2e_resp		 r;
	char			 url[700], loc[600], *rc;

	FIXTURE("USD", 46210);
	/* Card 2.9% + 0.30 of 462.10 = 13.40 + 0.30; bank a flat 1.00. */
	pay(SEL("pay=%1"), "card", VISA, "Fee $13.70", &co, &r);
	cr_assert_eq(r.status, 303, "%ld: %s", r.status, strbuf_cstr(&r.body));
	cr_assert(e2e_header(&r, "location", loc, sizeof(loc)) != NULL);
	e2e_resp_free(&r);
	cr_assert_eq(paid_of(1), 46210);

	rc = receipt_of(co.attempt);
	cr_assert(strstr(rc, " 46210+1370=47580 visa 4242") != NULL, "%s", rc);
	free(rc);
	cr_assert_eq(e2e_gateway_intents(co.attempt), 1);
	cr_assert_eq(q_link("SELECT count(*) FROM link_events WHERE "
	    "link_id = $1 AND kind = 'payment_made'"), 1);
	cr_assert_eq(q_link("SELECT count(*) FROM outbox o JOIN receipts r ON "
	    "r.id = o.receipt_id JOIN payment_attempts a ON a.id = "
	    "r.attempt_id WHERE a.link_id = $1"), 1, "no receipt mail queued");

	e2e_get(loc, &r);
	cr_assert_eq(r.status, 200);
	cr_assert(e2e_contains(&r, "Payment successful"));
	cr_assert(e2e_contains(&r, "$475.80"));
	cr_assert(e2e_contains(&r, "Convenience fee"));
	cr_assert(e2e_contains(&r, "ending 4242"));
	e2e_resp_free(&r);

	(void)snprintf(url, sizeof(url), "%s/receipts/%s", path, co.attempt);
	e2e_get(url, &r);
	cr_assert_eq(r.status, 200);
	cr_assert(e2e_contains(&r, "Receipt R"));
	cr_assert(e2e_contains(&r, "id=\"receipt-total\">$475.80<"));
	cr_assert(!e2e_contains(&r, "4242424242424242"));
	e2e_resp_free(&r);
	(void)snprintf(url, sizeof(url), "%s/receipts/%s?layout=thermal", path,
	    co.attempt);
	e2e_get(url, &r);
	cr_assert(e2e_contains(&r, "receipt-page thermal"));
	e2e_resp_free(&r);

	/* The invoice is paid: the page no longer lists it. */
	e2e_get(path, &r);
	cr_assert(e2e_contains(&r, "Nothing is due right now"));
	e2e_resp_free(&r);
}

E2E_TEST(pay, partial_payment_and_three_invoices_by_bank)
{
	struct e2e_checkout	 co;
	struct e2e_resp		 r;
	char			*rc;

	FIXTURE("USD", 125076, 56670, 22513);
	pay(SEL("pay=%1&amount-%1=50.00&pay=%2&amount-%2=10&pay=%3&"
	    "amount-%3=0.01"), "bank_account", "000123456789", "Fee $1.00",
	    &co, &r);
	cr_assert_eq(r.status, 303, "%s", strbuf_cstr(&r.body));
	e2e_resp_free(&r);
	cr_assert_eq(paid_of(1), 5000);
	cr_assert_eq(paid_of(2), 1000);
	cr_assert_eq(paid_of(3), 1);
	rc = receipt_of(co.attempt);
	cr_assert(strstr(rc, " 6001+100=6101 bank 6789") != NULL, "%s", rc);
	free(rc);
}

E2E_TEST(pay, zero_decimal_currency_and_fee_minimum)
{
	struct e2e_checkout	 co;
	struct e2e_resp		 r;
	char			*rc;

	FIXTURE("JPY", 140800);
	/* JPY card: 3.6% of 1,000 is 36, below the minimum fee of 50. */
	pay(SEL("pay=%1&amount-%1=1,000"), "card", VISA, "Fee ¥50", &co,
	    &r);
	cr_assert_eq(r.status, 303, "%s", strbuf_cstr(&r.body));
	e2e_resp_free(&r);
	rc = receipt_of(co.attempt);
	cr_assert(strstr(rc, " 1000+50=1050 ") != NULL, "%s", rc);
	free(rc);
	cr_assert_eq(paid_of(1), 1000);
}

E2E_TEST(pay, fee_at_its_maximum)
{
	struct e2e_checkout	 co;
	struct e2e_resp		 r;
	char			*rc;

	FIXTURE("EUR", 90202);
	/* EUR bank 0.8% capped at 5.00: 0.8% of 902.02 would be 7.22. */
	pay(SEL("pay=%1"), "bank_account", "000123456789", "Fee €5.00", &co,
	    &r);
	cr_assert_eq(r.status, 303, "%s", strbuf_cstr(&r.body));
	e2e_resp_free(&r);
	rc = receipt_of(co.attempt);
	cr_assert(strstr(rc, " 90202+500=90702 ") != NULL, "%s", rc);
	free(rc);
}

E2E_TEST(pay, decline_then_success_with_another_card)
{
	struct e2e_checkout	 co, co2;
	struct e2e_resp		 r;
	char			 loc[600];

	FIXTURE("USD", 22513);
	pay(SEL("pay=%1"), "card", NO_FUNDS, NULL, &co, &r);
	cr_assert_eq(r.status, 303);
	e2e_header(&r, "location", loc, sizeof(loc));
	e2e_resp_free(&r);
	e2e_get(loc, &r);
	cr_assert(e2e_contains(&r, "Payment declined"));
	cr_assert(e2e_contains(&r, "insufficient funds"), "%s",
	    strbuf_cstr(&r.body));
	cr_assert(e2e_contains(&r, "Nothing was charged"));
	e2e_resp_free(&r);
	cr_assert_eq(paid_of(1), 0);
	cr_assert_eq(q_link("SELECT count(*) FROM link_events WHERE link_id = "
	    "$1 AND kind = 'payment_failed' AND detail->>'code' = "
	    "'insufficient_funds'"), 1);

	/* The reservation is released: the full amount can be paid now. */
	pay(SEL("pay=%1"), "card", VISA, NULL, &co2, &r);
	cr_assert_eq(r.status, 303);
	e2e_resp_free(&r);
	cr_assert_eq(paid_of(1), 22513);
}

E2E_TEST(pay, the_same_form_twice_is_one_charge)
{
	struct e2e_checkout	 co;
	struct e2e_resp		 r;
	char			 pm[128], loc1[600], loc2[600], one[256];

	FIXTURE("KWD", 75000);
	(void)snprintf(one, sizeof(one), "%s", SEL("pay=%1&amount-%1=1.000"));
	cr_assert(e2e_review(path, one, &co, &r));
	e2e_resp_free(&r);
	e2e_pm(VISA, pm, sizeof(pm));
	e2e_confirm(&co, one, "card", pm, &r);
	cr_assert_eq(r.status, 303);
	e2e_header(&r, "location", loc1, sizeof(loc1));
	e2e_resp_free(&r);
	e2e_confirm(&co, one, "card", pm, &r);
	cr_assert_eq(r.status, 303);
	e2e_header(&r, "location", loc2, sizeof(loc2));
	e2e_resp_free(&r);
	cr_assert_str_eq(loc1, loc2);
	cr_assert_eq(e2e_gateway_intents(co.attempt), 1);
	cr_assert_eq(paid_of(1), 1000);

	/*
	 * The form of a finished payment, even edited, leads to that
	 * payment's outcome and charges nothing more.
	 */
	e2e_confirm(&co, SEL("pay=%1&amount-%1=2.000"), "card", pm, &r);
	cr_assert_eq(r.status, 303, "%ld", r.status);
	e2e_header(&r, "location", loc2, sizeof(loc2));
	cr_assert_str_eq(loc1, loc2);
	e2e_resp_free(&r);
	cr_assert_eq(e2e_gateway_intents(co.attempt), 1);
	cr_assert_eq(paid_of(1), 1000);
}

struct burst {
	const struct e2e_checkout	*co;
	const char			*selection;
	const char			*pm;
	long				 status;
};

static void *
burst_one(void *arg)
{
	struct burst	*b = arg;
	struct e2e_resp	 r;

	e2e_worker();
	e2e_confirm(b->co, b->selection, "card", b->pm, &r);
	b->status = r.status;
	e2e_resp_free(&r);
	return (NULL);
}

E2E_TEST(pay, twenty_submits_at_once_are_one_charge)
{
	struct e2e_checkout	 co;
	struct e2e_resp		 r;
	struct burst		 b[20];
	pthread_t		 t[20];
	char			 pm[128], one[256];
	int			 i;

	FIXTURE("KWD", 75000);
	(void)snprintf(one, sizeof(one), "%s", SEL("pay=%1&amount-%1=0.500"));
	cr_assert(e2e_review(path, one, &co, &r));
	e2e_resp_free(&r);
	e2e_pm(VISA, pm, sizeof(pm));
	for (i = 0; i < 20; i++) {
		b[i].co = &co;
		b[i].selection = one;
		b[i].pm = pm;
		cr_assert_eq(pthread_create(&t[i], NULL, burst_one, &b[i]), 0);
	}
	/* All joined first: the threads write into b until they end. */
	for (i = 0; i < 20; i++)
		pthread_join(t[i], NULL);
	for (i = 0; i < 20; i++)
		cr_assert_eq(b[i].status, 303, "submit %d: %ld", i,
		    b[i].status);
	cr_assert_eq(e2e_gateway_intents(co.attempt), 1);
	cr_assert_eq(paid_of(1), 500);
	cr_assert_eq(q_link("SELECT count(*) FROM receipts r JOIN "
	    "payment_attempts a ON a.id = r.attempt_id WHERE a.link_id = $1"), 1);
}

struct racer {
	char		path[512];
	char		selection[256];
	long		status;
	int		paid;
	char		attempt[64];
};

static void *
racer_run(void *arg)
{
	struct racer		*x = arg;
	struct e2e_checkout	 co;
	struct e2e_resp		 r, rv;
	char			 pm[128], url[700];

	e2e_worker();
	if (!e2e_review(x->path, x->selection, &co, &rv)) {
		x->status = rv.status;
		e2e_resp_free(&rv);
		return (NULL);
	}
	e2e_resp_free(&rv);
	(void)snprintf(x->attempt, sizeof(x->attempt), "%s", co.attempt);
	e2e_pm(VISA, pm, sizeof(pm));
	e2e_confirm(&co, x->selection, "card", pm, &r);
	x->status = r.status;
	if (r.status == 303) {
		e2e_header(&r, "location", url, sizeof(url));
		e2e_resp_free(&r);
		e2e_get(url, &r);
		x->paid = e2e_contains(&r, "Payment successful");
	}
	e2e_resp_free(&r);
	return (NULL);
}

/*
 * Two links of one customer race for the same invoices, 50 attempts at
 * once: the reservations let each cent be paid once; every charge has its
 * receipt, no failed attempt has a charge, no invoice is overpaid.
 */
E2E_TEST(pay, fifty_concurrent_attempts_never_overpay, .timeout = 180)
{
	static const char	*sels[] = {
		"pay=%1", "pay=%2", "pay=%1&pay=%2",
		"pay=%3&amount-%3=4.00", "pay=%3&amount-%3=3.00",
	};
	struct racer		 x[50];
	pthread_t		 t[50];
	char			 tok2[LINK_TOKEN_MAX + 1], uuid2[64];
	const char		*p[1];
	int			 i, paid;
	long long		 sum;

	FIXTURE("USD", 1000, 1000, 1000);
	e2e_link(ref, NULL, "k2", 0, 1, time(NULL) + DAY, "e2e", tok2, uuid2);
	for (i = 0; i < 50; i++) {
		(void)snprintf(x[i].path, sizeof(x[i].path), "/pay/%s",
		    i % 2 ? tok2 : tok);
		(void)snprintf(x[i].selection, sizeof(x[i].selection), "%s",
		    SEL(sels[i % 5]));
		x[i].status = 0;
		x[i].paid = 0;
		x[i].attempt[0] = '\0';
		cr_assert_eq(pthread_create(&t[i], NULL, racer_run, &x[i]), 0);
	}
	for (i = 0; i < 50; i++)
		pthread_join(t[i], NULL);
	paid = 0;
	for (i = 0; i < 50; i++) {
		cr_assert(x[i].status != 0, "attempt %d: no answer", i);
		paid += x[i].paid;
	}
	cr_assert(paid >= 2, "only %d payments went through", paid);
	sum = paid_of(1) + paid_of(2) + paid_of(3);
	cr_assert(paid_of(1) <= 1000 && paid_of(2) <= 1000 &&
	    paid_of(3) <= 1000);
	p[0] = ref;
	cr_assert_eq(e2e_count("SELECT coalesce(sum(x.amount), 0) FROM "
	    "receipt_allocations x JOIN receipts r ON r.id = x.receipt_id JOIN "
	    "customers c ON c.id = r.customer_id WHERE c.external_ref = $1", 1,
	    p), sum, "paid amounts and receipts disagree");
	for (i = 0; i < 50; i++) {
		if (x[i].attempt[0] == '\0')
			continue;
		/* A charge exactly when the customer saw success. */
		cr_assert_eq(e2e_gateway_intents(x[i].attempt) > 0, x[i].paid,
		    "attempt %d: status %ld, paid %d", i, x[i].status,
		    x[i].paid);
	}
	cr_assert_eq(e2e_count("SELECT count(*) FROM payment_attempts a JOIN "
	    "customers c ON c.id = a.customer_id WHERE c.external_ref = $1 AND "
	    "a.state = 'pending'", 1, p), 0);
}

/* Every bad input: a clear message, nothing charged, nothing reserved. */
E2E_TEST(pay, bad_input_moves_no_money)
{
	static const struct {
		const char	*selection;
		const char	*method;
		const char	*message;
	} cases[] = {
		{ "pay=%1&amount-%1=-1", "card", "must not be negative" },
		{ "pay=%1&amount-%1=0", "card", "must be more than zero" },
		{ "pay=%1&amount-%1=1.001", "card",
		    "more than 2 decimal places" },
		{ "pay=%1&amount-%1=999999", "card", "still open" },
		{ "pay=%1&pay=INV-3001", "card",
		    "is not open for payment on this link" },
		{ "pay=%1&pay=%2", "card", "must be paid separately" },
		{ "pay=%1", "crypto", "Choose how you would like to pay" },
		{ "pay=%1", "card", "Enter your card or bank account details" },
	};
	struct e2e_checkout	 co;
	struct e2e_resp		 r;
	char			 pm[128];
	size_t			 i;

	FIXTURE("USD", 125076);
	/* A second invoice in another currency, for the mixed case. */
	e2e_sql("INSERT INTO invoices (number, customer_id, status, currency, "
	    "issue_date, due_date, subtotal, tax, total) SELECT $1 || '-2', "
	    "id, 'posted', 'EUR', current_date, current_date, 500, 0, 500 "
	    "FROM customers WHERE external_ref = 'C-' || $1", 1,
	    (const char *[]){ pre });
	cr_assert(e2e_review(path, SEL("pay=%1"), &co, &r));
	e2e_resp_free(&r);
	e2e_pm(VISA, pm, sizeof(pm));
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		/* The last case has no payment method from the gateway. */
		e2e_confirm(&co, SEL(cases[i].selection), cases[i].method,
		    i + 1 < sizeof(cases) / sizeof(cases[0]) ? pm : "", &r);
		cr_assert_eq(r.status, 422, "%s: %ld", cases[i].selection,
		    r.status);
		cr_assert(e2e_contains(&r, cases[i].message),
		    "%s: no \"%s\" in\n%s", cases[i].selection,
		    cases[i].message, strbuf_cstr(&r.body));
		e2e_resp_free(&r);
	}
	cr_assert_eq(q_link("SELECT count(*) FROM payment_attempts WHERE "
	    "link_id = $1"), 0, "an attempt was recorded");
	cr_assert_eq(e2e_gateway_intents(co.attempt), 0);
	cr_assert_eq(paid_of(1), 0);
}

E2E_TEST(pay, forms_without_a_valid_csrf_token_are_refused)
{
	struct e2e_checkout	 co, other;
	struct e2e_resp		 r;
	char			 pm[128];

	FIXTURE("USD", 10000);
	cr_assert(e2e_review(path, SEL("pay=%1"), &co, &r));
	e2e_resp_free(&r);
	e2e_pm(VISA, pm, sizeof(pm));

	other = co;
	other.csrf[0] = '\0';
	e2e_confirm(&other, SEL("pay=%1"), "card", pm, &r);
	cr_assert_eq(r.status, 403);
	cr_assert(e2e_contains(&r, "This form has expired"));
	e2e_resp_free(&r);
	other = co;
	other.csrf[3] = other.csrf[3] == 'A' ? 'B' : 'A';
	e2e_confirm(&other, SEL("pay=%1"), "card", pm, &r);
	cr_assert_eq(r.status, 403);
	e2e_resp_free(&r);
	/* A token is bound to its attempt: another attempt id is refused. */
	other = co;
	memcpy(other.attempt, "00000000", 8);
	e2e_confirm(&other, SEL("pay=%1"), "card", pm, &r);
	cr_assert_eq(r.status, 403);
	e2e_resp_free(&r);
	cr_assert_eq(q_link("SELECT count(*) FROM payment_attempts WHERE "
	    "link_id = $1"), 0);
	cr_assert_eq(paid_of(1), 0);
}

E2E_TEST(pay, a_link_revoked_between_review_and_pay)
{
	struct e2e_checkout	 co;
	struct e2e_resp		 r;
	char			 pm[128];
	const char		*p[1];

	FIXTURE("USD", 10000);
	cr_assert(e2e_review(path, SEL("pay=%1"), &co, &r));
	e2e_resp_free(&r);
	p[0] = uuid;
	e2e_sql("UPDATE pay_links SET revoked_at = now() WHERE id = $1", 1, p);
	e2e_pm(VISA, pm, sizeof(pm));
	e2e_confirm(&co, SEL("pay=%1"), "card", pm, &r);
	cr_assert_eq(r.status, 410);
	e2e_resp_free(&r);
	cr_assert_eq(q_link("SELECT count(*) FROM payment_attempts WHERE "
	    "link_id = $1"), 0);
	cr_assert_eq(e2e_gateway_intents(co.attempt), 0);
}

E2E_TEST(pay, a_method_without_a_fee_rule)
{
	struct e2e_checkout	 co;
	struct e2e_resp		 r;
	char			 pm[128];

	/* The demo has no bank-account rule for KWD. */
	FIXTURE("KWD", 10000);
	cr_assert(e2e_review(path, SEL("pay=%1"), &co, &r));
	cr_assert(!e2e_contains(&r, "value=\"bank_account\""));
	e2e_resp_free(&r);
	e2e_pm_bank("000123456789", pm, sizeof(pm));
	e2e_confirm(&co, SEL("pay=%1"), "bank_account", pm, &r);
	cr_assert_eq(r.status, 422);
	cr_assert(e2e_contains(&r, "Paying by bank account is not available "
	    "for KWD"), "%s", strbuf_cstr(&r.body));
	e2e_resp_free(&r);
	cr_assert_eq(q_link("SELECT count(*) FROM payment_attempts WHERE "
	    "link_id = $1"), 0);
}

E2E_TEST(pay, too_many_declines_are_limited)
{
	struct e2e_checkout	 co;
	struct e2e_resp		 r;
	int			 i;

	FIXTURE("USD", 10000);
	for (i = 0; i < 5; i++) {
		pay(SEL("pay=%1&amount-%1=1"), "card", DECLINED, NULL, &co, &r);
		cr_assert_eq(r.status, 303);
		e2e_resp_free(&r);
	}
	pay(SEL("pay=%1&amount-%1=1"), "card", VISA, NULL, &co, &r);
	cr_assert_eq(r.status, 429, "%ld", r.status);
	cr_assert(e2e_contains(&r, "Too many payments were declined"));
	e2e_resp_free(&r);
	cr_assert_eq(e2e_gateway_intents(co.attempt), 0);
	cr_assert_eq(paid_of(1), 0);
	cr_assert_eq(q_link("SELECT count(*) FROM link_events WHERE link_id = "
	    "$1 AND detail->>'code' = 'rate_limited'"), 1);
}

/*
 * The millionth receipt of a year keeps all seven digits: cut to six, its
 * number would be the hundred-thousandth's, and the settle would fail on
 * the numbers' unique index with the customer charged. Tried inside a
 * transaction that is rolled back, so the year's numbers stay gapless.
 */
E2E_TEST(pay, receipt_numbers_keep_every_digit_past_999999)
{
	char		 attempt[64], cref[64], cpre[32], *v, *want;
	const char	*p[1] = { attempt };

	e2e_pending(10000, 0, "pm_e2e_digits", "30 minutes", attempt, cref,
	    sizeof(cref), cpre, sizeof(cpre));
	e2e_sql("BEGIN", 0, NULL);
	e2e_sql("INSERT INTO receipt_counters AS c (year, last) "
	    "SELECT extract(year FROM now() AT TIME ZONE timezone)::integer, "
	    "999999 FROM business ON CONFLICT (year) DO UPDATE SET "
	    "last = 999999", 0, NULL);
	v = e2e_value("SELECT o_receipt FROM payment_settle($1::uuid, true, "
	    "'pi_' || $1, 'visa', '4242', NULL, NULL, 'e2e', NULL)", 1, p);
	want = e2e_value("SELECT format('R%s-1000000', extract(year FROM "
	    "now() AT TIME ZONE timezone)::integer) FROM business", 0, NULL);
	e2e_sql("ROLLBACK", 0, NULL);
	cr_assert_str_eq(v, want);
	free(v);
	free(want);

	/* Let the attempt go, so that nothing stays held. */
	v = e2e_value("SELECT o_state FROM payment_settle($1, false, NULL, "
	    "NULL, NULL, 'e2e', 'a test of receipt numbers', 'e2e', NULL)", 1,
	    p);
	cr_assert_str_eq(v, "failed");
	free(v);
	cr_assert_eq(e2e_untouched(attempt), 1);
}
