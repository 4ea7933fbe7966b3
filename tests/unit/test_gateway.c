/*
 * Tests for src/gateway.c: the PaymentIntent form body, and every answer
 * the gateway (Stripe, or the stand-in in tests/gateway) gives, each
 * checked field by field.
 */
#include <criterion/criterion.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gateway.h"
#include "strbuf.h"

/* See test_conf.c: a leak must fail the test that caused it. */
#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/lsan_interface.h>
#define leaks()		__lsan_do_recoverable_leak_check()
#else
#define leaks()		0
#endif

#define PI		"pi_3OzUaD2eZvKYlo2C1AbCdEfG"
#define PM		"pm_1OzUaC2eZvKYlo2CxYzAbCdE"
#define ATTEMPT		"0b4d6a52-8f27-4c1e-9a3b-5d2e7f8c9a01"
#define LINK		"7c9e6679-7425-40de-944b-e07fc1f90ae7"
#define META		"\"metadata\":{\"attempt\":\"" ATTEMPT "\"," \
			"\"link\":\"" LINK "\"}"
#define CHARGE		"\"latest_charge\":{\"id\":\"ch_3OzUaD2eZvKYlo2C0XyZ\"," \
			"\"object\":\"charge\",\"status\":\"succeeded\","
#define CARD		CHARGE "\"payment_method_details\":{\"type\":\"card\"," \
			"\"card\":{\"brand\":\"visa\",\"last4\":\"4242\"," \
			"\"exp_month\":12,\"exp_year\":2030}}}"
#define BANK		CHARGE "\"payment_method_details\":{" \
			"\"type\":\"us_bank_account\",\"us_bank_account\":{" \
			"\"bank_name\":\"STRIPE TEST BANK\"," \
			"\"last4\":\"6789\",\"routing_number\":\"110000000\"}}}"

/* An intent as the stand-in writes it, with status and the tail. */
#define INTENT(status, tail) \
	"{\"id\":\"" PI "\",\"object\":\"payment_intent\",\"amount\":1234," \
	"\"amount_received\":1234,\"currency\":\"usd\",\"status\":\"" \
	status "\",\"capture_method\":\"automatic\"," \
	"\"confirmation_method\":\"automatic\",\"created\":1700000000," \
	"\"livemode\":false,\"payment_method\":\"" PM "\"," \
	"\"payment_method_types\":[\"card\"],\"description\":\"INV-1\"," \
	"\"receipt_email\":null," META tail "}"
#define SUCCEEDED	INTENT("succeeded", ",\"last_payment_error\":null," \
			CARD)

/* A declined card's error and intent, as the stand-in writes them. */
#define LPE(code, decline, message) \
	"{\"type\":\"card_error\",\"code\":\"" code "\"" decline \
	",\"message\":\"" message "\",\"charge\":\"ch_1\"," \
	"\"payment_method\":{\"id\":\"" PM "\",\"object\":\"payment_method\"," \
	"\"type\":\"card\",\"card\":{\"brand\":\"visa\"," \
	"\"last4\":\"0002\"}}}"
#define FAILED(code, decline, message) \
	INTENT("requires_payment_method", ",\"last_payment_error\":" \
	LPE(code, decline, message) "," CARD)
#define DECLINE(code, decline, message) \
	"{\"error\":{\"type\":\"card_error\",\"code\":\"" code "\"" decline \
	",\"message\":\"" message "\",\"charge\":\"ch_1\"," \
	"\"payment_intent\":" FAILED(code, decline, message) "," \
	"\"payment_method\":{\"id\":\"" PM "\",\"object\":\"payment_method\"," \
	"\"type\":\"card\",\"card\":{\"brand\":\"visa\"," \
	"\"last4\":\"0002\"}}}}"

#define ERROR(type, code, message) \
	"{\"error\":{\"type\":\"" type "\",\"code\":\"" code "\"," \
	"\"message\":\"" message "\"}}"

static void	no_leaks(void);
static char	*exact(const char *, size_t *);
static void	parse(long, const char *, struct gateway_result *);
static void	is(const struct gateway_result *, enum gateway_outcome,
		    const char *, const char *, int64_t, const char *,
		    const char *, const char *, const char *, const char *,
		    const char *);
static void	is_empty(const struct gateway_result *, enum gateway_outcome);
static void	body_is(int64_t, const char *, const char *, const char *,
		    const char *, const char *, const char *, const char *);
static void	body_refused(int64_t, const char *, const char *,
		    const char *, const char *, const char *);
static char	*repeat(char, size_t);

static void
no_leaks(void)
{
	cr_assert_eq(leaks(), 0, "memory leaked: see LeakSanitizer's report");
}

/*
 * A copy of exactly strlen(body) bytes, not NUL-terminated, so that ASan
 * sees a parser that reads past what it was given.
 */
static char *
exact(const char *body, size_t *len)
{
	char	*copy;

	*len = strlen(body);
	cr_assert_not_null(copy = malloc(*len ? *len : 1));
	memcpy(copy, body, *len);
	return (copy);
}

static void
parse(long status, const char *body, struct gateway_result *r)
{
	char		*copy;
	size_t		 len;

	copy = exact(body, &len);
	memset(r, 0x5a, sizeof(*r));
	gateway_parse_intent(status, copy, len, r);
	free(copy);
}

static void
is(const struct gateway_result *r, enum gateway_outcome outcome,
    const char *intent_id, const char *status, int64_t amount,
    const char *currency, const char *brand, const char *last4,
    const char *attempt, const char *code, const char *message)
{
	cr_assert_eq(r->outcome, outcome, "outcome %d, want %d", r->outcome,
	    outcome);
	cr_assert_str_eq(r->intent_id, intent_id);
	cr_assert_str_eq(r->status, status);
	cr_assert_eq(r->amount, amount, "amount %lld", (long long)r->amount);
	cr_assert_str_eq(r->currency, currency);
	cr_assert_str_eq(r->brand, brand);
	cr_assert_str_eq(r->last4, last4);
	cr_assert_str_eq(r->attempt, attempt);
	cr_assert_str_eq(r->code, code);
	cr_assert_str_eq(r->message, message);
}

static void
is_empty(const struct gateway_result *r, enum gateway_outcome outcome)
{
	is(r, outcome, "", "", -1, "", "", "", "", "", "");
}

static void
body_is(int64_t amount, const char *currency, const char *pm,
    const char *attempt, const char *description, const char *email,
    const char *before, const char *want)
{
	struct strbuf	 sb;

	strbuf_init(&sb);
	strbuf_appends(&sb, before);
	cr_assert_eq(gateway_intent_body(&sb, amount, currency, pm, attempt,
	    LINK, description, email), 1);
	cr_assert_str_eq(strbuf_cstr(&sb), want);
	cr_assert_eq(sb.len, strlen(want));
	strbuf_free(&sb);
}

static void
body_refused(int64_t amount, const char *currency, const char *pm,
    const char *attempt, const char *link, const char *email)
{
	struct strbuf	 sb;

	strbuf_init(&sb);
	strbuf_appends(&sb, "keep");
	cr_assert_eq(gateway_intent_body(&sb, amount, currency, pm, attempt,
	    link, "d", email), 0, "%lld %s accepted", (long long)amount,
	    currency != NULL ? currency : "NULL");
	cr_assert_str_eq(strbuf_cstr(&sb), "keep");
	cr_assert_eq(sb.len, 4);
	strbuf_free(&sb);
}

static char *
repeat(char c, size_t n)
{
	char		*s;

	cr_assert_not_null(s = malloc(n + 1));
	memset(s, c, n);
	s[n] = '\0';
	return (s);
}

Test(gateway, intent_body)
{
	body_is(1234, "USD", PM, ATTEMPT, "Invoices INV-1, INV-2",
	    "ap@example.com", "",
	    "amount=1234&currency=usd&payment_method=" PM "&confirm=true"
	    "&description=Invoices%20INV-1%2C%20INV-2"
	    "&metadata[attempt]=" ATTEMPT "&metadata[link]=" LINK
	    "&receipt_email=ap%40example.com&" GATEWAY_EXPAND);
	/* No description, no email; a mixed-case currency. */
	body_is(1, "jPy", PM, ATTEMPT, NULL, NULL, "",
	    "amount=1&currency=jpy&payment_method=" PM "&confirm=true"
	    "&metadata[attempt]=" ATTEMPT "&metadata[link]=" LINK
	    "&" GATEWAY_EXPAND);
	body_is(1, "usd", PM, ATTEMPT, "", "", "",
	    "amount=1&currency=usd&payment_method=" PM "&confirm=true"
	    "&metadata[attempt]=" ATTEMPT "&metadata[link]=" LINK
	    "&" GATEWAY_EXPAND);
	/* Appended to what is there. */
	body_is(INT64_MAX, "KWD", "pm_x", "a", NULL, NULL, "x=1&",
	    "x=1&amount=9223372036854775807&currency=kwd&payment_method=pm_x"
	    "&confirm=true&metadata[attempt]=a&metadata[link]=" LINK
	    "&" GATEWAY_EXPAND);
	no_leaks();
}

Test(gateway, intent_body_encoding)
{
	/* Unreserved characters stay; everything else is %XX, in capitals. */
	body_is(5, "EUR", "pm_a-b.c~d", "A+b/c?d", "Café & co = 100% \"ok\"",
	    "a.b+tag@example.com", "",
	    "amount=5&currency=eur&payment_method=pm_a-b.c~d&confirm=true"
	    "&description=Caf%C3%A9%20%26%20co%20%3D%20100%25%20%22ok%22"
	    "&metadata[attempt]=A%2Bb%2Fc%3Fd&metadata[link]=" LINK
	    "&receipt_email=a.b%2Btag%40example.com&" GATEWAY_EXPAND);
	/* Control characters in a description are ours, and encoded. */
	body_is(5, "EUR", "pm_1", "a", "l1\nl2\t\x7f\xff", NULL, "",
	    "amount=5&currency=eur&payment_method=pm_1&confirm=true"
	    "&description=l1%0Al2%09%7F%FF"
	    "&metadata[attempt]=a&metadata[link]=" LINK "&" GATEWAY_EXPAND);
	no_leaks();
}

Test(gateway, intent_body_refused)
{
	body_refused(0, "USD", PM, ATTEMPT, LINK, NULL);
	body_refused(-1, "USD", PM, ATTEMPT, LINK, NULL);
	body_refused(INT64_MIN, "USD", PM, ATTEMPT, LINK, NULL);
	body_refused(100, NULL, PM, ATTEMPT, LINK, NULL);
	body_refused(100, "", PM, ATTEMPT, LINK, NULL);
	body_refused(100, "US", PM, ATTEMPT, LINK, NULL);
	body_refused(100, "USDD", PM, ATTEMPT, LINK, NULL);
	body_refused(100, "U1D", PM, ATTEMPT, LINK, NULL);
	body_refused(100, "U D", PM, ATTEMPT, LINK, NULL);
	body_refused(100, "US\xc3", PM, ATTEMPT, LINK, NULL);
	body_refused(100, "USD", NULL, ATTEMPT, LINK, NULL);
	body_refused(100, "USD", "", ATTEMPT, LINK, NULL);
	body_refused(100, "USD", "pm_1\n", ATTEMPT, LINK, NULL);
	body_refused(100, "USD", "pm_\x7f", ATTEMPT, LINK, NULL);
	body_refused(100, "USD", PM, NULL, LINK, NULL);
	body_refused(100, "USD", PM, "", LINK, NULL);
	body_refused(100, "USD", PM, "a\tb", LINK, NULL);
	body_refused(100, "USD", PM, ATTEMPT, NULL, NULL);
	body_refused(100, "USD", PM, ATTEMPT, "", NULL);
	body_refused(100, "USD", PM, ATTEMPT, "\x1b[0m", NULL);
	body_refused(100, "USD", PM, ATTEMPT, LINK, "a@b.c\r\nBcc: x@y.z");
	no_leaks();
}

Test(gateway, succeeded_card)
{
	struct gateway_result	 r;

	parse(200, SUCCEEDED, &r);
	is(&r, GATEWAY_SUCCEEDED, PI, "succeeded", 1234, "USD", "visa", "4242",
	    ATTEMPT, "", "");
	/* Any 2xx. */
	parse(201, SUCCEEDED, &r);
	is(&r, GATEWAY_SUCCEEDED, PI, "succeeded", 1234, "USD", "visa", "4242",
	    ATTEMPT, "", "");
	/* A last_payment_error from an earlier decline is history. */
	parse(200, INTENT("succeeded", ",\"last_payment_error\":"
	    LPE("card_declined", ",\"decline_code\":\"generic_decline\"",
	    "Your card was declined.") "," CARD), &r);
	is(&r, GATEWAY_SUCCEEDED, PI, "succeeded", 1234, "USD", "visa", "4242",
	    ATTEMPT, "", "");
	no_leaks();
}

Test(gateway, succeeded_bank)
{
	struct gateway_result	 r;

	parse(200, INTENT("succeeded", ",\"last_payment_error\":null," BANK),
	    &r);
	is(&r, GATEWAY_SUCCEEDED, PI, "succeeded", 1234, "USD", "bank", "6789",
	    ATTEMPT, "", "");
	no_leaks();
}

/* The amounts were fixed by us: a success without them is a success. */
Test(gateway, succeeded_partial)
{
	struct gateway_result	 r;

	parse(200, "{\"id\":\"" PI "\",\"object\":\"payment_intent\","
	    "\"status\":\"succeeded\"}", &r);
	is(&r, GATEWAY_SUCCEEDED, PI, "succeeded", -1, "", "", "", "", "", "");
	parse(200, "{\"id\":\"" PI "\",\"object\":\"payment_intent\","
	    "\"status\":\"succeeded\",\"amount\":null,\"currency\":null,"
	    "\"metadata\":null,\"latest_charge\":\"ch_1\"}", &r);
	is(&r, GATEWAY_SUCCEEDED, PI, "succeeded", -1, "", "", "", "", "", "");
	parse(200, "{\"id\":\"" PI "\",\"object\":\"payment_intent\","
	    "\"status\":\"succeeded\",\"amount\":\"1234\",\"currency\":\"us\","
	    "\"metadata\":{},\"latest_charge\":{\"payment_method_details\":"
	    "{\"type\":\"card\"}}}",
	    &r);
	is(&r, GATEWAY_SUCCEEDED, PI, "succeeded", -1, "", "", "", "", "", "");
	/* Amounts are integers of at least 0. */
	parse(200, "{\"id\":\"" PI "\",\"object\":\"payment_intent\","
	    "\"status\":\"succeeded\",\"amount\":1234.0}", &r);
	cr_assert_eq(r.amount, -1);
	parse(200, "{\"id\":\"" PI "\",\"object\":\"payment_intent\","
	    "\"status\":\"succeeded\",\"amount\":-5}", &r);
	cr_assert_eq(r.amount, -1);
	parse(200, "{\"id\":\"" PI "\",\"object\":\"payment_intent\","
	    "\"status\":\"succeeded\",\"amount\":0}", &r);
	cr_assert_eq(r.amount, 0);
	parse(200, "{\"id\":\"" PI "\",\"object\":\"payment_intent\","
	    "\"status\":\"succeeded\",\"amount\":9223372036854775807}", &r);
	cr_assert_eq(r.amount, INT64_MAX);
	cr_assert_eq(r.outcome, GATEWAY_SUCCEEDED);
	no_leaks();
}

/* A declined charge's answer, and the intent read back afterwards. */
#define ROW(code, decline, message, want) \
	{ DECLINE(code, decline, message), \
	    FAILED(code, decline, message), want, message }

/* Every decline the stand-in knows, and Stripe's other test cards. */
Test(gateway, declines)
{
	static const struct {
		const char	*answer;
		const char	*intent;
		const char	*code;
		const char	*message;
	} tests[] = {
		ROW("card_declined", ",\"decline_code\":\"generic_decline\"",
		    "Your card was declined.", "generic_decline"),
		ROW("card_declined",
		    ",\"decline_code\":\"insufficient_funds\"",
		    "Your card has insufficient funds.", "insufficient_funds"),
		ROW("card_declined", ",\"decline_code\":\"lost_card\"",
		    "Your card was declined.", "lost_card"),
		ROW("card_declined", ",\"decline_code\":\"stolen_card\"",
		    "Your card was declined.", "stolen_card"),
		ROW("card_declined", ",\"decline_code\":\"fraudulent\"",
		    "Your card was declined.", "fraudulent"),
		ROW("card_declined",
		    ",\"decline_code\":\"card_velocity_exceeded\"",
		    "Your card was declined for making repeated attempts too "
		    "frequently or exceeding its amount limit.",
		    "card_velocity_exceeded"),
		ROW("expired_card", "", "Your card has expired.",
		    "expired_card"),
		ROW("incorrect_cvc", "", "Your card's security code is "
		    "incorrect.", "incorrect_cvc"),
		ROW("processing_error", "", "An error occurred while "
		    "processing your card. Try again in a little bit.",
		    "processing_error"),
		ROW("incorrect_number", "", "Your card number is incorrect.",
		    "incorrect_number"),
		ROW("account_closed", "", "The customer's bank account has "
		    "been closed.", "account_closed"),
		ROW("insufficient_funds", "", "The customer's account has "
		    "insufficient funds to cover this payment.",
		    "insufficient_funds"),
	};
	struct gateway_result	 r;
	size_t			 i;

	for (i = 0; i < sizeof(tests) / sizeof(tests[0]); i++) {
		parse(402, tests[i].answer, &r);
		is(&r, GATEWAY_DECLINED, PI, "requires_payment_method", 1234,
		    "USD", "visa", "4242", ATTEMPT, tests[i].code,
		    tests[i].message);
		parse(200, tests[i].intent, &r);
		is(&r, GATEWAY_DECLINED, PI, "requires_payment_method", 1234,
		    "USD", "visa", "4242", ATTEMPT, tests[i].code,
		    tests[i].message);
	}
	no_leaks();
}

Test(gateway, decline_shapes)
{
	struct gateway_result	 r;

	/* No intent details: the method comes from the error. */
	parse(402, "{\"error\":{\"type\":\"card_error\",\"code\":"
	    "\"card_declined\",\"decline_code\":\"do_not_honor\",\"message\":"
	    "\"Declined.\",\"payment_intent\":{\"id\":\"" PI "\",\"object\":"
	    "\"payment_intent\",\"status\":\"requires_payment_method\"},"
	    "\"payment_method\":{\"type\":\"card\",\"card\":{\"brand\":"
	    "\"mastercard\",\"last4\":\"4444\"}}}}", &r);
	is(&r, GATEWAY_DECLINED, PI, "requires_payment_method", -1, "",
	    "mastercard", "4444", "", "do_not_honor", "Declined.");
	/* No intent at all. */
	parse(402, ERROR("card_error", "card_declined", "Declined."), &r);
	is(&r, GATEWAY_DECLINED, "", "", -1, "", "", "", "", "card_declined",
	    "Declined.");
	/* A card problem Stripe reports under 400. */
	parse(400, ERROR("card_error", "invalid_expiry_year",
	    "Your card's expiration year is invalid."), &r);
	is(&r, GATEWAY_DECLINED, "", "", -1, "", "", "", "",
	    "invalid_expiry_year", "Your card's expiration year is invalid.");
	/* 402 is the gateway saying it did not charge, whatever the type. */
	parse(402, ERROR("invalid_request_error", "x", "y"), &r);
	is(&r, GATEWAY_DECLINED, "", "", -1, "", "", "", "", "x", "y");
	/* A decline_code it cannot be falls back to code. */
	parse(402, "{\"error\":{\"type\":\"card_error\",\"code\":"
	    "\"card_declined\",\"decline_code\":\"Bad Code\"}}", &r);
	is(&r, GATEWAY_DECLINED, "", "", -1, "", "", "", "", "card_declined",
	    "");
	parse(402, "{\"error\":{\"type\":\"card_error\",\"decline_code\":7}}",
	    &r);
	is(&r, GATEWAY_DECLINED, "", "", -1, "", "", "", "", "", "");

	/* Declined intents read on their own. */
	parse(200, INTENT("requires_payment_method",
	    ",\"last_payment_error\":" LPE("card_declined",
	    ",\"decline_code\":\"insufficient_funds\"", "No funds.") ","
	    "\"latest_charge\":null"), &r);
	is(&r, GATEWAY_DECLINED, PI, "requires_payment_method", 1234, "USD",
	    "visa", "0002", ATTEMPT, "insufficient_funds", "No funds.");
	parse(200, INTENT("requires_payment_method",
	    ",\"last_payment_error\":null"), &r);
	is(&r, GATEWAY_DECLINED, PI, "requires_payment_method", 1234, "USD",
	    "", "", ATTEMPT, "", "");
	parse(200, INTENT("canceled", ",\"last_payment_error\":null," CARD),
	    &r);
	is(&r, GATEWAY_DECLINED, PI, "canceled", 1234, "USD", "visa", "4242",
	    ATTEMPT, "", "");
	no_leaks();
}

Test(gateway, pending)
{
	static const char	*statuses[] = { "processing", "requires_action",
	    "requires_confirmation", "requires_capture" };
	struct gateway_result	 r;
	char			 body[2048];
	size_t			 i;

	for (i = 0; i < sizeof(statuses) / sizeof(statuses[0]); i++) {
		(void)snprintf(body, sizeof(body), "{\"id\":\"" PI "\","
		    "\"object\":\"payment_intent\",\"amount\":500,"
		    "\"currency\":\"eur\",\"status\":\"%s\","
		    "\"last_payment_error\":{\"code\":\"authentication_"
		    "required\",\"message\":\"3DS\"}," META "}", statuses[i]);
		parse(200, body, &r);
		is(&r, GATEWAY_PENDING, PI, statuses[i], 500, "EUR", "", "",
		    ATTEMPT, "", "");
	}
	/* A status it does not know cannot be read as anything. */
	parse(200, INTENT("requires_reconsideration", ""), &r);
	is(&r, GATEWAY_UNKNOWN, PI, "requires_reconsideration", 1234, "USD",
	    "", "", ATTEMPT, "", "");
	no_leaks();
}

/* A body that is not a PaymentIntent says nothing, in any field. */
Test(gateway, not_an_intent)
{
	static const char	*bodies[] = {
		"{\"id\":\"ch_1\",\"object\":\"charge\","
		    "\"status\":\"succeeded\",\"amount\":1234}",
		"{\"id\":\"" PI "\",\"status\":\"succeeded\",\"amount\":1}",
		"{\"id\":\"" PI "\",\"object\":1,\"status\":\"succeeded\"}",
		"{\"id\":\"pm_1\",\"object\":\"payment_intent\","
		    "\"status\":\"succeeded\"}",
		"{\"id\":\"pi_\\u0041\\n\",\"object\":\"payment_intent\","
		    "\"status\":\"succeeded\"}",
		"{\"id\":\"pi_1 2\",\"object\":\"payment_intent\","
		    "\"status\":\"succeeded\"}",
		"{\"id\":12,\"object\":\"payment_intent\","
		    "\"status\":\"succeeded\"}",
		"{\"id\":\"" PI "\",\"object\":\"payment_intent\"}",
		"{\"id\":\"" PI "\",\"object\":\"payment_intent\","
		    "\"status\":\"Succeeded\"}",
		"{\"id\":\"" PI "\",\"object\":\"payment_intent\","
		    "\"status\":\"\"}",
		"{\"id\":\"" PI "\",\"object\":\"payment_intent\","
		    "\"status\":true}",
		/* Read two ways, so not read at all. */
		"{\"id\":\"" PI "\",\"object\":\"payment_intent\","
		    "\"status\":\"requires_payment_method\","
		    "\"status\":\"succeeded\"}",
		"{\"error\":{\"type\":\"api_error\"}}",
		"{}",
		"[" SUCCEEDED "]",
		"null",
		"\"succeeded\"",
		"",
		"{",
		SUCCEEDED "x",
		SUCCEEDED "{}",
		"{\"id\":\"" PI "\",\"object\":\"payment_intent\","
		    "\"status\":\"succeeded\",\"message\":\"\\u0000\"}",
		"{\"id\":\"" PI "\",\"object\":\"payment_intent\","
		    "\"status\":\"succeeded\",\"message\":\"\xff\"}",
		"{\"id\":\"" PI "\",\"object\":\"payment_intent\","
		    "\"status\":\"succeeded\",\"message\":\"\\ud800\"}",
		"{\"id\":\"" PI "\",\"object\":\"payment_intent\","
		    "\"status\":\"succeeded\",\"amount\":99999999999999999999}",
		"{'id':'" PI "'}",
		"<html><body>502 Bad Gateway</body></html>",
	};
	struct gateway_result	 r;
	size_t			 i;

	for (i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
		parse(200, bodies[i], &r);
		cr_assert_eq(r.outcome, GATEWAY_UNKNOWN, "body %zu", i);
		is_empty(&r, GATEWAY_UNKNOWN);
	}
	/* A NUL in the middle of the bytes. */
	memset(&r, 0x5a, sizeof(r));
	gateway_parse_intent(200, SUCCEEDED "\0", sizeof(SUCCEEDED), &r);
	is_empty(&r, GATEWAY_UNKNOWN);
	memset(&r, 0x5a, sizeof(r));
	gateway_parse_intent(200, NULL, 0, &r);
	is_empty(&r, GATEWAY_UNKNOWN);
	no_leaks();
}

/* Deeper than jansson goes: refused, not a stack overflow. */
Test(gateway, deep_nesting)
{
	struct gateway_result	 r;
	char			*deep;

	deep = repeat('[', 200000);
	memcpy(deep, "{\"a\":", 5);
	gateway_parse_intent(200, deep, strlen(deep), &r);
	is_empty(&r, GATEWAY_UNKNOWN);
	free(deep);
	no_leaks();
}

/* Nothing a gateway or a proxy says there lets us call it failed. */
Test(gateway, unknown_statuses)
{
	struct gateway_result	 r;

	parse(500, ERROR("api_error", "internal", "Something went wrong."),
	    &r);
	is(&r, GATEWAY_UNKNOWN, "", "", -1, "", "", "", "", "internal",
	    "Something went wrong.");
	parse(502, "<html>Bad Gateway</html>", &r);
	is_empty(&r, GATEWAY_UNKNOWN);
	parse(503, "", &r);
	is_empty(&r, GATEWAY_UNKNOWN);
	parse(429, ERROR("invalid_request_error", "rate_limit",
	    "Too many requests hit the API too quickly."), &r);
	is(&r, GATEWAY_UNKNOWN, "", "", -1, "", "", "", "", "rate_limit",
	    "Too many requests hit the API too quickly.");
	parse(409, "{\"error\":{\"type\":\"idempotency_error\",\"message\":"
	    "\"There is currently another in-progress request using this "
	    "Idempotent Key (that probably means you submitted twice, and "
	    "the other request is still going through): " ATTEMPT ". Please "
	    "try again later.\"}}", &r);
	is(&r, GATEWAY_UNKNOWN, "", "", -1, "", "", "", "", "",
	    "There is currently another in-progress request using this "
	    "Idempotent Key (that probably means you submitted twice, and "
	    "the other request is still going through): " ATTEMPT ". Please "
	    "try again later.");
	parse(409, ERROR("invalid_request_error", "lock_timeout", "Locked."),
	    &r);
	cr_assert_eq(r.outcome, GATEWAY_UNKNOWN);
	/* No answer at all: the body, if any, is not read. */
	parse(0, SUCCEEDED, &r);
	is_empty(&r, GATEWAY_UNKNOWN);
	parse(0, "", &r);
	is_empty(&r, GATEWAY_UNKNOWN);
	/* Odd statuses, and 4xx bodies that are not the gateway's. */
	parse(204, "", &r);
	is_empty(&r, GATEWAY_UNKNOWN);
	parse(302, ERROR("invalid_request_error", "moved", "Moved."), &r);
	cr_assert_eq(r.outcome, GATEWAY_UNKNOWN);
	parse(408, ERROR("invalid_request_error", "timeout", "Timeout."), &r);
	cr_assert_eq(r.outcome, GATEWAY_UNKNOWN);
	parse(424, ERROR("api_error", "external", "Dependency."), &r);
	cr_assert_eq(r.outcome, GATEWAY_UNKNOWN);
	parse(-1, ERROR("card_error", "card_declined", "x"), &r);
	cr_assert_eq(r.outcome, GATEWAY_UNKNOWN);
	parse(600, ERROR("card_error", "card_declined", "x"), &r);
	cr_assert_eq(r.outcome, GATEWAY_UNKNOWN);
	parse(400, "<html>Bad Request</html>", &r);
	is_empty(&r, GATEWAY_UNKNOWN);
	parse(404, "{}", &r);
	is_empty(&r, GATEWAY_UNKNOWN);
	parse(401, "{\"error\":\"denied\"}", &r);
	is_empty(&r, GATEWAY_UNKNOWN);
	parse(402, "{\"error\":{\"code\":\"card_declined\"}}", &r);
	is_empty(&r, GATEWAY_UNKNOWN);
	parse(402, "{\"error\":{\"type\":null}}", &r);
	is_empty(&r, GATEWAY_UNKNOWN);
	no_leaks();
}

Test(gateway, rejected)
{
	struct gateway_result	 r;

	parse(400, "{\"error\":{\"type\":\"idempotency_error\",\"message\":"
	    "\"Keys for idempotent requests can only be used with the same "
	    "parameters they were first used with.\"}}", &r);
	is(&r, GATEWAY_REJECTED, "", "", -1, "", "", "", "", "",
	    "Keys for idempotent requests can only be used with the same "
	    "parameters they were first used with.");
	parse(401, "{\"error\":{\"type\":\"invalid_request_error\",\"message\":"
	    "\"Invalid API Key provided: sk_test_****1234\"}}", &r);
	is(&r, GATEWAY_REJECTED, "", "", -1, "", "", "", "", "",
	    "Invalid API Key provided: sk_test_****1234");
	parse(404, "{\"error\":{\"type\":\"invalid_request_error\",\"code\":"
	    "\"resource_missing\",\"param\":\"intent\",\"message\":"
	    "\"No such payment_intent: 'pi_x'\"}}", &r);
	is(&r, GATEWAY_REJECTED, "", "", -1, "", "", "", "", "resource_missing",
	    "No such payment_intent: 'pi_x'");
	parse(400, ERROR("invalid_request_error", "parameter_unknown",
	    "Received unknown parameter: foo"), &r);
	is(&r, GATEWAY_REJECTED, "", "", -1, "", "", "", "",
	    "parameter_unknown", "Received unknown parameter: foo");
	parse(403, ERROR("invalid_request_error", "secret_key_required",
	    "No."), &r);
	is(&r, GATEWAY_REJECTED, "", "", -1, "", "", "", "",
	    "secret_key_required", "No.");
	/* A confirm the intent's state refuses: nothing was charged now. */
	parse(400, "{\"error\":{\"type\":\"invalid_request_error\",\"code\":"
	    "\"payment_intent_unexpected_state\",\"message\":\"Canceled.\","
	    "\"payment_intent\":" INTENT("canceled", "") "}}", &r);
	is(&r, GATEWAY_REJECTED, PI, "canceled", 1234, "USD", "", "",
	    ATTEMPT, "payment_intent_unexpected_state", "Canceled.");
	no_leaks();
}

/* An error that carries an intent which moved money is not a refusal. */
Test(gateway, error_with_moving_intent)
{
	struct gateway_result	 r;

	parse(400, "{\"error\":{\"type\":\"invalid_request_error\",\"code\":"
	    "\"payment_intent_unexpected_state\",\"message\":\"You cannot "
	    "confirm this PaymentIntent because it has already succeeded "
	    "after being previously confirmed.\",\"payment_intent\":"
	    SUCCEEDED "}}", &r);
	is(&r, GATEWAY_SUCCEEDED, PI, "succeeded", 1234, "USD", "visa", "4242",
	    ATTEMPT, "payment_intent_unexpected_state", "You cannot confirm "
	    "this PaymentIntent because it has already succeeded after being "
	    "previously confirmed.");
	parse(400, "{\"error\":{\"type\":\"invalid_request_error\","
	    "\"payment_intent\":" INTENT("processing", "") "}}", &r);
	is(&r, GATEWAY_PENDING, PI, "processing", 1234, "USD", "", "",
	    ATTEMPT, "", "");
	parse(500, "{\"error\":{\"type\":\"api_error\","
	    "\"payment_intent\":" SUCCEEDED "}}", &r);
	cr_assert_eq(r.outcome, GATEWAY_SUCCEEDED);
	no_leaks();
}

Test(gateway, identifiers)
{
	struct gateway_result	 r;
	char			 body[4096];
	char			*id63;

	/* An id of exactly 63 bytes fits; 64 does not, and is no intent. */
	id63 = repeat('a', 60);
	(void)snprintf(body, sizeof(body), "{\"id\":\"pi_%s\",\"object\":"
	    "\"payment_intent\",\"status\":\"succeeded\"}", id63);
	parse(200, body, &r);
	cr_assert_eq(r.outcome, GATEWAY_SUCCEEDED);
	cr_assert_eq(strlen(r.intent_id), 63);
	(void)snprintf(body, sizeof(body), "{\"id\":\"pi_%sb\",\"object\":"
	    "\"payment_intent\",\"status\":\"succeeded\"}", id63);
	parse(200, body, &r);
	is_empty(&r, GATEWAY_UNKNOWN);
	free(id63);

	/* Brand: [a-z_], up to 15 characters. */
	parse(200, "{\"id\":\"pi_1\",\"object\":\"payment_intent\",\"status\":"
	    "\"succeeded\",\"latest_charge\":{\"payment_method_details\":"
	    "{\"type\":\"card\","
	    "\"card\":{\"brand\":\"abcdefghijklmn_\",\"last4\":\"0000\"}}}}",
	    &r);
	is(&r, GATEWAY_SUCCEEDED, "pi_1", "succeeded", -1, "",
	    "abcdefghijklmn_", "0000", "", "", "");
	parse(200, "{\"id\":\"pi_1\",\"object\":\"payment_intent\",\"status\":"
	    "\"succeeded\",\"latest_charge\":{\"payment_method_details\":"
	    "{\"type\":\"card\","
	    "\"card\":{\"brand\":\"american_express\",\"last4\":\"424\"}}}}",
	    &r);
	is(&r, GATEWAY_SUCCEEDED, "pi_1", "succeeded", -1, "", "", "", "", "",
	    "");
	parse(200, "{\"id\":\"pi_1\",\"object\":\"payment_intent\",\"status\":"
	    "\"succeeded\",\"latest_charge\":{\"payment_method_details\":"
	    "{\"type\":\"card\","
	    "\"card\":{\"brand\":\"Visa\",\"last4\":\"42424\"}}}}", &r);
	is(&r, GATEWAY_SUCCEEDED, "pi_1", "succeeded", -1, "", "", "", "", "",
	    "");
	parse(200, "{\"id\":\"pi_1\",\"object\":\"payment_intent\",\"status\":"
	    "\"succeeded\",\"latest_charge\":{\"payment_method_details\":"
	    "{\"type\":\"card\","
	    "\"card\":{\"brand\":\"<b>\",\"last4\":4242}}}}", &r);
	is(&r, GATEWAY_SUCCEEDED, "pi_1", "succeeded", -1, "", "", "", "", "",
	    "");
	parse(200, "{\"id\":\"pi_1\",\"object\":\"payment_intent\",\"status\":"
	    "\"succeeded\",\"latest_charge\":{\"payment_method_details\":"
	    "{\"type\":\"card\","
	    "\"card\":{\"brand\":\"visa\",\"last4\":\"42a2\"}}}}", &r);
	is(&r, GATEWAY_SUCCEEDED, "pi_1", "succeeded", -1, "", "visa", "", "",
	    "", "");
	/* Methods it does not know give nothing. */
	parse(200, "{\"id\":\"pi_1\",\"object\":\"payment_intent\",\"status\":"
	    "\"succeeded\",\"latest_charge\":{\"payment_method_details\":"
	    "{\"type\":\"sepa_debit\","
	    "\"sepa_debit\":{\"last4\":\"3000\"}}}}", &r);
	is(&r, GATEWAY_SUCCEEDED, "pi_1", "succeeded", -1, "", "", "", "", "",
	    "");

	/* Currency: three letters, upper-cased. */
	parse(200, "{\"id\":\"pi_1\",\"object\":\"payment_intent\",\"status\":"
	    "\"succeeded\",\"currency\":\"JpY\"}", &r);
	cr_assert_str_eq(r.currency, "JPY");
	parse(200, "{\"id\":\"pi_1\",\"object\":\"payment_intent\",\"status\":"
	    "\"succeeded\",\"currency\":\"usdd\"}", &r);
	cr_assert_str_eq(r.currency, "");
	parse(200, "{\"id\":\"pi_1\",\"object\":\"payment_intent\",\"status\":"
	    "\"succeeded\",\"currency\":\"u$d\"}", &r);
	cr_assert_str_eq(r.currency, "");
	parse(200, "{\"id\":\"pi_1\",\"object\":\"payment_intent\",\"status\":"
	    "\"succeeded\",\"currency\":840}", &r);
	cr_assert_str_eq(r.currency, "");

	/* Attempt: up to 36 of [A-Za-z0-9_-]; a cut one could name another. */
	parse(200, "{\"id\":\"pi_1\",\"object\":\"payment_intent\",\"status\":"
	    "\"succeeded\",\"metadata\":{\"attempt\":\"" ATTEMPT "0\"}}", &r);
	cr_assert_str_eq(r.attempt, "");
	parse(200, "{\"id\":\"pi_1\",\"object\":\"payment_intent\",\"status\":"
	    "\"succeeded\",\"metadata\":{\"attempt\":\"a b\"}}", &r);
	cr_assert_str_eq(r.attempt, "");
	parse(200, "{\"id\":\"pi_1\",\"object\":\"payment_intent\",\"status\":"
	    "\"succeeded\",\"metadata\":{\"attempt\":\"A_1-z\"}}", &r);
	cr_assert_str_eq(r.attempt, "A_1-z");

	/* Code: up to 63 of [a-z0-9_]. */
	(void)snprintf(body, sizeof(body), "{\"error\":{\"type\":"
	    "\"card_error\",\"code\":\"%.63s\"}}", "abcdefghijklmnopqrstuvwxyz"
	    "_0123456789abcdefghijklmnopqrstuvwxyz_0123456789");
	parse(402, body, &r);
	cr_assert_eq(strlen(r.code), 63);
	(void)snprintf(body, sizeof(body), "{\"error\":{\"type\":"
	    "\"card_error\",\"code\":\"%.64s\"}}", "abcdefghijklmnopqrstuvwxyz"
	    "_0123456789abcdefghijklmnopqrstuvwxyz_0123456789");
	parse(402, body, &r);
	cr_assert_str_eq(r.code, "");
	parse(402, ERROR("card_error", "Card_Declined", "x"), &r);
	cr_assert_str_eq(r.code, "");
	no_leaks();
}

Test(gateway, message_truncation)
{
	struct gateway_result	 r;
	char			 body[2048], want[256];
	char			*a;

	/* Cut at 255 bytes. */
	a = repeat('a', 300);
	(void)snprintf(body, sizeof(body), "{\"error\":{\"type\":"
	    "\"card_error\",\"message\":\"%s\"}}", a);
	parse(402, body, &r);
	cr_assert_eq(strlen(r.message), 255);
	cr_assert_eq(strncmp(r.message, a, 255), 0);

	/* Never inside a character: 2, 3 and 4 bytes across the end. */
	(void)snprintf(body, sizeof(body), "{\"error\":{\"type\":"
	    "\"card_error\",\"message\":\"%.254s\xc3\xa9\"}}", a);
	parse(402, body, &r);
	cr_assert_str_eq(r.message, a + 300 - 254);
	(void)snprintf(body, sizeof(body), "{\"error\":{\"type\":"
	    "\"card_error\",\"message\":\"%.253s\xc3\xa9z\"}}", a);
	parse(402, body, &r);
	(void)snprintf(want, sizeof(want), "%.253s\xc3\xa9", a);
	cr_assert_str_eq(r.message, want);
	(void)snprintf(body, sizeof(body), "{\"error\":{\"type\":"
	    "\"card_error\",\"message\":\"%.253s\\u20ac\"}}", a);
	parse(402, body, &r);
	cr_assert_str_eq(r.message, a + 300 - 253);
	(void)snprintf(body, sizeof(body), "{\"error\":{\"type\":"
	    "\"card_error\",\"message\":\"%.252s\\u20ac\"}}", a);
	parse(402, body, &r);
	(void)snprintf(want, sizeof(want), "%.252s\xe2\x82\xac", a);
	cr_assert_str_eq(r.message, want);
	(void)snprintf(body, sizeof(body), "{\"error\":{\"type\":"
	    "\"card_error\",\"message\":\"%.252s\xf0\x9f\x98\x80\"}}", a);
	parse(402, body, &r);
	cr_assert_str_eq(r.message, a + 300 - 252);
	(void)snprintf(body, sizeof(body), "{\"error\":{\"type\":"
	    "\"card_error\",\"message\":\"%.251s\\ud83d\\ude00\"}}", a);
	parse(402, body, &r);
	(void)snprintf(want, sizeof(want), "%.251s\xf0\x9f\x98\x80", a);
	cr_assert_str_eq(r.message, want);
	free(a);
	no_leaks();
}

Test(gateway, message_controls)
{
	struct gateway_result	 r;

	/* C0, DEL and C1 become spaces; NBSP and other text stay. */
	parse(402, "{\"error\":{\"type\":\"card_error\",\"message\":"
	    "\"a\\nb\\r\\tc\\u0001d\\u001be\\u007ff\\u0085g\\u009fh"
	    "\\u00a0i\\u2028j \xc3\xa9\"}}", &r);
	cr_assert_str_eq(r.message, "a b  c d e f g h\xc2\xa0i\xe2\x80\xa8j "
	    "\xc3\xa9");
	parse(402, "{\"error\":{\"type\":\"card_error\",\"message\":"
	    "\"Declined.\\r\\n2026-01-01 ERROR forged log line\"}}", &r);
	cr_assert_str_eq(r.message, "Declined.  2026-01-01 ERROR forged log "
	    "line");
	/* Not a string: nothing. */
	parse(402, "{\"error\":{\"type\":\"card_error\",\"message\":"
	    "[\"x\"]}}", &r);
	cr_assert_str_eq(r.message, "");
	no_leaks();
}

Test(gateway, oversized)
{
	struct gateway_result	 r;
	char			*body;
	size_t			 len;

	/* A success padded with spaces to exactly the limit, then one more. */
	len = GATEWAY_MAX_BODY + 1;
	body = repeat(' ', len);
	memcpy(body, SUCCEEDED, strlen(SUCCEEDED));
	gateway_parse_intent(200, body, len - 1, &r);
	is(&r, GATEWAY_SUCCEEDED, PI, "succeeded", 1234, "USD", "visa", "4242",
	    ATTEMPT, "", "");
	gateway_parse_intent(200, body, len, &r);
	is_empty(&r, GATEWAY_UNKNOWN);
	free(body);
	no_leaks();
}

#define EVENT(id, type, object) \
	"{\"id\":\"" id "\",\"object\":\"event\",\"api_version\":" \
	"\"2024-06-20\",\"created\":1700000000,\"livemode\":false," \
	"\"pending_webhooks\":1,\"type\":\"" type "\",\"data\":{\"object\":" \
	object "}}"
#define EVT		"evt_1OzUaE2eZvKYlo2CqRsTuVwX"

Test(gateway, event_succeeded)
{
	struct gateway_result	 r;
	char			 id[64], type[64];
	const char		*body;

	body = EVENT(EVT, "payment_intent.succeeded", SUCCEEDED);
	cr_assert_eq(gateway_parse_event(body, strlen(body), id, sizeof(id),
	    type, sizeof(type), &r), 1);
	cr_assert_str_eq(id, EVT);
	cr_assert_str_eq(type, "payment_intent.succeeded");
	is(&r, GATEWAY_SUCCEEDED, PI, "succeeded", 1234, "USD", "visa", "4242",
	    ATTEMPT, "", "");
	no_leaks();
}

Test(gateway, event_failed)
{
	struct gateway_result	 r;
	char			 id[64], type[64];
	const char		*body;

	body = EVENT(EVT, "payment_intent.payment_failed",
	    FAILED("card_declined", ",\"decline_code\":\"insufficient_funds\"",
	    "Your card has insufficient funds."));
	cr_assert_eq(gateway_parse_event(body, strlen(body), id, sizeof(id),
	    type, sizeof(type), &r), 1);
	cr_assert_str_eq(id, EVT);
	cr_assert_str_eq(type, "payment_intent.payment_failed");
	is(&r, GATEWAY_DECLINED, PI, "requires_payment_method", 1234, "USD",
	    "visa", "4242", ATTEMPT, "insufficient_funds",
	    "Your card has insufficient funds.");
	no_leaks();
}

Test(gateway, event_other)
{
	struct gateway_result	 r;
	char			 id[64], type[64], small[8];
	const char		*body;

	/* A charge, not an intent: well-formed, but says nothing. */
	body = EVENT(EVT, "charge.refunded", "{\"id\":\"ch_1\",\"object\":"
	    "\"charge\",\"amount\":1234,\"amount_refunded\":1234,\"currency\":"
	    "\"usd\",\"status\":\"succeeded\",\"payment_intent\":\"" PI "\"}");
	cr_assert_eq(gateway_parse_event(body, strlen(body), id, sizeof(id),
	    type, sizeof(type), &r), 1);
	cr_assert_str_eq(id, EVT);
	cr_assert_str_eq(type, "charge.refunded");
	is_empty(&r, GATEWAY_UNKNOWN);

	/* An intent type this portal does not act on still reads. */
	body = EVENT(EVT, "payment_intent.processing",
	    INTENT("processing", ""));
	cr_assert_eq(gateway_parse_event(body, strlen(body), id, sizeof(id),
	    type, sizeof(type), &r), 1);
	cr_assert_str_eq(type, "payment_intent.processing");
	cr_assert_eq(r.outcome, GATEWAY_PENDING);

	/* A type that does not fit, or is odd, is "" for the caller. */
	body = EVENT(EVT, "payment_intent.succeeded", SUCCEEDED);
	cr_assert_eq(gateway_parse_event(body, strlen(body), id, sizeof(id),
	    small, sizeof(small), &r), 1);
	cr_assert_str_eq(small, "");
	cr_assert_eq(r.outcome, GATEWAY_SUCCEEDED);
	body = EVENT(EVT, "Payment_Intent.Succeeded", SUCCEEDED);
	cr_assert_eq(gateway_parse_event(body, strlen(body), id, sizeof(id),
	    type, sizeof(type), &r), 1);
	cr_assert_str_eq(type, "");
	body = EVENT(EVT, "", SUCCEEDED);
	cr_assert_eq(gateway_parse_event(body, strlen(body), id, sizeof(id),
	    type, sizeof(type), &r), 1);
	cr_assert_str_eq(type, "");
	no_leaks();
}

Test(gateway, event_malformed)
{
	static const char	*bodies[] = {
		EVENT("ch_1", "payment_intent.succeeded", SUCCEEDED),
		EVENT("evt_", "payment_intent.succeeded", SUCCEEDED),
		EVENT("evt_1 2", "payment_intent.succeeded", SUCCEEDED),
		EVENT(EVT "123456789012345678901234567890123456", "x",
		    SUCCEEDED),
		"{\"type\":\"payment_intent.succeeded\",\"data\":{\"object\":"
		    SUCCEEDED "}}",
		"{\"id\":\"" EVT "\",\"data\":{\"object\":" SUCCEEDED "}}",
		"{\"id\":\"" EVT "\",\"type\":7,\"data\":{\"object\":"
		    SUCCEEDED "}}",
		"{\"id\":\"" EVT "\",\"type\":\"payment_intent.succeeded\"}",
		"{\"id\":\"" EVT "\",\"type\":\"payment_intent.succeeded\","
		    "\"data\":{}}",
		"{\"id\":\"" EVT "\",\"type\":\"payment_intent.succeeded\","
		    "\"data\":{\"object\":[]}}",
		"{\"id\":\"" EVT "\",\"type\":\"payment_intent.succeeded\","
		    "\"data\":[" SUCCEEDED "]}",
		"{\"id\":\"" EVT "\",\"id\":\"" EVT "\",\"type\":\"x\","
		    "\"data\":{\"object\":{}}}",
		"[]",
		"",
		"{\"id\":\"" EVT "\"",
	};
	struct gateway_result	 r;
	char			 id[64], type[64];
	const char		*body;
	size_t			 i;

	for (i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
		memset(id, 'x', sizeof(id));
		memset(type, 'x', sizeof(type));
		cr_assert_eq(gateway_parse_event(bodies[i], strlen(bodies[i]),
		    id, sizeof(id), type, sizeof(type), &r), 0, "body %zu", i);
		cr_assert_str_eq(id, "");
		cr_assert_str_eq(type, "");
		is_empty(&r, GATEWAY_UNKNOWN);
	}
	/* The id must fit whole: a cut one would defeat de-duplication. */
	body = EVENT(EVT, "payment_intent.succeeded", SUCCEEDED);
	cr_assert_eq(gateway_parse_event(body, strlen(body), id, strlen(EVT),
	    type, sizeof(type), &r), 0);
	cr_assert_str_eq(id, "");
	cr_assert_eq(gateway_parse_event(body, strlen(body), id,
	    strlen(EVT) + 1, type, sizeof(type), &r), 1);
	cr_assert_str_eq(id, EVT);
	cr_assert_eq(gateway_parse_event(body, strlen(body), id, 0, type,
	    sizeof(type), &r), 0);
	cr_assert_eq(gateway_parse_event(NULL, 0, id, sizeof(id), type,
	    sizeof(type), &r), 0);
	no_leaks();
}

Test(gateway, event_oversized)
{
	struct gateway_result	 r;
	char			 id[64], type[64];
	char			*body;
	const char		*ev;

	ev = EVENT(EVT, "payment_intent.succeeded", SUCCEEDED);
	body = repeat('\n', GATEWAY_MAX_BODY + 1);
	memcpy(body, ev, strlen(ev));
	cr_assert_eq(gateway_parse_event(body, GATEWAY_MAX_BODY, id,
	    sizeof(id), type, sizeof(type), &r), 1);
	cr_assert_eq(r.outcome, GATEWAY_SUCCEEDED);
	cr_assert_eq(gateway_parse_event(body, GATEWAY_MAX_BODY + 1, id,
	    sizeof(id), type, sizeof(type), &r), 0);
	is_empty(&r, GATEWAY_UNKNOWN);
	free(body);
	no_leaks();
}

/* Search answers as Stripe writes them: an envelope and a data array. */
#define SEARCH(data) \
	"{\"object\":\"search_result\",\"url\":" \
	"\"/v1/payment_intents/search\",\"has_more\":false," \
	"\"next_page\":null,\"data\":[" data "]}"

static int
search(long status, const char *body, struct gateway_result *r)
{
	char		*copy;
	size_t		 len;
	int		 found;

	copy = exact(body, &len);
	memset(r, 0x5a, sizeof(*r));
	found = gateway_parse_search(status, copy, len, r);
	free(copy);
	return (found);
}

Test(gateway, search_query)
{
	struct strbuf	 sb;

	strbuf_init(&sb);
	strbuf_appends(&sb, "x&");
	cr_assert_eq(gateway_search_query(&sb, ATTEMPT), 1);
	cr_assert_str_eq(strbuf_cstr(&sb), "x&query=metadata%5B%27attempt"
	    "%27%5D%3A%27" ATTEMPT "%27");
	/* Quoted in the query: nothing that could close the quote. */
	cr_assert_eq(gateway_search_query(&sb, "a'b"), 0);
	cr_assert_eq(gateway_search_query(&sb, "a b"), 0);
	cr_assert_eq(gateway_search_query(&sb, "a\\"), 0);
	cr_assert_eq(gateway_search_query(&sb, ""), 0);
	cr_assert_eq(gateway_search_query(&sb, NULL), 0);
	cr_assert_str_eq(strbuf_cstr(&sb), "x&query=metadata%5B%27attempt"
	    "%27%5D%3A%27" ATTEMPT "%27");
	strbuf_free(&sb);
	no_leaks();
}

Test(gateway, search_answers)
{
	struct gateway_result	 r;

	/* None: the gateway never made an intent for the attempt. */
	cr_assert_eq(search(200, SEARCH(""), &r), 0);
	cr_assert_eq(r.outcome, GATEWAY_UNKNOWN);
	/* One. */
	cr_assert_eq(search(200, SEARCH(SUCCEEDED), &r), 1);
	is(&r, GATEWAY_SUCCEEDED, PI, "succeeded", 1234, "USD", "visa", "4242",
	    ATTEMPT, "", "");
	/* A succeeded one wins over a declined one, in either order. */
	cr_assert_eq(search(200, SEARCH(FAILED("card_declined", "",
	    "Declined.") "," SUCCEEDED), &r), 1);
	cr_assert_eq(r.outcome, GATEWAY_SUCCEEDED);
	cr_assert_eq(search(200, SEARCH(SUCCEEDED "," FAILED("card_declined",
	    "", "Declined.")), &r), 1);
	cr_assert_eq(r.outcome, GATEWAY_SUCCEEDED);
	/* One still in progress wins over a declined one. */
	cr_assert_eq(search(200, SEARCH(FAILED("card_declined", "",
	    "Declined.") "," INTENT("processing", "")), &r), 1);
	cr_assert_eq(r.outcome, GATEWAY_PENDING);
	cr_assert_eq(search(200, SEARCH(FAILED("card_declined", "",
	    "Declined.")), &r), 1);
	cr_assert_eq(r.outcome, GATEWAY_DECLINED);
	no_leaks();
}

Test(gateway, search_cannot_tell)
{
	struct gateway_result	 r;

	cr_assert_eq(search(0, "", &r), -1);
	cr_assert_eq(search(500, SEARCH(""), &r), -1);
	cr_assert_eq(search(400, ERROR("invalid_request_error",
	    "parameter_invalid", "Bad query."), &r), -1);
	cr_assert_eq(search(200, "[]", &r), -1);
	cr_assert_eq(search(200, "{\"object\":\"list\",\"data\":[]}", &r),
	    -1);
	cr_assert_eq(search(200, "{\"object\":\"search_result\"}", &r), -1);
	cr_assert_eq(search(200, "{\"object\":\"search_result\",\"data\":"
	    "{}}", &r), -1);
	/* Data that holds no intent is not "none". */
	cr_assert_eq(search(200, SEARCH("{\"object\":\"charge\"}"), &r), -1);
	cr_assert_eq(search(200, SEARCH("1"), &r), -1);
	cr_assert_eq(search(200, "{\"object\":\"search_result\",\"data\":[],"
	    "\"data\":[]}", &r), -1);
	cr_assert_eq(r.outcome, GATEWAY_UNKNOWN);
	no_leaks();
}

/* Refunds: the request body, and every answer as the stand-in writes it. */
#define REFUND_ID	"re_3OzUaD2eZvKYlo2C1q2w3e4r"
#define REFUND_KEY	"5f0c8a3e-2b7d-4e19-8c6a-0d9e1f2a3b4c"
#define REFUND(status, tail) \
	"{\"id\":\"" REFUND_ID "\",\"object\":\"refund\",\"amount\":300," \
	"\"charge\":\"ch_3OzUaD2eZvKYlo2C0XyZ\",\"currency\":\"usd\"," \
	"\"payment_intent\":\"" PI "\",\"status\":\"" status "\"," \
	"\"reason\":\"requested_by_customer\",\"metadata\":{\"refund\":\"" \
	REFUND_KEY "\"}" tail ",\"created\":1700000000}"

static void	refund_parse(long, const char *, struct gateway_refund *);
static void	refund_is(const struct gateway_refund *,
		    enum gateway_outcome, const char *, const char *, int64_t,
		    const char *, const char *, const char *);

static void
refund_parse(long status, const char *body, struct gateway_refund *r)
{
	char		*copy;
	size_t		 len;

	copy = exact(body, &len);
	memset(r, 0x5a, sizeof(*r));
	gateway_parse_refund(status, copy, len, r);
	free(copy);
}

/* The identifiers are those of REFUND() when refund_id is not "". */
static void
refund_is(const struct gateway_refund *r, enum gateway_outcome outcome,
    const char *refund_id, const char *status, int64_t amount,
    const char *refund, const char *code, const char *message)
{
	int	known = refund_id[0] != '\0';

	cr_assert_eq(r->outcome, outcome, "outcome %d, want %d", r->outcome,
	    outcome);
	cr_assert_str_eq(r->refund_id, refund_id);
	cr_assert_str_eq(r->status, status);
	cr_assert_eq(r->amount, amount, "amount %lld", (long long)r->amount);
	cr_assert_str_eq(r->currency, known ? "USD" : "");
	cr_assert_str_eq(r->intent_id, known ? PI : "");
	cr_assert_str_eq(r->refund, refund);
	cr_assert_str_eq(r->code, code);
	cr_assert_str_eq(r->message, message);
}

Test(gateway, refund_body)
{
	struct strbuf	 sb;

	strbuf_init(&sb);
	strbuf_appends(&sb, "x=1&");
	cr_assert_eq(gateway_refund_body(&sb, PI, 1234, REFUND_KEY), 1);
	cr_assert_str_eq(strbuf_cstr(&sb), "x=1&payment_intent=" PI
	    "&amount=1234&reason=requested_by_customer&metadata[refund]="
	    REFUND_KEY);
	strbuf_truncate(&sb, 0);

	/* Refused, nothing appended. */
	strbuf_appends(&sb, "keep");
	cr_assert_eq(gateway_refund_body(&sb, PI, 0, REFUND_KEY), 0);
	cr_assert_eq(gateway_refund_body(&sb, PI, -1, REFUND_KEY), 0);
	cr_assert_eq(gateway_refund_body(&sb, NULL, 1, REFUND_KEY), 0);
	cr_assert_eq(gateway_refund_body(&sb, "pi_", 1, REFUND_KEY), 0);
	cr_assert_eq(gateway_refund_body(&sb, "ch_1", 1, REFUND_KEY), 0);
	cr_assert_eq(gateway_refund_body(&sb, "pi_1&amount=5", 1, REFUND_KEY),
	    0);
	cr_assert_eq(gateway_refund_body(&sb, PI, 1, NULL), 0);
	cr_assert_eq(gateway_refund_body(&sb, PI, 1, ""), 0);
	cr_assert_eq(gateway_refund_body(&sb, PI, 1, "a b"), 0);
	cr_assert_eq(gateway_refund_body(&sb, PI, 1, "a&amount=9"), 0);
	cr_assert_str_eq(strbuf_cstr(&sb), "keep");
	strbuf_free(&sb);
	no_leaks();
}

Test(gateway, refund_answers)
{
	struct gateway_refund	 r;

	refund_parse(200, REFUND("succeeded", ""), &r);
	refund_is(&r, GATEWAY_SUCCEEDED, REFUND_ID, "succeeded", 300,
	    REFUND_KEY, "", "");
	refund_parse(201, REFUND("pending", ""), &r);
	refund_is(&r, GATEWAY_PENDING, REFUND_ID, "pending", 300, REFUND_KEY,
	    "", "");
	refund_parse(200, REFUND("requires_action", ""), &r);
	cr_assert_eq(r.outcome, GATEWAY_PENDING);
	/* A refund that failed later, with Stripe's failure_reason. */
	refund_parse(200, REFUND("failed",
	    ",\"failure_reason\":\"expired_or_canceled_card\""), &r);
	refund_is(&r, GATEWAY_DECLINED, REFUND_ID, "failed", 300, REFUND_KEY,
	    "expired_or_canceled_card", "");
	refund_parse(200, REFUND("canceled", ""), &r);
	cr_assert_eq(r.outcome, GATEWAY_DECLINED);
	/* A status this client does not know says nothing. */
	refund_parse(200, REFUND("approved", ""), &r);
	refund_is(&r, GATEWAY_UNKNOWN, REFUND_ID, "approved", 300, REFUND_KEY,
	    "", "");
	no_leaks();
}

Test(gateway, refund_refusals)
{
	struct gateway_refund	 r;

	refund_parse(400, ERROR("invalid_request_error", "amount_too_large",
	    "Refund amount ($8.00) is greater than unrefunded amount on "
	    "charge ($7.00)"), &r);
	refund_is(&r, GATEWAY_DECLINED, "", "", -1, "", "amount_too_large",
	    "Refund amount ($8.00) is greater than unrefunded amount on "
	    "charge ($7.00)");
	refund_parse(400, ERROR("invalid_request_error",
	    "charge_already_refunded", "Charge ch_1 has already been "
	    "refunded."), &r);
	refund_is(&r, GATEWAY_DECLINED, "", "", -1, "",
	    "charge_already_refunded", "Charge ch_1 has already been "
	    "refunded.");
	refund_parse(402, ERROR("card_error", "card_declined", "No."), &r);
	cr_assert_eq(r.outcome, GATEWAY_DECLINED);

	/* Nothing to learn about an earlier request with the key. */
	refund_parse(400, "{\"error\":{\"type\":\"idempotency_error\","
	    "\"message\":\"Keys for idempotent requests can only be used with "
	    "the same parameters they were first used with.\"}}", &r);
	refund_is(&r, GATEWAY_REJECTED, "", "", -1, "", "",
	    "Keys for idempotent requests can only be used with the same "
	    "parameters they were first used with.");
	refund_parse(401, ERROR("invalid_request_error", "api_key_invalid",
	    "Invalid API Key provided: sk_test_****"), &r);
	cr_assert_eq(r.outcome, GATEWAY_REJECTED);
	refund_parse(403, ERROR("invalid_request_error", "forbidden", "No."),
	    &r);
	cr_assert_eq(r.outcome, GATEWAY_REJECTED);
	refund_parse(404, ERROR("invalid_request_error", "resource_missing",
	    "No such refund: 're_1'"), &r);
	cr_assert_eq(r.outcome, GATEWAY_REJECTED);
	no_leaks();
}

Test(gateway, refund_cannot_tell)
{
	static const char	*bodies[] = {
		"", "{", "[]", "null", "{}", "{\"error\":{}}",
		"{\"error\":{\"type\":1}}", "{\"error\":\"x\"}",
		/* Not a refund, or a refund without what makes one. */
		"{\"object\":\"charge\",\"id\":\"re_1\",\"status\":"
		    "\"succeeded\"}",
		"{\"object\":\"refund\",\"id\":\"re_1\"}",
		"{\"object\":\"refund\",\"status\":\"succeeded\"}",
		"{\"object\":\"refund\",\"id\":\"re_\",\"status\":"
		    "\"succeeded\"}",
		"{\"object\":\"refund\",\"id\":\"ch_1\",\"status\":"
		    "\"succeeded\"}",
		"{\"object\":\"refund\",\"id\":\"re_1 \",\"status\":"
		    "\"succeeded\"}",
		"{\"object\":\"refund\",\"id\":\"re_1\",\"status\":"
		    "\"Succeeded\"}",
		"{\"object\":\"refund\",\"id\":\"re_1\",\"status\":"
		    "\"succeeded\",\"id\":\"re_2\"}",
	};
	struct gateway_refund	 r;
	size_t			 i;

	for (i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
		refund_parse(200, bodies[i], &r);
		refund_is(&r, GATEWAY_UNKNOWN, "", "", -1, "", "", "");
	}
	/* No answer, a gateway in trouble, a request still running. */
	refund_parse(0, REFUND("succeeded", ""), &r);
	refund_is(&r, GATEWAY_UNKNOWN, "", "", -1, "", "", "");
	refund_parse(500, ERROR("api_error", "", "Internal error."), &r);
	cr_assert_eq(r.outcome, GATEWAY_UNKNOWN);
	refund_parse(503, "<html>busy</html>", &r);
	refund_is(&r, GATEWAY_UNKNOWN, "", "", -1, "", "", "");
	refund_parse(429, ERROR("invalid_request_error", "rate_limit",
	    "Too many requests."), &r);
	cr_assert_eq(r.outcome, GATEWAY_UNKNOWN);
	refund_parse(409, ERROR("idempotency_error", "", "In use."), &r);
	cr_assert_eq(r.outcome, GATEWAY_REJECTED);
	refund_parse(400, "{\"message\":\"not an error body\"}", &r);
	cr_assert_eq(r.outcome, GATEWAY_UNKNOWN);
	no_leaks();
}

Test(gateway, refund_odd_fields)
{
	struct gateway_refund	 r;

	/* Fields that are not what they should be are "" or -1. */
	refund_parse(200, "{\"id\":\"re_1\",\"object\":\"refund\","
	    "\"amount\":-5,\"currency\":\"dollars\",\"payment_intent\":"
	    "\"ch_1\",\"status\":\"succeeded\",\"metadata\":{\"refund\":"
	    "\"a b\"},\"failure_reason\":7}", &r);
	cr_assert_eq(r.outcome, GATEWAY_SUCCEEDED);
	cr_assert_str_eq(r.refund_id, "re_1");
	cr_assert_eq(r.amount, -1);
	cr_assert_str_eq(r.currency, "");
	cr_assert_str_eq(r.intent_id, "");
	cr_assert_str_eq(r.refund, "");
	cr_assert_str_eq(r.code, "");
	refund_parse(200, "{\"id\":\"re_1\",\"object\":\"refund\",\"status\":"
	    "\"succeeded\",\"amount\":1.5,\"metadata\":[]}", &r);
	cr_assert_eq(r.amount, -1);
	cr_assert_str_eq(r.refund, "");
	no_leaks();
}

Test(gateway, charge_event)
{
	char		 intent[64], small[8];
	const char	*body;

	body = EVENT(EVT, "charge.refunded", "{\"id\":\"ch_1\",\"object\":"
	    "\"charge\",\"amount\":1234,\"amount_refunded\":300,\"currency\":"
	    "\"usd\",\"status\":\"succeeded\",\"payment_intent\":\"" PI "\"}");
	cr_assert_eq(gateway_parse_charge_event(body, strlen(body), intent,
	    sizeof(intent)), 1);
	cr_assert_str_eq(intent, PI);
	/* An id that does not fit is no id. */
	cr_assert_eq(gateway_parse_charge_event(body, strlen(body), small,
	    sizeof(small)), 0);
	cr_assert_str_eq(small, "");

	body = EVENT(EVT, "payment_intent.succeeded", SUCCEEDED);
	cr_assert_eq(gateway_parse_charge_event(body, strlen(body), intent,
	    sizeof(intent)), 0);
	cr_assert_str_eq(intent, "");
	body = EVENT(EVT, "charge.refunded", "{\"id\":\"ch_1\",\"object\":"
	    "\"charge\",\"payment_intent\":null}");
	cr_assert_eq(gateway_parse_charge_event(body, strlen(body), intent,
	    sizeof(intent)), 0);
	body = EVENT(EVT, "charge.refunded", "{\"object\":\"charge\","
	    "\"payment_intent\":\"re_1\"}");
	cr_assert_eq(gateway_parse_charge_event(body, strlen(body), intent,
	    sizeof(intent)), 0);
	cr_assert_str_eq(intent, "");
	cr_assert_eq(gateway_parse_charge_event("{", 1, intent,
	    sizeof(intent)), 0);
	no_leaks();
}
