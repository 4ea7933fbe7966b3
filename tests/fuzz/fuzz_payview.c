/*
 * libFuzzer driver for payview.c: the input is the body a customer posts
 * to /pay/<token>/review. It is checked against a fixed view (a USD credit
 * note, two USD invoices, a JPY invoice) built for every input, once with
 * partial payments allowed and once without. An accepted selection must be
 * one the server can charge: at least one open invoice, every amount above
 * zero and not above what is open, one currency, and a total that is the
 * sum of the amounts. The template data must render, and agree.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "form.h"
#include "money.h"
#include "mustache.h"
#include "payview.h"
#include "strbuf.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void	fuzz_view(struct pay_view *, const char *);
static void	fuzz_check(const struct pay_view *, const struct form *, int);
static void	fuzz_render(const struct pay_view *, int);
static int	fuzz_posted(const struct form *, const char *);
static struct mustache_set	*fuzz_templates(void);

/* The pay page's and review page's names, in their shapes. */
static const char	fuzz_page[] =
	"{{business}}{{customer}}{{open_count}}{{#one_open}}1{{/one_open}}"
	"{{#has_totals}}{{#totals}}{{#credit}}C{{/credit}}{{currency}}"
	"{{amount}}{{/totals}}{{/has_totals}}"
	"{{#has_errors}}{{#errors}}{{href}}{{message}}{{/errors}}"
	"{{/has_errors}}"
	"{{#has_open}}{{#fixed}}{{amount}}{{/fixed}}{{#invoices}}{{number}}"
	"{{href}}{{issue_date}}{{due_date}}{{due_iso}}{{total}}{{open}}"
	"{{open_plain}}{{currency}}{{symbol}}{{exponent}}{{#overdue}}O"
	"{{/overdue}}{{#partial}}P{{/partial}}{{#plain_open}}N{{/plain_open}}"
	"{{#checked}}X{{/checked}}{{amount}}{{error}}{{/invoices}}{{/has_open}}"
	"{{#has_credits}}{{#credits}}{{number}}{{open}}{{/credits}}"
	"{{/has_credits}}";
static const char	fuzz_errors[] = "{{#errors}}!{{/errors}}";
static const char	fuzz_summary[] =
	"{{#summary}}{{count}}|{{total}}|{{currency}}|"
	"{{#lines}}{{number}}={{amount_plain}};{{/lines}}{{/summary}}";

static struct mustache_set *
fuzz_templates(void)
{
	struct mustache_set	*set;
	char			 err[256];

	set = mustache_set_new();
	if (!mustache_set_add(set, "page", fuzz_page, strlen(fuzz_page), err,
	    sizeof(err)) ||
	    !mustache_set_add(set, "errors", fuzz_errors, strlen(fuzz_errors),
	    err, sizeof(err)) ||
	    !mustache_set_add(set, "summary", fuzz_summary,
	    strlen(fuzz_summary), err, sizeof(err)))
		abort();
	return (set);
}

/* As public.c fills it from q_public_view: credit notes first. */
static void
fuzz_view(struct pay_view *v, const char *partial)
{
	char		 err[256];

	payview_init(v);
	if (!payview_set_link(v, "ok", partial, NULL, "Acme Corp",
	    "Widgets & Co", err, sizeof(err)) ||
	    !payview_add_invoice(v, "CN-1", "credit_note", "USD", "2026-01-05",
	    "2026-01-05", "5000", "0", "f", err, sizeof(err)) ||
	    !payview_add_invoice(v, "INV-1", "invoice", "USD", "2026-01-01",
	    "2026-01-31", "125076", "0", "t", err, sizeof(err)) ||
	    !payview_add_invoice(v, "INV-2", "invoice", "USD", "2026-02-01",
	    "2026-03-03", "50000", "20000", "f", err, sizeof(err)) ||
	    !payview_add_invoice(v, "INV-3", "invoice", "JPY", "2026-02-10",
	    "2026-03-12", "150000", "0", "f", err, sizeof(err)))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char	*partial[] = { "t", "f" };
	struct pay_view		 v;
	struct form		 f;
	char			 err[128];
	char			*body;
	size_t			 i;
	int			 ok;

	/* A copy of exactly size bytes, so ASan sees any overread. */
	if ((body = malloc(size ? size : 1)) == NULL)
		return (0);
	memcpy(body, data, size);
	form_init(&f);
	if (!form_parse(&f, body, size, err, sizeof(err))) {
		free(body);
		return (0);
	}

	for (i = 0; i < sizeof(partial) / sizeof(partial[0]); i++) {
		fuzz_view(&v, partial[i]);
		ok = payview_select(&v, &f);
		fuzz_check(&v, &f, ok);
		fuzz_render(&v, ok);
		payview_free(&v);
	}
	form_free(&f);
	free(body);
	return (0);
}

static int
fuzz_posted(const struct form *f, const char *number)
{
	size_t		i;

	for (i = 0; i < f->nfields; i++) {
		if (!strcmp(f->fields[i].name, "pay") &&
		    !strcmp(f->fields[i].value, number))
			return (1);
	}
	return (0);
}

static void
fuzz_check(const struct pay_view *v, const struct form *f, int ok)
{
	const struct pay_invoice	*inv;
	const char			*typed;
	char				 name[64], why[160];
	int64_t				 sum, open, want;
	size_t				 i, n, nerrors;

	if (!v->reviewed || (ok != 0 && ok != 1))
		abort();
	sum = 0;
	n = 0;
	nerrors = v->form_error != NULL;
	for (i = 0; i < v->ninv; i++) {
		inv = &v->inv[i];
		nerrors += inv->error != NULL;
		/* Selected exactly when posted, and never a credit note. */
		if (inv->selected != (!inv->credit &&
		    fuzz_posted(f, inv->number)))
			abort();
		if (!inv->selected) {
			if (inv->amount != 0 || inv->input != NULL ||
			    inv->error != NULL)
				abort();
			continue;
		}
		n++;
		if (!ok)
			continue;

		open = inv->total - inv->paid;
		if (inv->error != NULL || inv->amount <= 0 ||
		    inv->amount > open || inv->currency != v->pay_currency)
			abort();
		if (!money_add(sum, inv->amount, &sum))
			abort();

		/* The amount is what was typed, or what is open. */
		(void)snprintf(name, sizeof(name), "amount-%s", inv->number);
		typed = form_get(f, name);
		want = open;
		if (v->allow_partial && typed != NULL &&
		    !money_parse(typed, strlen(typed), inv->currency, &want,
		    why, sizeof(why)))
			abort();
		if (inv->amount != want)
			abort();
	}
	if (n != v->nselected || nerrors != v->nerrors)
		abort();
	if (ok) {
		if (v->nselected == 0 || v->nerrors != 0 ||
		    v->form_error != NULL || v->pay_currency == NULL ||
		    v->pay_total != sum)
			abort();
	} else if (v->nerrors == 0)
		abort();
}

static void
fuzz_render(const struct pay_view *v, int ok)
{
	static struct mustache_set	*set;
	struct mustache_value		*ctx;
	struct strbuf			 sb;
	char				 err[256], want[128];
	char				 total[MONEY_FORMAT_MAX];
	size_t				 i, n;

	if (set == NULL)
		set = fuzz_templates();
	ctx = payview_context(v, "/pay/p1.k1.x");
	strbuf_init(&sb);
	if (!mustache_render(set, "page", ctx, &sb, err, sizeof(err)) ||
	    sb.len == 0)
		abort();

	strbuf_reset(&sb);
	if (!mustache_render(set, "errors", ctx, &sb, err, sizeof(err)))
		abort();
	for (i = 0, n = 0; i < sb.len; i++)
		n += sb.data[i] == '!';
	if (n != v->nerrors)
		abort();

	strbuf_reset(&sb);
	if (!mustache_render(set, "summary", ctx, &sb, err, sizeof(err)))
		abort();
	if (!ok) {
		if (sb.len != 0)
			abort();
	} else {
		if (!money_format(v->pay_total, v->pay_currency, total,
		    sizeof(total)))
			abort();
		n = (size_t)snprintf(want, sizeof(want), "%zu|%s|%s|",
		    v->nselected, total, v->pay_currency->code);
		if (sb.len < n || memcmp(strbuf_cstr(&sb), want, n) != 0)
			abort();
	}
	strbuf_free(&sb);
	mustache_value_free(ctx);
}
