/*
 * The payment page and the printable receipt. The receipt shows the card
 * brand and last four digits as the gateway reported them, never more,
 * and the refunds of the payment with what is left of it.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "payview.h"
#include "receipt.h"

static int	receipt_add_refund(struct receipt_view *, const char *const *,
		    char *, size_t);

void
receipt_init(struct receipt_view *r)
{
	memset(r, 0, sizeof(*r));
}

void
receipt_free(struct receipt_view *r)
{
	size_t		i;

	for (i = 0; i < RCPT_NCOLS; i++)
		free(r->text[i]);
	for (i = 0; i < r->nlines; i++)
		free(r->lines[i].invoice);
	free(r->lines);
	for (i = 0; i < r->nrefunds; i++)
		free(r->refunds[i].at);
	free(r->refunds);
	memset(r, 0, sizeof(*r));
}

/*
 * The first row carries the attempt; every row one invoice it pays, or
 * one refund of it.
 */
int
receipt_add_row(struct receipt_view *r, const char *const *v, char *err,
    size_t errlen)
{
	struct receipt_line	*n;
	size_t			 i;

	if (r->text[0] == NULL) {
		for (i = 0; i < RCPT_NCOLS; i++) {
			if ((r->text[i] = strdup(v[i] ? v[i] : "")) == NULL) {
				snprintf(err, errlen, "out of memory");
				return (0);
			}
		}
		if ((r->currency = money_currency(v[RCPT_CURRENCY])) == NULL ||
		    !payview_int64(v[RCPT_AMOUNT], &r->amount) ||
		    !payview_int64(v[RCPT_FEE], &r->fee) ||
		    !payview_int64(v[RCPT_TOTAL], &r->total)) {
			snprintf(err, errlen, "bad payment row");
			return (0);
		}
	}
	if (v[RCPT_INVOICE] == NULL && v[RCPT_REFUND_AT] != NULL)
		return (receipt_add_refund(r, v, err, errlen));
	if (r->nlines == RECEIPT_MAX_LINES) {
		snprintf(err, errlen, "more than %d invoices", RECEIPT_MAX_LINES);
		return (0);
	}
	if ((n = realloc(r->lines, (r->nlines + 1) * sizeof(*n))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return (0);
	}
	r->lines = n;
	n = &r->lines[r->nlines];
	if (!payview_int64(v[RCPT_ALLOCATED], &n->amount) ||
	    (n->invoice = strdup(v[RCPT_INVOICE] ? v[RCPT_INVOICE] : "")) ==
	    NULL) {
		snprintf(err, errlen, "bad payment line");
		return (0);
	}
	r->nlines++;
	return (1);
}

static int
receipt_add_refund(struct receipt_view *r, const char *const *v, char *err,
    size_t errlen)
{
	struct receipt_refund	*n;
	int64_t			 sum;

	if (r->nrefunds == RECEIPT_MAX_LINES) {
		snprintf(err, errlen, "more than %d refunds",
		    RECEIPT_MAX_LINES);
		return (0);
	}
	if ((n = realloc(r->refunds, (r->nrefunds + 1) * sizeof(*n))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return (0);
	}
	r->refunds = n;
	n = &r->refunds[r->nrefunds];
	if (v[RCPT_REFUND_STATE] == NULL ||
	    !payview_int64(v[RCPT_REFUND_AMOUNT], &n->amount) ||
	    n->amount <= 0 || (n->at = strdup(v[RCPT_REFUND_AT])) == NULL) {
		snprintf(err, errlen, "bad refund row");
		return (0);
	}
	n->pending = strcmp(v[RCPT_REFUND_STATE], "succeeded") != 0;
	r->nrefunds++;
	if (!n->pending) {
		if (!money_add(r->refunded, n->amount, &sum) ||
		    sum > r->total) {
			snprintf(err, errlen, "refunds above the total");
			return (0);
		}
		r->refunded = sum;
	}
	return (1);
}

/*
 * base is "/pay/<token>"; attempt the attempt id; layout "a4" or
 * "thermal" for the printable receipt.
 */
struct mustache_value *
receipt_context(const struct receipt_view *r, const char *base,
    const char *attempt, const char *layout)
{
	struct mustache_value	*ctx, *lines, *item;
	const char		*state, *brand;
	size_t			 i;

	ctx = mustache_map();
	state = r->text[RCPT_STATE];
	mustache_set_str(ctx, "base", base);
	mustache_set_str(ctx, "attempt", attempt);
	mustache_set_str(ctx, "business", r->text[RCPT_BUSINESS]);
	mustache_set_str(ctx, "business_address",
	    r->text[RCPT_BUSINESS_ADDRESS]);
	mustache_set_str(ctx, "business_email", r->text[RCPT_BUSINESS_EMAIL]);
	mustache_set_str(ctx, "customer", r->text[RCPT_CUSTOMER]);
	mustache_set_bool(ctx, "succeeded", !strcmp(state, "succeeded"));
	mustache_set_bool(ctx, "failed", !strcmp(state, "failed"));
	mustache_set_bool(ctx, "pending", !strcmp(state, "pending"));
	mustache_set_str(ctx, "failure", r->text[RCPT_FAILURE]);
	mustache_set_str(ctx, "receipt", r->text[RCPT_NUMBER]);
	mustache_set_str(ctx, "paid_at", r->text[RCPT_PAID_AT]);
	mustache_set_str(ctx, "gateway_ref", r->text[RCPT_GATEWAY_REF]);
	mustache_set_str(ctx, "currency", r->currency->code);
	payview_money(ctx, "amount", r->amount, r->currency);
	payview_money(ctx, "fee", r->fee, r->currency);
	payview_money(ctx, "total", r->total, r->currency);
	mustache_set_bool(ctx, "has_fee", r->fee > 0);

	/* The gateway names brands in lower case: "visa", "mastercard". */
	brand = r->text[RCPT_BRAND];
	if (!strcmp(r->text[RCPT_METHOD], "card") && brand[0] != '\0') {
		mustache_set_strf(ctx, "method", "%c%s card",
		    toupper((unsigned char)brand[0]), brand + 1);
	} else if (!strcmp(r->text[RCPT_METHOD], "card"))
		mustache_set_str(ctx, "method", "Card");
	else
		mustache_set_str(ctx, "method", "Bank account");
	mustache_set_str(ctx, "last4", r->text[RCPT_LAST4]);
	mustache_set_bool(ctx, "thermal", !strcmp(layout, "thermal"));
	mustache_set_str(ctx, "layout", layout);

	lines = mustache_set(ctx, "lines", mustache_list());
	for (i = 0; i < r->nlines; i++) {
		item = mustache_push(lines, mustache_map());
		mustache_set_str(item, "invoice", r->lines[i].invoice);
		payview_money(item, "amount", r->lines[i].amount, r->currency);
	}

	mustache_set_bool(ctx, "has_refunds", r->nrefunds > 0);
	lines = mustache_set(ctx, "refunds", mustache_list());
	for (i = 0; i < r->nrefunds; i++) {
		item = mustache_push(lines, mustache_map());
		mustache_set_str(item, "at", r->refunds[i].at);
		payview_money(item, "amount", r->refunds[i].amount,
		    r->currency);
		mustache_set_bool(item, "pending", r->refunds[i].pending);
	}
	payview_money(ctx, "refunded", r->refunded, r->currency);
	payview_money(ctx, "net", r->total - r->refunded, r->currency);
	mustache_set_bool(ctx, "fully_refunded", r->refunded > 0 &&
	    r->refunded == r->total);
	mustache_set_bool(ctx, "partly_refunded", r->refunded > 0 &&
	    r->refunded < r->total);
	return (ctx);
}
