/*
 * Pending payments past their deadline: the reconciler stops sending
 * anything that could charge and settles them one way or the other, by
 * what the gateway holds for the attempt. The gateway's webhooks are
 * switched off meanwhile so that only the reconciler can learn the
 * outcome; hence serial.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <criterion/criterion.h>

#include "e2e.h"
#include "strbuf.h"

static void	deadline_init(void);
static void	deadline_fini(void);
static void	past_deadline(long long, const char *, char *, size_t, char *,
		    size_t);
static void	gateway_intent(const char *, const char *, long long,
		    const char *, int, char *, size_t);

TestSuite(deadline, .init = deadline_init, .fini = deadline_fini);

static void
deadline_init(void)
{
	e2e_init();
	e2e_gateway_control("webhook_url=");
}

static void
deadline_fini(void)
{
	char	body[512];

	(void)snprintf(body, sizeof(body), "reset=1&webhook_url=%s"
	    "/gateway/webhook", e2e_env("E2E_BASE"));
	e2e_gateway_control(body);
}

/*
 * A pending attempt over one invoice of a fresh customer whose deadline
 * passed an hour ago, due for the reconciler now.
 */
static void
past_deadline(long long total, const char *pm, char *attempt, size_t alen,
    char *pre, size_t prelen)
{
	char		 ref[64];
	const char	*p[1];

	cr_assert(alen >= 64);
	e2e_pending(total, 0, pm, "-1 hour", attempt, ref, sizeof(ref), pre,
	    prelen);
	p[0] = attempt;
	e2e_sql("UPDATE payment_attempts SET created_at = now() - "
	    "interval '2 hours', check_after = now() WHERE id = $1", 1, p);
}

/* An intent for the attempt made behind the portal's back. */
static void
gateway_intent(const char *attempt, const char *pm, long long amount,
    const char *link, int confirm, char *intent, size_t len)
{
	struct strbuf	 out;
	char		 body[512];
	const char	*s, *e;

	(void)snprintf(body, sizeof(body), "amount=%lld&currency=usd&"
	    "payment_method=%s&confirm=%s&metadata[attempt]=%s&"
	    "metadata[link]=%s", amount, pm, confirm ? "true" : "false",
	    attempt, link != NULL ? link : "x");
	strbuf_init(&out);
	e2e_gateway_api("/v1/payment_intents", body, attempt, &out);
	s = strstr(strbuf_cstr(&out), "\"id\":\"pi_");
	cr_assert(s != NULL, "%s", strbuf_cstr(&out));
	s += 6;
	e = strchr(s, '"');
	(void)snprintf(intent, len, "%.*s", (int)(e - s), s);
	strbuf_free(&out);
}

E2E_TEST(deadline, nothing_at_the_gateway_fails_the_attempt_and_frees_the_invoice)
{
	char		 attempt[64], pre[32], pm[128];
	const char	*p[1];

	e2e_pm("4242424242424242", pm, sizeof(pm));
	past_deadline(25000, pm, attempt, sizeof(attempt), pre, sizeof(pre));
	p[0] = attempt;
	cr_assert_eq(e2e_wait_count("SELECT count(*) FROM payment_attempts "
	    "WHERE id = $1 AND state = 'failed' AND failure_code = 'not_sent' "
	    "AND settled_by = 'reconciler'", attempt, 1, 20), 1,
	    "not settled as failed");
	/* Nothing sent, nothing charged, nothing held. */
	cr_assert_eq(e2e_gateway_intents(attempt), 0);
	cr_assert_eq(e2e_untouched(attempt), 1);
	cr_assert_eq(e2e_count("SELECT count(*) FROM link_events e JOIN "
	    "payment_attempts a ON a.link_id = e.link_id WHERE a.id = $1 AND "
	    "e.kind = 'payment_failed' AND e.detail->>'code' = 'not_sent'", 1,
	    p), 1);
}

E2E_TEST(deadline, a_charge_the_portal_never_heard_of_is_found_and_receipted)
{
	char		 attempt[64], pre[32], pm[128], intent[64];
	const char	*p[1];
	char		*v;

	e2e_pm("4242424242424242", pm, sizeof(pm));
	past_deadline(26000, pm, attempt, sizeof(attempt), pre, sizeof(pre));
	/* 260.00 + 2.9% (7.54) + 0.30: the gateway charged it after all. */
	gateway_intent(attempt, pm, 26784, NULL, 1, intent, sizeof(intent));
	p[0] = attempt;
	cr_assert_eq(e2e_wait_count("SELECT count(*) FROM receipts WHERE "
	    "attempt_id = $1", attempt, 1, 20), 1, "the charge has no receipt");
	v = e2e_value("SELECT r.gateway_ref || ' ' || r.card_brand || ' ' || "
	    "r.card_last4 || ' ' || a.settled_by FROM receipts r JOIN "
	    "payment_attempts a ON a.id = r.attempt_id WHERE r.attempt_id = $1",
	    1, p);
	cr_assert(strncmp(v, intent, strlen(intent)) == 0, "%s", v);
	cr_assert(strstr(v, " visa 4242 reconciler") != NULL, "%s", v);
	free(v);
	cr_assert_eq(e2e_gateway_intents(attempt), 1, "charged twice");
	cr_assert_eq(e2e_count("SELECT count(*) FROM invoices v JOIN "
	    "attempt_allocations x ON x.invoice_id = v.id WHERE "
	    "x.attempt_id = $1 AND v.reserved = 0 AND v.paid = 26000", 1, p), 1);
}

E2E_TEST(deadline, an_intent_still_waiting_is_canceled_and_the_attempt_fails)
{
	struct strbuf	 out;
	char		 attempt[64], pre[32], pm[128], intent[64], path[128];
	const char	*p[1];

	e2e_pm("4242424242424242", pm, sizeof(pm));
	past_deadline(27000, pm, attempt, sizeof(attempt), pre, sizeof(pre));
	/* Made but never confirmed: it waits for the customer. */
	gateway_intent(attempt, pm, 27813, NULL, 0, intent, sizeof(intent));
	p[0] = attempt;
	cr_assert_eq(e2e_wait_count("SELECT count(*) FROM payment_attempts "
	    "WHERE id = $1 AND state = 'failed' AND failure_code = 'expired'",
	    attempt, 1, 20), 1, "not canceled and failed");
	(void)snprintf(path, sizeof(path), "/v1/payment_intents/%s", intent);
	strbuf_init(&out);
	e2e_gateway_api(path, NULL, NULL, &out);
	cr_assert(strstr(strbuf_cstr(&out), "\"status\":\"canceled\"") != NULL,
	    "%s", strbuf_cstr(&out));
	strbuf_free(&out);
	cr_assert_eq(e2e_count("SELECT count(*) FROM receipts WHERE "
	    "attempt_id = $1", 1, p), 0);
	cr_assert_eq(e2e_untouched(attempt), 1);
}
