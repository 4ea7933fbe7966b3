/*
 * Money: the currency table, strict parsing of typed amounts, formatting
 * and the convenience fee. Amounts are int64_t minor units throughout.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "money.h"

/* ISO 4217 has no currency with more than 4 minor unit digits. */
#define MONEY_EXPONENT_MAX	4

struct money_entry {
	struct currency	 cur;
	const char	*local;		/* also accepted by money_parse */
};

static const struct money_entry	*money_entry(const char *);
static int	money_why(char *, size_t, const char *, ...)
		    __attribute__((format(printf, 3, 4)));
static int	money_isspace(char);
static int	money_isdigit(char);
static int	money_match(const char *, const char *, const char *, int);
static int	money_prefix(const struct currency *, const char **,
		    const char *);
static int	money_number(const char *, const char *,
		    const struct currency *, int64_t *, char *, size_t);
static int	money_put(char *, size_t, size_t *, const char *, size_t);
static int	money_render(int64_t, const struct currency *, int, char *,
		    size_t);

static const int64_t	money_pow10[MONEY_EXPONENT_MAX + 1] = {
	1, 10, 100, 1000, 10000
};

/*
 * Symbols are CLDR's English ones, which stay unambiguous across dollar and
 * yen currencies ("CA$", "CN¥"); "local" is the narrow symbol a customer of
 * that country types ("$" for CAD).
 */
static const struct money_entry	money_table[] = {
	{ { "AED", 2, NULL },		NULL },
	{ { "ARS", 2, NULL },		"$" },
	{ { "AUD", 2, "A$" },		"$" },
	{ { "BDT", 2, NULL },		NULL },
	{ { "BGN", 2, NULL },		NULL },
	{ { "BHD", 3, NULL },		NULL },
	{ { "BRL", 2, "R$" },		NULL },
	{ { "CAD", 2, "CA$" },		"$" },
	{ { "CHF", 2, NULL },		NULL },
	{ { "CLP", 0, NULL },		"$" },
	{ { "CNY", 2, "CN¥" },		"¥" },
	{ { "COP", 2, NULL },		"$" },
	{ { "CZK", 2, NULL },		NULL },
	{ { "DKK", 2, NULL },		"kr" },
	{ { "EGP", 2, NULL },		NULL },
	{ { "EUR", 2, "€" },		NULL },
	{ { "GBP", 2, "£" },		NULL },
	{ { "HKD", 2, "HK$" },		"$" },
	{ { "HUF", 2, NULL },		NULL },
	{ { "IDR", 2, NULL },		NULL },
	{ { "ILS", 2, "₪" },		NULL },
	{ { "INR", 2, "₹" },		NULL },
	{ { "IQD", 3, NULL },		NULL },
	{ { "ISK", 0, NULL },		"kr" },
	{ { "JOD", 3, NULL },		NULL },
	{ { "JPY", 0, "¥" },		NULL },
	{ { "KES", 2, NULL },		NULL },
	{ { "KRW", 0, "₩" },		NULL },
	{ { "KWD", 3, NULL },		NULL },
	{ { "LKR", 2, NULL },		NULL },
	{ { "LYD", 3, NULL },		NULL },
	{ { "MAD", 2, NULL },		NULL },
	{ { "MXN", 2, "MX$" },		"$" },
	{ { "MYR", 2, NULL },		NULL },
	{ { "NGN", 2, NULL },		NULL },
	{ { "NOK", 2, NULL },		"kr" },
	{ { "NZD", 2, "NZ$" },		"$" },
	{ { "OMR", 3, NULL },		NULL },
	{ { "PEN", 2, NULL },		NULL },
	{ { "PHP", 2, "₱" },		NULL },
	{ { "PKR", 2, NULL },		NULL },
	{ { "PLN", 2, NULL },		NULL },
	{ { "PYG", 0, NULL },		NULL },
	{ { "QAR", 2, NULL },		NULL },
	{ { "RON", 2, NULL },		NULL },
	{ { "SAR", 2, NULL },		NULL },
	{ { "SEK", 2, NULL },		"kr" },
	{ { "SGD", 2, NULL },		"$" },
	{ { "THB", 2, NULL },		NULL },
	{ { "TND", 3, NULL },		NULL },
	{ { "TRY", 2, NULL },		NULL },
	{ { "TWD", 2, "NT$" },		"$" },
	{ { "UAH", 2, NULL },		NULL },
	{ { "UGX", 0, NULL },		NULL },
	{ { "USD", 2, "$" },		NULL },
	{ { "UYU", 2, NULL },		"$" },
	{ { "VND", 0, "₫" },		NULL },
	{ { "XAF", 0, NULL },		NULL },
	{ { "XOF", 0, NULL },		NULL },
	{ { "ZAR", 2, NULL },		"R" },
};

#define MONEY_NCURRENCIES	(sizeof(money_table) / sizeof(money_table[0]))

const struct currency *
money_currency(const char *code)
{
	const struct money_entry	*e;

	if ((e = money_entry(code)) == NULL)
		return (NULL);
	return (&e->cur);
}

static const struct money_entry *
money_entry(const char *code)
{
	size_t		 i;

	if (code == NULL)
		return (NULL);
	for (i = 0; i < MONEY_NCURRENCIES; i++) {
		if (strcmp(money_table[i].cur.code, code) == 0)
			return (&money_table[i]);
	}
	return (NULL);
}

int
money_parse(const char *s, size_t len, const struct currency *cur,
    int64_t *out, char *why, size_t whylen)
{
	const char	*p, *end;

	if (cur == NULL || cur->exponent < 0 ||
	    cur->exponent > MONEY_EXPONENT_MAX)
		return (money_why(why, whylen, "has an unsupported currency"));
	if (s == NULL || len == 0)
		return (money_why(why, whylen, "is required"));

	p = s;
	end = s + len;
	while (p < end && money_isspace(*p))
		p++;
	while (end > p && money_isspace(end[-1]))
		end--;
	if (p == end)
		return (money_why(why, whylen, "is required"));

	if (*p == '-')
		return (money_why(why, whylen, "must not be negative"));
	if (!money_prefix(cur, &p, end)) {
		return (money_why(why, whylen,
		    "is in a different currency than %s", cur->code));
	}
	if (p < end && *p == '-')
		return (money_why(why, whylen, "must not be negative"));

	return (money_number(p, end, cur, out, why, whylen));
}

/*
 * Skips the currency's own symbol, local symbol or code and one space after
 * it. Returns 0 if the text starts with another currency's instead.
 */
static int
money_prefix(const struct currency *cur, const char **pp, const char *end)
{
	const struct money_entry	*e;
	const char			*p;
	size_t				 i;

	p = *pp;
	e = money_entry(cur->code);
	if (money_match(p, end, cur->symbol, 0))
		p += strlen(cur->symbol);
	else if (e != NULL && money_match(p, end, e->local, 0))
		p += strlen(e->local);
	else if (money_match(p, end, cur->code, 1))
		p += strlen(cur->code);
	else {
		for (i = 0; i < MONEY_NCURRENCIES; i++) {
			e = &money_table[i];
			if (money_match(p, end, e->cur.symbol, 0) ||
			    money_match(p, end, e->local, 0) ||
			    money_match(p, end, e->cur.code, 1))
				return (0);
		}
		return (1);
	}

	if (p < end && *p == ' ')
		p++;
	*pp = p;
	return (1);
}

static int
money_number(const char *p, const char *end, const struct currency *cur,
    int64_t *out, char *why, size_t whylen)
{
	const char	*first;
	int64_t		 units, frac, scale;
	int		 d, ndigits, nfrac, group, commas;

	first = p;
	units = 0;
	ndigits = 0;
	group = 0;
	commas = 0;
	for (; p < end && (money_isdigit(*p) || *p == ','); p++) {
		if (*p == ',') {
			/* Only "1,234,567": a first group of 1-3, then 3s. */
			if (group == 0 || *first == '0' ||
			    (commas == 0 && group > 3) ||
			    (commas > 0 && group != 3))
				goto misplaced;
			commas++;
			group = 0;
			continue;
		}
		d = *p - '0';
		if (units > (INT64_MAX - d) / 10)
			goto toolarge;
		units = units * 10 + d;
		ndigits++;
		group++;
	}
	if (commas > 0 && group != 3)
		goto misplaced;

	frac = 0;
	nfrac = 0;
	if (p < end && *p == '.') {
		p++;
		for (; p < end && money_isdigit(*p); p++) {
			if (nfrac < cur->exponent)
				frac = frac * 10 + (*p - '0');
			nfrac++;
		}
		if (nfrac == 0 && p == end && ndigits > 0) {
			return (money_why(why, whylen,
			    "ends with a decimal point"));
		}
		if (nfrac == 0)
			goto invalid;
	}
	if (p != end || (ndigits == 0 && nfrac == 0))
		goto invalid;

	if (nfrac > cur->exponent) {
		if (cur->exponent == 0) {
			return (money_why(why, whylen,
			    "has decimal places, but %s has none", cur->code));
		}
		return (money_why(why, whylen,
		    "has more than %d decimal place%s for %s", cur->exponent,
		    cur->exponent == 1 ? "" : "s", cur->code));
	}

	scale = money_pow10[cur->exponent];
	if (units > INT64_MAX / scale)
		goto toolarge;
	units *= scale;
	frac *= money_pow10[cur->exponent - nfrac];
	if (units > INT64_MAX - frac)
		goto toolarge;

	*out = units + frac;
	return (1);

misplaced:
	return (money_why(why, whylen,
	    "has a misplaced thousands separator ','"));
toolarge:
	return (money_why(why, whylen, "is too large"));
invalid:
	return (money_why(why, whylen, "is not a valid amount"));
}

int
money_format(int64_t amount, const struct currency *cur, char *buf,
    size_t buflen)
{
	return (money_render(amount, cur, 1, buf, buflen));
}

int
money_format_plain(int64_t amount, const struct currency *cur, char *buf,
    size_t buflen)
{
	return (money_render(amount, cur, 0, buf, buflen));
}

static int
money_render(int64_t amount, const struct currency *cur, int display,
    char *buf, size_t buflen)
{
	char		 digits[24];
	uint64_t	 mag;
	size_t		 n, nint, i, pos;
	int		 exp;

	if (cur == NULL || cur->exponent < 0 ||
	    cur->exponent > MONEY_EXPONENT_MAX || buflen == 0)
		return (0);
	exp = cur->exponent;

	/* Unsigned, so that INT64_MIN has a magnitude too. */
	mag = amount < 0 ? (uint64_t)0 - (uint64_t)amount : (uint64_t)amount;
	n = 0;
	do {
		digits[n++] = (char)('0' + mag % 10);
		mag /= 10;
	} while (mag > 0);
	while (n < (size_t)exp + 1)
		digits[n++] = '0';
	nint = n - (size_t)exp;

	pos = 0;
	if (amount < 0 && !money_put(buf, buflen, &pos, "-", 1))
		return (0);
	if (display && cur->symbol != NULL) {
		if (!money_put(buf, buflen, &pos, cur->symbol,
		    strlen(cur->symbol)))
			return (0);
	} else if (display) {
		if (!money_put(buf, buflen, &pos, cur->code,
		    strlen(cur->code)) ||
		    !money_put(buf, buflen, &pos, " ", 1))
			return (0);
	}
	for (i = 0; i < nint; i++) {
		if (display && i > 0 && (nint - i) % 3 == 0 &&
		    !money_put(buf, buflen, &pos, ",", 1))
			return (0);
		if (!money_put(buf, buflen, &pos, &digits[n - 1 - i], 1))
			return (0);
	}
	if (exp > 0 && !money_put(buf, buflen, &pos, ".", 1))
		return (0);
	for (i = (size_t)exp; i > 0; i--) {
		if (!money_put(buf, buflen, &pos, &digits[i - 1], 1))
			return (0);
	}
	buf[pos] = '\0';
	return (1);
}

/* Appends n bytes, always leaving room for the terminating NUL. */
static int
money_put(char *buf, size_t buflen, size_t *pos, const char *s, size_t n)
{
	if (n >= buflen - *pos)
		return (0);
	memcpy(buf + *pos, s, n);
	*pos += n;
	return (1);
}

int
money_add(int64_t a, int64_t b, int64_t *out)
{
	if ((b > 0 && a > INT64_MAX - b) || (b < 0 && a < INT64_MIN - b))
		return (0);
	*out = a + b;
	return (1);
}

int
money_fee(int64_t base, int32_t percent_bp, int64_t fixed, int64_t min,
    int64_t max, int64_t *out)
{
	int64_t		 q, r, fee;

	if (base < 0 || percent_bp < 0 || fixed < 0)
		return (0);
	if (min >= 0 && max >= 0 && min > max)
		return (0);

	/*
	 * base * bp / 10000 split as q * bp + r * bp / 10000 with
	 * base = q * 10000 + r: r * bp stays below 2^45, and q * bp * 10000
	 * is a multiple of 10000, so rounding only concerns the r part.
	 */
	q = base / 10000;
	r = base % 10000;
	if (percent_bp != 0 && q > INT64_MAX / percent_bp)
		return (0);
	fee = q * percent_bp;
	if (!money_add(fee, (r * percent_bp + 5000) / 10000, &fee) ||
	    !money_add(fee, fixed, &fee))
		return (0);

	if (min >= 0 && fee < min)
		fee = min;
	if (max >= 0 && fee > max)
		fee = max;
	*out = fee;
	return (1);
}

/* Prefix-matches s, or its ASCII letters in either case when nocase. */
static int
money_match(const char *p, const char *end, const char *s, int nocase)
{
	size_t		 i, n;
	char		 c;

	if (s == NULL)
		return (0);
	n = strlen(s);
	if (n == 0 || (size_t)(end - p) < n)
		return (0);
	for (i = 0; i < n; i++) {
		c = p[i];
		if (nocase && c >= 'a' && c <= 'z')
			c = (char)(c - 'a' + 'A');
		if (c != s[i])
			return (0);
	}
	return (1);
}

/* Not isspace(3): the locale must not change what an amount is. */
static int
money_isspace(char c)
{
	return (c == ' ' || c == '\t' || c == '\n' || c == '\r' ||
	    c == '\v' || c == '\f');
}

static int
money_isdigit(char c)
{
	return (c >= '0' && c <= '9');
}

static int
money_why(char *why, size_t whylen, const char *fmt, ...)
{
	va_list		 ap;

	if (why != NULL && whylen > 0) {
		va_start(ap, fmt);
		(void)vsnprintf(why, whylen, fmt, ap);
		va_end(ap);
	}
	return (0);
}
