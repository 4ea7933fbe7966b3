/*
 * What a pay link shows: the link's state, its customer and the invoices in
 * its scope with their open balances, and the customer's selection checked
 * against them. Plain C, filled from query rows by the HTTP glue and turned
 * into template data here, so the rules can be unit-tested and fuzzed.
 */
#ifndef PAYPORTAL_PAYVIEW_H
#define PAYPORTAL_PAYVIEW_H

#include <stddef.h>
#include <stdint.h>

#include "form.h"
#include "money.h"
#include "mustache.h"

#define PAYVIEW_MAX_INVOICES	500
/*
 * The schema keeps every amount at or below this (10^15 minor units), so
 * sums over PAYVIEW_MAX_INVOICES invoices cannot overflow int64.
 */
#define PAYVIEW_MAX_AMOUNT	1000000000000000LL

enum payview_state { PAYVIEW_OK, PAYVIEW_REVOKED, PAYVIEW_EXPIRED };

struct pay_invoice {
	char			*number;
	int			 credit;	/* a credit note */
	const struct currency	*currency;
	char			 issue_date[11];	/* YYYY-MM-DD */
	char			 due_date[11];
	int64_t			 total;
	int64_t			 paid;
	int			 overdue;

	/* The customer's selection, filled by payview_select(). */
	int			 selected;
	int64_t			 amount;
	char			*input;		/* what was typed, kept for the form */
	char			*error;
};

/* A convenience fee rule (fee_rules): percent in basis points plus fixed. */
struct pay_fee {
	char			 method[16];	/* "card", "bank_account" */
	const struct currency	*currency;
	int32_t			 percent_bp;
	int64_t			 fixed;
	int64_t			 min;		/* -1: none */
	int64_t			 max;		/* -1: none */
};

#define PAYVIEW_MAX_FEES	32

struct pay_view {
	enum payview_state	 state;
	char			*business;
	char			*customer;
	int			 allow_partial;
	int64_t			 fixed_amount;	/* 0: none */
	struct pay_invoice	*inv;
	size_t			 ninv;
	size_t			 cap;

	struct pay_fee		 fees[PAYVIEW_MAX_FEES];
	size_t			 nfees;

	/* Result of payview_select(). */
	int			 reviewed;
	size_t			 nselected;
	size_t			 nerrors;
	const struct currency	*pay_currency;
	int64_t			 pay_total;
	char			*form_error;
};

void	payview_init(struct pay_view *);
void	payview_free(struct pay_view *);
int	payview_set_link(struct pay_view *, const char *, const char *,
	    const char *, const char *, const char *, char *, size_t);
int	payview_add_invoice(struct pay_view *, const char *, const char *,
	    const char *, const char *, const char *, const char *,
	    const char *, const char *, char *, size_t);
int	payview_add_fee(struct pay_view *, const char *, const char *,
	    const char *, const char *, const char *, const char *, char *,
	    size_t);
int	payview_select(struct pay_view *, const struct form *);
void	payview_refuse(struct pay_view *, const char *, const char *);
struct mustache_value	*payview_context(const struct pay_view *,
			    const char *);
void	payview_checkout(const struct pay_view *, struct mustache_value *,
	    const char *, const char *);
int	payview_date(const char *, char *, size_t);
int	payview_int64(const char *, int64_t *);
void	payview_money(struct mustache_value *, const char *, int64_t,
	    const struct currency *);

#endif
