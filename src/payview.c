/*
 * The customer's view of a pay link and the checks on what they selected.
 * The server recomputes every amount here; nothing the browser says about
 * totals is believed.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "payview.h"

#define PAYVIEW_MAX_CURRENCIES	8

struct payview_total {
	const struct currency	*currency;
	int64_t			 due;
};

static int	payview_valid_date(const char *);
static int	payview_number_like(const char *);
static char	*payview_strdup(const char *);
static struct pay_invoice	*payview_find(struct pay_view *, const char *);
static const char	*payview_method_label(const char *);
static int	payview_select_fixed(struct pay_view *);
static void	payview_error(struct pay_view *, struct pay_invoice *,
		    const char *, ...) __attribute__((format(printf, 3, 4)));
static size_t	payview_totals(const struct pay_view *,
		    struct payview_total *, size_t);

void
payview_init(struct pay_view *v)
{
	memset(v, 0, sizeof(*v));
}

void
payview_free(struct pay_view *v)
{
	size_t		i;

	for (i = 0; i < v->ninv; i++) {
		free(v->inv[i].number);
		free(v->inv[i].input);
		free(v->inv[i].error);
	}
	free(v->inv);
	free(v->business);
	free(v->customer);
	free(v->form_error);
	memset(v, 0, sizeof(*v));
}

static char *
payview_strdup(const char *s)
{
	return (strdup(s == NULL ? "" : s));
}

/* A bigint column as text; strict, so a schema change cannot slip by. */
int
payview_int64(const char *s, int64_t *out)
{
	char		*end;
	long long	 n;

	if (s == NULL || *s == '\0')
		return (0);
	errno = 0;
	n = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0')
		return (0);
	*out = n;
	return (1);
}

static int
payview_valid_date(const char *s)
{
	int	i;

	if (s == NULL || strlen(s) != 10)
		return (0);
	for (i = 0; i < 10; i++) {
		if (i == 4 || i == 7) {
			if (s[i] != '-')
				return (0);
		} else if (s[i] < '0' || s[i] > '9')
			return (0);
	}
	return (1);
}

static int
payview_number_like(const char *s)
{
	size_t		i;

	for (i = 0; s[i] != '\0'; i++) {
		if (i == 40 || (!isalnum((unsigned char)s[i]) &&
		    s[i] != '.' && s[i] != '_' && s[i] != '-'))
			return (0);
	}
	return (i > 0);
}

/* The link row: state, partial payments, fixed amount, names. */
int
payview_set_link(struct pay_view *v, const char *state, const char *partial,
    const char *fixed, const char *customer, const char *business,
    char *err, size_t errlen)
{
	if (!strcmp(state, "ok"))
		v->state = PAYVIEW_OK;
	else if (!strcmp(state, "revoked"))
		v->state = PAYVIEW_REVOKED;
	else if (!strcmp(state, "expired"))
		v->state = PAYVIEW_EXPIRED;
	else {
		snprintf(err, errlen, "unknown link state '%s'", state);
		return (0);
	}
	v->allow_partial = (partial != NULL && !strcmp(partial, "t"));
	v->fixed_amount = 0;
	if (fixed != NULL && *fixed != '\0' &&
	    (!payview_int64(fixed, &v->fixed_amount) || v->fixed_amount <= 0 ||
	    v->fixed_amount > PAYVIEW_MAX_AMOUNT)) {
		snprintf(err, errlen, "bad fixed amount '%s'", fixed);
		return (0);
	}
	free(v->customer);
	free(v->business);
	v->customer = payview_strdup(customer);
	v->business = payview_strdup(business);
	if (v->customer == NULL || v->business == NULL) {
		snprintf(err, errlen, "out of memory");
		return (0);
	}
	return (1);
}

int
payview_add_invoice(struct pay_view *v, const char *number, const char *kind,
    const char *currency, const char *issue, const char *due,
    const char *total, const char *paid, const char *overdue,
    char *err, size_t errlen)
{
	struct pay_invoice	*inv, *n;
	size_t			 ncap;

	if (v->ninv == PAYVIEW_MAX_INVOICES) {
		snprintf(err, errlen, "more than %d open invoices",
		    PAYVIEW_MAX_INVOICES);
		return (0);
	}
	if (v->ninv == v->cap) {
		ncap = v->cap ? v->cap * 2 : 16;
		if ((n = realloc(v->inv, ncap * sizeof(*n))) == NULL) {
			snprintf(err, errlen, "out of memory");
			return (0);
		}
		v->inv = n;
		v->cap = ncap;
	}
	inv = &v->inv[v->ninv];
	memset(inv, 0, sizeof(*inv));
	if ((inv->currency = money_currency(currency)) == NULL) {
		snprintf(err, errlen, "invoice %s: unknown currency '%s'",
		    number, currency);
		return (0);
	}
	if (!payview_valid_date(issue) || !payview_valid_date(due) ||
	    !payview_int64(total, &inv->total) ||
	    !payview_int64(paid, &inv->paid) ||
	    inv->total > PAYVIEW_MAX_AMOUNT ||
	    inv->paid < 0 || inv->paid >= inv->total) {
		snprintf(err, errlen, "invoice %s: bad row", number);
		return (0);
	}
	memcpy(inv->issue_date, issue, 11);
	memcpy(inv->due_date, due, 11);
	inv->credit = !strcmp(kind, "credit_note");
	inv->overdue = !inv->credit && !strcmp(overdue, "t");
	if ((inv->number = strdup(number)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return (0);
	}
	v->ninv++;
	return (1);
}

/* A fee_rules row: method, currency, percent_bp, fixed, min_fee, max_fee. */
int
payview_add_fee(struct pay_view *v, const char *method, const char *currency,
    const char *bp, const char *fixed, const char *min, const char *max,
    char *err, size_t errlen)
{
	struct pay_fee	*f;
	int64_t		 n;

	if (v->nfees == PAYVIEW_MAX_FEES) {
		snprintf(err, errlen, "more than %d fee rules", PAYVIEW_MAX_FEES);
		return (0);
	}
	f = &v->fees[v->nfees];
	memset(f, 0, sizeof(*f));
	if (payview_method_label(method) == NULL ||
	    (f->currency = money_currency(currency)) == NULL ||
	    !payview_int64(bp, &n) || n < 0 || n > 10000 ||
	    !payview_int64(fixed, &f->fixed) || f->fixed < 0) {
		snprintf(err, errlen, "bad fee rule for %s %s", method, currency);
		return (0);
	}
	f->percent_bp = (int32_t)n;
	f->min = -1;
	f->max = -1;
	if ((min != NULL && !payview_int64(min, &f->min)) ||
	    (max != NULL && !payview_int64(max, &f->max))) {
		snprintf(err, errlen, "bad fee bounds for %s %s", method,
		    currency);
		return (0);
	}
	(void)snprintf(f->method, sizeof(f->method), "%s", method);
	v->nfees++;
	return (1);
}

static const char *
payview_method_label(const char *method)
{
	if (!strcmp(method, "card"))
		return ("Card");
	if (!strcmp(method, "bank_account"))
		return ("Bank account (ACH)");
	return (NULL);
}

static struct pay_invoice *
payview_find(struct pay_view *v, const char *number)
{
	size_t		i;

	for (i = 0; i < v->ninv; i++) {
		if (!v->inv[i].credit && !strcmp(v->inv[i].number, number))
			return (&v->inv[i]);
	}
	return (NULL);
}

static void
payview_error(struct pay_view *v, struct pay_invoice *inv,
    const char *fmt, ...)
{
	va_list		 ap;
	char		 msg[512];
	char		**slot;

	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);

	slot = inv != NULL ? &inv->error : &v->form_error;
	if (*slot != NULL)
		return;
	*slot = strdup(msg);
	v->nerrors++;
}

/* A fixed-amount link pays its amount into its invoices, oldest first. */
static int
payview_select_fixed(struct pay_view *v)
{
	struct pay_invoice	*inv;
	int64_t			 left;
	size_t			 i;

	left = v->fixed_amount;
	for (i = 0; i < v->ninv && left > 0; i++) {
		inv = &v->inv[i];
		if (inv->credit)
			continue;
		if (v->pay_currency != NULL &&
		    v->pay_currency != inv->currency)
			continue;
		v->pay_currency = inv->currency;
		inv->selected = 1;
		inv->amount = inv->total - inv->paid;
		if (inv->amount > left)
			inv->amount = left;
		left -= inv->amount;
		v->pay_total += inv->amount;
		v->nselected++;
	}
	if (v->nselected == 0)
		payview_error(v, NULL, "Nothing is left to pay on this link.");
	return (v->nerrors == 0);
}

/*
 * Checks the posted form against the view: every selected invoice is one of
 * the link's open invoices, every amount is a valid amount of its currency,
 * above zero and not above what is open, and one payment has one currency.
 * Returns 1 when the selection can be paid; errors are kept per field.
 */
int
payview_select(struct pay_view *v, const struct form *f)
{
	struct pay_invoice	*inv;
	const struct currency	*other;
	const char		*val;
	char			 name[FORM_MAX_NAME + 16], why[160];
	char			 open[MONEY_FORMAT_MAX];
	int64_t			 amount, total;
	size_t			 i;

	v->reviewed = 1;
	if (v->state != PAYVIEW_OK) {
		payview_error(v, NULL, "This link can no longer be used.");
		return (0);
	}
	if (v->fixed_amount > 0)
		return (payview_select_fixed(v));

	for (i = 0; i < f->nfields; i++) {
		if (strcmp(f->fields[i].name, "pay"))
			continue;
		if ((inv = payview_find(v, f->fields[i].value)) == NULL) {
			/* Echo only what could be an invoice number. */
			if (payview_number_like(f->fields[i].value))
				payview_error(v, NULL, "Invoice \"%s\" is not "
				    "open for payment on this link.",
				    f->fields[i].value);
			else
				payview_error(v, NULL, "An invoice you selected "
				    "is not open for payment on this link.");
			continue;
		}
		inv->selected = 1;
	}

	other = NULL;
	total = 0;
	for (i = 0; i < v->ninv; i++) {
		inv = &v->inv[i];
		if (!inv->selected)
			continue;
		v->nselected++;
		if (v->pay_currency == NULL)
			v->pay_currency = inv->currency;
		else if (v->pay_currency != inv->currency)
			other = inv->currency;

		(void)snprintf(name, sizeof(name), "amount-%s", inv->number);
		val = form_get(f, name);
		if (val != NULL && (inv->input = strdup(val)) == NULL) {
			payview_error(v, inv, "Out of memory.");
			continue;
		}
		amount = inv->total - inv->paid;
		(void)money_format(amount, inv->currency, open, sizeof(open));
		if (v->allow_partial && val != NULL) {
			if (!money_parse(val, strlen(val), inv->currency,
			    &amount, why, sizeof(why))) {
				payview_error(v, inv, "Amount for %s %s.",
				    inv->number, why);
				continue;
			}
			if (amount == 0) {
				payview_error(v, inv, "Amount for %s must be "
				    "more than zero.", inv->number);
				continue;
			}
			if (amount > inv->total - inv->paid) {
				payview_error(v, inv, "Amount for %s is more "
				    "than the %s still open.", inv->number,
				    open);
				continue;
			}
		}
		inv->amount = amount;
		if (!money_add(total, amount, &total)) {
			payview_error(v, inv, "Amount for %s is too large.",
			    inv->number);
			continue;
		}
	}

	if (v->nselected == 0)
		payview_error(v, NULL, "Select at least one invoice to pay.");
	if (other != NULL) {
		payview_error(v, NULL, "Invoices in %s and %s must be paid "
		    "separately: select invoices of one currency.",
		    v->pay_currency->code, other->code);
	}
	v->pay_total = total;
	return (v->nerrors == 0);
}

/*
 * A refusal found later, under lock (payment_begin): field is
 * "amount-<number>" for one invoice, anything else for the whole form.
 */
void
payview_refuse(struct pay_view *v, const char *field, const char *message)
{
	size_t		i;

	v->reviewed = 1;
	if (field != NULL && strncmp(field, "amount-", 7) == 0) {
		for (i = 0; i < v->ninv; i++) {
			if (!strcmp(v->inv[i].number, field + 7)) {
				payview_error(v, &v->inv[i], "%s", message);
				return;
			}
		}
	}
	payview_error(v, NULL, "%s", message);
}

/* "2026-03-07" as "Mar 7, 2026": unambiguous in every locale. */
int
payview_date(const char *iso, char *buf, size_t len)
{
	static const char	*months[] = { "Jan", "Feb", "Mar", "Apr", "May",
				    "Jun", "Jul", "Aug", "Sep", "Oct", "Nov",
				    "Dec" };
	static const int	 mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31,
				    30, 31, 30, 31 };
	int			 y, m, d, n;

	if (!payview_valid_date(iso))
		return (0);
	y = (iso[0] - '0') * 1000 + (iso[1] - '0') * 100 +
	    (iso[2] - '0') * 10 + (iso[3] - '0');
	m = (iso[5] - '0') * 10 + (iso[6] - '0');
	d = (iso[8] - '0') * 10 + (iso[9] - '0');
	if (m < 1 || m > 12 || d < 1 || d > mdays[m - 1] + (m == 2 &&
	    y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)))
		return (0);
	n = snprintf(buf, len, "%s %d, %d", months[m - 1], d, y);
	return (n > 0 && (size_t)n < len);
}

void
payview_money(struct mustache_value *map, const char *key, int64_t amount,
    const struct currency *c)
{
	char		buf[MONEY_FORMAT_MAX];

	if (!money_format(amount, c, buf, sizeof(buf)))
		(void)snprintf(buf, sizeof(buf), "?");
	mustache_set_str(map, key, buf);
}

/* What is due per currency: open invoices less open credits. */
static size_t
payview_totals(const struct pay_view *v, struct payview_total *t, size_t max)
{
	const struct pay_invoice	*inv;
	size_t				 i, j, n;
	int64_t				 open;

	n = 0;
	for (i = 0; i < v->ninv; i++) {
		inv = &v->inv[i];
		for (j = 0; j < n; j++) {
			if (t[j].currency == inv->currency)
				break;
		}
		if (j == n) {
			if (n == max)
				continue;
			t[n].currency = inv->currency;
			t[n].due = 0;
			n++;
		}
		open = inv->total - inv->paid;
		if (inv->credit)
			open = -open;
		if (!money_add(t[j].due, open, &t[j].due))
			t[j].due = 0;
	}
	return (n);
}

/* Template data for the pay page and its review; base is "/pay/<token>". */
struct mustache_value *
payview_context(const struct pay_view *v, const char *base)
{
	struct mustache_value		*ctx, *list, *credits, *errors, *item;
	struct mustache_value		*lines, *summary;
	const struct pay_invoice	*inv;
	struct payview_total		 totals[PAYVIEW_MAX_CURRENCIES];
	char				 date[32], plain[MONEY_FORMAT_MAX];
	size_t				 i, ntotals, nopen;
	int64_t				 open;

	ctx = mustache_map();
	mustache_set_str(ctx, "business", v->business);
	mustache_set_str(ctx, "customer", v->customer);
	mustache_set_str(ctx, "base", base);
	mustache_set_bool(ctx, "allow_partial", v->allow_partial);

	list = mustache_set(ctx, "invoices", mustache_list());
	credits = mustache_set(ctx, "credits", mustache_list());
	nopen = 0;
	for (i = 0; i < v->ninv; i++) {
		inv = &v->inv[i];
		open = inv->total - inv->paid;
		item = mustache_push(inv->credit ? credits : list,
		    mustache_map());
		mustache_set_str(item, "number", inv->number);
		mustache_set_strf(item, "href", "%s/invoices/%s", base,
		    inv->number);
		if (payview_date(inv->issue_date, date, sizeof(date)))
			mustache_set_str(item, "issue_date", date);
		if (payview_date(inv->due_date, date, sizeof(date)))
			mustache_set_str(item, "due_date", date);
		mustache_set_str(item, "due_iso", inv->due_date);
		payview_money(item, "total", inv->total, inv->currency);
		payview_money(item, "open", open, inv->currency);
		mustache_set_str(item, "currency", inv->currency->code);
		mustache_set_str(item, "symbol", inv->currency->symbol != NULL ?
		    inv->currency->symbol : "");
		mustache_set_strf(item, "exponent", "%d",
		    inv->currency->exponent);
		if (inv->credit)
			continue;
		nopen++;

		(void)money_format_plain(open, inv->currency, plain,
		    sizeof(plain));
		mustache_set_str(item, "open_plain", plain);
		mustache_set_bool(item, "overdue", inv->overdue);
		mustache_set_bool(item, "partial", inv->paid > 0);
		mustache_set_bool(item, "plain_open",
		    !inv->overdue && inv->paid == 0);
		mustache_set_bool(item, "checked", inv->selected);
		/* Kept as typed, so a mistake can be corrected in place. */
		mustache_set_str(item, "amount",
		    inv->input != NULL ? inv->input : plain);
		if (inv->error != NULL)
			mustache_set_str(item, "error", inv->error);
	}
	mustache_set_strf(ctx, "open_count", "%zu", nopen);
	mustache_set_bool(ctx, "one_open", nopen == 1);
	mustache_set_bool(ctx, "has_open", nopen > 0);
	mustache_set_bool(ctx, "has_credits", v->ninv > nopen);

	list = mustache_set(ctx, "totals", mustache_list());
	ntotals = payview_totals(v, totals, PAYVIEW_MAX_CURRENCIES);
	mustache_set_bool(ctx, "has_totals", ntotals > 0);
	for (i = 0; i < ntotals; i++) {
		item = mustache_push(list, mustache_map());
		mustache_set_bool(item, "credit", totals[i].due < 0);
		payview_money(item, "amount", totals[i].due < 0 ?
		    -totals[i].due : totals[i].due, totals[i].currency);
		mustache_set_str(item, "currency", totals[i].currency->code);
	}

	/* The rules, so the page can preview each method's fee. */
	list = mustache_set(ctx, "fee_rules", mustache_list());
	for (i = 0; i < v->nfees; i++) {
		item = mustache_push(list, mustache_map());
		mustache_set_str(item, "method", v->fees[i].method);
		mustache_set_str(item, "label",
		    payview_method_label(v->fees[i].method));
		mustache_set_str(item, "currency", v->fees[i].currency->code);
		mustache_set_strf(item, "bp", "%d", (int)v->fees[i].percent_bp);
		mustache_set_strf(item, "fixed", "%lld",
		    (long long)v->fees[i].fixed);
		mustache_set_strf(item, "min", "%lld", (long long)v->fees[i].min);
		mustache_set_strf(item, "max", "%lld", (long long)v->fees[i].max);
	}

	if (v->fixed_amount > 0 && v->ninv > 0) {
		item = mustache_set(ctx, "fixed", mustache_map());
		payview_money(item, "amount", v->fixed_amount,
		    v->inv[0].currency);
	}

	if (!v->reviewed)
		return (ctx);

	errors = mustache_set(ctx, "errors", mustache_list());
	if (v->form_error != NULL) {
		item = mustache_push(errors, mustache_map());
		mustache_set_str(item, "message", v->form_error);
		mustache_set_str(item, "href", "#invoices");
	}
	for (i = 0; i < v->ninv; i++) {
		if (v->inv[i].error == NULL)
			continue;
		item = mustache_push(errors, mustache_map());
		mustache_set_str(item, "message", v->inv[i].error);
		mustache_set_strf(item, "href", "#amount-%s",
		    v->inv[i].number);
	}
	mustache_set_bool(ctx, "has_errors", v->nerrors > 0);
	if (v->nerrors > 0 || v->pay_currency == NULL)
		return (ctx);

	summary = mustache_set(ctx, "summary", mustache_map());
	lines = mustache_set(summary, "lines", mustache_list());
	for (i = 0; i < v->ninv; i++) {
		inv = &v->inv[i];
		if (!inv->selected)
			continue;
		item = mustache_push(lines, mustache_map());
		mustache_set_str(item, "number", inv->number);
		payview_money(item, "amount", inv->amount, inv->currency);
		payview_money(item, "open", inv->total - inv->paid,
		    inv->currency);
		mustache_set_bool(item, "partial",
		    inv->amount < inv->total - inv->paid);
		(void)money_format_plain(inv->amount, inv->currency, plain,
		    sizeof(plain));
		mustache_set_str(item, "amount_plain", plain);
	}
	payview_money(summary, "total", v->pay_total, v->pay_currency);
	mustache_set_str(summary, "currency", v->pay_currency->code);
	mustache_set_strf(summary, "count", "%zu", v->nselected);
	mustache_set_bool(summary, "one", v->nselected == 1);
	return (ctx);
}

/*
 * The checkout on the review page: each payment method with a fee rule for
 * the selection's currency, with its fee and the total to charge, plus the
 * selection as hidden fields and the attempt id and CSRF token that make a
 * second submit of this form the same payment. The server computes the fee
 * again when the customer pays; these figures only show it beforehand.
 */
void
payview_checkout(const struct pay_view *v, struct mustache_value *ctx,
    const char *attempt, const char *csrf)
{
	struct mustache_value		*co, *list, *item;
	const struct pay_invoice	*inv;
	const struct pay_fee		*f;
	char				 plain[MONEY_FORMAT_MAX];
	int64_t				 fee, total;
	size_t				 i;
	int				 first;

	if (v->pay_currency == NULL || v->nerrors > 0)
		return;
	co = mustache_set(ctx, "checkout", mustache_map());
	mustache_set_str(co, "attempt", attempt);
	mustache_set_str(co, "csrf", csrf);
	list = mustache_set(co, "fields", mustache_list());
	for (i = 0; i < v->ninv; i++) {
		inv = &v->inv[i];
		if (!inv->selected)
			continue;
		item = mustache_push(list, mustache_map());
		mustache_set_str(item, "number", inv->number);
		(void)money_format_plain(inv->amount, inv->currency, plain,
		    sizeof(plain));
		mustache_set_str(item, "amount", plain);
	}

	list = mustache_set(co, "methods", mustache_list());
	first = 1;
	for (i = 0; i < v->nfees; i++) {
		f = &v->fees[i];
		if (f->currency != v->pay_currency ||
		    !money_fee(v->pay_total, f->percent_bp, f->fixed, f->min,
		    f->max, &fee) || !money_add(v->pay_total, fee, &total))
			continue;
		item = mustache_push(list, mustache_map());
		mustache_set_str(item, "method", f->method);
		mustache_set_str(item, "label", payview_method_label(f->method));
		mustache_set_bool(item, "card", !strcmp(f->method, "card"));
		mustache_set_bool(item, "bank", !strcmp(f->method,
		    "bank_account"));
		mustache_set_bool(item, "checked", first);
		payview_money(item, "fee", fee, f->currency);
		payview_money(item, "total", total, f->currency);
		mustache_set_bool(item, "no_fee", fee == 0);
		first = 0;
	}
	mustache_set_bool(co, "has_methods", !first);
}
