/*
 * Tests for src/gwsig.c. The known answers were computed apart from the
 * code under test, with
 *	printf '%s' "<t>.<payload>" | openssl dgst -sha256 -hmac <secret>
 */
#include <criterion/criterion.h>

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "gwsig.h"

/* See test_conf.c: a leak must fail the test that caused it. */
#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/lsan_interface.h>
#define leaks()		__lsan_do_recoverable_leak_check()
#else
#define leaks()		0
#endif

#define T		1700000000
#define T_S		"1700000000"
#define SECRET		"whsec_test_secret"
#define ROTATED		"whsec_rotated"
#define BODY		"{\"id\":\"evt_1\"," \
			"\"type\":\"payment_intent.succeeded\"}"

/* HMAC-SHA256 of T_S "." BODY under SECRET and ROTATED. */
#define MAC_SECRET	"22d8dc182f5c588077683bd378368e29" \
			"765bfe5df2560112b4f28fef120f0e31"
#define MAC_ROTATED	"e25022772b469f1b9e99dffefc2ab489" \
			"736063bf5c6ddf3fb509246aab7f5de5"
/* Of "0001700000000." BODY under SECRET: t is signed as written. */
#define MAC_ZEROS	"b466954f47741bfb95365f1f3171029b" \
			"60d33e467c8475cf38ada14c835898ee"
/* Of T_S "." (an empty body) under SECRET. */
#define MAC_EMPTY	"316b9ab98c15bfa039d243f3196acee6" \
			"19cf29749a91a634e6a8154e2f7b6727"
/* Of T_S ".hello" under "whsec_abc". */
#define MAC_HELLO	"143e3a972876cf7aeb5ed09be39f63a5" \
			"a566902ec1d418b8d00865c9d9ea7f9b"
#define WRONG		"00000000000000000000000000000000" \
			"00000000000000000000000000000000"

static void	no_leaks(void);
static enum gwsig_verdict	check(const char *, int64_t);
static enum gwsig_verdict	check_body(const char *, const char *, size_t,
				    int64_t);

static const char *const	secrets[] = { SECRET };

static void
no_leaks(void)
{
	cr_assert_eq(leaks(), 0, "memory leaked: see LeakSanitizer's report");
}

static enum gwsig_verdict
check(const char *header, int64_t now)
{
	return (gwsig_verify(header, secrets, 1, BODY, strlen(BODY), now));
}

static enum gwsig_verdict
check_body(const char *header, const char *body, size_t len, int64_t now)
{
	return (gwsig_verify(header, secrets, 1, body, len, now));
}

Test(gwsig, known_answer)
{
	cr_assert_eq(check("t=" T_S ",v1=" MAC_SECRET, T), GWSIG_OK);
	cr_assert_eq(check("t=" T_S ",v1=" MAC_ROTATED, T), GWSIG_MISMATCH);
	cr_assert_eq(check("t=" T_S ",v1=" WRONG, T), GWSIG_MISMATCH);
	cr_assert_eq(check_body("t=" T_S ",v1=" MAC_EMPTY, NULL, 0, T),
	    GWSIG_OK);
	cr_assert_eq(check_body("t=" T_S ",v1=" MAC_EMPTY, "", 0, T),
	    GWSIG_OK);
	no_leaks();
}

Test(gwsig, payload_is_signed)
{
	char		 body[] = BODY;
	size_t		 i;

	/* Every byte counts, and so does the length. */
	for (i = 0; i < strlen(BODY); i++) {
		body[i] ^= 0x01;
		cr_assert_eq(check_body("t=" T_S ",v1=" MAC_SECRET, body,
		    strlen(BODY), T), GWSIG_MISMATCH, "byte %zu", i);
		body[i] ^= 0x01;
	}
	cr_assert_eq(check_body("t=" T_S ",v1=" MAC_SECRET, BODY,
	    strlen(BODY) - 1, T), GWSIG_MISMATCH);
	cr_assert_eq(check_body("t=" T_S ",v1=" MAC_SECRET, BODY "\n",
	    strlen(BODY) + 1, T), GWSIG_MISMATCH);
	/* A body with a NUL in it is signed to its length. */
	cr_assert_eq(check_body("t=" T_S ",v1=" MAC_SECRET, BODY "\0x",
	    strlen(BODY) + 2, T), GWSIG_MISMATCH);
	/* The timestamp is signed too. */
	cr_assert_eq(check("t=1700000001,v1=" MAC_SECRET, T), GWSIG_MISMATCH);
	no_leaks();
}

Test(gwsig, sign)
{
	char		 out[GWSIG_SIGN_MAX];
	const char	*want;

	want = "t=" T_S ",v1=" MAC_HELLO;
	cr_assert_eq(gwsig_sign("whsec_abc", T, "hello", 5, out, sizeof(out)),
	    1);
	cr_assert_str_eq(out, want);
	cr_assert_eq(gwsig_sign(SECRET, T, BODY, strlen(BODY), out,
	    sizeof(out)), 1);
	cr_assert_str_eq(out, "t=" T_S ",v1=" MAC_SECRET);
	cr_assert_eq(gwsig_sign(SECRET, T, NULL, 0, out, sizeof(out)), 1);
	cr_assert_str_eq(out, "t=" T_S ",v1=" MAC_EMPTY);

	/* Exactly the room it needs, and one byte less. */
	cr_assert_eq(gwsig_sign("whsec_abc", T, "hello", 5, out,
	    strlen(want) + 1), 1);
	cr_assert_str_eq(out, want);
	cr_assert_eq(gwsig_sign("whsec_abc", T, "hello", 5, out,
	    strlen(want)), 0);
	cr_assert_str_eq(out, "");
	cr_assert_eq(gwsig_sign("whsec_abc", T, "hello", 5, out, 0), 0);

	cr_assert_eq(gwsig_sign("", T, "hello", 5, out, sizeof(out)), 0);
	cr_assert_str_eq(out, "");
	cr_assert_eq(gwsig_sign(NULL, T, "hello", 5, out, sizeof(out)), 0);
	cr_assert_eq(gwsig_sign("whsec_abc", -1, "hello", 5, out,
	    sizeof(out)), 0);

	/* The longest: 19 digits of t, in GWSIG_SIGN_MAX. */
	cr_assert_eq(gwsig_sign("whsec_abc", INT64_MAX, "hello", 5, out,
	    sizeof(out)), 1);
	cr_assert_eq(strlen(out), 2 + 19 + 4 + 64);
	cr_assert_eq(strncmp(out, "t=9223372036854775807,v1=", 25), 0);
	cr_assert_eq(gwsig_sign("whsec_abc", 0, "hello", 5, out,
	    sizeof(out)), 1);
	cr_assert_eq(strncmp(out, "t=0,v1=", 7), 0);
	no_leaks();
}

Test(gwsig, round_trip)
{
	char		 out[GWSIG_SIGN_MAX];
	const char	*only[] = { "whsec_abc" };

	cr_assert_eq(gwsig_sign("whsec_abc", T, "hello", 5, out, sizeof(out)),
	    1);
	cr_assert_eq(gwsig_verify(out, only, 1, "hello", 5, T), GWSIG_OK);
	cr_assert_eq(gwsig_verify(out, only, 1, "hellO", 5, T),
	    GWSIG_MISMATCH);
	cr_assert_eq(gwsig_sign("whsec_abc", 0, "hello", 5, out, sizeof(out)),
	    1);
	cr_assert_eq(gwsig_verify(out, only, 1, "hello", 5, 300), GWSIG_OK);
	cr_assert_eq(gwsig_verify(out, only, 1, "hello", 5, 301),
	    GWSIG_STALE);
	no_leaks();
}

Test(gwsig, rotation)
{
	const char	*both[] = { ROTATED, SECRET };
	const char	*gaps[] = { NULL, "", SECRET };
	const char	*empty[] = { "" };
	char		 hex[65];
	unsigned char	 mac[32];
	unsigned int	 maclen;
	char		 header[128];
	size_t		 i;

	cr_assert_eq(gwsig_verify("t=" T_S ",v1=" MAC_SECRET, both, 2, BODY,
	    strlen(BODY), T), GWSIG_OK);
	cr_assert_eq(gwsig_verify("t=" T_S ",v1=" MAC_ROTATED, both, 2, BODY,
	    strlen(BODY), T), GWSIG_OK);
	/* During a rotation Stripe sends one v1 per secret. */
	cr_assert_eq(gwsig_verify("t=" T_S ",v1=" MAC_ROTATED ",v1="
	    MAC_SECRET, both, 2, BODY, strlen(BODY), T), GWSIG_OK);
	cr_assert_eq(gwsig_verify("t=" T_S ",v1=" WRONG, both, 2, BODY,
	    strlen(BODY), T), GWSIG_MISMATCH);
	/* Only the first secret: the second is not looked at. */
	cr_assert_eq(gwsig_verify("t=" T_S ",v1=" MAC_SECRET, both, 1, BODY,
	    strlen(BODY), T), GWSIG_MISMATCH);
	cr_assert_eq(gwsig_verify("t=" T_S ",v1=" MAC_SECRET, both, 0, BODY,
	    strlen(BODY), T), GWSIG_MISMATCH);
	cr_assert_eq(gwsig_verify("t=" T_S ",v1=" MAC_SECRET, NULL, 0, BODY,
	    strlen(BODY), T), GWSIG_MISMATCH);
	cr_assert_eq(gwsig_verify("t=" T_S ",v1=" MAC_SECRET, gaps, 3, BODY,
	    strlen(BODY), T), GWSIG_OK);

	/* Anybody can sign with an empty key: it never verifies. */
	cr_assert_neq(HMAC(EVP_sha256(), "", 0,
	    (const unsigned char *)T_S "." BODY, strlen(T_S "." BODY), mac,
	    &maclen), NULL);
	cr_assert_eq(maclen, 32);
	for (i = 0; i < 32; i++)
		(void)snprintf(hex + 2 * i, 3, "%02x", mac[i]);
	(void)snprintf(header, sizeof(header), "t=%s,v1=%s", T_S, hex);
	cr_assert_eq(gwsig_verify(header, empty, 1, BODY, strlen(BODY), T),
	    GWSIG_MISMATCH);
	cr_assert_eq(gwsig_verify(header, gaps, 3, BODY, strlen(BODY), T),
	    GWSIG_MISMATCH);
	no_leaks();
}

Test(gwsig, tolerance)
{
	const char	*h = "t=" T_S ",v1=" MAC_SECRET;

	cr_assert_eq(check(h, T + 300), GWSIG_OK);
	cr_assert_eq(check(h, T + 301), GWSIG_STALE);
	cr_assert_eq(check(h, T - 300), GWSIG_OK);
	cr_assert_eq(check(h, T - 301), GWSIG_STALE);
	cr_assert_eq(check(h, T + 86400 * 365), GWSIG_STALE);
	cr_assert_eq(check(h, 0), GWSIG_STALE);
	/* Differences past INT64_MAX are still far. */
	cr_assert_eq(check(h, INT64_MIN), GWSIG_STALE);
	cr_assert_eq(check(h, INT64_MAX), GWSIG_STALE);

	/* The time is told only to whoever holds the secret. */
	cr_assert_eq(check("t=" T_S ",v1=" WRONG, T + 301), GWSIG_MISMATCH);
	cr_assert_eq(check("t=1,v1=" WRONG, T), GWSIG_MISMATCH);
	no_leaks();
}

Test(gwsig, order_and_unknown_keys)
{
	cr_assert_eq(check("v1=" MAC_SECRET ",t=" T_S, T), GWSIG_OK);
	cr_assert_eq(check("scheme=x,t=" T_S ",foo,v1=" MAC_SECRET ",=,,",
	    T), GWSIG_OK);
	/* v0 is Stripe's test-mode scheme: never a signature here. */
	cr_assert_eq(check("t=" T_S ",v0=" MAC_SECRET, T), GWSIG_MALFORMED);
	cr_assert_eq(check("t=" T_S ",v0=" WRONG ",v1=" MAC_SECRET, T),
	    GWSIG_OK);
	cr_assert_eq(check("t=" T_S ",v2=" MAC_SECRET ",v1=" WRONG, T),
	    GWSIG_MISMATCH);
	/* Keys are matched exactly, as Stripe's libraries do. */
	cr_assert_eq(check("t=" T_S ",V1=" MAC_SECRET, T), GWSIG_MALFORMED);
	cr_assert_eq(check("T=" T_S ",v1=" MAC_SECRET, T), GWSIG_MALFORMED);
	cr_assert_eq(check("t=" T_S ",v1" MAC_SECRET, T), GWSIG_MALFORMED);
	no_leaks();
}

/* Stripe never sends spaces: a key with one is unknown. */
Test(gwsig, spaces)
{
	cr_assert_eq(check("t=" T_S ", v1=" MAC_SECRET, T), GWSIG_MALFORMED);
	cr_assert_eq(check(" t=" T_S ",v1=" MAC_SECRET, T), GWSIG_MALFORMED);
	cr_assert_eq(check("t =" T_S ",v1=" MAC_SECRET, T), GWSIG_MALFORMED);
	cr_assert_eq(check("t= " T_S ",v1=" MAC_SECRET, T), GWSIG_MALFORMED);
	cr_assert_eq(check("t=" T_S " ,v1=" MAC_SECRET, T), GWSIG_MALFORMED);
	cr_assert_eq(check("t=" T_S ",v1=" MAC_SECRET " ", T),
	    GWSIG_MISMATCH);
	cr_assert_eq(check("t=" T_S ",v1= " MAC_SECRET, T), GWSIG_MISMATCH);
	cr_assert_eq(check("t=" T_S ",v1=" MAC_SECRET ", v1=" WRONG, T),
	    GWSIG_OK);
	no_leaks();
}

Test(gwsig, several_v1)
{
	char		 h[1024];
	size_t		 i;
	int		 n;

	cr_assert_eq(check("t=" T_S ",v1=" WRONG ",v1=" MAC_SECRET, T),
	    GWSIG_OK);
	cr_assert_eq(check("t=" T_S ",v1=" MAC_SECRET ",v1=" WRONG, T),
	    GWSIG_OK);
	cr_assert_eq(check("t=" T_S ",v1=" MAC_SECRET ",v1=" MAC_SECRET, T),
	    GWSIG_OK);
	cr_assert_eq(check("t=" T_S ",v1=zz,v1=" MAC_SECRET, T), GWSIG_OK);

	/* The eighth v1 counts, the ninth does not, bad ones included. */
	n = snprintf(h, sizeof(h), "t=%s", T_S);
	for (i = 0; i < 7; i++)
		n += snprintf(h + n, sizeof(h) - (size_t)n, ",v1=%s",
		    i % 2 ? WRONG : "x");
	(void)snprintf(h + n, sizeof(h) - (size_t)n, ",v1=%s", MAC_SECRET);
	cr_assert_eq(check(h, T), GWSIG_OK);
	(void)snprintf(h + n, sizeof(h) - (size_t)n, ",v1=%s,v1=%s", WRONG,
	    MAC_SECRET);
	cr_assert_eq(check(h, T), GWSIG_MISMATCH);
	/* Other keys in between do not count. */
	n = snprintf(h, sizeof(h), "t=%s", T_S);
	for (i = 0; i < 12; i++)
		n += snprintf(h + n, sizeof(h) - (size_t)n, ",v0=%s", WRONG);
	(void)snprintf(h + n, sizeof(h) - (size_t)n, ",v1=%s", MAC_SECRET);
	cr_assert_lt(strlen(h), (size_t)GWSIG_HEADER_MAX);
	cr_assert_eq(check(h, T), GWSIG_OK);
	no_leaks();
}

Test(gwsig, bad_hex)
{
	/* Short, long, upper case, odd characters: all match nothing. */
	cr_assert_eq(check("t=" T_S ",v1=22d8dc182f5c588077683bd378368e29"
	    "765bfe5df2560112b4f28fef120f0e3", T), GWSIG_MISMATCH);
	cr_assert_eq(check("t=" T_S ",v1=" MAC_SECRET "1", T),
	    GWSIG_MISMATCH);
	cr_assert_eq(check("t=" T_S ",v1=" MAC_SECRET "00", T),
	    GWSIG_MISMATCH);
	cr_assert_eq(check("t=" T_S ",v1=22D8DC182F5C588077683BD378368E29"
	    "765BFE5DF2560112B4F28FEF120F0E31", T), GWSIG_MISMATCH);
	cr_assert_eq(check("t=" T_S ",v1=22d8dc182f5c588077683bd378368e29"
	    "765bfe5df2560112b4f28fef120f0E31", T), GWSIG_MISMATCH);
	cr_assert_eq(check("t=" T_S ",v1=22d8dc182f5c588077683bd378368e29"
	    "765bfe5df2560112b4f28fef120f0eg1", T), GWSIG_MISMATCH);
	cr_assert_eq(check("t=" T_S ",v1=", T), GWSIG_MISMATCH);
	no_leaks();
}

Test(gwsig, timestamp)
{
	cr_assert_eq(check("v1=" MAC_SECRET, T), GWSIG_MALFORMED);
	cr_assert_eq(check("t=,v1=" MAC_SECRET, T), GWSIG_MALFORMED);
	cr_assert_eq(check("t=abc,v1=" MAC_SECRET, T), GWSIG_MALFORMED);
	cr_assert_eq(check("t=-1700000000,v1=" MAC_SECRET, T),
	    GWSIG_MALFORMED);
	cr_assert_eq(check("t=+1700000000,v1=" MAC_SECRET, T),
	    GWSIG_MALFORMED);
	cr_assert_eq(check("t=1700000000.0,v1=" MAC_SECRET, T),
	    GWSIG_MALFORMED);
	cr_assert_eq(check("t=1.7e9,v1=" MAC_SECRET, T), GWSIG_MALFORMED);
	cr_assert_eq(check("t=0x6553f100,v1=" MAC_SECRET, T),
	    GWSIG_MALFORMED);
	cr_assert_eq(check("t=9223372036854775808,v1=" MAC_SECRET, T),
	    GWSIG_MALFORMED);
	cr_assert_eq(check("t=00000000001700000000,v1=" MAC_SECRET, T),
	    GWSIG_MALFORMED);
	/* The largest t parses, and is checked like any other. */
	cr_assert_eq(check("t=9223372036854775807,v1=" MAC_SECRET, T),
	    GWSIG_MISMATCH);
	/* Leading zeros are signed as written. */
	cr_assert_eq(check("t=0001700000000,v1=" MAC_ZEROS, T), GWSIG_OK);
	cr_assert_eq(check("t=0001700000000,v1=" MAC_SECRET, T),
	    GWSIG_MISMATCH);
	/* Two of them, even equal: Stripe's libraries disagree on which. */
	cr_assert_eq(check("t=" T_S ",t=" T_S ",v1=" MAC_SECRET, T),
	    GWSIG_MALFORMED);
	cr_assert_eq(check("t=" T_S ",v1=" MAC_SECRET ",t=1", T),
	    GWSIG_MALFORMED);
	no_leaks();
}

Test(gwsig, header_limits)
{
	char		 h[GWSIG_HEADER_MAX + 2];
	size_t		 n;

	cr_assert_eq(check(NULL, T), GWSIG_MALFORMED);
	cr_assert_eq(check("", T), GWSIG_MALFORMED);
	cr_assert_eq(check(",", T), GWSIG_MALFORMED);
	cr_assert_eq(check("t", T), GWSIG_MALFORMED);

	/* Exactly GWSIG_HEADER_MAX bytes, padded with an unknown key. */
	n = (size_t)snprintf(h, sizeof(h), "t=%s,v1=%s,x=", T_S, MAC_SECRET);
	memset(h + n, 'a', GWSIG_HEADER_MAX - n);
	h[GWSIG_HEADER_MAX] = '\0';
	cr_assert_eq(strlen(h), (size_t)GWSIG_HEADER_MAX);
	cr_assert_eq(check(h, T), GWSIG_OK);
	h[GWSIG_HEADER_MAX] = 'a';
	h[GWSIG_HEADER_MAX + 1] = '\0';
	cr_assert_eq(check(h, T), GWSIG_MALFORMED);
	no_leaks();
}
