/*
 * "Review payment": the server re-reads the link and checks every field of
 * the posted selection; errors name the field, and nothing is written.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <criterion/criterion.h>

#include "e2e.h"
#include "linkid.h"

#define DAY	86400

static char	tok[LINK_TOKEN_MAX + 1];
static char	uuid[LINKID_UUID_LEN + 1];
static char	review[600];

static void	link_for(const char *, const char *, long long, int);
static void	post(const char *, struct e2e_resp *);
static void	expect_error(const char *, const char *);
static long long	events(void);

/* Every scenario ends with the ledger invariants checked in SQL. */
TestSuite(review, .init = e2e_init);

static void
link_for(const char *customer, const char *invoices, long long fixed,
    int partial)
{
	e2e_link(customer, invoices, "k2", fixed, partial,
	    time(NULL) + 30 * DAY, "e2e", tok, uuid);
	(void)snprintf(review, sizeof(review), "/pay/%s/review", tok);
}

static void
post(const char *body, struct e2e_resp *r)
{
	e2e_post(review, body, r);
}

static long long
events(void)
{
	const char	*p[1] = { uuid };

	return (e2e_count("SELECT count(*) FROM link_events WHERE link_id = $1",
	    1, p));
}

/* The page comes back with the message, the values kept, nothing stored. */
static void
expect_error(const char *body, const char *message)
{
	struct e2e_resp	r;
	long long	before;

	before = events();
	post(body, &r);
	cr_assert_eq(r.status, 422, "%s: status %ld", body, r.status);
	cr_assert(e2e_contains(&r, message), "%s: no \"%s\" in:\n%s", body,
	    message, strbuf_cstr(&r.body));
	cr_assert(e2e_contains(&r, "Please check your selection"));
	cr_assert(e2e_contains(&r, "id=\"pay-form\""), "form not shown again");
	e2e_resp_free(&r);
	cr_assert_eq(events(), before, "review wrote to the database");
}

E2E_TEST(review, full_and_partial_amounts_total_on_the_server)
{
	struct e2e_resp	r;

	link_for("C-1001", NULL, 0, 1);
	post("pay=INV-1001&amount-INV-1001=1250.76&pay=INV-1003&"
	    "amount-INV-1003=100.00&amount-INV-1002=5", &r);
	cr_assert_eq(r.status, 200, "%s", strbuf_cstr(&r.body));
	cr_assert(e2e_contains(&r, "Review your payment"));
	cr_assert(e2e_contains(&r, "id=\"review-total\">$1,350.76<"));
	cr_assert(e2e_contains(&r, "2 invoices, USD"));
	cr_assert(!e2e_contains(&r, "INV-1002"), "unticked invoice paid");
	e2e_resp_free(&r);
}

E2E_TEST(review, thousands_separators_and_a_blank_amount)
{
	struct e2e_resp	r;

	link_for("C-1001", NULL, 0, 1);
	/* "1,000.5" is 1,000.50; no amount field pays the open balance. */
	post("pay=INV-1001&amount-INV-1001=1%2C000.5&pay=INV-1007", &r);
	cr_assert_eq(r.status, 200, "%s", strbuf_cstr(&r.body));
	cr_assert(e2e_contains(&r, "id=\"review-total\">$1,225.63<"));
	e2e_resp_free(&r);
}

E2E_TEST(review, the_browser_total_is_ignored)
{
	struct e2e_resp	r;

	link_for("C-1001", NULL, 0, 1);
	post("pay=INV-1003&amount-INV-1003=10&total=999999&fee=0", &r);
	cr_assert_eq(r.status, 200);
	cr_assert(e2e_contains(&r, "id=\"review-total\">$10.00<"));
	e2e_resp_free(&r);
}

E2E_TEST(review, amount_errors_name_the_invoice)
{
	link_for("C-1001", NULL, 0, 1);
	expect_error("pay=INV-1001&amount-INV-1001=12.345",
	    "Amount for INV-1001 has more than 2 decimal places");
	expect_error("pay=INV-1001&amount-INV-1001=0",
	    "Amount for INV-1001 must be more than zero");
	expect_error("pay=INV-1001&amount-INV-1001=-1",
	    "Amount for INV-1001 must not be negative");
	expect_error("pay=INV-1001&amount-INV-1001=1e3",
	    "Amount for INV-1001 is not a valid amount");
	expect_error("pay=INV-1001&amount-INV-1001=",
	    "Amount for INV-1001 is required");
	expect_error("pay=INV-1001&amount-INV-1001=1250.77",
	    "Amount for INV-1001 is more than the $1,250.76 still open");
	expect_error("pay=INV-1001&amount-INV-1001=99999999999999999999",
	    "Amount for INV-1001 is too large");
}

E2E_TEST(review, every_problem_is_listed_and_values_are_kept)
{
	struct e2e_resp	r;

	link_for("C-1001", NULL, 0, 1);
	post("pay=INV-1001&amount-INV-1001=abc&pay=INV-1002&"
	    "amount-INV-1002=0.001", &r);
	cr_assert_eq(r.status, 422);
	cr_assert(e2e_contains(&r, "Amount for INV-1001 is not a valid"));
	cr_assert(e2e_contains(&r, "Amount for INV-1002 has more than 2"));
	cr_assert(e2e_contains(&r, "value=\"abc\""), "typed value lost");
	cr_assert(e2e_contains(&r, "value=\"0.001\""));
	cr_assert(e2e_contains(&r, "href=\"#amount-INV-1001\""));
	cr_assert(e2e_contains(&r, "aria-invalid=\"true\""));
	e2e_resp_free(&r);
}

E2E_TEST(review, selection_errors)
{
	link_for("C-1001", NULL, 0, 1);
	expect_error("", "Select at least one invoice to pay");
	expect_error("pay=INV-3001",
	    "Invoice &quot;INV-3001&quot; is not open for payment on this link");
	expect_error("pay=INV-1004", "is not open for payment on this link");
	expect_error("pay=CN-1001", "is not open for payment on this link");
	/* What cannot be an invoice number is not echoed at all. */
	expect_error("pay=%3Cscript%3E",
	    "An invoice you selected is not open for payment on this link");
}

E2E_TEST(review, zero_decimal_currency)
{
	struct e2e_resp	r;

	link_for("C-2001", NULL, 0, 1);
	expect_error("pay=INV-2001&amount-INV-2001=12.5",
	    "JPY has none");
	post("pay=INV-2001&amount-INV-2001=10%2C000&pay=INV-2002", &r);
	cr_assert_eq(r.status, 200, "%s", strbuf_cstr(&r.body));
	/* 10,000 + what is open on INV-2002 (3 x 16,500 + 10% - 20,000). */
	cr_assert(e2e_contains(&r, "id=\"review-total\">¥44,450<"));
	e2e_resp_free(&r);
}

E2E_TEST(review, one_currency_per_payment)
{
	const char	*p[1];

	e2e_sql("INSERT INTO customers (external_ref, name, currency) "
	    "VALUES ('C-MIX', 'Two Currencies Ltd', 'USD') "
	    "ON CONFLICT DO NOTHING", 0, NULL);
	p[0] = "C-MIX";
	e2e_sql("INSERT INTO invoices (number, customer_id, kind, status, "
	    "currency, issue_date, due_date, subtotal, tax, total) "
	    "SELECT n, c.id, 'invoice', 'posted', cur, current_date, "
	    "current_date + 30, 10000, 0, 10000 FROM customers c, "
	    "(VALUES ('MIX-USD', 'USD'), ('MIX-EUR', 'EUR')) v(n, cur) "
	    "WHERE c.external_ref = $1 ON CONFLICT DO NOTHING", 1, p);
	link_for("C-MIX", NULL, 0, 1);
	expect_error("pay=MIX-USD&pay=MIX-EUR",
	    "must be paid separately: select invoices of one currency");
}

E2E_TEST(review, a_link_without_partial_payments_pays_the_open_balance)
{
	struct e2e_resp	r;
	char		page[600];

	link_for("C-1001", "INV-1003", 0, 0);
	(void)snprintf(page, sizeof(page), "/pay/%s", tok);
	e2e_get(page, &r);
	cr_assert(e2e_contains(&r, "readonly"));
	cr_assert(e2e_contains(&r, "Pays the full open amount."));
	e2e_resp_free(&r);
	post("pay=INV-1003&amount-INV-1003=1.00", &r);
	cr_assert_eq(r.status, 200);
	cr_assert(e2e_contains(&r, "id=\"review-total\">$462.10<"));
	e2e_resp_free(&r);
}

E2E_TEST(review, a_fixed_amount_link_shows_and_pays_its_amount)
{
	struct e2e_resp	r;
	char		page[600];

	link_for("C-1001", "INV-1001,INV-1003", 140000, 0);
	(void)snprintf(page, sizeof(page), "/pay/%s", tok);
	e2e_get(page, &r);
	cr_assert_eq(r.status, 200);
	cr_assert(e2e_contains(&r, "asks for a payment of"));
	cr_assert(e2e_contains(&r, "$1,400.00"));
	cr_assert(!e2e_contains(&r, "name=\"amount-"), "editable amounts");
	e2e_resp_free(&r);
	/* Oldest due first: all of INV-1001, the rest on INV-1003. */
	post("", &r);
	cr_assert_eq(r.status, 200, "%s", strbuf_cstr(&r.body));
	cr_assert(e2e_contains(&r, "id=\"review-total\">$1,400.00<"));
	cr_assert(e2e_before(&r, "$1,250.76", "$149.24"));
	e2e_resp_free(&r);
}

E2E_TEST(review, an_expired_link_between_page_and_review)
{
	struct e2e_resp	 r;
	const char	*p[1];

	link_for("C-1001", NULL, 0, 1);
	p[0] = uuid;
	e2e_sql("UPDATE pay_links SET revoked_at = now() WHERE id = $1", 1, p);
	post("pay=INV-1001", &r);
	cr_assert_eq(r.status, 410);
	e2e_resp_free(&r);
}

E2E_TEST(review, malformed_bodies_are_refused)
{
	struct e2e_resp	r;

	link_for("C-1001", NULL, 0, 1);
	post("pay=%zz", &r);
	cr_assert_eq(r.status, 400);
	e2e_resp_free(&r);
	post("pay=%00", &r);
	cr_assert_eq(r.status, 400);
	e2e_resp_free(&r);
}
