/*
 * Stripe's conventions: object ids, error bodies, and the test card and
 * bank numbers whose outcomes Stripe documents. Card numbers are looked at
 * here and nowhere else; only the outcome, brand and last four digits
 * leave this file.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>

#include "standin.h"

struct stripe_test_number {
	const char		*number;
	enum stripe_outcome	 outcome;
};

static const struct stripe_test_number stripe_cards[] = {
	{ "4000000000000002", STRIPE_GENERIC_DECLINE },
	{ "4000000000009995", STRIPE_INSUFFICIENT_FUNDS },
	{ "4000000000000069", STRIPE_EXPIRED_CARD },
	{ "4000000000000127", STRIPE_INCORRECT_CVC },
	{ "4000000000000119", STRIPE_PROCESSING_ERROR },
};

static const struct stripe_test_number stripe_banks[] = {
	{ "000111111116", STRIPE_ACCOUNT_CLOSED },
	{ "000222222227", STRIPE_BANK_INSUFFICIENT_FUNDS },
};

static const struct stripe_decline stripe_declines[] = {
	[STRIPE_SUCCEED] = { NULL, NULL, NULL },
	[STRIPE_GENERIC_DECLINE] = { "card_declined", "generic_decline",
	    "Your card was declined." },
	[STRIPE_INSUFFICIENT_FUNDS] = { "card_declined", "insufficient_funds",
	    "Your card has insufficient funds." },
	[STRIPE_EXPIRED_CARD] = { "expired_card", NULL,
	    "Your card has expired." },
	[STRIPE_INCORRECT_CVC] = { "incorrect_cvc", NULL,
	    "Your card's security code is incorrect." },
	[STRIPE_PROCESSING_ERROR] = { "processing_error", NULL,
	    "An error occurred while processing your card. "
	    "Try again in a little bit." },
	[STRIPE_ACCOUNT_CLOSED] = { "account_closed", NULL,
	    "The customer's bank account has been closed." },
	[STRIPE_BANK_INSUFFICIENT_FUNDS] = { "insufficient_funds", NULL,
	    "The customer's account has insufficient funds to cover "
	    "this payment." },
};

/* prefix, '_', then 24 random characters from [0-9A-Za-z], like Stripe. */
void
stripe_id(char *out, size_t outlen, const char *prefix)
{
	static const char	 alphabet[] = "0123456789"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
	unsigned char		 rnd[64];
	size_t			 i, n, plen;

	plen = strlen(prefix);
	if (outlen < plen + 2 + 24)
		abort();
	memcpy(out, prefix, plen);
	out[plen] = '_';
	n = plen + 1;
	while (n < plen + 1 + 24) {
		if (RAND_bytes(rnd, sizeof(rnd)) != 1)
			abort();
		/* 248 is 4 * 62: rejecting above it keeps the draw uniform. */
		for (i = 0; i < sizeof(rnd) && n < plen + 1 + 24; i++) {
			if (rnd[i] < 248)
				out[n++] = alphabet[rnd[i] % 62];
		}
	}
	out[n] = '\0';
}

/* {"error":{...}} with the fields that are not NULL. */
void
stripe_error(struct strbuf *b, const char *type, const char *code,
    const char *param, const char *message)
{
	strbuf_appends(b, "{\"error\":{");
	stripe_error_fields(b, type, code, NULL, param, message);
	strbuf_appends(b, "}}");
}

/* The inside of an error object, shared with an intent's last_payment_error. */
void
stripe_error_fields(struct strbuf *b, const char *type, const char *code,
    const char *decline_code, const char *param, const char *message)
{
	strbuf_appends(b, "\"type\":");
	json_str(b, type);
	if (code != NULL) {
		strbuf_appends(b, ",\"code\":");
		json_str(b, code);
	}
	if (decline_code != NULL) {
		strbuf_appends(b, ",\"decline_code\":");
		json_str(b, decline_code);
	}
	if (param != NULL) {
		strbuf_appends(b, ",\"param\":");
		json_str(b, param);
	}
	if (message != NULL) {
		strbuf_appends(b, ",\"message\":");
		json_str(b, message);
	}
}

/* All of s is digits and its length is within [min, max]. */
int
stripe_digits(const char *s, size_t min, size_t max)
{
	size_t		 i;

	for (i = 0; s[i] != '\0'; i++) {
		if (s[i] < '0' || s[i] > '9' || i == max)
			return (0);
	}
	return (i >= min);
}

int
stripe_luhn(const char *number)
{
	size_t		 i, len;
	int		 sum, d, dbl;

	len = strlen(number);
	sum = 0;
	dbl = 0;
	for (i = len; i > 0; i--) {
		d = number[i - 1] - '0';
		if (dbl && (d *= 2) > 9)
			d -= 9;
		sum += d;
		dbl = !dbl;
	}
	return (sum % 10 == 0);
}

const char *
stripe_card_brand(const char *n)
{
	int		 two, four;

	two = (n[0] - '0') * 10 + (n[1] - '0');
	four = two * 100 + (n[2] - '0') * 10 + (n[3] - '0');
	if (n[0] == '4')
		return ("visa");
	if ((two >= 51 && two <= 55) || (four >= 2221 && four <= 2720))
		return ("mastercard");
	if (two == 34 || two == 37)
		return ("amex");
	if (four == 6011)
		return ("discover");
	return ("unknown");
}

/* Stripe's decline test numbers; any other valid number is approved. */
enum stripe_outcome
stripe_card_outcome(const char *number)
{
	size_t		 i;

	for (i = 0; i < sizeof(stripe_cards) / sizeof(stripe_cards[0]); i++) {
		if (strcmp(number, stripe_cards[i].number) == 0)
			return (stripe_cards[i].outcome);
	}
	return (STRIPE_SUCCEED);
}

enum stripe_outcome
stripe_bank_outcome(const char *account)
{
	size_t		 i;

	for (i = 0; i < sizeof(stripe_banks) / sizeof(stripe_banks[0]); i++) {
		if (strcmp(account, stripe_banks[i].number) == 0)
			return (stripe_banks[i].outcome);
	}
	return (STRIPE_SUCCEED);
}

/* Nine digits with the ABA check digit: 3, 7, 1 weights sum to 0 mod 10. */
int
stripe_routing_valid(const char *r)
{
	static const int	 weight[9] = { 3, 7, 1, 3, 7, 1, 3, 7, 1 };
	int			 i, sum;

	if (!stripe_digits(r, 9, 9))
		return (0);
	sum = 0;
	for (i = 0; i < 9; i++)
		sum += weight[i] * (r[i] - '0');
	return (sum % 10 == 0);
}

const struct stripe_decline *
stripe_decline(enum stripe_outcome o)
{
	return (&stripe_declines[o]);
}

/*
 * A Stripe integer amount: optional '-', then 1 to 12 digits. Returns 0 if
 * it is not an integer at all; range checks are the caller's, since their
 * messages differ.
 */
int
stripe_amount(const char *s, int64_t *out)
{
	int64_t		 v;
	int		 neg;
	size_t		 i;

	neg = (*s == '-');
	if (neg)
		s++;
	if (!stripe_digits(s, 1, 12))
		return (0);
	v = 0;
	for (i = 0; s[i] != '\0'; i++)
		v = v * 10 + (s[i] - '0');
	*out = neg ? -v : v;
	return (1);
}
