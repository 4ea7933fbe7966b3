#include <criterion/criterion.h>

#include <stdint.h>
#include <string.h>

#include "money.h"

static void	parses(const char *, const char *, int64_t);
static void	refuses(const char *, const char *, const char *);
static void	formats(int64_t, const char *, const char *, const char *);

static void
parses(const char *s, const char *code, int64_t want)
{
	const struct currency	*cur;
	int64_t			 got;
	char			 why[128];

	cur = money_currency(code);
	cr_assert_not_null(cur, "currency %s", code);
	got = -42;
	why[0] = '\0';
	cr_assert_eq(money_parse(s, strlen(s), cur, &got, why, sizeof(why)), 1,
	    "\"%s\" in %s refused: %s", s, code, why);
	cr_assert_eq(got, want, "\"%s\" in %s: got %lld, want %lld", s, code,
	    (long long)got, (long long)want);
}

static void
refuses(const char *s, const char *code, const char *want)
{
	const struct currency	*cur;
	int64_t			 got;
	char			 why[128];

	cur = money_currency(code);
	cr_assert_not_null(cur, "currency %s", code);
	got = -42;
	why[0] = '\0';
	cr_assert_eq(money_parse(s, strlen(s), cur, &got, why, sizeof(why)), 0,
	    "\"%s\" in %s accepted as %lld", s, code, (long long)got);
	cr_assert_eq(got, -42, "\"%s\": output written on error", s);
	cr_assert_str_eq(why, want, "\"%s\" in %s", s, code);
}

static void
formats(int64_t amount, const char *code, const char *display,
    const char *plain)
{
	const struct currency	*cur;
	char			 buf[MONEY_FORMAT_MAX];

	cur = money_currency(code);
	cr_assert_not_null(cur, "currency %s", code);
	cr_assert_eq(money_format(amount, cur, buf, sizeof(buf)), 1);
	cr_assert_str_eq(buf, display);
	cr_assert_eq(money_format_plain(amount, cur, buf, sizeof(buf)), 1);
	cr_assert_str_eq(buf, plain);
}

Test(money, currency_table)
{
	static const struct {
		const char	*code;
		int		 exponent;
	} want[] = {
		{ "USD", 2 }, { "EUR", 2 }, { "GBP", 2 }, { "JPY", 0 },
		{ "KRW", 0 }, { "CAD", 2 }, { "AUD", 2 }, { "CHF", 2 },
		{ "SEK", 2 }, { "NOK", 2 }, { "DKK", 2 }, { "NZD", 2 },
		{ "MXN", 2 }, { "BRL", 2 }, { "INR", 2 }, { "CNY", 2 },
		{ "HKD", 2 }, { "SGD", 2 }, { "ZAR", 2 }, { "KWD", 3 },
		{ "BHD", 3 }, { "OMR", 3 }, { "JOD", 3 }, { "TND", 3 },
		{ "CLP", 0 }, { "ISK", 0 }, { "VND", 0 }, { "UGX", 0 },
	};
	const struct currency	*cur;
	size_t			 i;

	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		cur = money_currency(want[i].code);
		cr_assert_not_null(cur, "%s missing", want[i].code);
		cr_assert_str_eq(cur->code, want[i].code);
		cr_assert_eq(cur->exponent, want[i].exponent, "%s",
		    want[i].code);
	}
	cr_assert_str_eq(money_currency("USD")->symbol, "$");
	cr_assert_str_eq(money_currency("EUR")->symbol, "€");
	cr_assert_str_eq(money_currency("CAD")->symbol, "CA$");
	cr_assert_null(money_currency("KWD")->symbol);
	cr_assert_null(money_currency("XYZ"));
	cr_assert_null(money_currency("usd"));
	cr_assert_null(money_currency("US"));
	cr_assert_null(money_currency("USDX"));
	cr_assert_null(money_currency(""));
	cr_assert_null(money_currency(NULL));
}

Test(money, parse_plain_numbers)
{
	parses("0", "USD", 0);
	parses("0.00", "USD", 0);
	parses("0.5", "USD", 50);
	parses(".5", "USD", 50);
	parses("12", "USD", 1200);
	parses("12.5", "USD", 1250);
	parses("12.50", "USD", 1250);
	parses("007.10", "USD", 710);
	parses("1234", "JPY", 1234);
	parses("1.234", "KWD", 1234);
	parses("1.2", "KWD", 1200);
	parses("0.001", "BHD", 1);
}

Test(money, parse_whitespace)
{
	parses("  12.50 ", "USD", 1250);
	parses("\t12.50\r\n", "USD", 1250);
	refuses("1 234.50", "USD", "is not a valid amount");
	refuses("12 .50", "USD", "is not a valid amount");
	refuses("12. 50", "USD", "is not a valid amount");
}

Test(money, parse_thousands)
{
	parses("1,234.5", "USD", 123450);
	parses("1,234,567.89", "USD", 123456789);
	parses("999,999", "JPY", 999999);
	parses("1,000", "KWD", 1000000);
	refuses("12,34", "USD", "has a misplaced thousands separator ','");
	refuses("1,2345", "USD", "has a misplaced thousands separator ','");
	refuses("1234,567", "USD", "has a misplaced thousands separator ','");
	refuses(",123", "USD", "has a misplaced thousands separator ','");
	refuses("1,", "USD", "has a misplaced thousands separator ','");
	refuses("1,,234", "USD", "has a misplaced thousands separator ','");
	refuses("1,234,", "USD", "has a misplaced thousands separator ','");
	refuses("0,123", "USD", "has a misplaced thousands separator ','");
	refuses("1.234,50", "USD", "is not a valid amount");
	refuses("12.345,6", "USD", "is not a valid amount");
}

Test(money, parse_decimals)
{
	refuses("12.345", "USD", "has more than 2 decimal places for USD");
	refuses("12.000", "USD", "has more than 2 decimal places for USD");
	refuses("12.5", "JPY", "has decimal places, but JPY has none");
	refuses("12.0", "JPY", "has decimal places, but JPY has none");
	refuses("1.2345", "KWD", "has more than 3 decimal places for KWD");
	refuses("12.", "USD", "ends with a decimal point");
	refuses("12.", "JPY", "ends with a decimal point");
	refuses(".", "USD", "is not a valid amount");
	refuses("1.2.3", "USD", "is not a valid amount");
	refuses("1..2", "USD", "is not a valid amount");
	refuses("12.345x", "USD", "is not a valid amount");
}

Test(money, parse_required)
{
	const struct currency	*usd;
	int64_t			 v;
	char			 why[64];

	refuses("", "USD", "is required");
	refuses("   ", "USD", "is required");
	refuses("\t\n", "USD", "is required");
	usd = money_currency("USD");
	cr_assert_eq(money_parse(NULL, 0, usd, &v, why, sizeof(why)), 0);
	cr_assert_str_eq(why, "is required");
	cr_assert_eq(money_parse("1", 1, NULL, &v, why, sizeof(why)), 0);
	cr_assert_str_eq(why, "has an unsupported currency");
	/* A NULL or tiny why buffer is allowed. */
	cr_assert_eq(money_parse("x", 1, usd, &v, NULL, 0), 0);
	cr_assert_eq(money_parse("x", 1, usd, &v, why, 4), 0);
	cr_assert_str_eq(why, "is ");
}

Test(money, parse_signs_and_notation)
{
	refuses("-1", "USD", "must not be negative");
	refuses("-0", "USD", "must not be negative");
	refuses("-$1", "USD", "must not be negative");
	refuses("$-1", "USD", "must not be negative");
	refuses("+1", "USD", "is not a valid amount");
	refuses("1e3", "USD", "is not a valid amount");
	refuses("1E3", "USD", "is not a valid amount");
	refuses("0x10", "USD", "is not a valid amount");
	refuses("NaN", "USD", "is not a valid amount");
	refuses("nan", "USD", "is not a valid amount");
	refuses("inf", "USD", "is not a valid amount");
	refuses("Infinity", "USD", "is not a valid amount");
	refuses("(1.00)", "USD", "is not a valid amount");
	refuses("1-", "USD", "is not a valid amount");
	refuses("abc", "USD", "is not a valid amount");
	/* Arabic-Indic and fullwidth digits. */
	refuses("\xd9\xa1\xd9\xa2", "USD", "is not a valid amount");
	refuses("\xef\xbc\x91\xef\xbc\x92", "USD", "is not a valid amount");
	refuses("1\xc2\xa0" "234", "USD", "is not a valid amount");
}

Test(money, parse_embedded_nul)
{
	const struct currency	*usd;
	int64_t			 v;
	char			 why[64];

	usd = money_currency("USD");
	cr_assert_eq(money_parse("12\0" "5", 4, usd, &v, why, sizeof(why)), 0);
	cr_assert_str_eq(why, "is not a valid amount");
	/* Only len bytes are read. */
	cr_assert_eq(money_parse("12.509", 5, usd, &v, why, sizeof(why)), 1);
	cr_assert_eq(v, 1250);
}

Test(money, parse_overflow)
{
	parses("9223372036854775807", "JPY", INT64_MAX);
	parses("92233720368547758.07", "USD", INT64_MAX);
	parses("9,223,372,036,854,775.807", "KWD", INT64_MAX);
	parses("0000000000000000000000000000001", "USD", 100);
	refuses("9223372036854775808", "JPY", "is too large");
	refuses("92233720368547758.08", "USD", "is too large");
	refuses("92233720368547759", "USD", "is too large");
	refuses("99999999999999999999999999", "USD", "is too large");
	refuses("18446744073709551616", "JPY", "is too large");
}

Test(money, parse_symbols)
{
	parses("$12.50", "USD", 1250);
	parses(" $1,234.50 ", "USD", 123450);
	parses("$ 12", "USD", 1200);
	parses("USD 12.50", "USD", 1250);
	parses("usd12.50", "USD", 1250);
	parses("€1,250", "EUR", 125000);
	refuses("€12,50", "EUR", "has a misplaced thousands separator ','");
	parses("¥1,235", "JPY", 1235);
	parses("KWD 1.234", "KWD", 1234);
	parses("CA$12", "CAD", 1200);
	parses("$12", "CAD", 1200);
	parses("CN¥12", "CNY", 1200);
	parses("¥12", "CNY", 1200);
	parses("kr 100", "SEK", 10000);
	refuses("€12.50", "USD", "is in a different currency than USD");
	refuses("£12", "USD", "is in a different currency than USD");
	refuses("CA$12", "USD", "is in a different currency than USD");
	refuses("A$12", "USD", "is in a different currency than USD");
	refuses("EUR 12", "USD", "is in a different currency than USD");
	refuses("$12", "EUR", "is in a different currency than EUR");
	refuses("¥12", "KRW", "is in a different currency than KRW");
	refuses("CN¥12", "JPY", "is in a different currency than JPY");
	refuses("$", "USD", "is not a valid amount");
	refuses("$$12", "USD", "is not a valid amount");
	refuses("$  12", "USD", "is not a valid amount");
	refuses("12$", "USD", "is not a valid amount");
	refuses("12 USD", "USD", "is not a valid amount");
}

Test(money, format_display)
{
	formats(0, "USD", "$0.00", "0.00");
	formats(1, "USD", "$0.01", "0.01");
	formats(5, "USD", "$0.05", "0.05");
	formats(123450, "USD", "$1,234.50", "1234.50");
	formats(-100, "USD", "-$1.00", "-1.00");
	formats(99999, "USD", "$999.99", "999.99");
	formats(100000, "USD", "$1,000.00", "1000.00");
	formats(123456789, "USD", "$1,234,567.89", "1234567.89");
	formats(1235, "JPY", "¥1,235", "1235");
	formats(0, "JPY", "¥0", "0");
	formats(1234, "KWD", "KWD 1.234", "1.234");
	formats(1, "KWD", "KWD 0.001", "0.001");
	formats(-1234567, "KWD", "-KWD 1,234.567", "-1234.567");
	formats(123450, "EUR", "€1,234.50", "1234.50");
	formats(1200, "CAD", "CA$12.00", "12.00");
	formats(INT64_MAX, "USD", "$92,233,720,368,547,758.07",
	    "92233720368547758.07");
	formats(INT64_MIN, "JPY", "-¥9,223,372,036,854,775,808",
	    "-9223372036854775808");
	formats(INT64_MIN, "KWD", "-KWD 9,223,372,036,854,775.808",
	    "-9223372036854775.808");
}

Test(money, format_buffer_size)
{
	const struct currency	*usd;
	char			 buf[16];

	usd = money_currency("USD");
	/* "$1,234.50" is 9 bytes and its NUL. */
	cr_assert_eq(money_format(123450, usd, buf, 10), 1);
	cr_assert_str_eq(buf, "$1,234.50");
	cr_assert_eq(money_format(123450, usd, buf, 9), 0);
	cr_assert_eq(money_format_plain(123450, usd, buf, 8), 1);
	cr_assert_str_eq(buf, "1234.50");
	cr_assert_eq(money_format_plain(123450, usd, buf, 7), 0);
	cr_assert_eq(money_format_plain(1, usd, buf, 0), 0);
	cr_assert_eq(money_format(1, NULL, buf, sizeof(buf)), 0);
}

Test(money, format_parse_round_trip)
{
	static const char	*codes[] = { "USD", "JPY", "KWD", "EUR", "CAD",
				    "CHF", "CNY", "SEK" };
	static const int64_t	 amounts[] = { 0, 1, 9, 10, 99, 100, 999, 1000,
				    123456, 1000000, 987654321012,
				    INT64_MAX };
	const struct currency	*cur;
	int64_t			 got;
	char			 buf[MONEY_FORMAT_MAX], why[128];
	size_t			 i, j;

	for (i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
		cur = money_currency(codes[i]);
		for (j = 0; j < sizeof(amounts) / sizeof(amounts[0]); j++) {
			cr_assert_eq(money_format(amounts[j], cur, buf,
			    sizeof(buf)), 1);
			cr_assert_eq(money_parse(buf, strlen(buf), cur, &got,
			    why, sizeof(why)), 1, "%s: %s", buf, why);
			cr_assert_eq(got, amounts[j], "%s", buf);
			cr_assert_eq(money_format_plain(amounts[j], cur, buf,
			    sizeof(buf)), 1);
			cr_assert_eq(money_parse(buf, strlen(buf), cur, &got,
			    why, sizeof(why)), 1, "%s: %s", buf, why);
			cr_assert_eq(got, amounts[j], "%s", buf);
		}
	}
}

Test(money, add)
{
	int64_t		 v;

	cr_assert_eq(money_add(1250, 75, &v), 1);
	cr_assert_eq(v, 1325);
	cr_assert_eq(money_add(-5, 3, &v), 1);
	cr_assert_eq(v, -2);
	cr_assert_eq(money_add(INT64_MAX - 1, 1, &v), 1);
	cr_assert_eq(v, INT64_MAX);
	cr_assert_eq(money_add(INT64_MIN, 0, &v), 1);
	cr_assert_eq(v, INT64_MIN);
	v = 7;
	cr_assert_eq(money_add(INT64_MAX, 1, &v), 0);
	cr_assert_eq(money_add(1, INT64_MAX, &v), 0);
	cr_assert_eq(money_add(INT64_MIN, -1, &v), 0);
	cr_assert_eq(v, 7);
}

Test(money, fee)
{
	int64_t		 v;

	/* 2.9% + $0.30 on $100.00. */
	cr_assert_eq(money_fee(10000, 290, 30, -1, -1, &v), 1);
	cr_assert_eq(v, 320);
	/* 2.5% of $0.10 is 0.25 cents: rounds down. */
	cr_assert_eq(money_fee(10, 250, 0, -1, -1, &v), 1);
	cr_assert_eq(v, 0);
	/* 2.5% of $0.20 is exactly half a cent: rounds up. */
	cr_assert_eq(money_fee(20, 250, 0, -1, -1, &v), 1);
	cr_assert_eq(v, 1);
	/* 3% of $123.45 = 370.35 cents. */
	cr_assert_eq(money_fee(12345, 300, 0, -1, -1, &v), 1);
	cr_assert_eq(v, 370);
	/* 1.5% of 12,345.67 = 18518.505 cents. */
	cr_assert_eq(money_fee(1234567, 150, 0, -1, -1, &v), 1);
	cr_assert_eq(v, 18519);
	cr_assert_eq(money_fee(0, 290, 30, -1, -1, &v), 1);
	cr_assert_eq(v, 30);
	cr_assert_eq(money_fee(10000, 0, 0, -1, -1, &v), 1);
	cr_assert_eq(v, 0);
	/* 100% and more are representable. */
	cr_assert_eq(money_fee(10000, 10000, 0, -1, -1, &v), 1);
	cr_assert_eq(v, 10000);
	cr_assert_eq(money_fee(10001, 25000, 0, -1, -1, &v), 1);
	cr_assert_eq(v, 25003);
}

Test(money, fee_clamp)
{
	int64_t		 v;

	cr_assert_eq(money_fee(1000, 290, 30, 100, -1, &v), 1);
	cr_assert_eq(v, 100);
	cr_assert_eq(money_fee(1000000, 290, 30, 100, 1500, &v), 1);
	cr_assert_eq(v, 1500);
	cr_assert_eq(money_fee(1000000, 290, 30, -1, 1500, &v), 1);
	cr_assert_eq(v, 1500);
	cr_assert_eq(money_fee(10000, 290, 30, 100, 1500, &v), 1);
	cr_assert_eq(v, 320);
	cr_assert_eq(money_fee(10000, 290, 30, 320, 320, &v), 1);
	cr_assert_eq(v, 320);
	cr_assert_eq(money_fee(10000, 290, 30, 0, 0, &v), 1);
	cr_assert_eq(v, 0);
	v = 7;
	cr_assert_eq(money_fee(10000, 290, 30, 200, 100, &v), 0);
	cr_assert_eq(v, 7);
}

Test(money, fee_limits)
{
	int64_t		 v;

	v = 7;
	cr_assert_eq(money_fee(-1, 290, 30, -1, -1, &v), 0);
	cr_assert_eq(money_fee(100, -1, 30, -1, -1, &v), 0);
	cr_assert_eq(money_fee(100, 290, -1, -1, -1, &v), 0);
	cr_assert_eq(money_fee(INT64_MAX, 10001, 0, -1, -1, &v), 0);
	cr_assert_eq(money_fee(INT64_MAX, INT32_MAX, 0, -1, -1, &v), 0);
	cr_assert_eq(money_fee(INT64_MAX, 10000, 1, -1, -1, &v), 0);
	cr_assert_eq(v, 7);
	/* Overflow is refused even when max would clamp it. */
	cr_assert_eq(money_fee(INT64_MAX, 20000, 0, -1, 100, &v), 0);
	cr_assert_eq(money_fee(INT64_MAX, 10000, 0, -1, -1, &v), 1);
	cr_assert_eq(v, INT64_MAX);
	/* 5000 bp of INT64_MAX = 4611686018427387903.5: rounds up. */
	cr_assert_eq(money_fee(INT64_MAX, 5000, 0, -1, -1, &v), 1);
	cr_assert_eq(v, 4611686018427387904LL);
	cr_assert_eq(money_fee(9999, INT32_MAX, 0, -1, -1, &v), 1);
	cr_assert_eq(v, 2147268899);
}
