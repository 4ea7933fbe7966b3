/*
 * Tests for src/receipt.c: payment_receipt rows into the receipt, its
 * refunds and what is left of the payment, as the templates see them.
 */
#include <criterion/criterion.h>

#include <stdio.h>
#include <string.h>

#include "mustache.h"
#include "receipt.h"

/* See test_conf.c: a leak must fail the test that caused it. */
#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/lsan_interface.h>
#define leaks()		__lsan_do_recoverable_leak_check()
#else
#define leaks()		0
#endif

/* What the receipt template shows of the refunds. */
#define SUMMARY	"{{receipt}} {{total}}|{{#refunds}}" \
		"{{#pending}}~{{/pending}}{{at}} {{amount}};{{/refunds}}|" \
		"{{refunded}} {{net}}|" \
		"{{#has_refunds}}R{{/has_refunds}}" \
		"{{#fully_refunded}}F{{/fully_refunded}}" \
		"{{#partly_refunded}}P{{/partly_refunded}}"

static void	row(struct receipt_view *, const char *, const char *,
		    const char *, const char *, const char *, int);
static void	summary_is(const struct receipt_view *, const char *);

/* A row of R2026-000001, $154.65 by card: an invoice, or a refund. */
static void
row(struct receipt_view *r, const char *invoice, const char *allocated,
    const char *refund_at, const char *refund_amount, const char *state,
    int ok)
{
	const char	*v[RCPT_NCOLS];
	char		 err[128];

	memset(v, 0, sizeof(v));
	v[RCPT_STATE] = "succeeded";
	v[RCPT_CURRENCY] = "USD";
	v[RCPT_AMOUNT] = "15000";
	v[RCPT_FEE] = "465";
	v[RCPT_TOTAL] = "15465";
	v[RCPT_METHOD] = "card";
	v[RCPT_BRAND] = "visa";
	v[RCPT_LAST4] = "4242";
	v[RCPT_NUMBER] = "R2026-000001";
	v[RCPT_PAID_AT] = "Nov 30, 2026 00:23";
	v[RCPT_CUSTOMER] = "Refund Co";
	v[RCPT_BUSINESS] = "Harbor Street Hardware";
	v[RCPT_GATEWAY_REF] = "pi_abc";
	v[RCPT_INVOICE] = invoice;
	v[RCPT_ALLOCATED] = allocated;
	v[RCPT_REFUND_AT] = refund_at;
	v[RCPT_REFUND_AMOUNT] = refund_amount;
	v[RCPT_REFUND_STATE] = state;
	err[0] = '\0';
	cr_assert_eq(receipt_add_row(r, v, err, sizeof(err)), ok, "%s", err);
}

static void
summary_is(const struct receipt_view *r, const char *want)
{
	struct mustache_set	*set;
	struct mustache_value	*ctx;
	struct strbuf		 out;
	char			 err[128];

	set = mustache_set_new();
	cr_assert_eq(mustache_set_add(set, "t", SUMMARY, strlen(SUMMARY), err,
	    sizeof(err)), 1, "%s", err);
	ctx = receipt_context(r, "/pay/x", "a", "a4");
	strbuf_init(&out);
	cr_assert_eq(mustache_render(set, "t", ctx, &out, err, sizeof(err)), 1,
	    "%s", err);
	cr_assert_str_eq(strbuf_cstr(&out), want);
	strbuf_free(&out);
	mustache_value_free(ctx);
	mustache_set_free(set);
}

Test(receipt, no_refunds)
{
	struct receipt_view	 r;

	receipt_init(&r);
	row(&r, "RF-1", "10000", NULL, NULL, NULL, 1);
	row(&r, "RF-2", "5000", NULL, NULL, NULL, 1);
	cr_assert_eq(r.nlines, 2);
	cr_assert_eq(r.nrefunds, 0);
	summary_is(&r, "R2026-000001 $154.65||$0.00 $154.65|");
	receipt_free(&r);
	cr_assert_eq(leaks(), 0);
}

Test(receipt, refunds_done_and_under_way)
{
	struct receipt_view	 r;

	receipt_init(&r);
	row(&r, "RF-1", "10000", NULL, NULL, NULL, 1);
	row(&r, "RF-2", "5000", NULL, NULL, NULL, 1);
	row(&r, NULL, NULL, "Nov 30, 2026", "2500", "succeeded", 1);
	row(&r, NULL, NULL, "Dec 1, 2026", "1000", "pending", 1);
	cr_assert_eq(r.nlines, 2);
	cr_assert_eq(r.nrefunds, 2);
	cr_assert_eq(r.refunded, 2500);
	/* Only a refund that is done counts against what was paid. */
	summary_is(&r, "R2026-000001 $154.65|Nov 30, 2026 $25.00;"
	    "~Dec 1, 2026 $10.00;|$25.00 $129.65|RP");
	receipt_free(&r);
	cr_assert_eq(leaks(), 0);
}

Test(receipt, refunded_in_full)
{
	struct receipt_view	 r;

	receipt_init(&r);
	row(&r, "RF-1", "15000", NULL, NULL, NULL, 1);
	row(&r, NULL, NULL, "Nov 30, 2026", "2500", "succeeded", 1);
	row(&r, NULL, NULL, "Dec 1, 2026", "12965", "succeeded", 1);
	summary_is(&r, "R2026-000001 $154.65|Nov 30, 2026 $25.00;"
	    "Dec 1, 2026 $129.65;|$154.65 $0.00|RF");
	receipt_free(&r);
	cr_assert_eq(leaks(), 0);
}

Test(receipt, bad_refund_rows)
{
	struct receipt_view	 r;

	receipt_init(&r);
	row(&r, "RF-1", "15000", NULL, NULL, NULL, 1);
	row(&r, NULL, NULL, "Nov 30, 2026", "x", "succeeded", 0);
	receipt_free(&r);

	receipt_init(&r);
	row(&r, "RF-1", "15000", NULL, NULL, NULL, 1);
	row(&r, NULL, NULL, "Nov 30, 2026", "0", "succeeded", 0);
	receipt_free(&r);

	receipt_init(&r);
	row(&r, "RF-1", "15000", NULL, NULL, NULL, 1);
	row(&r, NULL, NULL, "Nov 30, 2026", "100", NULL, 0);
	receipt_free(&r);

	/* More given back than was charged is not a receipt to show. */
	receipt_init(&r);
	row(&r, "RF-1", "15000", NULL, NULL, NULL, 1);
	row(&r, NULL, NULL, "Nov 30, 2026", "15000", "succeeded", 1);
	row(&r, NULL, NULL, "Nov 30, 2026", "466", "succeeded", 0);
	receipt_free(&r);
	cr_assert_eq(leaks(), 0);
}
