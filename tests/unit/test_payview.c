/*
 * Tests for src/payview.c and src/invoicedoc.c. Views are filled with text
 * exactly as PostgreSQL returns it ("t", "2026-01-31", "125076"), in the
 * order of the query (credit notes first, then by due date), and checked
 * through the template data a page renders.
 */
#include <criterion/criterion.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "form.h"
#include "invoicedoc.h"
#include "money.h"
#include "mustache.h"
#include "payview.h"
#include "strbuf.h"

/* See test_conf.c: a leak must fail the test that caused it. */
#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/lsan_interface.h>
#define leaks()		__lsan_do_recoverable_leak_check()
#else
#define leaks()		0
#endif

#define BASE		"/pay/p1.k1.tok"
#define INT64_MAX_S	"9223372036854775807"

static void	no_leaks(void);
static void	view_new(struct pay_view *, const char *, const char *,
		    const char *);
static void	view_add(struct pay_view *, const char *, const char *,
		    const char *, const char *, const char *, const char *,
		    const char *, const char *);
static void	view_std(struct pay_view *, const char *);
static void	view_refuses(struct pay_view *, const char *, const char *,
		    const char *, const char *, const char *, const char *,
		    const char *, const char *);
static int	pick(struct pay_view *, const char *);
static struct pay_invoice	*find(struct pay_view *, const char *);
static void	picked(struct pay_view *, const char *, int64_t);
static void	refused(struct pay_view *, const char *, const char *);
static void	renders(const struct pay_view *, const char *, const char *);
static void	date_is(const char *, const char *);
static void	quantity_is(int64_t, const char *);
static void	percent_is(int64_t, const char *);
static void	doc_row(const char **, const char *, const char *,
		    const char *);

static void
no_leaks(void)
{
	cr_assert_eq(leaks(), 0, "memory leaked: see LeakSanitizer's report");
}

static void
view_new(struct pay_view *v, const char *state, const char *partial,
    const char *fixed)
{
	char		 err[256];

	payview_init(v);
	err[0] = '\0';
	cr_assert_eq(payview_set_link(v, state, partial, fixed, "Acme Corp",
	    "Widgets & Co", err, sizeof(err)), 1, "link refused: %s", err);
}

static void
view_add(struct pay_view *v, const char *number, const char *kind,
    const char *currency, const char *issue, const char *due,
    const char *total, const char *paid, const char *overdue)
{
	char		 err[256];

	err[0] = '\0';
	cr_assert_eq(payview_add_invoice(v, number, kind, currency, issue, due,
	    total, paid, overdue, err, sizeof(err)), 1, "%s refused: %s",
	    number, err);
}

/*
 * A customer's link as the query returns it: a USD credit note, two USD
 * invoices (one overdue, one partly paid) and a JPY invoice.
 */
static void
view_std(struct pay_view *v, const char *partial)
{
	view_new(v, "ok", partial, NULL);
	view_add(v, "CN-7", "credit_note", "USD", "2026-01-05", "2026-01-05",
	    "5000", "0", "t");
	view_add(v, "INV-1", "invoice", "USD", "2026-01-01", "2026-01-31",
	    "125076", "0", "t");
	view_add(v, "INV-2", "invoice", "USD", "2026-02-01", "2026-03-03",
	    "50000", "20000", "f");
	view_add(v, "INV-3", "invoice", "JPY", "2026-02-10", "2026-03-12",
	    "150000", "0", "f");
}

static void
view_refuses(struct pay_view *v, const char *number, const char *currency,
    const char *issue, const char *due, const char *total, const char *paid,
    const char *overdue, const char *want)
{
	size_t		 n;
	char		 err[256];

	n = v->ninv;
	err[0] = '\0';
	cr_assert_eq(payview_add_invoice(v, number, "invoice", currency, issue,
	    due, total, paid, overdue, err, sizeof(err)), 0,
	    "%s %s %s %s %s %s accepted", number, currency, issue, due, total,
	    paid);
	cr_assert_str_eq(err, want);
	cr_assert_eq(v->ninv, n);
}

/* Posts body to the view; the form is gone when payview_select returns. */
static int
pick(struct pay_view *v, const char *body)
{
	struct form	 f;
	char		 err[128];
	int		 ok;

	form_init(&f);
	err[0] = '\0';
	cr_assert_eq(form_parse(&f, body, strlen(body), err, sizeof(err)), 1,
	    "\"%s\": %s", body, err);
	ok = payview_select(v, &f);
	form_free(&f);
	cr_assert_eq(v->reviewed, 1);
	return (ok);
}

static struct pay_invoice *
find(struct pay_view *v, const char *number)
{
	size_t		i;

	for (i = 0; i < v->ninv; i++) {
		if (!strcmp(v->inv[i].number, number))
			return (&v->inv[i]);
	}
	cr_assert_fail("no invoice %s", number);
	return (NULL);
}

static void
picked(struct pay_view *v, const char *number, int64_t amount)
{
	struct pay_invoice	*inv;

	inv = find(v, number);
	cr_assert_eq(inv->selected, 1, "%s not selected", number);
	cr_assert_eq(inv->amount, amount, "%s: %lld, want %lld", number,
	    (long long)inv->amount, (long long)amount);
	cr_assert_null(inv->error, "%s: %s", number, inv->error);
}

/* The posted body is refused with one error, on the invoice number. */
static void
refused(struct pay_view *v, const char *body, const char *want)
{
	const char	*number;
	char		 name[64];

	cr_assert_eq(pick(v, body), 0, "\"%s\" accepted", body);
	cr_assert_eq(v->nerrors, 1, "\"%s\": %zu errors", body, v->nerrors);
	cr_assert_null(v->form_error, "\"%s\": %s", body, v->form_error);
	number = strstr(body, "pay=") + 4;
	(void)snprintf(name, sizeof(name), "%.*s", (int)strcspn(number, "&"),
	    number);
	cr_assert_not_null(find(v, name)->error, "\"%s\"", body);
	cr_assert_str_eq(find(v, name)->error, want, "\"%s\"", body);
}

/* Renders the view's template data through tmpl and compares. */
static void
renders(const struct pay_view *v, const char *tmpl, const char *want)
{
	struct mustache_set	*set;
	struct mustache_value	*ctx;
	struct strbuf		 out;
	char			 err[256];

	set = mustache_set_new();
	err[0] = '\0';
	cr_assert_eq(mustache_set_add(set, "t", tmpl, strlen(tmpl), err,
	    sizeof(err)), 1, "%s", err);
	ctx = payview_context(v, BASE);
	cr_assert_not_null(ctx);
	strbuf_init(&out);
	cr_assert_eq(mustache_render(set, "t", ctx, &out, err, sizeof(err)),
	    1, "%s", err);
	cr_assert_str_eq(strbuf_cstr(&out), want);
	strbuf_free(&out);
	mustache_value_free(ctx);
	mustache_set_free(set);
}

static void
date_is(const char *iso, const char *want)
{
	char		 buf[32];

	memset(buf, 'x', sizeof(buf));
	if (want == NULL) {
		cr_assert_eq(payview_date(iso, buf, sizeof(buf)), 0,
		    "\"%s\" accepted", iso);
		return;
	}
	cr_assert_eq(payview_date(iso, buf, sizeof(buf)), 1,
	    "\"%s\" refused", iso);
	cr_assert_str_eq(buf, want);
}

static void
quantity_is(int64_t milli, const char *want)
{
	char		 buf[32];

	cr_assert_eq(invoicedoc_quantity(milli, buf, sizeof(buf)), 1, "%lld",
	    (long long)milli);
	cr_assert_str_eq(buf, want, "%lld", (long long)milli);
}

static void
percent_is(int64_t bp, const char *want)
{
	char		 buf[32];

	cr_assert_eq(invoicedoc_percent(bp, buf, sizeof(buf)), 1, "%lld",
	    (long long)bp);
	cr_assert_str_eq(buf, want, "%lld", (long long)bp);
}

/* An invoice header row of q_public_invoice, as text. */
static void
doc_row(const char **v, const char *currency, const char *total,
    const char *paid)
{
	memset(v, 0, IDOC_NCOLS * sizeof(*v));
	v[IDOC_BUSINESS] = "Widgets Ltd";
	v[IDOC_BUSINESS_ADDRESS] = "1 Main St";
	v[IDOC_BUSINESS_EMAIL] = "billing@widgets.test";
	v[IDOC_BUSINESS_PHONE] = "+1 555 0100";
	v[IDOC_CUSTOMER] = "Acme Corp";
	v[IDOC_CUSTOMER_REF] = "C-1001";
	v[IDOC_CUSTOMER_EMAIL] = "ap@acme.test";
	v[IDOC_NUMBER] = "INV-1";
	v[IDOC_KIND] = "invoice";
	v[IDOC_CURRENCY] = currency;
	v[IDOC_ISSUE] = "2026-01-01";
	v[IDOC_DUE] = "2026-01-31";
	v[IDOC_SUBTOTAL] = "17550";
	v[IDOC_TAX] = "1238";
	v[IDOC_TOTAL] = total;
	v[IDOC_PAID] = paid;
	v[IDOC_MEMO] = "Thank you";
	v[IDOC_OVERDUE] = "t";
}

Test(payview, set_link)
{
	struct pay_view	 v;
	char		 err[128];

	view_new(&v, "ok", "t", NULL);
	cr_assert_eq(v.state, PAYVIEW_OK);
	cr_assert_eq(v.allow_partial, 1);
	cr_assert_eq(v.fixed_amount, 0);
	cr_assert_str_eq(v.customer, "Acme Corp");
	cr_assert_str_eq(v.business, "Widgets & Co");
	cr_assert_eq(v.ninv, 0);
	cr_assert_eq(v.reviewed, 0);

	/* Set again, as for a second row: the names are replaced. */
	cr_assert_eq(payview_set_link(&v, "revoked", "f", "140000", NULL,
	    "B", err, sizeof(err)), 1);
	cr_assert_eq(v.state, PAYVIEW_REVOKED);
	cr_assert_eq(v.allow_partial, 0);
	cr_assert_eq(v.fixed_amount, 140000);
	cr_assert_str_eq(v.customer, "");
	cr_assert_str_eq(v.business, "B");
	cr_assert_eq(payview_set_link(&v, "expired", NULL, "", "C", NULL,
	    err, sizeof(err)), 1);
	cr_assert_eq(v.state, PAYVIEW_EXPIRED);
	cr_assert_eq(v.allow_partial, 0);
	cr_assert_eq(v.fixed_amount, 0);
	cr_assert_str_eq(v.business, "");
	/* Only PostgreSQL's "t" is true. */
	cr_assert_eq(payview_set_link(&v, "ok", "true", NULL, "C", "B", err,
	    sizeof(err)), 1);
	cr_assert_eq(v.allow_partial, 0);

	cr_assert_eq(payview_set_link(&v, "paused", "t", NULL, "C", "B", err,
	    sizeof(err)), 0);
	cr_assert_str_eq(err, "unknown link state 'paused'");
	cr_assert_eq(payview_set_link(&v, "ok", "t", "0", "C", "B", err,
	    sizeof(err)), 0);
	cr_assert_str_eq(err, "bad fixed amount '0'");
	cr_assert_eq(payview_set_link(&v, "ok", "t", "-500", "C", "B", err,
	    sizeof(err)), 0);
	cr_assert_str_eq(err, "bad fixed amount '-500'");
	cr_assert_eq(payview_set_link(&v, "ok", "t", "12.50", "C", "B", err,
	    sizeof(err)), 0);
	cr_assert_str_eq(err, "bad fixed amount '12.50'");
	cr_assert_eq(payview_set_link(&v, "ok", "t", "9223372036854775808",
	    "C", "B", err, sizeof(err)), 0);
	cr_assert_str_eq(err, "bad fixed amount '9223372036854775808'");
	payview_free(&v);
	cr_assert_null(v.customer);
	cr_assert_null(v.inv);
	no_leaks();
}

Test(payview, add_invoice)
{
	struct pay_view		 v;
	struct pay_invoice	*inv;

	view_std(&v, "t");
	cr_assert_eq(v.ninv, 4);

	inv = &v.inv[0];
	cr_assert_str_eq(inv->number, "CN-7");
	cr_assert_eq(inv->credit, 1);
	cr_assert_eq(inv->overdue, 0, "a credit note is never overdue");
	cr_assert_eq(inv->currency, money_currency("USD"));

	inv = &v.inv[1];
	cr_assert_str_eq(inv->number, "INV-1");
	cr_assert_eq(inv->credit, 0);
	cr_assert_eq(inv->currency, money_currency("USD"));
	cr_assert_str_eq(inv->issue_date, "2026-01-01");
	cr_assert_str_eq(inv->due_date, "2026-01-31");
	cr_assert_eq(inv->total, 125076);
	cr_assert_eq(inv->paid, 0);
	cr_assert_eq(inv->overdue, 1);
	cr_assert_eq(inv->selected, 0);
	cr_assert_eq(inv->amount, 0);
	cr_assert_null(inv->input);
	cr_assert_null(inv->error);

	inv = &v.inv[2];
	cr_assert_eq(inv->total, 50000);
	cr_assert_eq(inv->paid, 20000);
	cr_assert_eq(inv->overdue, 0);

	inv = &v.inv[3];
	cr_assert_eq(inv->currency, money_currency("JPY"));
	cr_assert_eq(inv->total, 150000);
	payview_free(&v);
	no_leaks();
}

Test(payview, add_invoice_refused)
{
	struct pay_view	 v;

	view_new(&v, "ok", "t", NULL);
	view_refuses(&v, "INV-9", "XXX", "2026-01-01", "2026-01-31", "100",
	    "0", "f", "invoice INV-9: unknown currency 'XXX'");
	view_refuses(&v, "INV-9", "usd", "2026-01-01", "2026-01-31", "100",
	    "0", "f", "invoice INV-9: unknown currency 'usd'");
	view_refuses(&v, "INV-9", "USD", "2026-1-31", "2026-01-31", "100",
	    "0", "f", "invoice INV-9: bad row");
	view_refuses(&v, "INV-9", "USD", "2026-01-01", "2026-01-31 00:00",
	    "100", "0", "f", "invoice INV-9: bad row");
	view_refuses(&v, "INV-9", "USD", "2026-01-01", "", "100", "0", "f",
	    "invoice INV-9: bad row");
	view_refuses(&v, "INV-9", "USD", "2026-01-01", "2026-01-31", "12.50",
	    "0", "f", "invoice INV-9: bad row");
	view_refuses(&v, "INV-9", "USD", "2026-01-01", "2026-01-31", "",
	    "0", "f", "invoice INV-9: bad row");
	view_refuses(&v, "INV-9", "USD", "2026-01-01", "2026-01-31",
	    "9223372036854775808", "0", "f", "invoice INV-9: bad row");
	view_refuses(&v, "INV-9", "USD", "2026-01-01", "2026-01-31", "100",
	    "-1", "f", "invoice INV-9: bad row");
	/* Paid in full, or more: not open, so not in a view. */
	view_refuses(&v, "INV-9", "USD", "2026-01-01", "2026-01-31", "100",
	    "100", "f", "invoice INV-9: bad row");
	view_refuses(&v, "INV-9", "USD", "2026-01-01", "2026-01-31", "100",
	    "101", "f", "invoice INV-9: bad row");
	view_refuses(&v, "INV-9", "USD", "2026-01-01", "2026-01-31", "0",
	    "0", "f", "invoice INV-9: bad row");
	cr_assert_eq(v.ninv, 0);
	payview_free(&v);
	no_leaks();
}

Test(payview, add_invoice_limit)
{
	struct pay_view	 v;
	char		 number[16], err[128];
	int		 i;

	view_new(&v, "ok", "t", NULL);
	for (i = 0; i < PAYVIEW_MAX_INVOICES; i++) {
		(void)snprintf(number, sizeof(number), "INV-%d", i);
		view_add(&v, number, "invoice", "USD", "2026-01-01",
		    "2026-01-31", "100", "0", "f");
	}
	cr_assert_eq(payview_add_invoice(&v, "INV-X", "invoice", "USD",
	    "2026-01-01", "2026-01-31", "100", "0", "f", err, sizeof(err)), 0);
	cr_assert_str_eq(err, "more than 500 open invoices");
	cr_assert_eq(v.ninv, PAYVIEW_MAX_INVOICES);
	cr_assert_str_eq(v.inv[499].number, "INV-499");
	payview_free(&v);
	no_leaks();
}

Test(payview, select_full)
{
	struct pay_view	 v;

	view_std(&v, "t");
	cr_assert_eq(pick(&v, "pay=INV-1&amount-INV-1=1250.76"), 1);
	picked(&v, "INV-1", 125076);
	cr_assert_str_eq(find(&v, "INV-1")->input, "1250.76");
	cr_assert_eq(v.nselected, 1);
	cr_assert_eq(v.nerrors, 0);
	cr_assert_eq(v.pay_total, 125076);
	cr_assert_eq(v.pay_currency, money_currency("USD"));
	cr_assert_null(v.form_error);
	cr_assert_eq(find(&v, "INV-2")->selected, 0);
	cr_assert_eq(find(&v, "INV-3")->selected, 0);
	cr_assert_eq(find(&v, "CN-7")->selected, 0);
	payview_free(&v);
	no_leaks();
}

Test(payview, select_partial)
{
	static const struct {
		const char	*body;
		int64_t		 want;
	} ok[] = {
		{ "pay=INV-1&amount-INV-1=100", 10000 },
		{ "pay=INV-1&amount-INV-1=0.01", 1 },
		{ "pay=INV-1&amount-INV-1=.5", 50 },
		{ "pay=INV-1&amount-INV-1=+12.50+", 1250 },
		{ "pay=INV-1&amount-INV-1=%241%2C000.50", 100050 },
		{ "pay=INV-1&amount-INV-1=USD+1%2C250.75", 125075 },
		{ "pay=INV-1&amount-INV-1=1%2C250.76", 125076 },
		{ "amount-INV-1=7&pay=INV-1", 700 },
		{ "pay=INV-2&amount-INV-2=300", 30000 },
		{ "pay=INV-3&amount-INV-3=1%2C500", 1500 },
		{ "pay=INV-3&amount-INV-3=%C2%A5150000", 150000 },
	};
	struct pay_view		 v;
	const char		*number;
	char			 name[16];
	size_t			 i;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		view_std(&v, "t");
		cr_assert_eq(pick(&v, ok[i].body), 1, "\"%s\": %s",
		    ok[i].body, v.nerrors ? "errors" : "");
		number = strstr(ok[i].body, "pay=") + 4;
		(void)snprintf(name, sizeof(name), "%.5s", number);
		picked(&v, name, ok[i].want);
		cr_assert_eq(v.nselected, 1);
		cr_assert_eq(v.pay_total, ok[i].want, "\"%s\"", ok[i].body);
		payview_free(&v);
	}
	no_leaks();
}

Test(payview, select_refused_amounts)
{
	static const struct {
		const char	*body;
		const char	*want;
	} bad[] = {
		{ "pay=INV-2&amount-INV-2=300.01",
		    "Amount for INV-2 is more than the $300.00 still open." },
		{ "pay=INV-1&amount-INV-1=1250.77",
		    "Amount for INV-1 is more than the $1,250.76 still open." },
		{ "pay=INV-3&amount-INV-3=150001",
		    "Amount for INV-3 is more than the ¥150,000 still open." },
		{ "pay=INV-1&amount-INV-1=0",
		    "Amount for INV-1 must be more than zero." },
		{ "pay=INV-1&amount-INV-1=0.00",
		    "Amount for INV-1 must be more than zero." },
		{ "pay=INV-3&amount-INV-3=0",
		    "Amount for INV-3 must be more than zero." },
		{ "pay=INV-1&amount-INV-1=-5",
		    "Amount for INV-1 must not be negative." },
		{ "pay=INV-1&amount-INV-1=%24-5",
		    "Amount for INV-1 must not be negative." },
		{ "pay=INV-1&amount-INV-1=10.005",
		    "Amount for INV-1 has more than 2 decimal places for "
		    "USD." },
		{ "pay=INV-3&amount-INV-3=100.5",
		    "Amount for INV-3 has decimal places, but JPY has none." },
		{ "pay=INV-3&amount-INV-3=100.0",
		    "Amount for INV-3 has decimal places, but JPY has none." },
		{ "pay=INV-1&amount-INV-1=1%2C25",
		    "Amount for INV-1 has a misplaced thousands separator "
		    "','." },
		{ "pay=INV-1&amount-INV-1=",
		    "Amount for INV-1 is required." },
		{ "pay=INV-1&amount-INV-1=+++",
		    "Amount for INV-1 is required." },
		{ "pay=INV-1&amount-INV-1=ten",
		    "Amount for INV-1 is not a valid amount." },
		{ "pay=INV-1&amount-INV-1=12.",
		    "Amount for INV-1 ends with a decimal point." },
		{ "pay=INV-1&amount-INV-1=1e3",
		    "Amount for INV-1 is not a valid amount." },
		{ "pay=INV-1&amount-INV-1=%E2%82%AC5",
		    "Amount for INV-1 is in a different currency than USD." },
		{ "pay=INV-3&amount-INV-3=%245",
		    "Amount for INV-3 is in a different currency than JPY." },
		{ "pay=INV-1&amount-INV-1=99999999999999999999",
		    "Amount for INV-1 is too large." },
	};
	struct pay_view		 v;
	struct pay_invoice	*inv;
	size_t			 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		view_std(&v, "t");
		refused(&v, bad[i].body, bad[i].want);
		/* Selected, kept as typed, so the form shows it again. */
		inv = find(&v, bad[i].body[8] == '1' ? "INV-1" :
		    bad[i].body[8] == '2' ? "INV-2" : "INV-3");
		cr_assert_eq(inv->selected, 1);
		cr_assert_not_null(inv->input);
		cr_assert_eq(inv->amount, 0);
		cr_assert_eq(v.nselected, 1);
		payview_free(&v);
	}

	/* One error per invoice, each on its own field. */
	view_std(&v, "t");
	cr_assert_eq(pick(&v, "pay=INV-1&pay=INV-2&amount-INV-1=0&"
	    "amount-INV-2=x"), 0);
	cr_assert_eq(v.nerrors, 2);
	cr_assert_str_eq(find(&v, "INV-1")->error,
	    "Amount for INV-1 must be more than zero.");
	cr_assert_str_eq(find(&v, "INV-2")->error,
	    "Amount for INV-2 is not a valid amount.");
	cr_assert_null(v.form_error);
	payview_free(&v);
	no_leaks();
}

Test(payview, select_missing_amount)
{
	struct pay_view	 v;

	/* No amount field: the open balance. */
	view_std(&v, "t");
	cr_assert_eq(pick(&v, "pay=INV-2"), 1);
	picked(&v, "INV-2", 30000);
	cr_assert_null(find(&v, "INV-2")->input);
	cr_assert_eq(v.pay_total, 30000);
	payview_free(&v);

	/* Another invoice's amount field is not this one's. */
	view_std(&v, "t");
	cr_assert_eq(pick(&v, "pay=INV-2&amount-INV-1=5&amount-INV-22=5&"
	    "amount-inv-2=5"), 1);
	picked(&v, "INV-2", 30000);
	cr_assert_eq(find(&v, "INV-1")->selected, 0);
	payview_free(&v);
	no_leaks();
}

Test(payview, select_no_partial)
{
	struct pay_view	 v;

	view_std(&v, "f");
	cr_assert_eq(pick(&v, "pay=INV-1&amount-INV-1=1"), 1);
	picked(&v, "INV-1", 125076);
	cr_assert_eq(v.pay_total, 125076);
	payview_free(&v);

	/* Not even parsed: nothing typed can be wrong. */
	view_std(&v, "f");
	cr_assert_eq(pick(&v, "pay=INV-1&amount-INV-1=-5&pay=INV-2&"
	    "amount-INV-2=ten"), 1);
	picked(&v, "INV-1", 125076);
	picked(&v, "INV-2", 30000);
	cr_assert_eq(v.pay_total, 155076);
	cr_assert_eq(v.nerrors, 0);
	payview_free(&v);
	no_leaks();
}

Test(payview, select_unknown_invoice)
{
	struct pay_view	 v;

	view_std(&v, "t");
	cr_assert_eq(pick(&v, "pay=INV-404"), 0);
	cr_assert_str_eq(v.form_error,
	    "Invoice \"INV-404\" is not open for payment on this link.");
	cr_assert_eq(v.nerrors, 1);
	cr_assert_eq(v.nselected, 0);
	payview_free(&v);

	/* One bad number spoils the selection; the first one is named. */
	view_std(&v, "t");
	cr_assert_eq(pick(&v, "pay=INV-1&pay=inv-2&pay=INV-9"), 0);
	cr_assert_str_eq(v.form_error,
	    "Invoice \"inv-2\" is not open for payment on this link.");
	cr_assert_eq(v.nerrors, 1);
	picked(&v, "INV-1", 125076);
	cr_assert_eq(find(&v, "INV-2")->selected, 0);
	payview_free(&v);

	/* What cannot be an invoice number is not echoed. */
	view_std(&v, "t");
	cr_assert_eq(pick(&v, "pay=0123456789012345678901234567890123456789"
	    "012345678901234567890123456789"), 0);
	cr_assert_str_eq(v.form_error, "An invoice you selected is not open "
	    "for payment on this link.");
	payview_free(&v);
	view_std(&v, "t");
	cr_assert_eq(pick(&v, "pay=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa%C3%A9"),
	    0);
	cr_assert_str_eq(v.form_error, "An invoice you selected is not open "
	    "for payment on this link.");
	payview_free(&v);

	view_std(&v, "t");
	cr_assert_eq(pick(&v, "pay="), 0);
	cr_assert_str_eq(v.form_error,
	    "An invoice you selected is not open for payment on this link.");
	payview_free(&v);
	no_leaks();
}

Test(payview, select_credit_note)
{
	struct pay_view	 v;

	view_std(&v, "t");
	cr_assert_eq(pick(&v, "pay=CN-7&amount-CN-7=50"), 0);
	cr_assert_str_eq(v.form_error,
	    "Invoice \"CN-7\" is not open for payment on this link.");
	cr_assert_eq(find(&v, "CN-7")->selected, 0);
	cr_assert_eq(find(&v, "CN-7")->amount, 0);
	cr_assert_eq(v.nselected, 0);
	payview_free(&v);

	view_std(&v, "t");
	cr_assert_eq(pick(&v, "pay=INV-1&pay=CN-7"), 0);
	cr_assert_eq(find(&v, "CN-7")->selected, 0);
	cr_assert_eq(v.nselected, 1);
	payview_free(&v);
	no_leaks();
}

Test(payview, select_duplicate_pay)
{
	struct pay_view	 v;

	view_std(&v, "t");
	cr_assert_eq(pick(&v, "pay=INV-1&pay=INV-1&pay=INV-1&"
	    "amount-INV-1=10&amount-INV-1=20"), 1);
	picked(&v, "INV-1", 1000);
	cr_assert_eq(v.nselected, 1);
	cr_assert_eq(v.pay_total, 1000);
	payview_free(&v);
	no_leaks();
}

Test(payview, select_nothing)
{
	static const char	*bodies[] = {
		"", "amount-INV-1=5", "pay_INV-1=on", "Pay=INV-1", "x=1&y=2",
	};
	struct pay_view		 v;
	size_t			 i;

	for (i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
		view_std(&v, "t");
		cr_assert_eq(pick(&v, bodies[i]), 0, "\"%s\"", bodies[i]);
		cr_assert_str_eq(v.form_error,
		    "Select at least one invoice to pay.");
		cr_assert_eq(v.nerrors, 1);
		cr_assert_eq(v.nselected, 0);
		cr_assert_eq(v.pay_total, 0);
		cr_assert_null(v.pay_currency);
		payview_free(&v);
	}

	/* A view without open invoices. */
	view_new(&v, "ok", "t", NULL);
	cr_assert_eq(pick(&v, "pay=INV-1"), 0);
	cr_assert_str_eq(v.form_error,
	    "Invoice \"INV-1\" is not open for payment on this link.");
	payview_free(&v);
	no_leaks();
}

Test(payview, select_mixed_currencies)
{
	struct pay_view	 v;

	view_std(&v, "t");
	cr_assert_eq(pick(&v, "pay=INV-3&pay=INV-1&amount-INV-3=100"), 0);
	cr_assert_str_eq(v.form_error, "Invoices in USD and JPY must be paid "
	    "separately: select invoices of one currency.");
	cr_assert_eq(v.nerrors, 1);
	cr_assert_eq(v.nselected, 2);
	cr_assert_null(find(&v, "INV-1")->error);
	cr_assert_null(find(&v, "INV-3")->error);
	payview_free(&v);
	no_leaks();
}

Test(payview, select_several)
{
	struct pay_view	 v;

	view_std(&v, "t");
	cr_assert_eq(pick(&v, "pay=INV-2&amount-INV-2=100.5&pay=INV-1"), 1);
	picked(&v, "INV-1", 125076);
	picked(&v, "INV-2", 10050);
	cr_assert_eq(v.nselected, 2);
	cr_assert_eq(v.pay_total, 135126);
	cr_assert_eq(v.pay_currency, money_currency("USD"));
	payview_free(&v);
	no_leaks();
}

Test(payview, select_fixed)
{
	struct pay_view	 v;

	/* Oldest first, in the view's order; the form is not read. */
	view_new(&v, "ok", "t", "140000");
	view_add(&v, "INV-1", "invoice", "USD", "2026-01-01", "2026-01-31",
	    "125076", "0", "t");
	view_add(&v, "INV-2", "invoice", "USD", "2026-02-01", "2026-03-03",
	    "50000", "20000", "f");
	cr_assert_eq(pick(&v, "pay=INV-2&amount-INV-2=1&pay=INV-404"), 1);
	picked(&v, "INV-1", 125076);
	picked(&v, "INV-2", 14924);
	cr_assert_null(find(&v, "INV-2")->input);
	cr_assert_eq(v.nselected, 2);
	cr_assert_eq(v.pay_total, 140000);
	cr_assert_eq(v.pay_currency, money_currency("USD"));
	cr_assert_null(v.form_error);
	payview_free(&v);

	/* Less than the first invoice: only the first. */
	view_new(&v, "ok", "f", "5000");
	view_add(&v, "INV-1", "invoice", "USD", "2026-01-01", "2026-01-31",
	    "125076", "0", "t");
	view_add(&v, "INV-2", "invoice", "USD", "2026-02-01", "2026-03-03",
	    "50000", "20000", "f");
	cr_assert_eq(pick(&v, ""), 1);
	picked(&v, "INV-1", 5000);
	cr_assert_eq(find(&v, "INV-2")->selected, 0);
	cr_assert_eq(v.nselected, 1);
	cr_assert_eq(v.pay_total, 5000);
	payview_free(&v);

	/* More than is open (paid since the link was made): what is open. */
	view_new(&v, "ok", "t", "999999");
	view_add(&v, "CN-7", "credit_note", "USD", "2026-01-05", "2026-01-05",
	    "5000", "0", "f");
	view_add(&v, "INV-1", "invoice", "USD", "2026-01-01", "2026-01-31",
	    "125076", "0", "t");
	view_add(&v, "INV-3", "invoice", "JPY", "2026-02-10", "2026-03-12",
	    "150000", "0", "f");
	view_add(&v, "INV-2", "invoice", "USD", "2026-02-01", "2026-03-03",
	    "50000", "20000", "f");
	cr_assert_eq(pick(&v, ""), 1);
	cr_assert_eq(find(&v, "CN-7")->selected, 0);
	picked(&v, "INV-1", 125076);
	cr_assert_eq(find(&v, "INV-3")->selected, 0, "another currency");
	picked(&v, "INV-2", 30000);
	cr_assert_eq(v.nselected, 2);
	cr_assert_eq(v.pay_total, 155076);
	payview_free(&v);

	/* Nothing open. */
	view_new(&v, "ok", "t", "5000");
	view_add(&v, "CN-7", "credit_note", "USD", "2026-01-05", "2026-01-05",
	    "5000", "0", "f");
	cr_assert_eq(pick(&v, "pay=CN-7"), 0);
	cr_assert_str_eq(v.form_error, "Nothing is left to pay on this link.");
	cr_assert_eq(v.nselected, 0);
	cr_assert_eq(v.pay_total, 0);
	payview_free(&v);

	view_new(&v, "ok", "t", "5000");
	cr_assert_eq(pick(&v, ""), 0);
	cr_assert_str_eq(v.form_error, "Nothing is left to pay on this link.");
	payview_free(&v);
	no_leaks();
}

Test(payview, select_gone)
{
	static const char	*states[] = { "revoked", "expired" };
	struct pay_view		 v;
	size_t			 i;
	char			 err[64];

	for (i = 0; i < 2; i++) {
		view_std(&v, "t");
		cr_assert_eq(payview_set_link(&v, states[i], "t", NULL, "C",
		    "B", err, sizeof(err)), 1);
		cr_assert_eq(pick(&v, "pay=INV-1&amount-INV-1=5"), 0);
		cr_assert_str_eq(v.form_error,
		    "This link can no longer be used.");
		cr_assert_eq(v.nerrors, 1);
		cr_assert_eq(v.nselected, 0);
		cr_assert_eq(find(&v, "INV-1")->selected, 0);
		cr_assert_null(find(&v, "INV-1")->input);
		cr_assert_eq(v.pay_total, 0);
		payview_free(&v);

		view_new(&v, states[i], "t", "5000");
		view_add(&v, "INV-1", "invoice", "USD", "2026-01-01",
		    "2026-01-31", "125076", "0", "t");
		cr_assert_eq(pick(&v, ""), 0);
		cr_assert_str_eq(v.form_error,
		    "This link can no longer be used.");
		cr_assert_eq(find(&v, "INV-1")->selected, 0);
		cr_assert_eq(v.pay_total, 0);
		payview_free(&v);
	}
	no_leaks();
}

Test(payview, select_overflow)
{
	struct pay_view	 v;
	char		 err[128], num[16];
	int		 i;

	/* Above the schema's bound an amount is a bad row, not a page. */
	view_new(&v, "ok", "t", NULL);
	cr_assert_eq(payview_add_invoice(&v, "INV-A", "invoice", "USD",
	    "2026-01-01", "2026-01-31", "1000000000000001", "0", "f", err,
	    sizeof(err)), 0);
	cr_assert_str_eq(err, "invoice INV-A: bad row");
	payview_free(&v);
	payview_init(&v);
	cr_assert_eq(payview_set_link(&v, "ok", "t", "1000000000000001", "C",
	    "B", err, sizeof(err)), 0);
	payview_free(&v);

	/* At the bound, the most invoices a view holds still add up. */
	view_new(&v, "ok", "t", NULL);
	for (i = 0; i < PAYVIEW_MAX_INVOICES; i++) {
		(void)snprintf(num, sizeof(num), "INV-%d", i);
		view_add(&v, num, "invoice", "USD", "2026-01-01", "2026-01-31",
		    "1000000000000000", "0", "f");
	}
	cr_assert_eq(payview_add_invoice(&v, "INV-X", "invoice", "USD",
	    "2026-01-01", "2026-01-31", "1", "0", "f", err, sizeof(err)), 0);
	cr_assert_eq(pick(&v, "pay=INV-0&pay=INV-499&pay=INV-250"), 1);
	cr_assert_eq(v.pay_total, 3000000000000000LL);
	renders(&v, "{{#totals}}{{amount}}{{/totals}}",
	    "$5,000,000,000,000,000.00");
	payview_free(&v);

	/* A typed amount beyond int64 is "too large", not a wrap. */
	view_new(&v, "ok", "t", NULL);
	view_add(&v, "INV-A", "invoice", "USD", "2026-01-01", "2026-01-31",
	    "1000000000000000", "0", "f");
	cr_assert_eq(pick(&v, "pay=INV-A&"
	    "amount-INV-A=92%2C233%2C720%2C368%2C547%2C758.08"), 0);
	cr_assert_str_eq(find(&v, "INV-A")->error,
	    "Amount for INV-A is too large.");
	payview_free(&v);
	no_leaks();
}

Test(payview, date)
{
	char		 buf[13];

	date_is("2026-01-31", "Jan 31, 2026");
	date_is("2026-03-07", "Mar 7, 2026");
	date_is("2026-12-01", "Dec 1, 2026");
	date_is("1999-06-15", "Jun 15, 1999");
	date_is("2026-13-01", NULL);
	date_is("2026-00-10", NULL);
	date_is("2026-01-00", NULL);
	date_is("2026-01-32", NULL);
	date_is("2026-01-99", NULL);
	date_is("2026-1-31", NULL);
	date_is("2026-01-1", NULL);
	date_is("20260131", NULL);
	date_is("2026/01/31", NULL);
	date_is("2026-01-31x", NULL);
	date_is("2026-01-31 ", NULL);
	date_is(" 2026-01-31", NULL);
	date_is("2026-0a-31", NULL);
	date_is("abcd-ef-gh", NULL);
	date_is("+026-01-31", NULL);
	date_is("", NULL);
	date_is(NULL, NULL);

	/* "Jan 31, 2026" is 12 bytes: 13 with its NUL. */
	cr_assert_eq(payview_date("2026-01-31", buf, sizeof(buf)), 1);
	cr_assert_str_eq(buf, "Jan 31, 2026");
	cr_assert_eq(payview_date("2026-01-31", buf, sizeof(buf) - 1), 0);
}

Test(payview, int64)
{
	int64_t		n;

	n = -1;
	cr_assert_eq(payview_int64("125076", &n), 1);
	cr_assert_eq(n, 125076);
	cr_assert_eq(payview_int64("0", &n), 1);
	cr_assert_eq(n, 0);
	cr_assert_eq(payview_int64(INT64_MAX_S, &n), 1);
	cr_assert_eq(n, INT64_MAX);
	cr_assert_eq(payview_int64("-9223372036854775808", &n), 1);
	cr_assert_eq(n, INT64_MIN);

	n = 42;
	cr_assert_eq(payview_int64("9223372036854775808", &n), 0);
	cr_assert_eq(payview_int64("-9223372036854775809", &n), 0);
	cr_assert_eq(payview_int64("12.5", &n), 0);
	cr_assert_eq(payview_int64("12 ", &n), 0);
	cr_assert_eq(payview_int64("12a", &n), 0);
	cr_assert_eq(payview_int64("", &n), 0);
	cr_assert_eq(payview_int64(NULL, &n), 0);
	cr_assert_eq(n, 42);
}

Test(payview, context_page)
{
	struct pay_view	 v;

	view_std(&v, "t");
	renders(&v, "{{business}}|{{customer}}|{{base}}|{{open_count}}|"
	    "{{#one_open}}one{{/one_open}}|{{#has_open}}open{{/has_open}}|"
	    "{{#has_credits}}credits{{/has_credits}}|"
	    "{{#allow_partial}}partial{{/allow_partial}}|"
	    "{{#has_totals}}{{#totals}}{{currency}} "
	    "{{#credit}}credit {{/credit}}{{amount}};{{/totals}}{{/has_totals}}"
	    "|{{^has_errors}}no errors{{/has_errors}}|"
	    "{{^summary}}no summary{{/summary}}|{{^fixed}}not fixed{{/fixed}}",
	    "Widgets &amp; Co|Acme Corp|/pay/p1.k1.tok|3||open|credits|"
	    "partial|USD $1,500.76;JPY ¥150,000;|no errors|no summary|"
	    "not fixed");

	renders(&v, "{{#invoices}}{{number}},{{href}},{{issue_date}},"
	    "{{due_date}},{{due_iso}},{{total}},{{open}},{{open_plain}},"
	    "{{currency}},{{symbol}},{{exponent}},"
	    "{{#overdue}}overdue{{/overdue}}{{#partial}}partial{{/partial}}"
	    "{{#plain_open}}plain{{/plain_open}}{{#checked}}checked{{/checked}}"
	    ",{{amount}},{{error}};{{/invoices}}",
	    "INV-1,/pay/p1.k1.tok/invoices/INV-1,Jan 1, 2026,Jan 31, 2026,"
	    "2026-01-31,$1,250.76,$1,250.76,1250.76,USD,$,2,overdue,1250.76,;"
	    "INV-2,/pay/p1.k1.tok/invoices/INV-2,Feb 1, 2026,Mar 3, 2026,"
	    "2026-03-03,$500.00,$300.00,300.00,USD,$,2,partial,300.00,;"
	    "INV-3,/pay/p1.k1.tok/invoices/INV-3,Feb 10, 2026,Mar 12, 2026,"
	    "2026-03-12,¥150,000,¥150,000,150000,JPY,¥,0,plain,150000,;");

	renders(&v, "{{#credits}}{{number}},{{due_date}},{{total}},{{open}},"
	    "{{#overdue}}overdue{{/overdue}}{{#open_plain}}x{{/open_plain}};"
	    "{{/credits}}",
	    "CN-7,Jan 5, 2026,$50.00,$50.00,;");
	payview_free(&v);

	/* One open invoice, no credits, a currency without a symbol. */
	view_new(&v, "ok", "f", NULL);
	view_add(&v, "K-1", "invoice", "KWD", "2026-01-01", "2026-01-31",
	    "1234567", "1000", "f");
	renders(&v, "{{open_count}}|{{#one_open}}one{{/one_open}}|"
	    "{{^has_credits}}no credits{{/has_credits}}|"
	    "{{^allow_partial}}whole{{/allow_partial}}|"
	    "{{#totals}}{{currency}} {{amount}};{{/totals}}|"
	    "{{#invoices}}{{symbol}}/{{exponent}}/{{open}}/{{open_plain}}"
	    "{{/invoices}}",
	    "1|one|no credits|whole|KWD KWD 1,233.567;|/3/KWD 1,233.567/"
	    "1233.567");
	payview_free(&v);

	/* Nothing open. */
	view_new(&v, "ok", "t", NULL);
	renders(&v, "{{open_count}}|{{^has_open}}nothing{{/has_open}}|"
	    "{{^has_totals}}no totals{{/has_totals}}|"
	    "{{^has_credits}}no credits{{/has_credits}}",
	    "0|nothing|no totals|no credits");
	payview_free(&v);
	no_leaks();
}

Test(payview, context_totals)
{
	struct pay_view	 v;

	/* Credits larger than what is due: a credit, shown positive. */
	view_new(&v, "ok", "t", NULL);
	view_add(&v, "CN-1", "credit_note", "EUR", "2026-01-05", "2026-01-05",
	    "5000", "1000", "f");
	view_add(&v, "INV-9", "invoice", "EUR", "2026-01-01", "2026-01-31",
	    "1000", "0", "f");
	view_add(&v, "INV-8", "invoice", "GBP", "2026-01-01", "2026-01-31",
	    "2500", "500", "f");
	view_add(&v, "CN-2", "credit_note", "GBP", "2026-01-05", "2026-01-05",
	    "2000", "0", "f");
	renders(&v, "{{#totals}}{{currency}} {{#credit}}credit {{/credit}}"
	    "{{amount}};{{/totals}}",
	    "EUR credit €30.00;GBP £0.00;");
	payview_free(&v);

	/* The largest amount the schema allows. */
	view_new(&v, "ok", "t", NULL);
	view_add(&v, "INV-A", "invoice", "USD", "2026-01-01", "2026-01-31",
	    "1000000000000000", "0", "f");
	renders(&v, "{{#totals}}{{amount}}{{/totals}}|"
	    "{{#invoices}}{{open_plain}}{{/invoices}}",
	    "$10,000,000,000,000.00|10000000000000.00");
	payview_free(&v);
	no_leaks();
}

Test(payview, context_errors)
{
	struct pay_view	 v;

	view_std(&v, "t");
	cr_assert_eq(pick(&v, "pay=INV-1&amount-INV-1=0&pay=INV-2&"
	    "amount-INV-2=301&pay=NOPE&amount-INV-3=%3Cb%3E"), 0);
	cr_assert_eq(v.nerrors, 3);
	renders(&v, "{{#has_errors}}E{{/has_errors}}|"
	    "{{#errors}}{{href}} {{{message}}};{{/errors}}|"
	    "{{^summary}}no summary{{/summary}}|"
	    "{{#invoices}}{{number}}:{{#checked}}checked{{/checked}}:"
	    "{{amount}}:{{error}};{{/invoices}}",
	    "E|#invoices Invoice \"NOPE\" is not open for payment on this "
	    "link.;"
	    "#amount-INV-1 Amount for INV-1 must be more than zero.;"
	    "#amount-INV-2 Amount for INV-2 is more than the $300.00 still "
	    "open.;|no summary|"
	    "INV-1:checked:0:Amount for INV-1 must be more than zero.;"
	    "INV-2:checked:301:Amount for INV-2 is more than the $300.00 still "
	    "open.;INV-3::150000:;");

	/* What the customer typed is escaped like everything else. */
	renders(&v, "{{#errors}}{{message}}{{/errors}}",
	    "Invoice &quot;NOPE&quot; is not open for payment on this link."
	    "Amount for INV-1 must be more than zero."
	    "Amount for INV-2 is more than the $300.00 still open.");
	payview_free(&v);

	view_std(&v, "t");
	cr_assert_eq(pick(&v, "pay=INV-1&amount-INV-1=%3Cb%3E"), 0);
	renders(&v, "{{#invoices}}{{amount}};{{/invoices}}",
	    "&lt;b&gt;;300.00;150000;");
	payview_free(&v);
	no_leaks();
}

Test(payview, context_summary)
{
	struct pay_view	 v;
	const char	*tmpl;

	tmpl = "{{#has_errors}}E{{/has_errors}}{{^has_errors}}ok{{/has_errors}}"
	    "|{{#errors}}x{{/errors}}|{{#summary}}{{#lines}}{{number}} "
	    "{{amount}} {{open}} {{amount_plain}}{{#partial}} partial"
	    "{{/partial}};{{/lines}}{{total}} {{currency}} {{count}}"
	    "{{#one}} one{{/one}}{{/summary}}";

	view_std(&v, "t");
	cr_assert_eq(pick(&v, "pay=INV-1&pay=INV-2&amount-INV-2=100.5"), 1);
	renders(&v, tmpl, "ok||INV-1 $1,250.76 $1,250.76 1250.76;"
	    "INV-2 $100.50 $300.00 100.50 partial;$1,351.26 USD 2");
	/* The checked boxes and typed amounts, for "Change selection". */
	renders(&v, "{{#invoices}}{{#checked}}{{number}}={{amount}};"
	    "{{/checked}}{{/invoices}}", "INV-1=1250.76;INV-2=100.5;");
	payview_free(&v);

	view_std(&v, "t");
	cr_assert_eq(pick(&v, "pay=INV-3&amount-INV-3=1%2C500"), 1);
	renders(&v, tmpl, "ok||INV-3 ¥1,500 ¥150,000 1500 partial;"
	    "¥1,500 JPY 1 one");
	payview_free(&v);

	view_new(&v, "ok", "t", "140000");
	view_add(&v, "INV-1", "invoice", "USD", "2026-01-01", "2026-01-31",
	    "125076", "0", "t");
	view_add(&v, "INV-2", "invoice", "USD", "2026-02-01", "2026-03-03",
	    "50000", "20000", "f");
	renders(&v, "{{#fixed}}{{amount}}{{/fixed}}|{{^has_errors}}not "
	    "reviewed{{/has_errors}}", "$1,400.00|not reviewed");
	cr_assert_eq(pick(&v, ""), 1);
	renders(&v, "{{#fixed}}{{amount}}{{/fixed}}|{{#summary}}{{#lines}}"
	    "{{number}} {{amount}}{{#partial}} partial{{/partial}};{{/lines}}"
	    "{{total}} {{count}}{{/summary}}",
	    "$1,400.00|INV-1 $1,250.76;INV-2 $149.24 partial;$1,400.00 2");
	payview_free(&v);
	no_leaks();
}

Test(invoicedoc, quantity)
{
	char		 buf[8];

	quantity_is(1500, "1.5");
	quantity_is(1000, "1");
	quantity_is(1, "0.001");
	quantity_is(0, "0");
	quantity_is(10, "0.01");
	quantity_is(250, "0.25");
	quantity_is(12000, "12");
	quantity_is(1234567, "1234.567");
	quantity_is(INT64_MAX, "9223372036854775.807");
	cr_assert_eq(invoicedoc_quantity(-1, buf, sizeof(buf)), 0);
	cr_assert_eq(invoicedoc_quantity(1500, buf, 4), 1);
	cr_assert_str_eq(buf, "1.5");
	cr_assert_eq(invoicedoc_quantity(1500, buf, 3), 0);
}

Test(invoicedoc, percent)
{
	char		 buf[8];

	percent_is(825, "8.25%");
	percent_is(1000, "10%");
	percent_is(0, "0%");
	percent_is(5, "0.05%");
	percent_is(50, "0.5%");
	percent_is(1950, "19.5%");
	percent_is(10000, "100%");
	cr_assert_eq(invoicedoc_percent(-825, buf, sizeof(buf)), 0);
	cr_assert_eq(invoicedoc_percent(1000, buf, 4), 1);
	cr_assert_str_eq(buf, "10%");
	cr_assert_eq(invoicedoc_percent(1000, buf, 3), 0);
	cr_assert_eq(invoicedoc_percent(825, buf, 5), 0);
}

Test(invoicedoc, rows)
{
	struct invoicedoc	 d;
	const char		*v[IDOC_NCOLS];
	const char		*l[IDOC_L_NCOLS];
	char			 err[128];

	invoicedoc_init(&d);
	doc_row(v, "USD", "18788", "5000");
	cr_assert_eq(invoicedoc_set(&d, v, err, sizeof(err)), 1, "%s", err);
	cr_assert_eq(d.currency, money_currency("USD"));
	cr_assert_eq(d.subtotal, 17550);
	cr_assert_eq(d.tax, 1238);
	cr_assert_eq(d.total, 18788);
	cr_assert_eq(d.paid, 5000);
	cr_assert_str_eq(d.text[IDOC_NUMBER], "INV-1");
	cr_assert_str_eq(d.text[IDOC_MEMO], "Thank you");

	l[IDOC_L_DESCRIPTION] = "Consulting";
	l[IDOC_L_QUANTITY] = "1500";
	l[IDOC_L_UNIT_PRICE] = "10000";
	l[IDOC_L_TAX_BP] = "825";
	l[IDOC_L_AMOUNT] = "15000";
	l[IDOC_L_TAX] = "1238";
	cr_assert_eq(invoicedoc_add_line(&d, l, err, sizeof(err)), 1, "%s",
	    err);
	cr_assert_eq(d.nlines, 1);
	cr_assert_str_eq(d.lines[0].description, "Consulting");
	cr_assert_eq(d.lines[0].quantity_milli, 1500);
	cr_assert_eq(d.lines[0].unit_price, 10000);
	cr_assert_eq(d.lines[0].tax_bp, 825);
	cr_assert_eq(d.lines[0].amount, 15000);
	cr_assert_eq(d.lines[0].tax, 1238);

	/* Each numeric column, bad in turn. */
	l[IDOC_L_QUANTITY] = "1.5";
	cr_assert_eq(invoicedoc_add_line(&d, l, err, sizeof(err)), 0);
	cr_assert_str_eq(err, "bad invoice line");
	l[IDOC_L_QUANTITY] = "1500";
	l[IDOC_L_UNIT_PRICE] = "";
	cr_assert_eq(invoicedoc_add_line(&d, l, err, sizeof(err)), 0);
	l[IDOC_L_UNIT_PRICE] = "10000";
	l[IDOC_L_TAX_BP] = NULL;
	cr_assert_eq(invoicedoc_add_line(&d, l, err, sizeof(err)), 0);
	l[IDOC_L_TAX_BP] = "825";
	l[IDOC_L_AMOUNT] = "15000x";
	cr_assert_eq(invoicedoc_add_line(&d, l, err, sizeof(err)), 0);
	l[IDOC_L_AMOUNT] = "15000";
	l[IDOC_L_TAX] = "99999999999999999999";
	cr_assert_eq(invoicedoc_add_line(&d, l, err, sizeof(err)), 0);
	cr_assert_str_eq(err, "bad invoice line");
	cr_assert_eq(d.nlines, 1);
	invoicedoc_free(&d);
	cr_assert_null(d.lines);
	cr_assert_eq(d.nlines, 0);

	doc_row(v, "XYZ", "18788", "5000");
	invoicedoc_init(&d);
	cr_assert_eq(invoicedoc_set(&d, v, err, sizeof(err)), 0);
	cr_assert_str_eq(err, "invoice INV-1: bad row");
	invoicedoc_free(&d);

	doc_row(v, "USD", "187.88", "5000");
	invoicedoc_init(&d);
	cr_assert_eq(invoicedoc_set(&d, v, err, sizeof(err)), 0);
	cr_assert_str_eq(err, "invoice INV-1: bad row");
	invoicedoc_free(&d);

	doc_row(v, "USD", "18788", NULL);
	invoicedoc_init(&d);
	cr_assert_eq(invoicedoc_set(&d, v, err, sizeof(err)), 0);
	cr_assert_str_eq(err, "invoice INV-1: bad row");
	invoicedoc_free(&d);

	doc_row(v, "USD", "18788", "0");
	v[IDOC_SUBTOTAL] = "";
	invoicedoc_init(&d);
	cr_assert_eq(invoicedoc_set(&d, v, err, sizeof(err)), 0);
	cr_assert_str_eq(err, "invoice INV-1: bad row");
	invoicedoc_free(&d);
	no_leaks();
}

Test(invoicedoc, context)
{
	struct invoicedoc	 d;
	struct mustache_set	*set;
	struct mustache_value	*ctx;
	struct strbuf		 out;
	const char		*v[IDOC_NCOLS];
	const char		*l[IDOC_L_NCOLS] = {
		"Consulting", "1500", "10000", "825", "15000", "1238"
	};
	const char		*l2[IDOC_L_NCOLS] = {
		"Widget <small>", "1000", "2550", "0", "2550", "0"
	};
	const char		*tmpl;
	char			 err[256];

	tmpl = "{{business}}|{{customer_ref}}|{{base}}|{{#invoice}}{{number}} "
	    "{{issue_date}} {{due_date}} {{currency}} {{subtotal}} {{tax}} "
	    "{{total}} {{paid}} {{open}}{{#is_paid}} paid{{/is_paid}}"
	    "{{#overdue}} overdue{{/overdue}}{{#credit}} credit{{/credit}}|"
	    "{{#lines}}{{description}} {{quantity}} {{unit_price}} "
	    "{{tax_rate}} {{amount}} {{tax}};{{/lines}}{{/invoice}}";
	set = mustache_set_new();
	cr_assert_eq(mustache_set_add(set, "t", tmpl, strlen(tmpl), err,
	    sizeof(err)), 1, "%s", err);

	invoicedoc_init(&d);
	doc_row(v, "USD", "18788", "5000");
	cr_assert_eq(invoicedoc_set(&d, v, err, sizeof(err)), 1, "%s", err);
	cr_assert_eq(invoicedoc_add_line(&d, l, err, sizeof(err)), 1);
	cr_assert_eq(invoicedoc_add_line(&d, l2, err, sizeof(err)), 1);
	ctx = invoicedoc_context(&d, BASE);
	strbuf_init(&out);
	cr_assert_eq(mustache_render(set, "t", ctx, &out, err, sizeof(err)),
	    1, "%s", err);
	cr_assert_str_eq(strbuf_cstr(&out), "Widgets Ltd|C-1001|/pay/p1.k1.tok|"
	    "INV-1 Jan 1, 2026 Jan 31, 2026 USD $175.50 $12.38 $187.88 $50.00 "
	    "$137.88 overdue|Consulting 1.5 $100.00 8.25% $150.00 $12.38;"
	    "Widget &lt;small&gt; 1 $25.50 0% $25.50 $0.00;");
	strbuf_free(&out);
	mustache_value_free(ctx);
	invoicedoc_free(&d);

	/* Paid in full: not overdue any more; a credit note. */
	invoicedoc_init(&d);
	doc_row(v, "USD", "18788", "18788");
	v[IDOC_KIND] = "credit_note";
	cr_assert_eq(invoicedoc_set(&d, v, err, sizeof(err)), 1, "%s", err);
	ctx = invoicedoc_context(&d, BASE);
	strbuf_init(&out);
	cr_assert_eq(mustache_render(set, "t", ctx, &out, err, sizeof(err)),
	    1, "%s", err);
	cr_assert_str_eq(strbuf_cstr(&out), "Widgets Ltd|C-1001|/pay/p1.k1.tok|"
	    "INV-1 Jan 1, 2026 Jan 31, 2026 USD $175.50 $12.38 $187.88 "
	    "$187.88 $0.00 paid credit|");
	strbuf_free(&out);
	mustache_value_free(ctx);
	invoicedoc_free(&d);
	mustache_set_free(set);
	no_leaks();
}
