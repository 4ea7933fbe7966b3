/*
 * Money as int64_t minor units of an ISO 4217 currency: strict parsing of
 * what a customer typed, display and form formatting, and the convenience
 * fee. No floating point anywhere.
 */
#ifndef PAYPORTAL_MONEY_H
#define PAYPORTAL_MONEY_H

#include <stddef.h>
#include <stdint.h>

/* Room for any money_format() result: sign, symbol, 19 digits, separators. */
#define MONEY_FORMAT_MAX	40

/*
 * exponent is the number of minor unit digits: USD 2, JPY 0, KWD 3. symbol
 * is UTF-8 ("$", "€", "CA$") or NULL when the code is shown instead.
 */
struct currency {
	char		 code[4];	/* ISO 4217, e.g. "USD" */
	int		 exponent;
	const char	*symbol;
};

/* The common ISO 4217 currencies by upper-case code, or NULL. */
const struct currency	*money_currency(const char *);

/*
 * Parses an amount a user typed. Returns 1 and *out on success, or 0 and a
 * phrase in why that the caller prefixes with the field's name, e.g.
 * "has more than 2 decimal places for USD".
 *
 * Accepted: surrounding ASCII whitespace; an optional prefix of the
 * currency's own symbol, its common local symbol ("$" for CAD) or its code,
 * followed by at most one space; digits with optional "," thousands groups;
 * "." and at most exponent decimals. ".5" is 0.50. Refused: "12." (a
 * trailing point usually means the entry was cut short), signs, exponents,
 * other currencies' symbols or codes, and anything else.
 */
int	money_parse(const char *, size_t, const struct currency *, int64_t *,
	    char *, size_t);

/*
 * Display form: "$1,234.50", "-$1.00", "¥1,235". A currency without a
 * symbol shows its code and an ASCII space, "KWD 1.234", so the result is
 * safe in plain-text mail and SMS as well as HTML. Returns 0 if buf is too
 * small; MONEY_FORMAT_MAX suffices for every currency of money_currency().
 */
int	money_format(int64_t, const struct currency *, char *, size_t);

/* Form input values: "1234.50", "1235", "1.234"; no symbol, no grouping. */
int	money_format_plain(int64_t, const struct currency *, char *, size_t);

/* Returns 0 on overflow. */
int	money_add(int64_t, int64_t, int64_t *);

/*
 * Convenience fee: round_half_up(base * percent_bp / 10000) + fixed,
 * clamped to [min, max]; a negative min or max means no bound. Returns 0 on
 * overflow, on a negative base, percent_bp or fixed, or when min > max.
 */
int	money_fee(int64_t, int32_t, int64_t, int64_t, int64_t, int64_t *);

#endif
