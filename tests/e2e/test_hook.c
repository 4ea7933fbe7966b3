/*
 * The gateway's webhook: signatures (forged, stale, rotated), events
 * applied exactly once, and events that are not ours.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <criterion/criterion.h>

#include "e2e.h"
#include "gwsig.h"

static char	ref[64], pre[32];

TestSuite(hook, .init = e2e_init);

/* A pending attempt of its own, as if the charge's answer was lost. */
static void
pending_attempt(char *attempt, long long total)
{
	e2e_pending(50000, total, "pm_hooktest", "30 minutes", attempt, ref,
	    sizeof(ref), pre, sizeof(pre));
}

static void
event_body(char *out, size_t len, const char *event, const char *type,
    const char *status, const char *attempt, long long amount)
{
	(void)snprintf(out, len, "{\"id\":\"%s\",\"object\":\"event\","
	    "\"type\":\"%s\",\"created\":%lld,\"data\":{\"object\":{"
	    "\"id\":\"pi_hook%s\",\"object\":\"payment_intent\","
	    "\"amount\":%lld,\"currency\":\"usd\",\"status\":\"%s\","
	    "\"metadata\":{\"attempt\":\"%s\"},\"last_payment_error\":%s,"
	    "\"latest_charge\":\"ch_hook\"}}}", event, type,
	    (long long)time(NULL), event + 4, amount, status, attempt,
	    strcmp(status, "succeeded") ? "{\"code\":\"card_declined\","
	    "\"decline_code\":\"generic_decline\",\"message\":\"Your card was "
	    "declined.\"}" : "null");
}

static long
deliver(const char *body, const char *secret, int64_t t, struct e2e_resp *r)
{
	char		sig[GWSIG_SIGN_MAX], hdr[256];
	struct e2e_req	rq = { .path = "/gateway/webhook", .body = body };

	cr_assert(gwsig_sign(secret, t, body, strlen(body), sig, sizeof(sig)));
	(void)snprintf(hdr, sizeof(hdr), "Stripe-Signature: %s", sig);
	rq.extra_header = hdr;
	e2e_http(&rq, r);
	return (r->status);
}

static char *
state_of(const char *attempt)
{
	const char	*p[1] = { attempt };

	return (e2e_value("SELECT state || ' ' || coalesce((SELECT number "
	    "FROM receipts WHERE attempt_id = a.id), '-') FROM "
	    "payment_attempts a WHERE id = $1", 1, p));
}

E2E_TEST(hook, a_signed_event_settles_once_and_replays_change_nothing)
{
	struct e2e_resp	 r;
	char		 attempt[64], body[2048], event[64], *s;
	const char	*p[1];

	pending_attempt(attempt, 10000);
	(void)snprintf(event, sizeof(event), "evt_%.8s%ld", attempt,
	    (long)time(NULL));
	/* 100.00 + card 2.9% + 0.30 = 103.20 charged. */
	event_body(body, sizeof(body), event, "payment_intent.succeeded",
	    "succeeded", attempt, 10320);
	cr_assert_eq(deliver(body, "whsec_e2e", time(NULL), &r), 200);
	cr_assert(e2e_contains(&r, "settled"), "%s", strbuf_cstr(&r.body));
	e2e_resp_free(&r);
	s = state_of(attempt);
	cr_assert(strncmp(s, "succeeded R", 11) == 0, "%s", s);
	free(s);

	/* The same event again, e.g. the gateway retrying. */
	cr_assert_eq(deliver(body, "whsec_e2e", time(NULL), &r), 200);
	cr_assert(e2e_contains(&r, "duplicate"));
	e2e_resp_free(&r);
	p[0] = attempt;
	cr_assert_eq(e2e_count("SELECT count(*) FROM receipts WHERE "
	    "attempt_id = $1", 1, p), 1);
	cr_assert_eq(e2e_count("SELECT paid FROM invoices WHERE number = "
	    "$1 || '-1'", 1, (const char *[]){ pre }), 10000);
}

E2E_TEST(hook, forged_and_stale_events_are_refused)
{
	struct e2e_resp	 r;
	char		 attempt[64], body[2048], event[64], *s;

	pending_attempt(attempt, 10000);
	(void)snprintf(event, sizeof(event), "evt_f%.8s", attempt);
	event_body(body, sizeof(body), event, "payment_intent.succeeded",
	    "succeeded", attempt, 10320);
	cr_assert_eq(deliver(body, "whsec_forged", time(NULL), &r), 400);
	e2e_resp_free(&r);
	cr_assert_eq(deliver(body, "whsec_e2e", time(NULL) - 301, &r), 400);
	e2e_resp_free(&r);
	cr_assert_eq(deliver(body, "whsec_e2e", time(NULL) + 400, &r), 400);
	e2e_resp_free(&r);
	s = state_of(attempt);
	cr_assert_str_eq(s, "pending -");
	free(s);
	cr_assert_eq(e2e_count("SELECT count(*) FROM gateway_events WHERE "
	    "id = $1", 1, (const char *[]){ event }), 0);
}

E2E_TEST(hook, a_rotated_secret_still_verifies)
{
	struct e2e_resp	 r;
	char		 attempt[64], body[2048], event[64], *s;

	pending_attempt(attempt, 10000);
	(void)snprintf(event, sizeof(event), "evt_r%.8s", attempt);
	event_body(body, sizeof(body), event, "payment_intent.payment_failed",
	    "requires_payment_method", attempt, 10320);
	cr_assert_eq(deliver(body, "whsec_e2e_next", time(NULL), &r), 200);
	e2e_resp_free(&r);
	s = state_of(attempt);
	cr_assert_str_eq(s, "failed -");
	free(s);
}

E2E_TEST(hook, a_wrong_amount_or_unknown_attempt_settles_nothing)
{
	struct e2e_resp	 r;
	char		 attempt[64], body[2048], event[64], *s;

	pending_attempt(attempt, 10000);
	(void)snprintf(event, sizeof(event), "evt_a%.8s", attempt);
	event_body(body, sizeof(body), event, "payment_intent.succeeded",
	    "succeeded", attempt, 99);
	cr_assert_eq(deliver(body, "whsec_e2e", time(NULL), &r), 200);
	e2e_resp_free(&r);
	s = state_of(attempt);
	cr_assert_str_eq(s, "pending -");
	free(s);

	(void)snprintf(event, sizeof(event), "evt_u%.8s", attempt);
	event_body(body, sizeof(body), event, "payment_intent.succeeded",
	    "succeeded", "00000000-0000-0000-0000-000000000000", 10320);
	cr_assert_eq(deliver(body, "whsec_e2e", time(NULL), &r), 200);
	cr_assert(e2e_contains(&r, "ignored"));
	e2e_resp_free(&r);
}
