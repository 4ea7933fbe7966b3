/*
 * Refunds when the gateway fails, one at a time because the stand-in's
 * switches are global: a 500, and an answer that never arrives while the
 * gateway's webhook does. Either way the refund is sent again under the
 * same Idempotency-Key and the gateway gives the money back once.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "e2e.h"
#include "linkid.h"

TestSuite(refund_faults, .init = e2e_init);

/* Polls the stand-in until it has made want refunds, or seconds pass. */
static long long
gateway_refunds_reach(long long want, int seconds)
{
	long long	 n;
	int		 i;

	n = e2e_gateway_refund_count();
	for (i = 0; n < want && i < seconds * 10; i++) {
		usleep(100000);
		n = e2e_gateway_refund_count();
	}
	return (n);
}

E2E_TEST(refund_faults, a_gateway_500_is_sent_again_and_refunds_once)
{
	static const long long	 totals[] = { 12000 };
	struct e2e_paid		 pd;
	char			 id[LINKID_UUID_LEN + 1];
	const char		*p[1];
	long long		 before;

	e2e_paid_receipt(totals, 1, &pd);
	before = e2e_gateway_refund_count();
	e2e_gateway_control("fail_next=1");
	e2e_refund_all(&pd, id);

	/* The first try is answered 500: nothing refunded, it waits. */
	cr_assert_eq(e2e_wait_count("SELECT count(*) FROM refunds WHERE "
	    "id = $1 AND state = 'pending' AND tries = 1 AND last_error LIKE "
	    "'No answer from the payment processor (server error)%'", id, 1,
	    10), 1, "the 500 was not seen");
	cr_assert_eq(e2e_gateway_refund_count(), before);

	/* The next try, under the same key, refunds. */
	e2e_refund_succeeds(id, 30);
	p[0] = id;
	cr_assert_eq(e2e_count("SELECT tries FROM refunds WHERE id = $1", 1,
	    p), 2);
	cr_assert_eq(e2e_gateway_refund_count(), before + 1);
	cr_assert_eq(e2e_gateway_refunded(pd.intent), pd.total);
	e2e_gateway_control("reset=1");
}

E2E_TEST(refund_faults, an_answer_lost_after_refunding_is_learnt_once)
{
	static const long long	 totals[] = { 9000, 3000 };
	struct e2e_paid		 pd;
	char			 id[LINKID_UUID_LEN + 1], url[256];
	struct strbuf		 out;
	const char		*p[1];
	long long		 before;

	e2e_paid_receipt(totals, 2, &pd);
	before = e2e_gateway_refund_count();
	/* Every answer comes after the portal has stopped waiting (2 s). */
	e2e_gateway_control("delay_ms=4000");
	e2e_refund_all(&pd, id);

	/*
	 * The gateway refunds and its webhook arrives first; the webhook
	 * names no refund, so the refund stays pending until an answer to
	 * its own request says how it went.
	 */
	cr_assert_eq(gateway_refunds_reach(before + 1, 15), before + 1);
	cr_assert_eq(e2e_wait_count("SELECT count(*) FROM gateway_events WHERE "
	    "type = 'charge.refunded' AND intent_id = $1", pd.intent, 1, 15),
	    1, "no charge.refunded webhook");
	p[0] = id;
	cr_assert_eq(e2e_wait_count("SELECT count(*) FROM refunds WHERE "
	    "id = $1 AND tries >= 1 AND last_error LIKE 'No answer%'", id, 1,
	    15), 1);
	cr_assert_eq(e2e_count("SELECT count(*) FROM refunds WHERE id = $1 AND "
	    "state = 'pending'", 1, p), 1);

	/* Answers arrive again: the same key gets the refund made before. */
	e2e_gateway_control("delay_ms=0");
	e2e_refund_succeeds(id, 30);
	cr_assert_eq(e2e_gateway_refund_count(), before + 1,
	    "the refund was made twice");
	cr_assert_eq(e2e_gateway_refunded(pd.intent), pd.total);

	/* The webhook again, same event: recorded once, changes nothing. */
	(void)snprintf(url, sizeof(url), "/_control/resend?intent=%s",
	    pd.intent);
	strbuf_init(&out);
	e2e_gateway_api(url, "", NULL, &out);
	strbuf_free(&out);
	sleep(2);
	cr_assert_eq(e2e_count("SELECT count(*) FROM link_events WHERE kind = "
	    "'refunded' AND detail->>'refund' = $1", 1, p), 1);
	p[0] = pd.intent;
	cr_assert_eq(e2e_count("SELECT count(*) FROM gateway_events WHERE "
	    "type = 'charge.refunded' AND intent_id = $1", 1, p), 1);
	cr_assert_eq(e2e_gateway_refund_count(), before + 1);
	e2e_gateway_control("reset=1");
}
