/*
 * The printable invoice. Quantities are thousandths and tax rates basis
 * points, both shown as decimals without floating point.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "invoicedoc.h"
#include "payview.h"

static int	invoicedoc_decimal(int64_t, int, char *, size_t);

void
invoicedoc_init(struct invoicedoc *d)
{
	memset(d, 0, sizeof(*d));
}

void
invoicedoc_free(struct invoicedoc *d)
{
	size_t		i;

	for (i = 0; i < IDOC_NCOLS; i++)
		free(d->text[i]);
	for (i = 0; i < d->nlines; i++)
		free(d->lines[i].description);
	free(d->lines);
	memset(d, 0, sizeof(*d));
}

int
invoicedoc_set(struct invoicedoc *d, const char *const *v, char *err,
    size_t errlen)
{
	size_t		i;

	for (i = 0; i < IDOC_NCOLS; i++) {
		if ((d->text[i] = strdup(v[i] ? v[i] : "")) == NULL) {
			snprintf(err, errlen, "out of memory");
			return (0);
		}
	}
	if ((d->currency = money_currency(v[IDOC_CURRENCY])) == NULL ||
	    !payview_int64(v[IDOC_SUBTOTAL], &d->subtotal) ||
	    !payview_int64(v[IDOC_TAX], &d->tax) ||
	    !payview_int64(v[IDOC_TOTAL], &d->total) ||
	    !payview_int64(v[IDOC_PAID], &d->paid)) {
		snprintf(err, errlen, "invoice %s: bad row", v[IDOC_NUMBER]);
		return (0);
	}
	return (1);
}

int
invoicedoc_add_line(struct invoicedoc *d, const char *const *v, char *err,
    size_t errlen)
{
	struct invoicedoc_line	*l, *n;

	if (d->nlines == INVOICEDOC_MAX_LINES) {
		snprintf(err, errlen, "more than %d lines",
		    INVOICEDOC_MAX_LINES);
		return (0);
	}
	if ((n = realloc(d->lines, (d->nlines + 1) * sizeof(*n))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return (0);
	}
	d->lines = n;
	l = &d->lines[d->nlines];
	memset(l, 0, sizeof(*l));
	if (!payview_int64(v[IDOC_L_QUANTITY], &l->quantity_milli) ||
	    !payview_int64(v[IDOC_L_UNIT_PRICE], &l->unit_price) ||
	    !payview_int64(v[IDOC_L_TAX_BP], &l->tax_bp) ||
	    !payview_int64(v[IDOC_L_AMOUNT], &l->amount) ||
	    !payview_int64(v[IDOC_L_TAX], &l->tax)) {
		snprintf(err, errlen, "bad invoice line");
		return (0);
	}
	if ((l->description = strdup(v[IDOC_L_DESCRIPTION])) == NULL) {
		snprintf(err, errlen, "out of memory");
		return (0);
	}
	d->nlines++;
	return (1);
}

/* value / 10^digits with trailing zeros dropped: 1500,3 is "1.5". */
static int
invoicedoc_decimal(int64_t value, int digits, char *buf, size_t len)
{
	int64_t		 scale, whole, frac;
	int		 i, n;

	if (value < 0)
		return (0);
	for (scale = 1, i = 0; i < digits; i++)
		scale *= 10;
	whole = value / scale;
	frac = value % scale;
	if (frac == 0)
		n = snprintf(buf, len, "%lld", (long long)whole);
	else {
		while (frac % 10 == 0) {
			frac /= 10;
			digits--;
		}
		n = snprintf(buf, len, "%lld.%0*lld", (long long)whole, digits,
		    (long long)frac);
	}
	return (n > 0 && (size_t)n < len);
}

int
invoicedoc_quantity(int64_t milli, char *buf, size_t len)
{
	return (invoicedoc_decimal(milli, 3, buf, len));
}

int
invoicedoc_percent(int64_t bp, char *buf, size_t len)
{
	size_t		n;

	if (!invoicedoc_decimal(bp, 2, buf, len))
		return (0);
	n = strlen(buf);
	if (n + 2 > len)
		return (0);
	buf[n] = '%';
	buf[n + 1] = '\0';
	return (1);
}

struct mustache_value *
invoicedoc_context(const struct invoicedoc *d, const char *base)
{
	struct mustache_value		*ctx, *inv, *lines, *item;
	const struct invoicedoc_line	*l;
	char				 buf[64];
	size_t				 i;

	ctx = mustache_map();
	mustache_set_str(ctx, "business", d->text[IDOC_BUSINESS]);
	mustache_set_str(ctx, "business_address",
	    d->text[IDOC_BUSINESS_ADDRESS]);
	mustache_set_str(ctx, "business_email", d->text[IDOC_BUSINESS_EMAIL]);
	mustache_set_str(ctx, "business_phone", d->text[IDOC_BUSINESS_PHONE]);
	mustache_set_str(ctx, "customer", d->text[IDOC_CUSTOMER]);
	mustache_set_str(ctx, "customer_ref", d->text[IDOC_CUSTOMER_REF]);
	mustache_set_str(ctx, "customer_email", d->text[IDOC_CUSTOMER_EMAIL]);
	mustache_set_str(ctx, "base", base);

	inv = mustache_set(ctx, "invoice", mustache_map());
	mustache_set_str(inv, "number", d->text[IDOC_NUMBER]);
	mustache_set_bool(inv, "credit", !strcmp(d->text[IDOC_KIND],
	    "credit_note"));
	if (payview_date(d->text[IDOC_ISSUE], buf, sizeof(buf)))
		mustache_set_str(inv, "issue_date", buf);
	if (payview_date(d->text[IDOC_DUE], buf, sizeof(buf)))
		mustache_set_str(inv, "due_date", buf);
	mustache_set_str(inv, "memo", d->text[IDOC_MEMO]);
	mustache_set_str(inv, "currency", d->currency->code);
	payview_money(inv, "subtotal", d->subtotal, d->currency);
	payview_money(inv, "tax", d->tax, d->currency);
	payview_money(inv, "total", d->total, d->currency);
	payview_money(inv, "paid", d->paid, d->currency);
	payview_money(inv, "open", d->total - d->paid, d->currency);
	mustache_set_bool(inv, "is_paid", d->paid >= d->total);
	mustache_set_bool(inv, "overdue", !strcmp(d->text[IDOC_OVERDUE], "t") &&
	    d->paid < d->total);

	lines = mustache_set(inv, "lines", mustache_list());
	for (i = 0; i < d->nlines; i++) {
		l = &d->lines[i];
		item = mustache_push(lines, mustache_map());
		mustache_set_str(item, "description", l->description);
		if (invoicedoc_quantity(l->quantity_milli, buf, sizeof(buf)))
			mustache_set_str(item, "quantity", buf);
		if (invoicedoc_percent(l->tax_bp, buf, sizeof(buf)))
			mustache_set_str(item, "tax_rate", buf);
		payview_money(item, "unit_price", l->unit_price,
		    d->currency);
		payview_money(item, "amount", l->amount, d->currency);
		payview_money(item, "tax", l->tax, d->currency);
	}
	return (ctx);
}
