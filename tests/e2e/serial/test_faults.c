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

TestSuite(faults, .init = e2e_init, .fini = e2e_invariants);

Test(faults, a_dropped_connection_after_charging_is_settled_by_webhook)
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
