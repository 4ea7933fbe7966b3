/*
 * The back office over HTTPS: signing in and out, lockout, session expiry,
 * anti-forgery tokens, staff against admin pages, copying, sending and
 * revoking links, the activity views and CSV, and the team page.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "e2e.h"
#include "linkid.h"

static void	new_account(const char *, const char *, char *, size_t);
static long long	customer_id(const char *);
static void	invoice_link_path(const char *, char *, size_t, char *, size_t);
static void	session_ends(const char *);
static void	views(int, char *, size_t, char *, size_t);

TestSuite(staff, .init = e2e_init);

/* An account of the test's own, made with the command line. */
static void
new_account(const char *role, const char *password, char *email, size_t len)
{
	unsigned char	id[LINK_ID_LEN];
	struct strbuf	out;
	char		cmd[1024];

	cr_assert(linkid_random(id));
	(void)snprintf(email, len, "t%02x%02x%02x%02x@staff.example", id[0],
	    id[1], id[2], id[3]);
	(void)snprintf(cmd, sizeof(cmd), "echo '%s' | %s staff-add -c %s "
	    "--email %s --name 'Test %s' --role %s", password,
	    e2e_env("E2E_BIN"), e2e_env("E2E_CONF"), email, email, role);
	strbuf_init(&out);
	cr_assert_eq(e2e_run(cmd, &out), 0, "%s", strbuf_cstr(&out));
	strbuf_free(&out);
}

static long long
customer_id(const char *ref)
{
	const char	*p[1] = { ref };

	return (e2e_count("SELECT id FROM customers WHERE external_ref = $1",
	    1, p));
}

/* A fixture's first invoice: its number, and where its link is made. */
static void
invoice_link_path(const char *prefix, char *number, size_t numlen,
    char *path, size_t pathlen)
{
	const char	*p[1] = { number };

	(void)snprintf(number, numlen, "%s-1", prefix);
	(void)snprintf(path, pathlen, "/staff/invoices/%lld/link",
	    e2e_count("SELECT id FROM invoices WHERE number = $1", 1, p));
}

E2E_TEST(staff, pages_need_a_session)
{
	struct e2e_resp	r;
	char		loc[256];

	e2e_get("/staff/customers", &r);
	cr_assert_eq(r.status, 303);
	e2e_header(&r, "location", loc, sizeof(loc));
	cr_assert(strstr(loc, "/staff/signin?next=/staff/customers") != NULL,
	    "%s", loc);
	e2e_resp_free(&r);

	/* A made-up session id is no session. */
	{
		struct e2e_staff	s;

		memset(&s, 0, sizeof(s));
		(void)snprintf(s.cookie, sizeof(s.cookie),
		    "pp_session=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
		e2e_staff_req(&s, "/staff/activity", NULL, NULL, &r);
		cr_assert_eq(r.status, 303);
		e2e_resp_free(&r);
		e2e_staff_req(&s, "/staff/customers/1/copy", "csrf=x", NULL, &r);
		cr_assert_eq(r.status, 303);
		e2e_resp_free(&r);
	}
}

E2E_TEST(staff, signin_and_security_headers)
{
	struct e2e_staff	s;
	struct e2e_resp	r;
	char		v[256];

	e2e_as_admin(&s);
	e2e_staff_req(&s, "/staff/customers", NULL, NULL, &r);
	cr_assert_eq(r.status, 200);
	cr_assert(e2e_contains(&r, "Ada Admin"));
	cr_assert(e2e_contains(&r, "Northwind Café"));
	cr_assert(e2e_header(&r, "content-security-policy", v, sizeof(v)));
	cr_assert(strstr(v, "default-src 'none'") != NULL);
	cr_assert(e2e_header(&r, "strict-transport-security", v, sizeof(v)));
	cr_assert(e2e_header(&r, "x-frame-options", v, sizeof(v)));
	e2e_resp_free(&r);

	/* The session cookie is Secure, HttpOnly and SameSite=Strict. */
	(void)e2e_signin("admin@harborstreet.example",
	    e2e_env("E2E_ADMIN_PASSWORD"), &s, &r);
	e2e_resp_free(&r);
	{
		struct e2e_req	rq;
		char		pre[128], csrf[64], body[512], cookie[160];

		e2e_get("/staff/signin", &r);
		cr_assert(e2e_set_cookie(&r, "pp_signin", pre, sizeof(pre)));
		cr_assert(strcasestr(strbuf_cstr(&r.headers), "SameSite=Strict"));
		e2e_html_value(&r, "name=\"csrf\"", csrf, sizeof(csrf));
		e2e_resp_free(&r);
		e2e_form_encode(e2e_env("E2E_ADMIN_PASSWORD"), v, sizeof(v));
		(void)snprintf(body, sizeof(body), "csrf=%s&email=admin%%40"
		    "harborstreet.example&password=%s&next=%%2Fstaff%%2Fteam",
		    csrf, v);
		(void)snprintf(cookie, sizeof(cookie), "pp_signin=%s", pre);
		memset(&rq, 0, sizeof(rq));
		rq.path = "/staff/signin";
		rq.body = body;
		rq.cookie = cookie;
		e2e_http(&rq, &r);
		cr_assert_eq(r.status, 303);
		e2e_header(&r, "location", v, sizeof(v));
		cr_assert(strstr(v, "/staff/team") != NULL, "%s", v);
		cr_assert(strcasestr(strbuf_cstr(&r.headers),
		    "pp_session=") != NULL);
		cr_assert(strstr(strbuf_cstr(&r.headers), "HttpOnly") != NULL);
		cr_assert(strstr(strbuf_cstr(&r.headers), "Secure") != NULL);
		e2e_resp_free(&r);
	}
}

E2E_TEST(staff, wrong_password_and_unknown_email_read_the_same)
{
	struct e2e_staff	s;
	struct e2e_resp	r;
	char		email[128];

	new_account("staff", "a long enough password", email, sizeof(email));
	cr_assert_eq(e2e_signin(email, "not the password", &s, &r), 401);
	cr_assert(e2e_contains(&r, "Email or password is wrong."));
	cr_assert(e2e_contains(&r, email), "the email is kept in the form");
	e2e_resp_free(&r);
	cr_assert_eq(e2e_signin("nobody@staff.example", "whatever it is", &s, &r),
	    401);
	cr_assert(e2e_contains(&r, "Email or password is wrong."));
	e2e_resp_free(&r);
	cr_assert_eq(e2e_signin(email, "a long enough password", &s, &r), 303);
}

E2E_TEST(staff, signin_without_its_form_token_is_refused)
{
	struct e2e_resp	r;

	e2e_post("/staff/signin", "csrf=abc&email=admin%40harborstreet."
	    "example&password=x", &r);
	cr_assert_eq(r.status, 403);
	cr_assert(e2e_contains(&r, "expired"));
	e2e_resp_free(&r);
}

E2E_TEST(staff, lockout_after_repeated_failures)
{
	struct e2e_staff	s;
	struct e2e_resp	r;
	const char	*p[1];
	char		email[128];
	int		i;

	new_account("staff", "a long enough password", email, sizeof(email));
	for (i = 0; i < 4; i++) {
		cr_assert_eq(e2e_signin(email, "wrong password", &s, &r), 401);
		e2e_resp_free(&r);
	}
	cr_assert_eq(e2e_signin(email, "wrong password", &s, &r), 429);
	cr_assert(e2e_contains(&r, "Too many failed sign-ins"));
	e2e_resp_free(&r);
	/* Locked: even the right password waits. */
	cr_assert_eq(e2e_signin(email, "a long enough password", &s, &r), 429);
	e2e_resp_free(&r);
	/* An address without an account locks the same way. */
	for (i = 0; i < 5; i++) {
		(void)e2e_signin("ghost@staff.example", "wrong", &s, &r);
		e2e_resp_free(&r);
	}
	cr_assert_eq(e2e_signin("ghost@staff.example", "wrong", &s, &r), 429);
	e2e_resp_free(&r);
	/* When the lock ends, the right password works again. */
	p[0] = email;
	e2e_sql("UPDATE signin_failures SET locked_until = now() "
	    "WHERE email = $1", 1, p);
	cr_assert_eq(e2e_signin(email, "a long enough password", &s, &r), 303);
	cr_assert_eq(e2e_count("SELECT count(*) FROM signin_failures "
	    "WHERE email = $1", 1, p), 0);
}

/*
 * A new account's session, changed by the SQL in change ($1 the email),
 * then refused: back to sign-in, "your session ended".
 */
static void
session_ends(const char *change)
{
	struct e2e_staff	s;
	struct e2e_resp		r;
	char			email[128], loc[256];
	const char		*p[1];

	new_account("staff", "a long enough password", email, sizeof(email));
	cr_assert_eq(e2e_signin(email, "a long enough password", &s, &r), 303);
	p[0] = email;
	e2e_sql(change, 1, p);
	e2e_staff_req(&s, "/staff/customers", NULL, NULL, &r);
	cr_assert_eq(r.status, 303);
	e2e_header(&r, "location", loc, sizeof(loc));
	cr_assert(strstr(loc, "expired=1") != NULL, "%s", loc);
	e2e_resp_free(&r);
}

E2E_TEST(staff, idle_session_expires)
{
	session_ends("UPDATE staff_sessions SET last_seen = now() - interval "
	    "'2 hours' WHERE staff_id = (SELECT id FROM staff "
	    "WHERE email = $1)");
}

/* A session ends session_max after sign-in, however busy it is. */
E2E_TEST(staff, absolute_session_expiry)
{
	/* Busy a moment ago, but signed in longer than 12 hours ago. */
	session_ends("UPDATE staff_sessions SET created_at = now() - interval "
	    "'12 hours 1 minute', last_seen = now() WHERE staff_id = (SELECT "
	    "id FROM staff WHERE email = $1)");
}

E2E_TEST(staff, signout_ends_the_session)
{
	struct e2e_staff	s;
	struct e2e_resp	r;
	char		email[128], loc[256];

	new_account("staff", "a long enough password", email, sizeof(email));
	cr_assert_eq(e2e_signin(email, "a long enough password", &s, &r), 303);
	e2e_staff_req(&s, "/staff/signout", "", NULL, &r);
	cr_assert_eq(r.status, 403, "sign-out needs the CSRF token too");
	e2e_resp_free(&r);
	e2e_staff_req(&s, "/staff/signout", "x=1", NULL, &r);
	cr_assert_eq(r.status, 303);
	e2e_header(&r, "location", loc, sizeof(loc));
	cr_assert(strstr(loc, "/staff/signin?out=1") != NULL, "%s", loc);
	e2e_resp_free(&r);
	e2e_staff_req(&s, "/staff/customers", NULL, NULL, &r);
	cr_assert_eq(r.status, 303, "the old cookie opens nothing");
	e2e_resp_free(&r);
}

E2E_TEST(staff, state_changes_need_the_csrf_token)
{
	struct e2e_staff	s;
	struct e2e_resp	r;
	char		path[128];
	long long	before;

	e2e_as_staff(&s);
	(void)snprintf(path, sizeof(path), "/staff/customers/%lld/copy",
	    customer_id("C-3001"));
	before = e2e_count("SELECT count(*) FROM link_events "
	    "WHERE kind = 'copied'", 0, NULL);
	e2e_staff_req(&s, path, "", NULL, &r);
	cr_assert_eq(r.status, 403);
	e2e_resp_free(&r);
	e2e_staff_req(&s, path, "csrf=not-the-token", "application/json", &r);
	cr_assert_eq(r.status, 403);
	cr_assert(e2e_contains(&r, "expired"));
	e2e_resp_free(&r);
	cr_assert_eq(e2e_count("SELECT count(*) FROM link_events "
	    "WHERE kind = 'copied'", 0, NULL), before, "nothing was logged");
}

E2E_TEST(staff, staff_cannot_open_admin_pages)
{
	struct e2e_staff	s, a;
	struct e2e_resp	r;
	static const char	*pages[] = { "/staff/activity", "/staff/settings",
				    "/staff/activity?format=csv&to=2000-01-01",
				    "/staff/team" };
	size_t		i;

	e2e_as_staff(&s);
	e2e_as_admin(&a);
	for (i = 0; i < sizeof(pages) / sizeof(pages[0]); i++) {
		e2e_staff_req(&s, pages[i], NULL, NULL, &r);
		cr_assert_eq(r.status, 403, "%s", pages[i]);
		e2e_resp_free(&r);
		e2e_staff_req(&a, pages[i], NULL, NULL, &r);
		cr_assert_eq(r.status, 200, "%s", pages[i]);
		e2e_resp_free(&r);
	}
	e2e_staff_req(&s, "/staff/team", "name=X&email=x%40y.example&role=admin&"
	    "password=0123456789abc", NULL, &r);
	cr_assert_eq(r.status, 403);
	e2e_resp_free(&r);
	e2e_staff_req(&s, "/staff/team/1", "action=disable", NULL, &r);
	cr_assert_eq(r.status, 403);
	e2e_resp_free(&r);
	cr_assert_eq(e2e_count("SELECT count(*) FROM staff WHERE email = "
	    "'x@y.example'", 0, NULL), 0);
	/* Staff pages link to no admin page. */
	e2e_staff_req(&s, "/staff/customers", NULL, NULL, &r);
	cr_assert(!e2e_contains(&r, "/staff/activity"));
	e2e_resp_free(&r);
}

E2E_TEST(staff, customer_search_and_financial_tab)
{
	struct e2e_staff	s;
	struct e2e_resp	r;
	char		path[128];

	e2e_as_staff(&s);
	e2e_staff_req(&s, "/staff/customers?q=sakura", NULL, NULL, &r);
	cr_assert_eq(r.status, 200);
	cr_assert(e2e_contains(&r, "Sakura Trading KK"));
	cr_assert(!e2e_contains(&r, "Northwind"));
	e2e_resp_free(&r);
	/* By phone digits, reference and email too. */
	e2e_staff_req(&s, "/staff/customers?q=2075550188", NULL, NULL, &r);
	cr_assert(e2e_contains(&r, "Northwind Café"));
	e2e_resp_free(&r);
	e2e_staff_req(&s, "/staff/customers?q=C-3001", NULL, NULL, &r);
	cr_assert(e2e_contains(&r, "Alpine Outfitters GmbH"));
	e2e_resp_free(&r);
	e2e_staff_req(&s, "/staff/customers?q=ap%40gulfmarine", NULL, NULL, &r);
	cr_assert(e2e_contains(&r, "Gulf Marine Supply"));
	e2e_resp_free(&r);
	e2e_staff_req(&s, "/staff/customers?q=%25", NULL, NULL, &r);
	cr_assert(e2e_contains(&r, "No customer matches"),
	    "a %% is a character, not a wildcard");
	e2e_resp_free(&r);

	(void)snprintf(path, sizeof(path), "/staff/customers/%lld",
	    customer_id("C-2001"));
	e2e_staff_req(&s, path, NULL, NULL, &r);
	cr_assert_eq(r.status, 200);
	cr_assert(e2e_contains(&r, "INV-2001"));
	cr_assert(e2e_contains(&r, "¥"), "JPY formatted by the C side");
	cr_assert(!e2e_contains(&r, "INV-1001"), "only this customer's");
	cr_assert(e2e_contains(&r, "Copy Public Invoice Pay Link"));
	e2e_resp_free(&r);

	e2e_staff_req(&s, "/staff/customers/999999999", NULL, NULL, &r);
	cr_assert_eq(r.status, 404);
	e2e_resp_free(&r);
	e2e_staff_req(&s, "/staff/customers/abc", NULL, NULL, &r);
	cr_assert_eq(r.status, 404);
	e2e_resp_free(&r);
	e2e_staff_req(&s, "/staff/links/00000000-0000-0000-0000-000000000000", NULL,
	    NULL, &r);
	cr_assert_eq(r.status, 404);
	e2e_resp_free(&r);
}

E2E_TEST(staff, copy_logs_and_opens_the_right_customer)
{
	static const long long	totals[] = { 12000 };
	struct e2e_staff	s;
	struct e2e_resp	r;
	char		ref[64], prefix[32], path[128], url[512], id[64], id2[64];
	const char	*p[2];

	e2e_fixture("USD", totals, 1, ref, sizeof(ref), prefix, sizeof(prefix));
	e2e_as_staff(&s);
	(void)snprintf(path, sizeof(path), "/staff/customers/%lld/copy",
	    customer_id(ref));
	e2e_staff_req(&s, path, "", "application/json", &r);
	cr_assert_eq(r.status, 403);
	e2e_resp_free(&r);
	e2e_staff_req(&s, path, "x=1", "application/json", &r);
	cr_assert_eq(r.status, 200, "%s", strbuf_cstr(&r.body));
	e2e_json_field(&r, "url", url, sizeof(url));
	e2e_json_field(&r, "id", id, sizeof(id));
	cr_assert(strstr(url, "/pay/p1.k2.") != NULL, "%s", url);
	e2e_resp_free(&r);

	/* Copying again reuses the active link. */
	e2e_staff_req(&s, path, "x=1", "application/json", &r);
	e2e_json_field(&r, "id", id2, sizeof(id2));
	cr_assert_str_eq(id, id2);
	e2e_resp_free(&r);

	p[0] = id;
	cr_assert_eq(e2e_count("SELECT count(*) FROM link_events WHERE "
	    "link_id = $1 AND kind = 'copied' AND actor = 'Sam Staff' AND "
	    "staff_id IS NOT NULL", 1, p), 2);
	cr_assert_eq(e2e_count("SELECT count(*) FROM link_events WHERE "
	    "link_id = $1 AND kind = 'created'", 1, p), 1);

	e2e_get(strstr(url, "/pay/"), &r);
	cr_assert_eq(r.status, 200);
	cr_assert(e2e_contains(&r, prefix), "the customer's own invoices");
	cr_assert(!e2e_contains(&r, "Northwind"));
	e2e_resp_free(&r);

	/* The link's activity shows created, copied and viewed. */
	(void)snprintf(path, sizeof(path), "/staff/links/%s", id);
	e2e_staff_req(&s, path, NULL, NULL, &r);
	cr_assert_eq(r.status, 200);
	cr_assert(e2e_before(&r, ">Created<", ">Copied<"));
	cr_assert(e2e_before(&r, ">Copied<", ">Viewed<"));
	cr_assert(e2e_contains(&r, "payportal-e2e"), "the viewer's agent");
	e2e_resp_free(&r);
}

E2E_TEST(staff, invoice_link_with_amount_and_expiry)
{
	static const long long	totals[] = { 50000 };
	struct e2e_staff	s;
	struct e2e_resp	r;
	char		ref[64], prefix[32], path[128], url[512], id[64];
	char		inv[48];
	const char	*p[1];

	e2e_fixture("USD", totals, 1, ref, sizeof(ref), prefix, sizeof(prefix));
	invoice_link_path(prefix, inv, sizeof(inv), path, sizeof(path));
	p[0] = inv;
	e2e_as_staff(&s);

	e2e_staff_req(&s, path, "currency=USD&amount=500.01&days=7", NULL, &r);
	cr_assert_eq(r.status, 422);
	cr_assert(e2e_contains(&r, "Amount is more than the open balance"));
	cr_assert(e2e_contains(&r, "value=\"500.01\""), "the value is kept");
	e2e_resp_free(&r);
	e2e_staff_req(&s, path, "currency=USD&amount=1.001&days=0", NULL, &r);
	cr_assert_eq(r.status, 422);
	cr_assert(e2e_contains(&r, "more than 2 decimal places"));
	cr_assert(e2e_contains(&r, "Expires in must be 1 to 365 days."));
	e2e_resp_free(&r);
	e2e_staff_req(&s, path, "currency=EUR&amount=1&days=7", NULL, &r);
	cr_assert_eq(r.status, 422);
	cr_assert(e2e_contains(&r, "Amount must be in USD."));
	e2e_resp_free(&r);
	cr_assert_eq(e2e_count("SELECT count(*) FROM pay_link_invoices pli "
	    "JOIN invoices i ON i.id = pli.invoice_id WHERE i.number = $1",
	    1, p), 0, "refused forms make no link");

	e2e_staff_req(&s, path, "currency=USD&amount=125.50&days=7", "application/json",
	    &r);
	cr_assert_eq(r.status, 200, "%s", strbuf_cstr(&r.body));
	e2e_json_field(&r, "url", url, sizeof(url));
	e2e_json_field(&r, "id", id, sizeof(id));
	e2e_resp_free(&r);
	p[0] = id;
	cr_assert_eq(e2e_count("SELECT fixed_amount FROM pay_links "
	    "WHERE id = $1", 1, p), 12550);
	cr_assert_eq(e2e_count("SELECT round(extract(epoch FROM expires_at - "
	    "created_at) / 86400) FROM pay_links WHERE id = $1", 1, p), 7);
	e2e_get(strstr(url, "/pay/"), &r);
	cr_assert_eq(r.status, 200);
	cr_assert(e2e_contains(&r, "$125.50"));
	e2e_resp_free(&r);
}

E2E_TEST(staff, revoke_shows_the_notice_on_the_public_page)
{
	static const long long	totals[] = { 9900 };
	struct e2e_staff	s;
	struct e2e_resp	r;
	char		ref[64], prefix[32], path[160], url[512], id[64];
	const char	*p[1];

	e2e_fixture("USD", totals, 1, ref, sizeof(ref), prefix, sizeof(prefix));
	e2e_as_staff(&s);
	e2e_copy_link(&s, ref, id, sizeof(id), url, sizeof(url));

	(void)snprintf(path, sizeof(path), "/staff/links/%s/revoke", id);
	e2e_staff_req(&s, path, "", NULL, &r);
	cr_assert_eq(r.status, 403);
	e2e_resp_free(&r);
	e2e_staff_req(&s, path, "x=1", NULL, &r);
	cr_assert_eq(r.status, 303);
	e2e_resp_free(&r);
	e2e_get(strstr(url, "/pay/"), &r);
	cr_assert_eq(r.status, 410);
	cr_assert(e2e_contains(&r, "no longer"), "%s", strbuf_cstr(&r.body));
	e2e_resp_free(&r);
	p[0] = id;
	cr_assert_eq(e2e_count("SELECT count(*) FROM link_events WHERE "
	    "link_id = $1 AND kind = 'revoked' AND actor = 'Sam Staff'", 1, p),
	    1);

	/* Copying again issues a new link; the revoked one cannot be sent. */
	(void)snprintf(path, sizeof(path), "/staff/customers/%lld/copy",
	    customer_id(ref));
	e2e_staff_req(&s, path, "x=1", "application/json", &r);
	cr_assert(!e2e_contains(&r, id));
	e2e_resp_free(&r);
	(void)snprintf(path, sizeof(path), "/staff/links/%s/send", id);
	e2e_staff_req(&s, path, "channel=email&to=a%40b.example", NULL, &r);
	cr_assert_eq(r.status, 422);
	cr_assert(e2e_contains(&r, "This link is revoked and cannot be sent."));
	e2e_resp_free(&r);
	(void)snprintf(path, sizeof(path), "/staff/links/%s/copy", id);
	e2e_staff_req(&s, path, "x=1", "application/json", &r);
	cr_assert_eq(r.status, 409);
	e2e_resp_free(&r);
}

E2E_TEST(staff, send_by_email_arrives_and_opens_the_customer)
{
	static const long long	totals[] = { 4200 };
	struct e2e_staff	s;
	struct e2e_resp	r;
	struct strbuf	mail;
	char		ref[64], prefix[32], path[160], id[64], to[128];
	char		link[512];
	const char	*p[1], *u, *end;

	e2e_fixture("USD", totals, 1, ref, sizeof(ref), prefix, sizeof(prefix));
	e2e_as_staff(&s);
	e2e_copy_link(&s, ref, id, sizeof(id), NULL, 0);

	(void)snprintf(path, sizeof(path), "/staff/links/%s/send", id);
	e2e_staff_req(&s, path, "channel=email&to=not-an-address", NULL, &r);
	cr_assert_eq(r.status, 422);
	cr_assert(e2e_contains(&r, "Email must be an address"));
	cr_assert(e2e_contains(&r, "value=\"not-an-address\""));
	e2e_resp_free(&r);

	(void)snprintf(to, sizeof(to), "%s@customer.example", prefix);
	e2e_send_link(&s, id, "email", to);

	strbuf_init(&mail);
	cr_assert_eq(e2e_mail_count(to, 20, &mail), 1);
	cr_assert(strstr(strbuf_cstr(&mail), "Subject: Your invoices from "
	    "Harbor Street Hardware") != NULL);
	u = strstr(strbuf_cstr(&mail), "/pay/p1.");
	cr_assert(u != NULL, "%s", strbuf_cstr(&mail));
	end = u + strcspn(u, " \r\n");
	(void)snprintf(link, sizeof(link), "%.*s", (int)(end - u), u);
	strbuf_free(&mail);
	e2e_get(link, &r);
	cr_assert_eq(r.status, 200);
	cr_assert(e2e_contains(&r, prefix));
	e2e_resp_free(&r);

	p[0] = id;
	cr_assert_eq(e2e_wait_count("SELECT count(*) FROM link_events WHERE "
	    "link_id = $1 AND kind = 'sent' AND detail->>'channel' = 'email' "
	    "AND detail->>'destination' LIKE '%*%@customer.example'", id, 1,
	    10), 1);
	cr_assert_eq(e2e_count("SELECT count(*) FROM link_events WHERE "
	    "link_id = $1 AND detail::text LIKE '%' || split_part((SELECT "
	    "recipient FROM outbox WHERE link_id = $1), '@', 1) || '@%'",
	    1, p), 0, "the full address is not in the activity");
}

E2E_TEST(staff, send_by_text_arrives_at_the_gateway)
{
	static const long long	totals[] = { 4300 };
	struct e2e_staff	s;
	struct e2e_resp	r;
	char		ref[64], prefix[32], path[160], id[64];

	e2e_fixture("USD", totals, 1, ref, sizeof(ref), prefix, sizeof(prefix));
	e2e_as_staff(&s);
	e2e_copy_link(&s, ref, id, sizeof(id), NULL, 0);

	(void)snprintf(path, sizeof(path), "/staff/links/%s/send", id);
	e2e_staff_req(&s, path, "channel=sms&to=207-555", NULL, &r);
	cr_assert_eq(r.status, 422);
	cr_assert(e2e_contains(&r, "Mobile number must start with +"));
	e2e_resp_free(&r);
	e2e_send_link(&s, id, "sms", "+44 7700 900 123");
	cr_assert_eq(e2e_wait_count("SELECT count(*) FROM link_events WHERE "
	    "link_id = $1 AND kind = 'sent' AND detail->>'channel' = 'sms' "
	    "AND detail->>'destination' LIKE '%0123'", id, 1, 10), 1);
	{
		struct strbuf	g;
		char		cmd[512];

		(void)snprintf(cmd, sizeof(cmd), "curl -sf %s/_control/sms",
		    e2e_env("E2E_GATEWAY"));
		strbuf_init(&g);
		cr_assert_eq(e2e_run(cmd, &g), 0);
		cr_assert(strstr(strbuf_cstr(&g), "+447700900123") != NULL,
		    "%s", strbuf_cstr(&g));
		cr_assert(strstr(strbuf_cstr(&g), "/pay/p1.") != NULL);
		strbuf_free(&g);
	}
}

E2E_TEST(staff, activity_filters_and_csv)
{
	static const long long	totals[] = { 7700 };
	struct e2e_staff	s, a;
	struct e2e_resp	r;
	char		ref[64], prefix[32], path[256];
	const char	*b;

	e2e_fixture("USD", totals, 1, ref, sizeof(ref), prefix, sizeof(prefix));
	e2e_as_staff(&s);
	e2e_as_admin(&a);
	e2e_copy_link(&s, ref, NULL, 0, NULL, 0);

	(void)snprintf(path, sizeof(path), "/staff/activity?customer=%s", ref);
	e2e_staff_req(&a, path, NULL, NULL, &r);
	cr_assert_eq(r.status, 200);
	cr_assert(e2e_contains(&r, "Copied</a>"));
	cr_assert(e2e_contains(&r, "Created</a>"));
	cr_assert(!e2e_contains(&r, "Northwind"), "only this customer");
	e2e_resp_free(&r);

	(void)snprintf(path, sizeof(path), "/staff/activity?customer=%s&"
	    "kind=copied", ref);
	e2e_staff_req(&a, path, NULL, NULL, &r);
	cr_assert(e2e_contains(&r, "Copied</a>"));
	cr_assert(!e2e_contains(&r, "Created</a>"));
	e2e_resp_free(&r);

	(void)snprintf(path, sizeof(path), "/staff/activity?customer=%s&"
	    "staff=%lld", ref, e2e_count("SELECT id FROM staff WHERE email = "
	    "'admin@harborstreet.example'", 0, NULL));
	e2e_staff_req(&a, path, NULL, NULL, &r);
	cr_assert(e2e_contains(&r, "No activity matches"));
	e2e_resp_free(&r);

	(void)snprintf(path, sizeof(path), "/staff/activity?customer=%s&"
	    "from=2000-01-01&to=2000-01-31", ref);
	e2e_staff_req(&a, path, NULL, NULL, &r);
	cr_assert(e2e_contains(&r, "No activity matches"));
	e2e_resp_free(&r);

	e2e_staff_req(&a, "/staff/activity?from=2026-02-30&kind=nope&customer=ZZZ-none",
	    NULL, NULL, &r);
	cr_assert_eq(r.status, 422);
	cr_assert(e2e_contains(&r, "From must be a date like 2026-01-31."));
	cr_assert(e2e_contains(&r, "Event is not one of the listed kinds."));
	cr_assert(e2e_contains(&r, "is not a customer id or reference"));
	e2e_resp_free(&r);

	(void)snprintf(path, sizeof(path), "/staff/activity?customer=%s&"
	    "format=csv", ref);
	e2e_staff_req(&a, path, NULL, NULL, &r);
	cr_assert_eq(r.status, 200);
	cr_assert(strcasestr(strbuf_cstr(&r.headers),
	    "content-type: text/csv") != NULL);
	cr_assert(strcasestr(strbuf_cstr(&r.headers), "attachment") != NULL);
	b = strbuf_cstr(&r.body);
	cr_assert(strncmp(b, "time,event,customer,link,who,", 29) == 0, "%s",
	    b);
	cr_assert(strstr(b, ",Copied,") != NULL, "%s", b);
	cr_assert(strstr(b, ",Created,") != NULL, "%s", b);
	cr_assert(strstr(b, ",Sam Staff,") != NULL, "%s", b);
	cr_assert(strstr(b, "Northwind") == NULL, "%s", b);
	e2e_resp_free(&r);
}

E2E_TEST(staff, admins_manage_the_team)
{
	struct e2e_staff	a, t;
	struct e2e_resp	r;
	char		email[128], body[512], path[64];
	const char	*p[1];
	long long	id;

	e2e_as_admin(&a);
	e2e_staff_req(&a, "/staff/team", "name=&email=bad&role=boss&password=short",
	    NULL, &r);
	cr_assert_eq(r.status, 422);
	cr_assert(e2e_contains(&r, "Email must be an address"));
	cr_assert(e2e_contains(&r, "Name is required"));
	cr_assert(e2e_contains(&r, "Role must be staff or admin."));
	cr_assert(e2e_contains(&r, "Password must be at least 10 characters"));
	e2e_resp_free(&r);

	new_account("staff", "placeholder password", email, sizeof(email));
	/* A second address for the same test, added through the page. */
	email[0] = 'u';
	(void)snprintf(body, sizeof(body), "name=Una+New&email=%.*s%%40%s&"
	    "role=staff&password=first+password+1", (int)strcspn(email, "@"),
	    email, strchr(email, '@') + 1);
	e2e_staff_req(&a, "/staff/team", body, NULL, &r);
	cr_assert_eq(r.status, 303, "%s", strbuf_cstr(&r.body));
	e2e_resp_free(&r);
	p[0] = email;
	cr_assert_eq(e2e_count("SELECT count(*) FROM staff_changes x JOIN "
	    "staff s ON s.id = x.staff_id WHERE s.email = $1 AND "
	    "x.action = 'created' AND x.actor_id IS NOT NULL", 1, p), 1);
	cr_assert_eq(e2e_signin(email, "first password 1", &t, &r), 303);

	/* Disabling ends the account's session and records who did it. */
	id = e2e_count("SELECT id FROM staff WHERE email = $1", 1, p);
	(void)snprintf(path, sizeof(path), "/staff/team/%lld", id);
	e2e_staff_req(&a, path, "action=disable", NULL, &r);
	cr_assert_eq(r.status, 303);
	e2e_resp_free(&r);
	e2e_staff_req(&t, "/staff/customers", NULL, NULL, &r);
	cr_assert_eq(r.status, 303);
	e2e_resp_free(&r);
	cr_assert_eq(e2e_signin(email, "first password 1", &t, &r), 401);
	e2e_resp_free(&r);
	e2e_staff_req(&a, path, "action=enable", NULL, &r);
	e2e_resp_free(&r);
	e2e_staff_req(&a, path, "action=make_admin", NULL, &r);
	e2e_resp_free(&r);
	cr_assert_eq(e2e_count("SELECT count(*) FROM staff_changes WHERE "
	    "staff_id = (SELECT id FROM staff WHERE email = $1) AND action IN "
	    "('disabled', 'enabled', 'role_changed')", 1, p), 3);
	cr_assert_eq(e2e_signin(email, "first password 1", &t, &r), 303);

	/* An admin cannot disable themselves. */
	(void)snprintf(path, sizeof(path), "/staff/team/%lld", id);
	e2e_staff_req(&t, path, "action=disable", NULL, &r);
	cr_assert_eq(r.status, 422);
	cr_assert(e2e_contains(&r, "You cannot disable your own account"));
	e2e_resp_free(&r);
	cr_assert(e2e_sql_fails("UPDATE staff_changes SET action = 'created'",
	    NULL, 0), "the team's history is append-only");
}

E2E_TEST(staff, expiry_is_logged_in_the_activity)
{
	static const long long	totals[] = { 2100 };
	struct e2e_staff	s;
	struct e2e_resp		r;
	char			ref[64], prefix[32], tok[LINK_TOKEN_MAX + 1];
	char			link[64], path[128];

	e2e_fixture("USD", totals, 1, ref, sizeof(ref), prefix, sizeof(prefix));
	e2e_link(ref, NULL, "k2", 0, 1, time(NULL) + 1, "e2e", tok, link);
	cr_assert_eq(e2e_wait_count("SELECT count(*) FROM link_events WHERE "
	    "link_id = $1 AND kind = 'expired'", link, 1, 15), 1);
	/* Once only. */
	sleep(3);
	cr_assert_eq(e2e_wait_count("SELECT count(*) FROM link_events WHERE "
	    "link_id = $1 AND kind = 'expired'", link, 1, 1), 1);
	e2e_as_staff(&s);
	(void)snprintf(path, sizeof(path), "/staff/links/%s", link);
	e2e_staff_req(&s, path, NULL, NULL, &r);
	cr_assert_eq(r.status, 200);
	cr_assert(e2e_contains(&r, "id=\"link-state\">expired<"));
	cr_assert(e2e_contains(&r, ">Expired<"));
	e2e_resp_free(&r);
}

/*
 * A POST's fields are its body's: a query string cannot pose as what the
 * server derived from a field (a checked address, a password's hash), and
 * a body field named like one is refused.
 */
E2E_TEST(staff, typed_fields_cannot_pose_as_checked_ones)
{
	static const long long	totals[] = { 2500 };
	struct e2e_staff	s, a;
	struct e2e_resp		r;
	char			ref[64], prefix[32], path[1024], id[64], body[256];
	char			email[128];
	const char		*p[1];

	e2e_fixture("USD", totals, 1, ref, sizeof(ref), prefix, sizeof(prefix));
	e2e_as_staff(&s);
	e2e_copy_link(&s, ref, id, sizeof(id), NULL, 0);
	p[0] = id;

	(void)snprintf(path, sizeof(path), "/staff/links/%s/send?to_norm="
	    "evil%%40attacker.example%%3E%%0D%%0ABcc%%3A+%%3Cx%%40y.example",
	    id);
	e2e_staff_req(&s, path, "channel=email&to=not-an-address", NULL, &r);
	cr_assert_eq(r.status, 422);
	cr_assert(e2e_contains(&r, "Email must be an address"));
	e2e_resp_free(&r);
	e2e_staff_req(&s, path, "channel=email", NULL, &r);
	cr_assert_eq(r.status, 422);
	cr_assert(e2e_contains(&r, "Email is required."));
	e2e_resp_free(&r);

	(void)snprintf(path, sizeof(path), "/staff/links/%s/send", id);
	e2e_staff_req(&s, path, "channel=email&to=not-an-address&to_norm="
	    "evil%40attacker.example", NULL, &r);
	cr_assert_eq(r.status, 400);
	e2e_resp_free(&r);
	cr_assert_eq(e2e_count("SELECT count(*) FROM outbox WHERE link_id = $1",
	    1, p), 0, "nothing was queued");

	/* An admin cannot set an account's password hash either. */
	e2e_as_admin(&a);
	(void)snprintf(email, sizeof(email), "h%s@staff.example", prefix);
	(void)snprintf(body, sizeof(body), "name=Hash+Test&email=h%s%%40"
	    "staff.example&role=admin", prefix);
	e2e_staff_req(&a, "/staff/team?password_hash=%24argon2id%24v%3D19%24"
	    "m%3D8%2Ct%3D1%2Cp%3D1%24c2FsdHNhbHQ%24aGFzaGhhc2g", body, NULL, &r);
	cr_assert_eq(r.status, 422);
	cr_assert(e2e_contains(&r, "Password is required."));
	e2e_resp_free(&r);
	(void)snprintf(path, sizeof(path), "%s&password_hash=%%24argon2id%%24"
	    "v%%3D19%%24m%%3D8%%2Ct%%3D1%%2Cp%%3D1%%24c2FsdHNhbHQ%%24aGFzaGhhc2g",
	    body);
	e2e_staff_req(&a, "/staff/team", path, NULL, &r);
	cr_assert_eq(r.status, 400);
	e2e_resp_free(&r);
	p[0] = email;
	cr_assert_eq(e2e_count("SELECT count(*) FROM staff WHERE email = "
	    "lower($1)", 1, p), 0, "no account was made");
}

/*
 * A recipient that reached the outbox some other way, with a line break
 * in it, is never sent: the row is given up and the link's activity says
 * so.
 */
E2E_TEST(staff, the_outbox_refuses_a_recipient_with_a_line_break)
{
	static const long long	totals[] = { 2600 };
	char			ref[64], prefix[32], tok[LINK_TOKEN_MAX + 1];
	char			link[64];
	const char		*p[1];

	e2e_fixture("USD", totals, 1, ref, sizeof(ref), prefix, sizeof(prefix));
	e2e_link(ref, NULL, "k2", 0, 1, time(NULL) + 86400, "e2e", tok, link);
	p[0] = link;
	e2e_sql("INSERT INTO outbox (kind, link_id, recipient, subject, body) "
	    "VALUES ('link_email', $1, E'a@b.example>\\r\\nBcc: <injected@"
	    "attacker.example', 'Hi', 'Pay at {{link}}')", 1, p);
	cr_assert_eq(e2e_wait_count("SELECT count(*) FROM outbox WHERE "
	    "link_id = $1 AND gave_up_at IS NOT NULL AND sent_at IS NULL",
	    link, 1, 15), 1);
	cr_assert_eq(e2e_count("SELECT count(*) FROM link_events WHERE "
	    "link_id = $1 AND kind = 'send_failed' AND detail->>'error' LIKE "
	    "'the recipient is not valid%given up'", 1, p), 1);
	cr_assert_eq(e2e_mail_count("injected@attacker.example", 1, NULL), 0);
}

/*
 * A link signed with a retired key (k0) opens nothing: staff see "key
 * retired" without copy or send, and copying for the customer makes a new
 * link with the active key.
 */
E2E_TEST(staff, a_link_whose_key_is_retired_shows_so_and_is_replaced)
{
	static const long long	totals[] = { 2700 };
	struct e2e_staff	s;
	struct e2e_resp		r;
	char			ref[64], prefix[32], tok[LINK_TOKEN_MAX + 1];
	char			link[64], path[160], id[64], url[512];

	e2e_fixture("USD", totals, 1, ref, sizeof(ref), prefix, sizeof(prefix));
	e2e_link(ref, NULL, "k0", 0, 1, time(NULL) + 86400, "e2e", tok, link);
	e2e_as_staff(&s);

	(void)snprintf(path, sizeof(path), "/staff/links/%s", link);
	e2e_staff_req(&s, path, NULL, NULL, &r);
	cr_assert_eq(r.status, 200);
	cr_assert(e2e_contains(&r, "state-key-retired\" id=\"link-state\">"
	    "key retired<"), "%s", strbuf_cstr(&r.body));
	cr_assert(!e2e_contains(&r, "id=\"copy-link\""));
	cr_assert(!e2e_contains(&r, "id=\"send-form\""));
	cr_assert(e2e_contains(&r, "id=\"copy-new\""));
	e2e_resp_free(&r);
	(void)snprintf(path, sizeof(path), "/staff/customers/%lld",
	    customer_id(ref));
	e2e_staff_req(&s, path, NULL, NULL, &r);
	cr_assert(e2e_contains(&r, ">key retired<"));
	cr_assert(!e2e_contains(&r, ">active<"));
	e2e_resp_free(&r);

	(void)snprintf(path, sizeof(path), "/staff/links/%s/send", link);
	e2e_staff_req(&s, path, "channel=email&to=a%40b.example", NULL, &r);
	cr_assert_eq(r.status, 422);
	cr_assert(e2e_contains(&r, "cannot be sent"));
	e2e_resp_free(&r);
	(void)snprintf(path, sizeof(path), "/staff/links/%s/copy", link);
	e2e_staff_req(&s, path, "x=1", "application/json", &r);
	cr_assert_eq(r.status, 409);
	e2e_resp_free(&r);

	e2e_copy_link(&s, ref, id, sizeof(id), url, sizeof(url));
	cr_assert_str_neq(id, link);
	cr_assert(strstr(url, "/pay/p1.k2.") != NULL, "%s", url);
	e2e_get(strstr(url, "/pay/"), &r);
	cr_assert_eq(r.status, 200);
	e2e_resp_free(&r);
}

/* A fixed amount shows in its invoice's currency, not the customer's. */
E2E_TEST(staff, a_fixed_amount_is_in_the_invoice_currency)
{
	static const long long	totals[] = { 50000 };
	struct e2e_staff	s;
	struct e2e_resp		r;
	char			ref[64], prefix[32], path[160], inv[48], fixed[64];
	const char		*p[1];

	e2e_fixture("USD", totals, 1, ref, sizeof(ref), prefix, sizeof(prefix));
	p[0] = ref;
	e2e_sql("UPDATE customers SET currency = 'EUR' WHERE external_ref = $1",
	    1, p);
	invoice_link_path(prefix, inv, sizeof(inv), path, sizeof(path));
	p[0] = inv;
	e2e_as_staff(&s);
	e2e_staff_req(&s, path, "currency=USD&amount=12.34", "application/json",
	    &r);
	cr_assert_eq(r.status, 200, "%s", strbuf_cstr(&r.body));
	e2e_json_field(&r, "fixed", fixed, sizeof(fixed));
	e2e_resp_free(&r);
	cr_assert_str_eq(fixed, "$12.34");
	(void)snprintf(path, sizeof(path), "/staff/customers/%lld",
	    customer_id(ref));
	e2e_staff_req(&s, path, NULL, NULL, &r);
	cr_assert(e2e_contains(&r, "$12.34"));
	cr_assert(!e2e_contains(&r, "€12.34"));
	e2e_resp_free(&r);
}

/* Signing in from a browser that holds a session ends that session. */
E2E_TEST(staff, signing_in_again_ends_the_session_the_browser_had)
{
	struct e2e_staff	old, now;
	struct e2e_resp		r;
	char			email[128];
	const char		*p[1];

	new_account("staff", "a long enough password", email, sizeof(email));
	cr_assert_eq(e2e_signin(email, "a long enough password", &old, &r), 303);
	cr_assert_eq(e2e_signin_from(email, "a long enough password",
	    old.cookie, &now, &r), 303);
	cr_assert_str_neq(now.cookie, old.cookie);

	e2e_staff_req(&old, "/staff/customers", NULL, NULL, &r);
	cr_assert_eq(r.status, 303, "the old session still opens pages");
	e2e_resp_free(&r);
	e2e_staff_req(&now, "/staff/customers", NULL, NULL, &r);
	cr_assert_eq(r.status, 200);
	e2e_resp_free(&r);
	p[0] = email;
	cr_assert_eq(e2e_count("SELECT count(*) FROM staff_sessions WHERE "
	    "staff_id = (SELECT id FROM staff WHERE email = $1)", 1, p), 1);
}

/*
 * A refused form: the summary at the top, each message next to its
 * input, which is marked invalid and names it, and what was typed kept.
 * None of these forms saves anything.
 */
E2E_TEST(staff, errors_sit_next_to_their_fields_and_values_stay)
{
	static const long long	totals[] = { 2800 };
	struct e2e_staff	s, a;
	struct e2e_resp		r;
	char			ref[64], prefix[32], path[160], inv[48];

	e2e_fixture("USD", totals, 1, ref, sizeof(ref), prefix, sizeof(prefix));
	invoice_link_path(prefix, inv, sizeof(inv), path, sizeof(path));
	e2e_as_staff(&s);
	e2e_staff_req(&s, path, "currency=USD&amount=1.001&days=0", NULL, &r);
	cr_assert_eq(r.status, 422);
	cr_assert(e2e_contains(&r, "id=\"error-title\""), "the summary stays");
	cr_assert(e2e_contains(&r, "value=\"1.001\" placeholder=\"Whole open "
	    "balance\" aria-invalid=\"true\" aria-describedby=\"amount-error\""),
	    "%s", strbuf_cstr(&r.body));
	cr_assert(e2e_contains(&r, "<p class=\"field-error\" id=\"amount-"
	    "error\">Amount has more than 2 decimal places"));
	cr_assert(e2e_contains(&r, "value=\"0\" placeholder=\"Default\" "
	    "aria-invalid=\"true\" aria-describedby=\"days-error\""));
	cr_assert(e2e_contains(&r, "id=\"days-error\">Expires in must be"));
	e2e_resp_free(&r);

	e2e_as_admin(&a);
	e2e_staff_req(&a, "/staff/settings/fees", "method=bank_account&"
	    "currency=CHF&percent=2.999&fixed_amount=0.255&min_amount=1",
	    NULL, &r);
	cr_assert_eq(r.status, 422);
	cr_assert(e2e_contains(&r, "<option value=\"bank_account\" selected>"));
	cr_assert(e2e_contains(&r, "name=\"currency\" value=\"CHF\""));
	cr_assert(e2e_contains(&r, "name=\"percent\" inputmode=\"decimal\" "
	    "value=\"2.999\" aria-invalid=\"true\" aria-describedby=\"fee-"
	    "percent-error\""), "%s", strbuf_cstr(&r.body));
	cr_assert(e2e_contains(&r, "id=\"fee-percent-error\">Percentage must"));
	cr_assert(e2e_contains(&r, "value=\"0.255\" placeholder=\"0.00\" "
	    "aria-invalid=\"true\" aria-describedby=\"fee-fixed_amount-error\""));
	cr_assert(e2e_contains(&r, "name=\"min_amount\" inputmode=\"decimal\" "
	    "value=\"1\" placeholder=\"none\">"));
	cr_assert(!e2e_contains(&r, " checked> Enabled"), "left unticked");
	e2e_resp_free(&r);

	e2e_staff_req(&a, "/staff/settings/templates", "channel=sms&body=Pay+us"
	    "+now", NULL, &r);
	cr_assert_eq(r.status, 422);
	cr_assert(e2e_contains(&r, "aria-describedby=\"tpl-body-sms-error\">"
	    "Pay us now</textarea><p class=\"field-error\" id=\"tpl-body-sms-"
	    "error\">Message must contain {{link}}"), "%s",
	    strbuf_cstr(&r.body));
	e2e_resp_free(&r);

	e2e_staff_req(&a, "/staff/settings/keys", "action=add&key=Bad+Key",
	    NULL, &r);
	cr_assert_eq(r.status, 422);
	cr_assert(e2e_contains(&r, "value=\"Bad Key\" placeholder=\"New key "
	    "name, e.g. k3\" maxlength=\"16\" aria-invalid=\"true\" "
	    "aria-describedby=\"key-error\""), "%s", strbuf_cstr(&r.body));
	cr_assert(e2e_contains(&r, "id=\"key-error\">Key name must be"));
	e2e_resp_free(&r);
	cr_assert_eq(e2e_count("SELECT count(*) FROM fee_rules WHERE currency "
	    "= 'CHF' AND method = 'bank_account'", 0, NULL), 0);
}

/*
 * Search by the start of words, in any order and across fields, with phone
 * digits in groups; any part of the text when no word starts that way;
 * and the words index, not a scan, behind it.
 */
E2E_TEST(staff, customer_search_words)
{
	struct e2e_staff	s;
	struct e2e_resp		r;
	unsigned char		id[LINK_ID_LEN];
	char			tag[32], d3[8], d4[8], path[256], *plan;
	const char		*p[3];

	cr_assert(linkid_random(id));
	(void)snprintf(tag, sizeof(tag), "wd%02x%02x%02x", id[0], id[1], id[2]);
	(void)snprintf(d3, sizeof(d3), "%03u", (unsigned)id[3] * 3 % 1000);
	(void)snprintf(d4, sizeof(d4), "%04u",
	    ((unsigned)id[4] << 8 | id[5]) % 10000);
	p[0] = tag;
	p[1] = d3;
	p[2] = d4;
	e2e_sql("INSERT INTO customers (external_ref, name, email, phone, "
	    "currency) VALUES ('R-' || $1, 'Maple Bakery ' || $1, "
	    "'orders@' || $1 || '.example', '+1 (479) ' || $2 || '-' || $3, "
	    "'USD'), ('S-' || $1, 'Harbor Supply ' || $1, NULL, NULL, 'USD')",
	    3, p);
	e2e_as_staff(&s);

	/* Word starts, in any order, one from the email. */
	(void)snprintf(path, sizeof(path),
	    "/staff/customers?q=bak+%s+map", tag);
	e2e_staff_req(&s, path, NULL, NULL, &r);
	cr_assert_eq(r.status, 200);
	cr_assert(e2e_contains(&r, "Maple Bakery"));
	cr_assert(!e2e_contains(&r, "Harbor Supply"));
	e2e_resp_free(&r);
	(void)snprintf(path, sizeof(path), "/staff/customers?q=orders%%40%s",
	    tag);
	e2e_staff_req(&s, path, NULL, NULL, &r);
	cr_assert(e2e_contains(&r, "Maple Bakery"));
	e2e_resp_free(&r);
	/* Phone digits typed in groups, as they are printed. */
	(void)snprintf(path, sizeof(path), "/staff/customers?q=%s+%s+%s",
	    tag, d3, d4);
	e2e_staff_req(&s, path, NULL, NULL, &r);
	cr_assert(e2e_contains(&r, "Maple Bakery"), "%s", path);
	e2e_resp_free(&r);
	/* No word starts "aple": any part of the text, then. */
	(void)snprintf(path, sizeof(path),
	    "/staff/customers?q=aple+bakery+%s", tag);
	e2e_staff_req(&s, path, NULL, NULL, &r);
	cr_assert(e2e_contains(&r, "Maple Bakery"));
	e2e_resp_free(&r);
	/* A word of the search no customer has: nothing. */
	(void)snprintf(path, sizeof(path), "/staff/customers?q=%s+zebra", tag);
	e2e_staff_req(&s, path, NULL, NULL, &r);
	cr_assert(e2e_contains(&r, "No customer matches"));
	e2e_resp_free(&r);

	/* The index answers, whatever the planner thinks of the table. */
	e2e_sql("CREATE OR REPLACE FUNCTION pg_temp.plan(q text) RETURNS text "
	    "LANGUAGE plpgsql AS $$ DECLARE l text; o text := ''; BEGIN "
	    "FOR l IN EXECUTE 'EXPLAIN ' || q LOOP o := o || l || ' '; "
	    "END LOOP; RETURN o; END $$", 0, NULL);
	plan = e2e_value("SELECT pg_temp.plan('SELECT id FROM customers "
	    "WHERE customer_words(name, email, phone, external_ref) @> "
	    "search_words(' || quote_literal($1) || ')')", 1, p);
	cr_assert(strstr(plan, "customers_words") != NULL, "%s", plan);
	free(plan);
}

/*
 * The lists of words (sql/011_customer_terms.sql) give, page by page, the
 * very customers the words index gives, in the same order, for searches
 * of one word or several, words that start several words, short words,
 * words that start many, and words nobody has; and follow customers as
 * they are added, renamed and removed.
 */
E2E_TEST(staff, customer_search_lists)
{
	struct e2e_staff s;
	struct e2e_resp	 r;
	unsigned char	 id[LINK_ID_LEN];
	char		 tag[32], path[128], *v;
	const char	*p[1];

	cr_assert(linkid_random(id));
	(void)snprintf(tag, sizeof(tag), "zl%02x%02x%02x", id[0], id[1], id[2]);
	p[0] = tag;
	/*
	 * 160 customers in one insert: 4 first words by 4 second words, named
	 * to sort after the demo's, which other tests find on page 1.
	 */
	e2e_sql("INSERT INTO customers (external_ref, name, email, phone, "
	    "currency) SELECT 'LF-' || $1 || '-' || g, initcap($1) || ' ' || "
	    "(ARRAY['Maple', 'Mapleton', 'Marble', 'Harbor'])[1 + g % 4] || "
	    "' ' || (ARRAY['Bakery', 'Baker', 'Books', 'Supply'])[1 + g / 4 % 4]"
	    " || ' ' || g, lower((ARRAY['Bakery', 'Baker', 'Books', 'Supply'])"
	    "[1 + g / 4 % 4]) || g || '@' || $1 || '.example', "
	    "'+1 555 01' || lpad(g::text, 3, '0'), 'USD' "
	    "FROM generate_series(1, 160) g", 1, p);

	/* Each search and page, both ways, in one statement (one snapshot). */
	e2e_sql("CREATE OR REPLACE FUNCTION pg_temp.by_index(w text[], s int) "
	    "RETURNS bigint[] LANGUAGE sql STABLE AS $$ SELECT coalesce("
	    "array_agg(id ORDER BY k, id), '{}') FROM (SELECT id, lower(name) "
	    "COLLATE \"C\" AS k FROM customers WHERE customer_words(name, "
	    "email, phone, external_ref) @> w ORDER BY k, id LIMIT 26 "
	    "OFFSET s) x $$", 0, NULL);
	v = e2e_value("WITH t AS (SELECT q, s, search_words(q) AS w FROM "
	    "unnest(ARRAY[$1, $1 || ' map', $1 || ' maple bak', "
	    "$1 || ' supply harbor', $1 || ' marb b', $1 || ' bakery1', "
	    "$1 || ' harbor maple', $1 || ' zzzq', 'maple bakery', "
	    "$1 || ' books 1']) q, unnest(ARRAY[0, 25, 50, 100, 125]) s), "
	    "r AS (SELECT q, s, customer_terms_page(w, s, 26) AS got, "
	    "pg_temp.by_index(w, s) AS want FROM t) "
	    "SELECT coalesce(string_agg(q || '@' || s, ', ') FILTER (WHERE "
	    "got IS DISTINCT FROM want AND got IS NOT NULL), 'same') || ' ' || "
	    "count(*) FILTER (WHERE got IS NULL AND q LIKE $1 || '%') || ' ' ||"
	    " count(*) FILTER (WHERE got IS NULL AND s <= 100 AND q LIKE $1 || "
	    "'%' AND q NOT LIKE '% 1') || ' ' || count(*) FILTER (WHERE "
	    "cardinality(got) > 0 AND q LIKE $1 || '%') FROM r", 1, p);
	/*
	 * The same answers everywhere. Of the searches of the new customers,
	 * the words index alone answers past page 5 (9 searches) and for
	 * digits, maybe a phone number's (4 more pages of one search); the
	 * lists give customers on 13 pages: 4 of the tag, 3 of "map" (Maple
	 * and Mapleton), 2 each of "maple bak" (where "bak" starts many
	 * words, "bakery17" among them, and is checked on each match) and
	 * "marb b", 1 each of "supply harbor" and "bakery1". "maple bakery"
	 * over every customer, and page 5 of it, must only be the same.
	 */
	cr_assert_str_eq(v, "same 13 0 13");
	free(v);

	/* Renamed, its email gone, and removed: the lists follow. */
	e2e_sql("UPDATE customers SET name = initcap($1) || ' Renamed Cafe', "
	    "email = NULL WHERE external_ref = 'LF-' || $1 || '-1'", 1, p);
	e2e_sql("UPDATE customers SET currency = 'EUR' "
	    "WHERE external_ref = 'LF-' || $1 || '-3'", 1, p);
	e2e_sql("DELETE FROM customers WHERE external_ref = 'LF-' || $1 || "
	    "'-2'", 1, p);
	cr_assert_eq(e2e_count("SELECT count(*) FROM ((SELECT word, name_key, "
	    "customer_id FROM customer_terms EXCEPT SELECT t.* FROM customers "
	    "c, customer_terms_rows(c.id, c.name, c.email, c.external_ref) t) "
	    "UNION ALL (SELECT t.* FROM customers c, customer_terms_rows(c.id, "
	    "c.name, c.email, c.external_ref) t EXCEPT SELECT word, name_key, "
	    "customer_id FROM customer_terms)) x", 0, NULL), 0);
	e2e_as_staff(&s);
	(void)snprintf(path, sizeof(path), "/staff/customers?q=%s+caf+ren",
	    tag);
	e2e_staff_req(&s, path, NULL, NULL, &r);
	cr_assert_eq(r.status, 200);
	cr_assert(e2e_contains(&r, "Renamed Cafe"));
	cr_assert(!e2e_contains(&r, "Bakery"));
	e2e_resp_free(&r);
	(void)snprintf(path, sizeof(path), "/staff/customers?q=%s+bakery1",
	    tag);
	e2e_staff_req(&s, path, NULL, NULL, &r);
	cr_assert(!e2e_contains(&r, "Renamed Cafe"));
	cr_assert(e2e_contains(&r, "Bakery 16<"), "%s", strbuf_cstr(&r.body));
	e2e_resp_free(&r);
}

/* Customers 25 a page, in name order, the search kept across pages. */
E2E_TEST(staff, customer_list_pages)
{
	struct e2e_staff	s;
	struct e2e_resp		r;
	unsigned char		id[LINK_ID_LEN];
	char			tag[32], path[128], name[64];
	const char		*p[1];
	int			i;

	cr_assert(linkid_random(id));
	(void)snprintf(tag, sizeof(tag), "pg%02x%02x%02x", id[0], id[1], id[2]);
	p[0] = tag;
	e2e_sql("INSERT INTO customers (external_ref, name, currency) SELECT "
	    "$1 || '-' || g, 'Pager ' || $1 || ' ' || lpad(g::text, 2, '0'), "
	    "'USD' FROM generate_series(1, 30) g", 1, p);
	e2e_as_staff(&s);
	(void)snprintf(path, sizeof(path), "/staff/customers?q=%s", tag);
	e2e_staff_req(&s, path, NULL, NULL, &r);
	cr_assert_eq(r.status, 200);
	for (i = 1; i <= 30; i++) {
		(void)snprintf(name, sizeof(name), ">Pager %s %02d<", tag, i);
		cr_assert_eq(e2e_contains(&r, name), i <= 25, "%s", name);
	}
	cr_assert(e2e_contains(&r, "name=\"page\" value=\"2\" id=\"next-page\""));
	cr_assert(e2e_contains(&r, "name=\"q\" value=\"" ));
	e2e_resp_free(&r);

	(void)snprintf(path, sizeof(path), "/staff/customers?q=%s&page=2", tag);
	e2e_staff_req(&s, path, NULL, NULL, &r);
	cr_assert_eq(r.status, 200);
	for (i = 1; i <= 30; i++) {
		(void)snprintf(name, sizeof(name), ">Pager %s %02d<", tag, i);
		cr_assert_eq(e2e_contains(&r, name), i > 25, "%s", name);
	}
	for (i = 26; i < 30; i++) {
		(void)snprintf(name, sizeof(name), ">Pager %s %02d<", tag, i);
		(void)snprintf(path, sizeof(path), ">Pager %s %02d<", tag,
		    i + 1);
		cr_assert(e2e_before(&r, name, path), "in name order");
	}
	cr_assert(e2e_contains(&r, "name=\"page\" value=\"1\""), "previous");
	cr_assert(!e2e_contains(&r, "id=\"next-page\""), "the last page");
	cr_assert(e2e_contains(&r, "Page 2"));
	e2e_resp_free(&r);
}

/*
 * A fresh customer's link viewed n times, a second apart, the newest a
 * second ago, by user agents "ev-1" (newest) to "ev-<n>".
 */
static void
views(int n, char *ref, size_t reflen, char *link, size_t linklen)
{
	static const long long	 totals[] = { 3100 };
	char			 prefix[32], tok[LINK_TOKEN_MAX + 1], num[16];
	const char		*p[2];

	cr_assert(linklen > LINKID_UUID_LEN);
	e2e_fixture("USD", totals, 1, ref, reflen, prefix, sizeof(prefix));
	e2e_link(ref, NULL, "k2", 0, 1, time(NULL) + 86400, "e2e", tok, link);
	(void)snprintf(num, sizeof(num), "%d", n);
	p[0] = link;
	p[1] = num;
	e2e_sql("INSERT INTO link_events (link_id, kind, at, client_addr, "
	    "user_agent) SELECT $1, 'viewed', now() - g * interval '1 second', "
	    "'192.0.2.1', 'ev-' || g FROM generate_series(1, $2::integer) g",
	    2, p);
}

/* The activity view, 50 events a page, "Older" to the next 50. */
E2E_TEST(staff, activity_pages_to_older_events)
{
	struct e2e_staff	a;
	struct e2e_resp		r;
	char			ref[64], link[64], path[256], before[96], v[64];
	const char		*b;
	int			n;

	views(60, ref, sizeof(ref), link, sizeof(link));
	e2e_as_admin(&a);
	(void)snprintf(path, sizeof(path), "/staff/activity?customer=%s&"
	    "kind=viewed", ref);
	e2e_staff_req(&a, path, NULL, NULL, &r);
	cr_assert_eq(r.status, 200);
	for (n = 0, b = strbuf_cstr(&r.body); (b = strstr(b, "<td class="
	    "\"nowrap\">")) != NULL; b++)
		n++;
	cr_assert_eq(n, 50);
	e2e_html_value(&r, "name=\"before\"", v, sizeof(v));
	cr_assert(v[0] != '\0', "no \"Older\" button");
	e2e_form_encode(v, before, sizeof(before));
	cr_assert(e2e_contains(&r, "name=\"kind\" value=\"viewed\""),
	    "the filters go along");
	e2e_resp_free(&r);

	(void)snprintf(path, sizeof(path), "/staff/activity?customer=%s&"
	    "kind=viewed&before=%s", ref, before);
	e2e_staff_req(&a, path, NULL, NULL, &r);
	cr_assert_eq(r.status, 200, "%s", path);
	for (n = 0, b = strbuf_cstr(&r.body); (b = strstr(b, "<td class="
	    "\"nowrap\">")) != NULL; b++)
		n++;
	cr_assert_eq(n, 10, "the 10 oldest");
	cr_assert(!e2e_contains(&r, "id=\"older\""), "nothing older");
	e2e_resp_free(&r);
	(void)snprintf(path, sizeof(path), "/staff/links/%s", link);
	e2e_staff_req(&a, path, NULL, NULL, &r);
	cr_assert(e2e_before(&r, "· ev-60<", "· ev-1<"), "oldest first");
	e2e_resp_free(&r);
}

/* Settings are for admins: a staff member's POSTs change nothing. */
E2E_TEST(staff, staff_cannot_change_settings)
{
	static const char	*forms[][2] = {
		{ "/staff/settings/business", "name=Taken+Over&email=x%40y.example" },
		{ "/staff/settings/fees", "method=card&currency=USD&percent=99" },
		{ "/staff/settings/templates", "channel=sms&body=Pay+me+{{link}}" },
		{ "/staff/settings/keys", "action=add&key=kstaff" },
		{ "/staff/settings/keys", "action=activate&key=k1" },
		{ "/staff/settings/keys", "action=retire&key=k1&confirm=k1" },
	};
	struct e2e_staff	s;
	struct e2e_resp		r;
	long long		changes;
	size_t			i;

	e2e_as_staff(&s);
	changes = e2e_count("SELECT count(*) FROM settings_changes", 0, NULL);
	for (i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		e2e_staff_req(&s, forms[i][0], forms[i][1], NULL, &r);
		cr_assert_eq(r.status, 403, "%s", forms[i][0]);
		cr_assert(e2e_contains(&r, "This page is for admins"));
		e2e_resp_free(&r);
	}
	e2e_staff_upload(&s, "/staff/settings/business", "name=Taken+Over",
	    "logo", "\x89PNG\r\n\x1a\n\0\0\0\rIHDR", 16, &r);
	cr_assert_eq(r.status, 403);
	e2e_resp_free(&r);
	cr_assert_eq(e2e_count("SELECT count(*) FROM settings_changes", 0,
	    NULL), changes);
	cr_assert_eq(e2e_count("SELECT count(*) FROM business WHERE name = "
	    "'Harbor Street Hardware' AND logo IS NULL", 0, NULL), 1);
	cr_assert_eq(e2e_count("SELECT count(*) FROM fee_rules WHERE "
	    "percent_bp = 9900", 0, NULL), 0);
	cr_assert_eq(e2e_count("SELECT count(*) FROM message_templates WHERE "
	    "body LIKE 'Pay me%'", 0, NULL), 0);
	cr_assert_eq(e2e_count("SELECT count(*) FROM signing_keys WHERE "
	    "id = 'kstaff' OR (id = 'k1' AND state <> 'verify')", 0, NULL), 0);
}

/* Failed sign-ins whose window has passed are deleted, unless locked. */
E2E_TEST(staff, old_signin_failures_are_forgotten)
{
	unsigned char	id[LINK_ID_LEN];
	char		tag[32];
	const char	*p[1];

	cr_assert(linkid_random(id));
	(void)snprintf(tag, sizeof(tag), "%02x%02x%02x%02x", id[0], id[1],
	    id[2], id[3]);
	p[0] = tag;
	e2e_sql("INSERT INTO signin_failures (email, failures, first_at, "
	    "locked_until) VALUES ('old-' || $1 || '@x.example', 3, now() - "
	    "interval '2 days', NULL), ('locked-' || $1 || '@x.example', 5, "
	    "now() - interval '2 days', now() + interval '1 hour'), ('new-' || "
	    "$1 || '@x.example', 1, now(), NULL)", 1, p);
	cr_assert_eq(e2e_wait_count("SELECT count(*) FROM signin_failures "
	    "WHERE email = 'old-' || $1 || '@x.example'", tag, 0, 10), 0);
	cr_assert_eq(e2e_count("SELECT count(*) FROM signin_failures WHERE "
	    "email IN ('locked-' || $1 || '@x.example', 'new-' || $1 || "
	    "'@x.example')", 1, p), 2);
}

/* The CSV export holds every row, past the 50,000 it used to stop at. */
E2E_TEST(staff, csv_export_holds_every_row, .timeout = 120)
{
	struct e2e_staff	a;
	struct e2e_resp		r;
	char			ref[64], link[64], path[256], v[64];
	const char		*b, *last, *end;
	long			lines;

	views(50001, ref, sizeof(ref), link, sizeof(link));
	e2e_as_admin(&a);
	(void)snprintf(path, sizeof(path), "/staff/activity?customer=%s&"
	    "format=csv", ref);
	e2e_staff_req(&a, path, NULL, NULL, &r);
	cr_assert_eq(r.status, 200);
	cr_assert(e2e_header(&r, "transfer-encoding", v, sizeof(v)) == NULL ||
	    strcasecmp(v, "chunked") == 0);
	b = strbuf_cstr(&r.body);
	cr_assert(strncmp(b, "time,event,customer,link,who,", 29) == 0);
	/* memchr: ASan's strstr measures the whole rest each time. */
	end = b + r.body.len;
	for (lines = 0, last = b; (b = memchr(b, '\n', (size_t)(end - b))) !=
	    NULL; b++) {
		lines++;
		if (b + 1 < end)
			last = b + 1;
	}
	cr_assert_eq(lines, 50002, "the header and every event");
	cr_assert(strstr(strbuf_cstr(&r.body), ",ev-1,") != NULL);
	cr_assert(strstr(last, ",ev-50001,") != NULL, "oldest last: %s",
	    last);
	e2e_resp_free(&r);
}
