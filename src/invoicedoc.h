/*
 * One invoice as the customer prints it: business and customer details,
 * lines with quantities and taxes, totals, paid and open amounts.
 */
#ifndef PAYPORTAL_INVOICEDOC_H
#define PAYPORTAL_INVOICEDOC_H

#include <stddef.h>
#include <stdint.h>

#include "money.h"
#include "mustache.h"

#define INVOICEDOC_MAX_LINES	1000

/* Header columns, in query order. */
enum invoicedoc_col {
	IDOC_BUSINESS, IDOC_BUSINESS_ADDRESS, IDOC_BUSINESS_EMAIL,
	IDOC_BUSINESS_PHONE, IDOC_CUSTOMER, IDOC_CUSTOMER_REF,
	IDOC_CUSTOMER_EMAIL, IDOC_NUMBER, IDOC_KIND, IDOC_CURRENCY,
	IDOC_ISSUE, IDOC_DUE, IDOC_SUBTOTAL, IDOC_TAX, IDOC_TOTAL, IDOC_PAID,
	IDOC_MEMO, IDOC_OVERDUE, IDOC_NCOLS
};

/* Line columns, in query order. */
enum invoicedoc_line_col {
	IDOC_L_DESCRIPTION, IDOC_L_QUANTITY, IDOC_L_UNIT_PRICE, IDOC_L_TAX_BP,
	IDOC_L_AMOUNT, IDOC_L_TAX, IDOC_L_NCOLS
};

struct invoicedoc_line {
	char		*description;
	int64_t		 quantity_milli;
	int64_t		 unit_price;
	int64_t		 tax_bp;
	int64_t		 amount;
	int64_t		 tax;
};

struct invoicedoc {
	char			*text[IDOC_NCOLS];
	const struct currency	*currency;
	int64_t			 subtotal, tax, total, paid;
	struct invoicedoc_line	*lines;
	size_t			 nlines;
};

void	invoicedoc_init(struct invoicedoc *);
void	invoicedoc_free(struct invoicedoc *);
int	invoicedoc_set(struct invoicedoc *, const char *const *, char *,
	    size_t);
int	invoicedoc_add_line(struct invoicedoc *, const char *const *, char *,
	    size_t);
struct mustache_value	*invoicedoc_context(const struct invoicedoc *,
			    const char *);
int	invoicedoc_quantity(int64_t, char *, size_t);
int	invoicedoc_percent(int64_t, char *, size_t);

#endif
