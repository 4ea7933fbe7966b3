/*
 * One payment attempt as its customer sees it: processing, declined, or
 * paid with its receipt, the invoices it paid and the refunds of it
 * (payment_receipt rows).
 */
#ifndef PAYPORTAL_RECEIPT_H
#define PAYPORTAL_RECEIPT_H

#include <stddef.h>
#include <stdint.h>

#include "money.h"
#include "mustache.h"

/*
 * payment_receipt columns, in order (sql/008_refunds.sql). A row is an
 * invoice the payment paid, or, with RCPT_INVOICE NULL, a refund of it.
 */
enum receipt_col {
	RCPT_STATE, RCPT_CURRENCY, RCPT_AMOUNT, RCPT_FEE, RCPT_TOTAL,
	RCPT_METHOD, RCPT_BRAND, RCPT_LAST4, RCPT_FAILURE, RCPT_NUMBER,
	RCPT_PAID_AT, RCPT_CUSTOMER, RCPT_BUSINESS, RCPT_BUSINESS_ADDRESS,
	RCPT_BUSINESS_EMAIL, RCPT_GATEWAY_REF, RCPT_INVOICE, RCPT_ALLOCATED,
	RCPT_REFUND_AT, RCPT_REFUND_AMOUNT, RCPT_REFUND_STATE,
	RCPT_NCOLS
};

#define RECEIPT_MAX_LINES	500	/* invoices, and refunds */

struct receipt_line {
	char		*invoice;
	int64_t		 amount;
};

/* A refund done ("succeeded") or under way ("pending"). */
struct receipt_refund {
	char		*at;
	int64_t		 amount;
	int		 pending;
};

struct receipt_view {
	char			*text[RCPT_NCOLS];
	const struct currency	*currency;
	int64_t			 amount, fee, total;
	struct receipt_line	*lines;
	size_t			 nlines;
	struct receipt_refund	*refunds;
	size_t			 nrefunds;
	int64_t			 refunded;	/* succeeded ones' */
};

void	receipt_init(struct receipt_view *);
void	receipt_free(struct receipt_view *);
int	receipt_add_row(struct receipt_view *, const char *const *, char *,
	    size_t);
struct mustache_value	*receipt_context(const struct receipt_view *,
			    const char *, const char *, const char *);

#endif
