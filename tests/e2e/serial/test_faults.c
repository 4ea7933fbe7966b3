/*
 * Gateway faults, run one at a time because the stand-in's switches are
 * global: the connection dropped after charging. The charge is settled by
 * the gateway's webhook, exactly once.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "e2e.h"
#include "linkid.h"

TestSuite(faults, .init = e2e_init);

E2E_TEST(faults, a_dropped_connection_after_charging_is_settled_by_webhook)
{
	static const long long	 totals[] = { 20000 };
	struct e2e_checkout	 co;
	struct e2e_resp		 r;
	char			 ref[64], pre[32], tok[LINK_TOKEN_MAX + 1];
	char			 link[64], path[512], sel[128], pm[128];
	char			 loc[600];
	const char		*p[1];
	int			 i;

	e2e_fixture("USD", totals, 1, ref, sizeof(ref), pre, sizeof(pre));
	e2e_link(ref, NULL, "k2", 0, 1, time(NULL) + 86400, "e2e", tok, link);
	(void)snprintf(path, sizeof(path), "/pay/%s", tok);
	(void)snprintf(sel, sizeof(sel), "pay=%s-1", pre);
	cr_assert(e2e_review(path, sel, &co, &r));
	e2e_resp_free(&r);
	e2e_pm("4242424242424242", pm, sizeof(pm));

	e2e_gateway_control("drop_after_charge_next=1");
	e2e_confirm(&co, sel, "card", pm, &r);
	cr_assert_eq(r.status, 303, "%ld", r.status);
	e2e_header(&r, "location", loc, sizeof(loc));
	e2e_resp_free(&r);

	/* The customer sees "processing" until the webhook lands. */
	p[0] = co.attempt;
	for (i = 0; i < 100 && e2e_count("SELECT count(*) FROM receipts "
	    "WHERE attempt_id = $1", 1, p) == 0; i++)
		usleep(100000);
	cr_assert_eq(e2e_count("SELECT count(*) FROM receipts WHERE "
	    "attempt_id = $1", 1, p), 1, "the webhook did not settle it");
	cr_assert_eq(e2e_gateway_intents(co.attempt), 1);
	e2e_get(loc, &r);
	cr_assert(e2e_contains(&r, "Payment successful"));
	e2e_resp_free(&r);

	/* Submitting the form again finds it paid; no second charge. */
	e2e_confirm(&co, sel, "card", pm, &r);
	cr_assert_eq(r.status, 303);
	e2e_resp_free(&r);
	cr_assert_eq(e2e_gateway_intents(co.attempt), 1);
	e2e_gateway_control("reset=1");
}

E2E_TEST(faults, a_gateway_error_is_settled_by_the_reconciler)
{
	struct e2e_checkout	 co;
	struct e2e_resp		 r;
	char			 path[512], sel[128], pm[128], pre[32];
	char			 loc[600];
	const char		*p[1];

	e2e_checkout_new(30000, path, sizeof(path), sel, sizeof(sel), &co, pm,
	    sizeof(pm), pre, sizeof(pre));
	e2e_gateway_control("fail_next=1");
	e2e_confirm(&co, sel, "card", pm, &r);
	cr_assert_eq(r.status, 303);
	e2e_header(&r, "location", loc, sizeof(loc));
	e2e_resp_free(&r);
	e2e_get(loc, &r);
	cr_assert(e2e_contains(&r, "Your payment is processing"), "%s",
	    strbuf_cstr(&r.body));
	cr_assert(e2e_contains(&r, "http-equiv=\"refresh\""));
	e2e_resp_free(&r);
	p[0] = co.attempt;
	cr_assert_eq(e2e_count("SELECT count(*) FROM receipts WHERE "
	    "attempt_id = $1", 1, p), 0);

	/* The reconciler asks again with the same key, and settles it. */
	cr_assert_eq(e2e_wait_count("SELECT count(*) FROM receipts WHERE "
	    "attempt_id = $1", co.attempt, 1, 20), 1, "not reconciled");
	cr_assert_eq(e2e_gateway_intents(co.attempt), 1);
	cr_assert_eq(e2e_count("SELECT count(*) FROM payment_attempts WHERE "
	    "id = $1 AND settled_by IN ('reconciler', 'webhook')", 1, p), 1);
	e2e_get(loc, &r);
	cr_assert(e2e_contains(&r, "Payment successful"));
	e2e_resp_free(&r);
	e2e_gateway_control("reset=1");
}

E2E_TEST(faults, a_gateway_timeout_is_settled_once)
{
	struct e2e_checkout	 co;
	struct e2e_resp		 r;
	char			 path[512], sel[128], pm[128], pre[32];

	e2e_checkout_new(40000, path, sizeof(path), sel, sizeof(sel), &co, pm,
	    sizeof(pm), pre, sizeof(pre));
	/* Longer than the portal's gateway_timeout (2 s): it charges late. */
	e2e_gateway_control("delay_ms=3500");
	e2e_confirm(&co, sel, "card", pm, &r);
	cr_assert_eq(r.status, 303);
	e2e_resp_free(&r);
	e2e_gateway_control("delay_ms=0");
	cr_assert_eq(e2e_wait_count("SELECT count(*) FROM receipts WHERE "
	    "attempt_id = $1", co.attempt, 1, 20), 1, "not settled");
	cr_assert_eq(e2e_gateway_intents(co.attempt), 1);
	e2e_gateway_control("reset=1");
}

E2E_TEST(faults, the_receipt_mail_arrives_and_failed_deliveries_retry)
{
	struct e2e_checkout	 co;
	struct e2e_resp		 r;
	struct strbuf		 mail;
	char			 path[512], sel[128], pm[128], pre[32];
	char			 failfile[600], *num;
	const char		*p[1];
	FILE			*fp;

	/* The next delivery fails (451): it must be retried, not lost. */
	(void)snprintf(failfile, sizeof(failfile), "%s/.fail",
	    e2e_env("E2E_MAILDIR"));
	cr_assert((fp = fopen(failfile, "w")) != NULL);
	fputs("1\n", fp);
	fclose(fp);

	e2e_checkout_new(12345, path, sizeof(path), sel, sizeof(sel), &co, pm,
	    sizeof(pm), pre, sizeof(pre));
	e2e_confirm(&co, sel, "card", pm, &r);
	cr_assert_eq(r.status, 303);
	e2e_resp_free(&r);
	p[0] = co.attempt;
	num = e2e_value("SELECT number FROM receipts WHERE attempt_id = $1", 1,
	    p);

	cr_assert_eq(e2e_wait_count("SELECT count(*) FROM outbox o JOIN "
	    "receipts r ON r.id = o.receipt_id WHERE r.attempt_id = $1 AND "
	    "o.last_error IS NOT NULL AND o.sent_at IS NULL", co.attempt, 1,
	    15), 1, "the failed delivery was not recorded");
	/* Skip the backoff instead of waiting for it. */
	e2e_sql("UPDATE outbox SET next_at = now() FROM receipts r WHERE "
	    "r.id = outbox.receipt_id AND r.attempt_id = $1", 1, p);
	strbuf_init(&mail);
	cr_assert_eq(e2e_mail_count(num, 15, &mail), 1, "no receipt mail");
	cr_assert(strstr(strbuf_cstr(&mail), "To: <pay@c-") != NULL, "%s",
	    strbuf_cstr(&mail));
	cr_assert(strstr(strbuf_cstr(&mail), "Subject: Receipt ") != NULL);
	/* 123.45 + 2.9% (3.58) + 0.30 */
	cr_assert(strstr(strbuf_cstr(&mail), "Total charged: $127.33") !=
	    NULL, "%s", strbuf_cstr(&mail));
	cr_assert(strstr(strbuf_cstr(&mail), "ending 4242") != NULL);
	cr_assert(strstr(strbuf_cstr(&mail), "4242424242424242") == NULL);
	strbuf_free(&mail);
	cr_assert_eq(e2e_wait_count("SELECT count(*) FROM outbox o JOIN "
	    "receipts r ON r.id = o.receipt_id WHERE r.attempt_id = $1 AND "
	    "o.sent_at IS NOT NULL AND o.tries = 2", co.attempt, 1, 10), 1);
	free(num);
}

/*
 * A text message the provider answers 500: "send failed" with the reason
 * and "will retry" in the link's activity, then delivered on the retry
 * and logged "sent". The stand-in's SMS switch is global, hence serial.
 */
E2E_TEST(faults, a_failed_text_message_is_retried_and_delivered)
{
	static const long long	 totals[] = { 1500 };
	struct strbuf		 out;
	char			 ref[64], pre[32], tok[LINK_TOKEN_MAX + 1];
	char			 link[64], cmd[512];
	const char		*p[1];

	e2e_fixture("USD", totals, 1, ref, sizeof(ref), pre, sizeof(pre));
	e2e_link(ref, NULL, "k2", 0, 1, time(NULL) + 86400, "e2e", tok, link);
	(void)snprintf(cmd, sizeof(cmd), "curl -sf -d fail_next=1 "
	    "%s/_control/sms", e2e_env("E2E_GATEWAY"));
	strbuf_init(&out);
	cr_assert_eq(e2e_run(cmd, &out), 0, "%s", strbuf_cstr(&out));
	strbuf_free(&out);

	p[0] = link;
	e2e_sql("INSERT INTO outbox (kind, link_id, recipient, subject, body) "
	    "VALUES ('link_sms', $1, '+15005550009', '', "
	    "'{{business}}: pay at {{link}}')", 1, p);
	cr_assert_eq(e2e_wait_count("SELECT count(*) FROM link_events WHERE "
	    "link_id = $1 AND kind = 'send_failed' AND detail->>'error' LIKE "
	    "'sms: %will retry'", link, 1, 15), 1);
	cr_assert_eq(e2e_count("SELECT count(*) FROM outbox WHERE link_id = $1 "
	    "AND sent_at IS NULL AND gave_up_at IS NULL AND last_error "
	    "IS NOT NULL", 1, p), 1, "the row waits for its retry");
	/* The first retry comes 15 s later. */
	cr_assert_eq(e2e_wait_count("SELECT count(*) FROM link_events WHERE "
	    "link_id = $1 AND kind = 'sent' AND detail->>'destination' = "
	    "'+*******0009'", link, 1, 40), 1);
	cr_assert_eq(e2e_count("SELECT count(*) FROM outbox WHERE link_id = $1 "
	    "AND sent_at IS NOT NULL AND tries = 2", 1, p), 1);
}

/* A number the provider refuses for good is not retried. */
E2E_TEST(faults, a_refused_text_message_is_given_up_at_once)
{
	static const long long	 totals[] = { 1600 };
	char			 ref[64], pre[32], tok[LINK_TOKEN_MAX + 1];
	char			 link[64];
	const char		*p[1];

	e2e_fixture("USD", totals, 1, ref, sizeof(ref), pre, sizeof(pre));
	e2e_link(ref, NULL, "k2", 0, 1, time(NULL) + 86400, "e2e", tok, link);
	p[0] = link;
	/* An empty body: the provider's 21602, permanent. */
	e2e_sql("INSERT INTO outbox (kind, link_id, recipient, subject, body) "
	    "VALUES ('link_sms', $1, '+15005550009', '', '')", 1, p);
	cr_assert_eq(e2e_wait_count("SELECT count(*) FROM outbox WHERE "
	    "link_id = $1 AND gave_up_at IS NOT NULL AND tries = 1", link, 1,
	    15), 1);
	cr_assert_eq(e2e_count("SELECT count(*) FROM link_events WHERE "
	    "link_id = $1 AND kind = 'send_failed' AND detail->>'error' LIKE "
	    "'%given up'", 1, p), 1);
}

/*
 * A pay link by email the mail server refuses (451): "send failed" with
 * "will retry", then delivered on the retry and logged "sent".
 */
E2E_TEST(faults, a_failed_link_mail_is_retried_and_delivered)
{
	static const long long	 totals[] = { 1700 };
	struct e2e_staff	 s;
	struct strbuf		 mail;
	char			 ref[64], pre[32], id[64], to[128], failfile[600];
	const char		*p[1];
	FILE			*fp;

	e2e_fixture("USD", totals, 1, ref, sizeof(ref), pre, sizeof(pre));
	e2e_as_staff(&s);
	e2e_copy_link(&s, ref, id, sizeof(id), NULL, 0);
	/* Earlier tests' mail first, or one of them takes the failure. */
	cr_assert_eq(e2e_wait_count("SELECT count(*) FROM outbox WHERE kind "
	    "<> 'link_sms' AND sent_at IS NULL AND gave_up_at IS NULL", NULL, 0,
	    30), 0, "mail is waiting in the outbox");
	(void)snprintf(failfile, sizeof(failfile), "%s/.fail",
	    e2e_env("E2E_MAILDIR"));
	cr_assert((fp = fopen(failfile, "w")) != NULL);
	fputs("1\n", fp);
	fclose(fp);

	(void)snprintf(to, sizeof(to), "%s@retry.example", pre);
	e2e_send_link(&s, id, "email", to);
	cr_assert_eq(e2e_wait_count("SELECT count(*) FROM link_events WHERE "
	    "link_id = $1 AND kind = 'send_failed' AND detail->>'error' LIKE "
	    "'smtp: %will retry'", id, 1, 15), 1);
	p[0] = id;
	cr_assert_eq(e2e_count("SELECT count(*) FROM outbox WHERE link_id = $1 "
	    "AND sent_at IS NULL AND gave_up_at IS NULL AND last_error "
	    "IS NOT NULL", 1, p), 1, "the row waits for its retry");
	cr_assert_eq(e2e_mail_count(to, 0, NULL), 0);

	/* Skip the backoff instead of waiting for it. */
	e2e_sql("UPDATE outbox SET next_at = now() WHERE link_id = $1", 1, p);
	cr_assert_eq(e2e_wait_count("SELECT count(*) FROM link_events WHERE "
	    "link_id = $1 AND kind = 'sent' AND detail->>'channel' = 'email'",
	    id, 1, 15), 1);
	strbuf_init(&mail);
	cr_assert_eq(e2e_mail_count(to, 10, &mail), 1);
	cr_assert(strstr(strbuf_cstr(&mail), "/pay/p1.") != NULL);
	strbuf_free(&mail);
	cr_assert_eq(e2e_count("SELECT count(*) FROM outbox WHERE link_id = $1 "
	    "AND sent_at IS NOT NULL AND tries = 2", 1, p), 1);
}
