/*
 * Tests for src/sms.c: the request that sends a text, read back through
 * the portal's own form parser, and every answer Twilio (or the stand-in
 * in tests/gateway) gives, field by field.
 */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "form.h"
#include "sms.h"
#include "strbuf.h"

/* See test_conf.c: a leak must fail the test that caused it. */
#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/lsan_interface.h>
#define leaks()		__lsan_do_recoverable_leak_check()
#else
#define leaks()		0
#endif

#define BASE		"http://127.0.0.1:12100"
#define SID		"AC0123456789abcdef0123456789abcdef"
#define TOKEN		"f00dbabef00dbabef00dbabef00dbabe"
#define TO		"+15005550006"
#define FROM		"+15005550001"
#define MG		"MG0123456789abcdef0123456789abcdef"
#define SM		"SM1f0e2d3c4b5a69788796a5b4c3d2e1f0"
#define PATH		"/2010-04-01/Accounts/" SID "/Messages.json"

/* A message resource as Twilio answers a create, with status. */
#define MESSAGE(sid, status, tail) \
	"{\"account_sid\":\"" SID "\",\"api_version\":\"2010-04-01\"," \
	"\"body\":\"Pay here\",\"date_created\":" \
	"\"Thu, 24 Aug 2023 05:01:45 +0000\",\"date_sent\":null," \
	"\"direction\":\"outbound-api\",\"from\":\"" FROM "\"," \
	"\"num_segments\":\"1\",\"price\":null,\"sid\":\"" sid "\"," \
	"\"status\":\"" status "\",\"to\":\"" TO "\",\"uri\":" \
	"\"/2010-04-01/Accounts/" SID "/Messages/" sid ".json\"" tail "}"
#define NO_ERROR	",\"error_code\":null,\"error_message\":null"

#define TWILIO_ERROR(code, message, status) \
	"{\"code\":" #code ",\"message\":\"" message "\",\"more_info\":" \
	"\"https://www.twilio.com/docs/errors/" #code "\",\"status\":" \
	#status "}"

static void	no_leaks(void);
static void	parse(long, const char *, struct sms_result *);
static void	is(const struct sms_result *, enum sms_outcome, const char *,
		    const char *, long, const char *);
static void	build_is(const char *, const char *, const char *,
		    const char *, const char *, const char *);
static void	refused(const char *, const char *, const char *,
		    const char *, const char *, const char *, const char *);
static void	round_trip(const char *, const char *, const char *);
static char	*repeat(const char *, size_t);

static void
no_leaks(void)
{
	cr_assert_eq(leaks(), 0, "memory leaked: see LeakSanitizer's report");
}

/* Parses a copy of exactly strlen(body) bytes, so ASan sees an overread. */
static void
parse(long status, const char *body, struct sms_result *r)
{
	char		*copy;
	size_t		 len;

	len = strlen(body);
	cr_assert_not_null(copy = malloc(len ? len : 1));
	memcpy(copy, body, len);
	memset(r, 0x5a, sizeof(*r));
	sms_parse_response(status, copy, len, r);
	free(copy);
}

static void
is(const struct sms_result *r, enum sms_outcome outcome, const char *sid,
    const char *status, long code, const char *message)
{
	cr_assert_eq(r->outcome, outcome, "outcome %s, want %s",
	    sms_outcome_name(r->outcome), sms_outcome_name(outcome));
	cr_assert_str_eq(r->sid, sid);
	cr_assert_str_eq(r->status, status);
	cr_assert_eq(r->code, code, "code %ld, want %ld", r->code, code);
	cr_assert_str_eq(r->message, message);
}

static void
build_is(const char *base, const char *from, const char *text,
    const char *url, const char *userpwd, const char *body)
{
	struct sms_request	 req;
	const char		*errstr;

	errstr = NULL;
	cr_assert_eq(sms_request_build(&req, base, SID, TOKEN, TO, from, text,
	    &errstr), 1, "refused: %s", errstr);
	cr_assert_null(errstr);
	cr_assert_str_eq(req.url, url);
	cr_assert_str_eq(req.userpwd, userpwd);
	cr_assert_str_eq(strbuf_cstr(&req.body), body);
	cr_assert_eq(req.body.len, strlen(body));
	sms_request_free(&req);
}

static void
refused(const char *base, const char *sid, const char *token,
    const char *to, const char *from, const char *text, const char *why)
{
	struct sms_request	 req;
	const char		*errstr;

	errstr = NULL;
	cr_assert_eq(sms_request_build(&req, base, sid, token, to, from, text,
	    &errstr), 0, "accepted, want \"%s\"", why);
	cr_assert_not_null(errstr);
	cr_assert_eq(strncmp(errstr, why, strlen(why)), 0,
	    "errstr \"%s\", want \"%s...\"", errstr, why);
	cr_assert_str_eq(req.url, "");
	cr_assert_str_eq(req.userpwd, "");
	cr_assert_eq(req.body.len, 0);
	sms_request_free(&req);
}

/* What the portal sends, as Twilio (or the stand-in's src/form.c) reads it. */
static void
round_trip(const char *from_name, const char *from, const char *text)
{
	struct sms_request	 req;
	struct form		 f;
	const char		*errstr;
	char			 err[128];

	cr_assert_eq(sms_request_build(&req, BASE, SID, TOKEN, TO, from, text,
	    &errstr), 1);
	form_init(&f);
	cr_assert_eq(form_parse(&f, req.body.data, req.body.len, err,
	    sizeof(err)), 1, "%s", err);
	cr_assert_eq(f.nfields, 3);
	cr_assert_str_eq(f.fields[0].name, "To");
	cr_assert_str_eq(f.fields[0].value, TO);
	cr_assert_str_eq(f.fields[1].name, from_name);
	cr_assert_str_eq(f.fields[1].value, from);
	cr_assert_str_eq(f.fields[2].name, "Body");
	cr_assert_str_eq(f.fields[2].value, text);
	form_free(&f);
	sms_request_free(&req);
}

/* n copies of s, NUL-terminated; the caller frees it. */
static char *
repeat(const char *s, size_t n)
{
	char		*out;
	size_t		 len, i;

	len = strlen(s);
	cr_assert_not_null(out = malloc(len * n + 1));
	for (i = 0; i < n; i++)
		memcpy(out + i * len, s, len);
	out[len * n] = '\0';
	return (out);
}

Test(sms, request)
{
	build_is(BASE, FROM, "Invoice INV-1: https://pay.example/l/abc",
	    BASE PATH, SID ":" TOKEN,
	    "To=%2B15005550006&From=%2B15005550001&Body=Invoice%20INV-1%3A"
	    "%20https%3A%2F%2Fpay.example%2Fl%2Fabc");
	/* One trailing slash goes; a path prefix stays. */
	build_is("https://api.twilio.com/", FROM, "x",
	    "https://api.twilio.com" PATH, SID ":" TOKEN,
	    "To=%2B15005550006&From=%2B15005550001&Body=x");
	build_is("https://proxy.example:8443/twilio", FROM, "x",
	    "https://proxy.example:8443/twilio" PATH, SID ":" TOKEN,
	    "To=%2B15005550006&From=%2B15005550001&Body=x");
	no_leaks();
}

Test(sms, request_senders)
{
	build_is(BASE, MG, "x", BASE PATH, SID ":" TOKEN,
	    "To=%2B15005550006&MessagingServiceSid=" MG "&Body=x");
	build_is(BASE, "Pay Portal", "x", BASE PATH, SID ":" TOKEN,
	    "To=%2B15005550006&From=Pay%20Portal&Body=x");
	build_is(BASE, "ACME2", "x", BASE PATH, SID ":" TOKEN,
	    "To=%2B15005550006&From=ACME2&Body=x");
	no_leaks();
}

Test(sms, request_encoding)
{
	/* Unreserved characters stay; everything else is %XX, in capitals. */
	build_is(BASE, FROM, "a-b.c_d~e f+g&h=i%j\nk\xc3\xa9\xf0\x9f\x98\x80",
	    BASE PATH, SID ":" TOKEN,
	    "To=%2B15005550006&From=%2B15005550001&Body=a-b.c_d~e%20f%2Bg%26h"
	    "%3Di%25j%0Ak%C3%A9%F0%9F%98%80");
	round_trip("From", FROM, "Pay 100% & more = +1?\r\n\tdone \xc3\xa9");
	round_trip("MessagingServiceSid", MG, "x");
	round_trip("From", "Pay Portal", "a=b&c=d");
	no_leaks();
}

/* A token with a colon is fine: libcurl splits userpwd at the first. */
Test(sms, request_token_colon)
{
	struct sms_request	 req;
	const char		*errstr;

	cr_assert_eq(sms_request_build(&req, BASE, "AC_test", "to:ken", TO,
	    FROM, "x", &errstr), 1);
	cr_assert_str_eq(req.userpwd, "AC_test:to:ken");
	cr_assert_str_eq(req.url,
	    BASE "/2010-04-01/Accounts/AC_test/Messages.json");
	sms_request_free(&req);
	no_leaks();
}

/* The auth token does not outlive the request in its memory. */
Test(sms, request_free_wipes)
{
	struct sms_request	 req;
	const char		*errstr;
	size_t			 i;

	cr_assert_eq(sms_request_build(&req, BASE, SID, TOKEN, TO, FROM, "x",
	    &errstr), 1);
	sms_request_free(&req);
	for (i = 0; i < sizeof(req.userpwd); i++)
		cr_assert_eq(req.userpwd[i], 0, "byte %zu left", i);
	cr_assert_null(req.body.data);
	no_leaks();
}

Test(sms, request_refused)
{
	refused(NULL, SID, TOKEN, TO, FROM, "x", "base_url:");
	refused("", SID, TOKEN, TO, FROM, "x", "base_url:");
	refused("ftp://h", SID, TOKEN, TO, FROM, "x", "base_url:");
	refused("https://", SID, TOKEN, TO, FROM, "x", "base_url:");
	refused("https:///", SID, TOKEN, TO, FROM, "x", "base_url:");
	refused("https:///path", SID, TOKEN, TO, FROM, "x", "base_url:");
	refused("https://h/?a=1", SID, TOKEN, TO, FROM, "x", "base_url:");
	refused("https://h/#x", SID, TOKEN, TO, FROM, "x", "base_url:");
	refused("https://h x", SID, TOKEN, TO, FROM, "x", "base_url:");
	refused("https://h\n", SID, TOKEN, TO, FROM, "x", "base_url:");

	refused(BASE, NULL, TOKEN, TO, FROM, "x", "account_sid:");
	refused(BASE, "", TOKEN, TO, FROM, "x", "account_sid:");
	refused(BASE, "AC", TOKEN, TO, FROM, "x", "account_sid:");
	refused(BASE, "SK0123", TOKEN, TO, FROM, "x", "account_sid:");
	refused(BASE, "AC01/../x", TOKEN, TO, FROM, "x", "account_sid:");
	refused(BASE, "AC01:2", TOKEN, TO, FROM, "x", "account_sid:");

	refused(BASE, SID, NULL, TO, FROM, "x", "auth_token:");
	refused(BASE, SID, "", TO, FROM, "x", "auth_token:");
	refused(BASE, SID, "to ken", TO, FROM, "x", "auth_token:");
	refused(BASE, SID, "tok\r\n", TO, FROM, "x", "auth_token:");
	refused(BASE, SID, "t\xc3\xa9", TO, FROM, "x", "auth_token:");

	refused(BASE, SID, TOKEN, NULL, FROM, "x", "to:");
	refused(BASE, SID, TOKEN, "", FROM, "x", "to:");
	refused(BASE, SID, TOKEN, "15005550006", FROM, "x", "to:");
	refused(BASE, SID, TOKEN, "+1234567", FROM, "x", "to:");
	refused(BASE, SID, TOKEN, "+1234567890123456", FROM, "x", "to:");
	refused(BASE, SID, TOKEN, "+1 500 555 0006", FROM, "x", "to:");
	refused(BASE, SID, TOKEN, "+1500555000a", FROM, "x", "to:");
	refused(BASE, SID, TOKEN, "++15005550006", FROM, "x", "to:");

	refused(BASE, SID, TOKEN, TO, NULL, "x", "from:");
	refused(BASE, SID, TOKEN, TO, "", "x", "from:");
	refused(BASE, SID, TOKEN, TO, "123456", "x", "from:");
	refused(BASE, SID, TOKEN, TO, "Twelve Chars", "x", "from:");
	refused(BASE, SID, TOKEN, TO, "Pay-Portal", "x", "from:");
	refused(BASE, SID, TOKEN, TO, "MG0123456789abcdef0123456789abcdeg",
	    "x", "from:");

	refused(BASE, SID, TOKEN, TO, FROM, NULL, "text:");
	refused(BASE, SID, TOKEN, TO, FROM, "", "text:");
	no_leaks();
}

Test(sms, request_limits)
{
	struct sms_request	 req;
	const char		*errstr;
	char			*s;

	/* 15 digits is E.164's most, 8 the least allowed. */
	cr_assert_eq(sms_request_build(&req, BASE, SID, TOKEN,
	    "+123456789012345", "+12345678", "x", &errstr), 1);
	sms_request_free(&req);

	s = repeat("a", SMS_MAX_CHARS);
	cr_assert_eq(sms_request_build(&req, BASE, SID, TOKEN, TO, FROM, s,
	    &errstr), 1);
	sms_request_free(&req);
	free(s);
	s = repeat("a", SMS_MAX_CHARS + 1);
	refused(BASE, SID, TOKEN, TO, FROM, s, "text:");
	free(s);

	/* Characters, not bytes; an emoji is two, as in UTF-16. */
	s = repeat("\xc3\xa9", SMS_MAX_CHARS);
	cr_assert_eq(sms_request_build(&req, BASE, SID, TOKEN, TO, FROM, s,
	    &errstr), 1);
	sms_request_free(&req);
	free(s);
	s = repeat("\xf0\x9f\x98\x80", SMS_MAX_CHARS / 2);
	cr_assert_eq(sms_request_build(&req, BASE, SID, TOKEN, TO, FROM, s,
	    &errstr), 1);
	sms_request_free(&req);
	free(s);
	s = repeat("\xf0\x9f\x98\x80", SMS_MAX_CHARS / 2 + 1);
	refused(BASE, SID, TOKEN, TO, FROM, s, "text:");
	free(s);

	s = repeat("h", SMS_MAX_BASE_URL);
	memcpy(s, "https://", 8);
	cr_assert_eq(sms_request_build(&req, s, SID, TOKEN, TO, FROM, "x",
	    &errstr), 1);
	sms_request_free(&req);
	free(s);
	s = repeat("h", SMS_MAX_BASE_URL + 1);
	memcpy(s, "https://", 8);
	refused(s, SID, TOKEN, TO, FROM, "x", "base_url:");
	free(s);

	s = repeat("A", SMS_MAX_SID);
	s[1] = 'C';
	cr_assert_eq(sms_request_build(&req, BASE, s, TOKEN, TO, FROM, "x",
	    &errstr), 1);
	sms_request_free(&req);
	free(s);
	s = repeat("A", SMS_MAX_SID + 1);
	s[1] = 'C';
	refused(BASE, s, TOKEN, TO, FROM, "x", "account_sid:");
	free(s);

	s = repeat("t", SMS_MAX_TOKEN);
	cr_assert_eq(sms_request_build(&req, BASE, SID, s, TO, FROM, "x",
	    &errstr), 1);
	sms_request_free(&req);
	free(s);
	s = repeat("t", SMS_MAX_TOKEN + 1);
	refused(BASE, SID, s, TO, FROM, "x", "auth_token:");
	free(s);
	no_leaks();
}

Test(sms, request_bad_utf8)
{
	static const char *const	 bad[] = {
		"\x80",			/* a lone continuation byte */
		"a\xc3",		/* cut short */
		"\xc3\x28",		/* not a continuation */
		"\xc0\xaf",		/* overlong '/' */
		"\xe0\x80\xaf",		/* overlong, three bytes */
		"\xed\xa0\x80",		/* a UTF-16 surrogate */
		"\xf4\x90\x80\x80",	/* past U+10FFFF */
		"\xf5\x80\x80\x80",
		"\xff",
	};
	size_t				 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		refused(BASE, SID, TOKEN, TO, FROM, bad[i], "text:");
	no_leaks();
}

Test(sms, sent)
{
	struct sms_result	 r;

	parse(201, MESSAGE(SM, "queued", NO_ERROR), &r);
	is(&r, SMS_SENT, SM, "queued", 0, "");
	parse(200, MESSAGE(SM, "accepted", NO_ERROR), &r);
	is(&r, SMS_SENT, SM, "accepted", 0, "");
	parse(201, "{\"sid\":\"" SM "\"}", &r);
	is(&r, SMS_SENT, SM, "", 0, "");
	/* A status it cannot hold is left out; the message went. */
	parse(201, MESSAGE(SM, "queued!", NO_ERROR), &r);
	is(&r, SMS_SENT, SM, "", 0, "");
	parse(201, "{\"sid\":\"" SM "\",\"status\":\"a_very_long_status\"}",
	    &r);
	is(&r, SMS_SENT, SM, "", 0, "");
	no_leaks();
}

/* Refused on the spot although Twilio made a message resource. */
Test(sms, sent_but_failed)
{
	struct sms_result	 r;

	parse(201, MESSAGE(SM, "failed", ",\"error_code\":30007,"
	    "\"error_message\":\"Message filtered\""), &r);
	is(&r, SMS_REJECTED, SM, "failed", 30007, "Message filtered");
	parse(201, MESSAGE(SM, "undelivered", NO_ERROR), &r);
	is(&r, SMS_REJECTED, SM, "undelivered", 0, "");
	no_leaks();
}

/* A 2xx without a message sid cannot say a text went: try again. */
Test(sms, sent_without_sid)
{
	struct sms_result	 r;

	parse(201, "{}", &r);
	is(&r, SMS_RETRY, "", "", 0, "");
	parse(201, MESSAGE("MM1f0e2d3c4b5a69788796a5b4c3d2e1f0", "queued",
	    NO_ERROR), &r);
	is(&r, SMS_RETRY, "", "", 0, "");
	parse(201, MESSAGE("SM1f0e2d3c4b5a69788796a5b4c3d2e1f", "queued",
	    NO_ERROR), &r);
	is(&r, SMS_RETRY, "", "", 0, "");
	parse(201, MESSAGE("SM1f0e2d3c4b5a69788796a5b4c3d2e1f00", "queued",
	    NO_ERROR), &r);
	is(&r, SMS_RETRY, "", "", 0, "");
	parse(201, MESSAGE("SM1f0e2d3c4b5a69788796a5b4c3d2e1fg", "queued",
	    NO_ERROR), &r);
	is(&r, SMS_RETRY, "", "", 0, "");
	parse(201, "{\"sid\":12}", &r);
	is(&r, SMS_RETRY, "", "", 0, "");
	parse(204, "", &r);
	is(&r, SMS_RETRY, "", "", 0, "");
	parse(201, "[\"" SM "\"]", &r);
	is(&r, SMS_RETRY, "", "", 0, "");
	no_leaks();
}

Test(sms, rejected)
{
	struct sms_result	 r;

	parse(400, TWILIO_ERROR(21211, "The 'To' number +1234 is not a valid "
	    "phone number.", 400), &r);
	is(&r, SMS_REJECTED, "", "", 21211,
	    "The 'To' number +1234 is not a valid phone number.");
	parse(400, TWILIO_ERROR(21602, "Message body is required.", 400), &r);
	is(&r, SMS_REJECTED, "", "", 21602, "Message body is required.");
	parse(400, TWILIO_ERROR(21617, "The concatenated message body "
	    "exceeds the 1600 character limit.", 400), &r);
	is(&r, SMS_REJECTED, "", "", 21617, "The concatenated message body "
	    "exceeds the 1600 character limit.");
	parse(401, TWILIO_ERROR(20003, "Authenticate", 401), &r);
	is(&r, SMS_REJECTED, "", "", 20003, "Authenticate");
	parse(404, TWILIO_ERROR(20404, "The requested resource was not found",
	    404), &r);
	is(&r, SMS_REJECTED, "", "", 20404,
	    "The requested resource was not found");
	/* The code is what counts; a message is for the log. */
	parse(400, "{\"code\":21211}", &r);
	is(&r, SMS_REJECTED, "", "", 21211, "");
	no_leaks();
}

Test(sms, retry)
{
	struct sms_result	 r;

	parse(0, "", &r);
	is(&r, SMS_RETRY, "", "", 0, "");
	/* No answer is no answer, whatever bytes came with it. */
	parse(0, MESSAGE(SM, "queued", NO_ERROR), &r);
	is(&r, SMS_RETRY, "", "", 0, "");
	parse(429, TWILIO_ERROR(20429, "Too Many Requests", 429), &r);
	is(&r, SMS_RETRY, "", "", 20429, "Too Many Requests");
	parse(408, TWILIO_ERROR(20408, "Timeout", 408), &r);
	is(&r, SMS_RETRY, "", "", 20408, "Timeout");
	parse(500, TWILIO_ERROR(20500, "Internal Server Error", 500), &r);
	is(&r, SMS_RETRY, "", "", 20500, "Internal Server Error");
	parse(503, "<html>Service Unavailable</html>", &r);
	is(&r, SMS_RETRY, "", "", 0, "");
	parse(302, TWILIO_ERROR(20302, "Moved", 302), &r);
	is(&r, SMS_RETRY, "", "", 20302, "Moved");
	/* A 4xx that Twilio did not write: a proxy, a wrong base URL. */
	parse(404, "<html>Not Found</html>", &r);
	is(&r, SMS_RETRY, "", "", 0, "");
	parse(400, "{\"error\":{\"type\":\"invalid_request_error\"}}", &r);
	is(&r, SMS_RETRY, "", "", 0, "");
	parse(400, "{\"code\":\"21211\",\"message\":\"x\"}", &r);
	is(&r, SMS_RETRY, "", "", 0, "");
	parse(400, "{\"code\":0,\"message\":\"x\"}", &r);
	is(&r, SMS_RETRY, "", "", 0, "");
	parse(400, "{\"code\":-21211,\"message\":\"x\"}", &r);
	is(&r, SMS_RETRY, "", "", 0, "");
	parse(400, "{\"code\":9223372036854775807,\"message\":\"x\"}", &r);
	is(&r, SMS_RETRY, "", "", 0, "");
	parse(400, "{\"code\":21211.0,\"message\":\"x\"}", &r);
	is(&r, SMS_RETRY, "", "", 0, "");
	no_leaks();
}

Test(sms, malformed)
{
	struct sms_result	 r;
	struct strbuf		 sb;

	parse(400, "{\"code\":21211,\"message\":\"x\"", &r);
	is(&r, SMS_RETRY, "", "", 0, "");
	parse(400, "{\"code\":21211,\"code\":21602}", &r);
	is(&r, SMS_RETRY, "", "", 0, "");
	parse(201, "{\"sid\":\"" SM "\",\"sid\":\"" SM "\"}", &r);
	is(&r, SMS_RETRY, "", "", 0, "");
	parse(201, "{\"sid\":\"" SM "\"} trailing", &r);
	is(&r, SMS_RETRY, "", "", 0, "");
	parse(400, "{\"code\":21211,\"message\":\"\xff\"}", &r);
	is(&r, SMS_RETRY, "", "", 0, "");
	/* jansson refuses \u0000 in strings: the whole answer goes. */
	parse(201, MESSAGE(SM, "queued\\u0000", NO_ERROR), &r);
	is(&r, SMS_RETRY, "", "", 0, "");
	sms_parse_response(400, NULL, 0, &r);
	is(&r, SMS_RETRY, "", "", 0, "");

	/* Over the limit: not read at all. */
	strbuf_init(&sb);
	strbuf_appends(&sb, "{\"code\":21211,\"message\":\"");
	while (sb.len <= SMS_MAX_RESPONSE)
		strbuf_appends(&sb, "xxxxxxxxxxxxxxxx");
	strbuf_appends(&sb, "\"}");
	cr_assert_eq(sb.failed, 0);
	sms_parse_response(400, sb.data, sb.len, &r);
	is(&r, SMS_RETRY, "", "", 0, "");
	strbuf_free(&sb);
	no_leaks();
}

/* Messages are cut to fit, and cannot break a log line. */
Test(sms, message_text)
{
	struct sms_result	 r;
	struct strbuf		 sb;
	size_t			 i;

	parse(400, "{\"code\":21211,\"message\":\"a\\nb\\u001bc\\u007fd "
	    "\xc3\xa9\"}", &r);
	is(&r, SMS_REJECTED, "", "", 21211, "a?b?c?d ??");
	parse(400, "{\"code\":21211,\"message\":null}", &r);
	is(&r, SMS_REJECTED, "", "", 21211, "");

	strbuf_init(&sb);
	strbuf_appends(&sb, "{\"code\":21211,\"message\":\"");
	for (i = 0; i < 300; i++)
		strbuf_appendc(&sb, (char)('a' + i % 26));
	strbuf_appends(&sb, "\"}");
	parse(400, strbuf_cstr(&sb), &r);
	cr_assert_eq(r.outcome, SMS_REJECTED);
	cr_assert_eq(strlen(r.message), sizeof(r.message) - 1);
	cr_assert_eq(strncmp(r.message, sb.data + 25, sizeof(r.message) - 1),
	    0);
	strbuf_free(&sb);
	no_leaks();
}

Test(sms, outcome_names)
{
	cr_assert_str_eq(sms_outcome_name(SMS_SENT), "sent");
	cr_assert_str_eq(sms_outcome_name(SMS_REJECTED), "rejected");
	cr_assert_str_eq(sms_outcome_name(SMS_RETRY), "retry");
}
