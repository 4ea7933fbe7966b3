/*
 * The customer's pages over real HTTPS: listing, scope, statuses, credit
 * notes, tokens that must fail, the printable invoice, the review of a
 * selection, security headers and the "viewed" event.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <criterion/criterion.h>

#include "e2e.h"
#include "linkid.h"

#define DAY	86400

static char	tok[LINK_TOKEN_MAX + 1];
static char	uuid[LINKID_UUID_LEN + 1];
static char	path[512];

static const char *const public_headers[][2] = {
	{ "referrer-policy", "no-referrer" },
	{ "x-robots-tag", "noindex, nofollow" },
	{ "strict-transport-security", "max-age=63072000; includeSubDomains" },
	{ "x-content-type-options", "nosniff" },
	{ "x-frame-options", "DENY" },
};

static void	link_for(const char *, const char *);
static void	assert_public_headers(struct e2e_resp *, int);
static void	assert_not_found(struct e2e_resp *);
static long long	viewed(void);

/* Every scenario ends with the ledger invariants checked in SQL. */
TestSuite(public, .init = e2e_init);

static void
link_for(const char *customer, const char *invoices)
{
	e2e_link(customer, invoices, "k2", 0, 1, time(NULL) + 30 * DAY, "e2e",
	    tok, uuid);
	(void)snprintf(path, sizeof(path), "/pay/%s", tok);
}

static void
assert_public_headers(struct e2e_resp *r, int html)
{
	char		 buf[512];
	const char	*v;
	size_t		 i;

	for (i = 0; i < sizeof(public_headers) / sizeof(public_headers[0]);
	    i++) {
		v = e2e_header(r, public_headers[i][0], buf, sizeof(buf));
		cr_assert(v != NULL, "missing %s", public_headers[i][0]);
		cr_assert_str_eq(v, public_headers[i][1]);
	}
	v = e2e_header(r, "content-security-policy", buf, sizeof(buf));
	cr_assert(v != NULL, "missing content-security-policy");
	cr_assert(strstr(v, "frame-ancestors 'none'") != NULL);
	cr_assert(strstr(v, "script-src 'self'") != NULL);
	cr_assert(strstr(v, "unsafe-inline") == NULL);
	if (html) {
		v = e2e_header(r, "cache-control", buf, sizeof(buf));
		cr_assert(v != NULL && !strcmp(v, "no-store"),
		    "cache-control: %s", v ? v : "(none)");
		cr_assert(strstr(strbuf_cstr(&r->body), "<script>") == NULL,
		    "inline script");
	}
}

/* Every "not found" looks the same, whatever was not found. */
static void
assert_not_found(struct e2e_resp *r)
{
	struct e2e_resp	ref;

	cr_assert_eq(r->status, 404);
	assert_public_headers(r, 1);
	e2e_get("/pay/no-such-link", &ref);
	cr_assert_eq(ref.status, 404);
	cr_assert_str_eq(strbuf_cstr(&r->body), strbuf_cstr(&ref.body));
	e2e_resp_free(&ref);
}

static long long
viewed(void)
{
	const char	*p[1] = { uuid };

	return (e2e_count("SELECT count(*) FROM link_events "
	    "WHERE link_id = $1 AND kind = 'viewed'", 1, p));
}

E2E_TEST(public, lists_open_invoices_oldest_due_first)
{
	struct e2e_resp	r;

	link_for("C-1001", NULL);
	e2e_get(path, &r);
	cr_assert_eq(r.status, 200);
	assert_public_headers(&r, 1);
	cr_assert(e2e_contains(&r, "Harbor Street Hardware"));
	cr_assert(e2e_contains(&r, "Northwind Café"));
	cr_assert(e2e_contains(&r, "4 open invoices"));
	/* 1250.76 + 566.70 + 462.10 + 225.13 open, less the 39.99 credit. */
	cr_assert(e2e_contains(&r, "$2,464.70"));
	cr_assert(e2e_before(&r, "Invoice INV-1001", "Invoice INV-1002"));
	cr_assert(e2e_before(&r, "Invoice INV-1002", "Invoice INV-1003"));
	cr_assert(e2e_before(&r, "Invoice INV-1003", "Invoice INV-1007"));
	cr_assert(e2e_contains(&r, "value=\"1250.76\""));
	cr_assert(e2e_contains(&r, "Open <strong>$566.70</strong>"));
	e2e_resp_free(&r);
}

E2E_TEST(public, hides_paid_draft_and_cancelled_invoices)
{
	struct e2e_resp	r;

	link_for("C-1001", NULL);
	e2e_get(path, &r);
	cr_assert_eq(r.status, 200);
	cr_assert(!e2e_contains(&r, "INV-1004"), "paid invoice listed");
	cr_assert(!e2e_contains(&r, "INV-1005"), "draft invoice listed");
	cr_assert(!e2e_contains(&r, "INV-1006"), "cancelled invoice listed");
	e2e_resp_free(&r);
}

E2E_TEST(public, badges_show_overdue_partial_and_open)
{
	struct e2e_resp	 r;
	const char	*b, *inv1, *inv2, *inv3;

	link_for("C-1001", NULL);
	e2e_get(path, &r);
	b = strbuf_cstr(&r.body);
	inv1 = strstr(b, "Invoice INV-1001");
	inv2 = strstr(b, "Invoice INV-1002");
	inv3 = strstr(b, "Invoice INV-1003");
	cr_assert(inv1 && inv2 && inv3);
	cr_assert(strstr(inv1, "badge overdue") < inv2, "INV-1001 not overdue");
	cr_assert(strstr(inv2, "badge partial") < inv3, "INV-1002 not partial");
	cr_assert(strstr(inv3, "badge open") != NULL);
	cr_assert(strstr(inv3, "badge overdue") == NULL ||
	    strstr(inv3, "badge overdue") > strstr(inv3, "INV-1007"));
	e2e_resp_free(&r);
}

E2E_TEST(public, credit_notes_are_credits_not_invoices)
{
	struct e2e_resp	r;

	link_for("C-1001", NULL);
	e2e_get(path, &r);
	cr_assert(e2e_contains(&r, "Credit note CN-1001"));
	cr_assert(e2e_contains(&r, "−$39.99"));
	cr_assert(!e2e_contains(&r, "value=\"CN-1001\""),
	    "a credit note can be ticked for payment");
	e2e_resp_free(&r);
}

E2E_TEST(public, a_link_never_shows_another_customers_invoices)
{
	struct e2e_resp	r;

	link_for("C-3001", NULL);
	e2e_get(path, &r);
	cr_assert_eq(r.status, 200);
	cr_assert(e2e_contains(&r, "Alpine Outfitters GmbH"));
	cr_assert(e2e_contains(&r, "INV-3001"));
	cr_assert(e2e_contains(&r, "INV-3002"));
	cr_assert(!e2e_contains(&r, "INV-1"), "another customer's invoice");
	cr_assert(!e2e_contains(&r, "Northwind"));
	cr_assert(!e2e_contains(&r, "INV-2"));
	e2e_resp_free(&r);
}

E2E_TEST(public, listed_invoice_links_show_only_those)
{
	struct e2e_resp	r;

	link_for("C-1001", "INV-1003,INV-1007");
	e2e_get(path, &r);
	cr_assert_eq(r.status, 200);
	cr_assert(e2e_contains(&r, "Invoice INV-1003"));
	cr_assert(e2e_contains(&r, "Invoice INV-1007"));
	cr_assert(!e2e_contains(&r, "INV-1001"));
	cr_assert(!e2e_contains(&r, "INV-1002"));
	cr_assert(!e2e_contains(&r, "CN-1001"));
	cr_assert(e2e_contains(&r, "2 open invoices"));
	e2e_resp_free(&r);
}

E2E_TEST(public, the_schema_refuses_listing_another_customers_invoice)
{
	char	err[512];

	link_for("C-1001", "INV-1003");
	cr_assert(e2e_sql_fails("INSERT INTO pay_link_invoices (link_id, "
	    "customer_id, invoice_id) SELECT l.id, l.customer_id, i.id FROM "
	    "pay_links l, invoices i WHERE i.number = 'INV-3001' AND l.id = "
	    "(SELECT link_id FROM pay_link_invoices LIMIT 1)", err,
	    sizeof(err)));
	cr_assert(strstr(err, "foreign key") != NULL, "%s", err);
}

E2E_TEST(public, zero_and_three_decimal_currencies)
{
	struct e2e_resp	r;

	link_for("C-2001", NULL);
	e2e_get(path, &r);
	cr_assert_eq(r.status, 200);
	/* 5 x 22,000 + 18,000, plus 10% tax. */
	cr_assert(e2e_contains(&r, "¥140,800"));
	cr_assert(e2e_contains(&r, "value=\"140800\""));
	cr_assert(!e2e_contains(&r, "¥140,800.00"));
	e2e_resp_free(&r);

	link_for("C-4001", NULL);
	e2e_get(path, &r);
	cr_assert(e2e_contains(&r, "KWD 75.000"));
	cr_assert(e2e_contains(&r, "value=\"75.000\""));
	e2e_resp_free(&r);
}

E2E_TEST(public, bad_tokens_are_a_plain_not_found)
{
	struct e2e_resp	 r;
	struct link_key	 k;
	char		 bad[LINK_TOKEN_MAX + 16];
	size_t		 len;

	link_for("C-1001", NULL);
	len = strlen(tok);

	/* A flipped character in the MAC, then in the payload. */
	(void)snprintf(bad, sizeof(bad), "/pay/%s", tok);
	bad[strlen(bad) - 3] = bad[strlen(bad) - 3] == 'A' ? 'B' : 'A';
	e2e_get(bad, &r);
	assert_not_found(&r);
	e2e_resp_free(&r);

	(void)snprintf(bad, sizeof(bad), "/pay/%s", tok);
	bad[5 + 10] = bad[5 + 10] == 'A' ? 'B' : 'A';
	e2e_get(bad, &r);
	assert_not_found(&r);
	e2e_resp_free(&r);

	/* Truncated. */
	(void)snprintf(bad, sizeof(bad), "/pay/%.*s", (int)(len - 5), tok);
	e2e_get(bad, &r);
	assert_not_found(&r);
	e2e_resp_free(&r);

	/* Re-signed with the retired key. */
	e2e_sign(uuid, "k0", time(NULL) + DAY, tok);
	(void)snprintf(bad, sizeof(bad), "/pay/%s", tok);
	e2e_get(bad, &r);
	assert_not_found(&r);
	e2e_resp_free(&r);

	/* Signed with a key the server has never heard of. */
	e2e_key("k2", LINK_KEY_ACTIVE, &k);
	(void)snprintf(k.id, sizeof(k.id), "k9");
	e2e_get("/pay/p1.k9.AAAA.BBBB", &r);
	assert_not_found(&r);
	e2e_resp_free(&r);
}

E2E_TEST(public, a_rotated_key_still_verifies_its_links)
{
	struct e2e_resp	r;

	link_for("C-1001", NULL);
	e2e_sign(uuid, "k1", time(NULL) + DAY, tok);
	(void)snprintf(path, sizeof(path), "/pay/%s", tok);
	e2e_get(path, &r);
	cr_assert_eq(r.status, 200);
	cr_assert(e2e_contains(&r, "Northwind Café"));
	e2e_resp_free(&r);
}

E2E_TEST(public, a_valid_token_for_an_unknown_link_is_not_found)
{
	struct e2e_resp	r;

	e2e_sign("00000000-0000-0000-0000-000000000001", "k2",
	    time(NULL) + DAY, tok);
	(void)snprintf(path, sizeof(path), "/pay/%s", tok);
	e2e_get(path, &r);
	assert_not_found(&r);
	e2e_resp_free(&r);
}

E2E_TEST(public, expired_and_revoked_links_are_gone)
{
	struct e2e_resp	 r;
	const char	*p[1];

	/* Expired in the signed payload. */
	e2e_link("C-1001", NULL, "k2", 0, 1, time(NULL) - 60, "e2e", tok,
	    uuid);
	(void)snprintf(path, sizeof(path), "/pay/%s", tok);
	e2e_get(path, &r);
	cr_assert_eq(r.status, 410);
	assert_public_headers(&r, 1);
	cr_assert(e2e_contains(&r, "ask the business"));
	cr_assert(!e2e_contains(&r, "Northwind"));
	e2e_resp_free(&r);
	cr_assert_eq(viewed(), 0);

	/* Revoked after it was sent. */
	link_for("C-1001", NULL);
	p[0] = uuid;
	e2e_sql("UPDATE pay_links SET revoked_at = now() WHERE id = $1", 1, p);
	e2e_get(path, &r);
	cr_assert_eq(r.status, 410);
	cr_assert(e2e_contains(&r, "no longer valid"));
	cr_assert(!e2e_contains(&r, "INV-1001"));
	e2e_resp_free(&r);
	(void)snprintf(path + strlen(path), sizeof(path) - strlen(path),
	    "/invoices/INV-1001");
	e2e_get(path, &r);
	cr_assert_eq(r.status, 410);
	e2e_resp_free(&r);
	cr_assert_eq(viewed(), 0);

	/* Shortened in the database while the token still runs. */
	link_for("C-1001", NULL);
	p[0] = uuid;
	e2e_sql("UPDATE pay_links SET expires_at = now() - interval '1 second',"
	    " created_at = now() - interval '1 day' WHERE id = $1", 1, p);
	e2e_get(path, &r);
	cr_assert_eq(r.status, 410);
	e2e_resp_free(&r);
}

E2E_TEST(public, printable_invoice_with_lines_and_totals)
{
	struct e2e_resp	r;
	char		p2[600];

	link_for("C-1001", NULL);
	(void)snprintf(p2, sizeof(p2), "%s/invoices/INV-1002", path);
	e2e_get(p2, &r);
	cr_assert_eq(r.status, 200);
	assert_public_headers(&r, 1);
	cr_assert(e2e_contains(&r, "Invoice INV-1002"));
	cr_assert(e2e_contains(&r, "Stainless shelving unit, 48 in"));
	cr_assert(e2e_contains(&r, "8.25%"));
	cr_assert(e2e_contains(&r, "$866.70"), "total");
	cr_assert(e2e_contains(&r, "$300.00"), "paid");
	cr_assert(e2e_contains(&r, "$566.70"), "open");
	cr_assert(e2e_contains(&r, "@media print") ||
	    e2e_contains(&r, "/assets/app.css"));
	e2e_resp_free(&r);

	/* Quantities in thousandths print as decimals. */
	(void)snprintf(p2, sizeof(p2), "%s/invoices/INV-1001", path);
	e2e_get(p2, &r);
	cr_assert(e2e_contains(&r, ">1.5<"));
	e2e_resp_free(&r);
}

E2E_TEST(public, invoices_outside_the_scope_are_not_found)
{
	struct e2e_resp	r;
	char		p2[600];

	link_for("C-1001", "INV-1003");
	(void)snprintf(p2, sizeof(p2), "%s/invoices/INV-1003", path);
	e2e_get(p2, &r);
	cr_assert_eq(r.status, 200);
	e2e_resp_free(&r);

	/* Same customer, not listed; another customer's; draft; unknown. */
	(void)snprintf(p2, sizeof(p2), "%s/invoices/INV-1001", path);
	e2e_get(p2, &r);
	assert_not_found(&r);
	e2e_resp_free(&r);
	(void)snprintf(p2, sizeof(p2), "%s/invoices/INV-3001", path);
	e2e_get(p2, &r);
	assert_not_found(&r);
	e2e_resp_free(&r);
	link_for("C-1001", NULL);
	(void)snprintf(p2, sizeof(p2), "%s/invoices/INV-1005", path);
	e2e_get(p2, &r);
	assert_not_found(&r);
	e2e_resp_free(&r);
	(void)snprintf(p2, sizeof(p2), "%s/invoices/INV-9999", path);
	e2e_get(p2, &r);
	assert_not_found(&r);
	e2e_resp_free(&r);

	/* Not even a possible invoice number: bytes, length, dots. */
	(void)snprintf(p2, sizeof(p2), "%s/invoices/%%C3%%A9%%FF", path);
	e2e_get(p2, &r);
	assert_not_found(&r);
	e2e_resp_free(&r);
	(void)snprintf(p2, sizeof(p2), "%s/invoices/%s", path,
	    "INV-00000000000000000000000000000000000000000000000001");
	e2e_get(p2, &r);
	assert_not_found(&r);
	e2e_resp_free(&r);
	(void)snprintf(p2, sizeof(p2), "%s/invoices/.hidden", path);
	e2e_get(p2, &r);
	assert_not_found(&r);
	e2e_resp_free(&r);
}

E2E_TEST(public, viewed_once_per_visit_with_agent_and_address)
{
	struct e2e_resp	 r;
	struct e2e_req	 rq = { .user_agent = "e2e-agent/1.0 (viewed)" };
	const char	*p[1];
	char		*v, p2[600];

	link_for("C-1001", NULL);
	rq.path = path;
	cr_assert_eq(viewed(), 0);
	e2e_http(&rq, &r);
	cr_assert_eq(r.status, 200);
	e2e_resp_free(&r);
	cr_assert_eq(viewed(), 1);

	p[0] = uuid;
	v = e2e_value("SELECT user_agent || ' ' || host(client_addr) || ' ' || "
	    "(actor IS NULL) FROM link_events WHERE link_id = $1 AND "
	    "kind = 'viewed'", 1, p);
	cr_assert_str_eq(v, "e2e-agent/1.0 (viewed) 127.0.0.1 true");
	free(v);

	/* A reload in the same visit is not another view. */
	e2e_http(&rq, &r);
	e2e_resp_free(&r);
	cr_assert_eq(viewed(), 1);

	/* Another browser is. */
	rq.user_agent = "e2e-agent/2.0";
	e2e_http(&rq, &r);
	e2e_resp_free(&r);
	cr_assert_eq(viewed(), 2);

	/* Printing an invoice or reviewing a selection is not a view. */
	(void)snprintf(p2, sizeof(p2), "%s/invoices/INV-1001", path);
	e2e_get(p2, &r);
	e2e_resp_free(&r);
	(void)snprintf(p2, sizeof(p2), "%s/review", path);
	e2e_post(p2, "pay=INV-1001", &r);
	e2e_resp_free(&r);
	cr_assert_eq(viewed(), 2);
}

E2E_TEST(public, a_forged_forwarded_for_is_not_believed)
{
	struct e2e_resp	 r;
	struct e2e_req	 rq = { .user_agent = "e2e-forger",
			    .extra_header = "X-Forwarded-For: 203.0.113.9" };
	const char	*p[1];
	char		*v;

	link_for("C-1001", NULL);
	rq.path = path;
	e2e_http(&rq, &r);
	e2e_resp_free(&r);
	p[0] = uuid;
	v = e2e_value("SELECT host(client_addr) FROM link_events "
	    "WHERE link_id = $1 AND kind = 'viewed'", 1, p);
	cr_assert_str_eq(v, "127.0.0.1");
	free(v);
}

E2E_TEST(public, the_token_is_never_stored_or_logged)
{
	struct e2e_resp	 r;
	struct strbuf	 out;
	const char	*p[1];
	char		 cmd[1024], mac[16];

	link_for("C-1001", NULL);
	e2e_get(path, &r);
	e2e_resp_free(&r);
	/* The MAC part is what makes a token; look for a piece of it. */
	(void)snprintf(mac, sizeof(mac), "%s", strrchr(tok, '.') + 1);
	p[0] = mac;
	cr_assert_eq(e2e_count("SELECT count(*) FROM link_events WHERE "
	    "strpos(coalesce(user_agent, '') || detail::text, $1) > 0 ", 1, p),
	    0);
	cr_assert_eq(e2e_count("SELECT count(*) FROM pay_links WHERE "
	    "strpos(id::text || key_id || created_by, $1) > 0", 1, p), 0);
	strbuf_init(&out);
	(void)snprintf(cmd, sizeof(cmd), "grep -c -F -- '%s' '%s'", mac,
	    e2e_env("E2E_SERVER_LOG"));
	(void)e2e_run(cmd, &out);
	cr_assert_str_eq(strbuf_cstr(&out), "0\n");
	strbuf_free(&out);
}

E2E_TEST(public, methods_other_than_the_routes_are_refused)
{
	struct e2e_resp	 r;
	struct e2e_req	 rq = { .method = "POST", .body = "x=1" };
	char		 p2[600], buf[64];

	link_for("C-1001", NULL);
	rq.path = path;
	e2e_http(&rq, &r);
	cr_assert_eq(r.status, 405);
	assert_public_headers(&r, 1);
	e2e_resp_free(&r);
	(void)snprintf(p2, sizeof(p2), "%s/review", path);
	e2e_get(p2, &r);
	cr_assert_eq(r.status, 405);
	cr_assert_str_eq(e2e_header(&r, "allow", buf, sizeof(buf)), "POST");
	e2e_resp_free(&r);
}

E2E_TEST(public, assets_and_unknown_paths)
{
	struct e2e_resp	r;
	char		buf[128];

	e2e_get("/assets/app.css", &r);
	cr_assert_eq(r.status, 200);
	cr_assert_str_eq(e2e_header(&r, "content-type", buf, sizeof(buf)),
	    "text/css; charset=utf-8");
	assert_public_headers(&r, 0);
	e2e_resp_free(&r);
	e2e_get("/assets/pay.js", &r);
	cr_assert_eq(r.status, 200);
	cr_assert(!e2e_contains(&r, "parseFloat"), "floating point in JS");
	e2e_resp_free(&r);
	e2e_get("/assets/missing.css", &r);
	assert_not_found(&r);
	e2e_resp_free(&r);
	e2e_get("/", &r);
	assert_not_found(&r);
	e2e_resp_free(&r);
	e2e_get("/pay/", &r);
	assert_not_found(&r);
	e2e_resp_free(&r);
}
