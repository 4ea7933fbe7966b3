/*
 * Settings, run one at a time because they change what every other test
 * sees (the business, message templates, the signing keys); each test
 * puts back what it changed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "e2e.h"

TestSuite(settings, .init = e2e_init);

/* Copies the customer's link; writes its URL path and id. */
static void
copy(const struct e2e_staff *s, const char *ref, char *path, size_t pathlen,
    char *id, size_t idlen)
{
	char	url[600];

	e2e_copy_link(s, ref, id, idlen, url, sizeof(url));
	cr_assert(strstr(url, "/pay/") != NULL, "%s", url);
	(void)snprintf(path, pathlen, "%s", strstr(url, "/pay/"));
}

E2E_TEST(settings, business_profile_qr_and_link_expiry)
{
	static const long long	totals[] = { 3100 };
	struct e2e_staff	s;
	struct e2e_resp		r;
	char			ref[64], pre[32], path[600], id[64], inv[64];
	const char		*p[1];

	e2e_as_admin(&s);
	e2e_staff_req(&s, "/staff/settings/business", "name=&email=nope&"
	    "link_days=900&receipt_layout=round", NULL, &r);
	cr_assert_eq(r.status, 422);
	cr_assert(e2e_contains(&r, "Business name is required"));
	cr_assert(e2e_contains(&r, "Contact email must be an address"));
	cr_assert(e2e_contains(&r, "Links expire after must be 1 to 365 days."));
	cr_assert(e2e_contains(&r, "Receipt layout must be A4 or thermal."));
	cr_assert(e2e_contains(&r, "value=\"nope\""), "values are kept");
	e2e_resp_free(&r);
	cr_assert_eq(e2e_count("SELECT count(*) FROM business WHERE name = "
	    "'Harbor Street Hardware'", 0, NULL), 1, "nothing was saved");

	e2e_staff_req(&s, "/staff/settings/business", "name=Harbor+Street+"
	    "Hardware&address=118+Harbor+Street%0APortland%2C+ME+04101&email="
	    "billing%40harborstreet.example&phone=%2B1+207+555+0142&qr=on&"
	    "link_days=10&receipt_layout=", NULL, &r);
	cr_assert_eq(r.status, 303, "%s", strbuf_cstr(&r.body));
	e2e_resp_free(&r);
	cr_assert_eq(e2e_count("SELECT count(*) FROM settings_changes WHERE "
	    "section = 'business' AND actor_id IS NOT NULL", 0, NULL) > 0, 1);

	/* New links last 10 days; the printed invoice carries a QR code. */
	e2e_fixture("USD", totals, 1, ref, sizeof(ref), pre, sizeof(pre));
	copy(&s, ref, path, sizeof(path), id, sizeof(id));
	p[0] = id;
	cr_assert_eq(e2e_count("SELECT round(extract(epoch FROM expires_at - "
	    "created_at) / 86400) FROM pay_links WHERE id = $1", 1, p), 10);
	(void)snprintf(inv, sizeof(inv), "%s-1", pre);
	p[0] = inv;
	(void)snprintf(path, sizeof(path), "/staff/invoices/%lld",
	    e2e_count("SELECT id FROM invoices WHERE number = $1", 1, p));
	e2e_staff_req(&s, path, NULL, NULL, &r);
	cr_assert_eq(r.status, 200);
	cr_assert(e2e_contains(&r, "id=\"pay-qr\""));
	cr_assert(e2e_contains(&r, "<svg"));
	cr_assert(e2e_contains(&r, "/pay/p1.k2."));
	e2e_resp_free(&r);

	e2e_staff_req(&s, "/staff/settings/business", "name=Harbor+Street+"
	    "Hardware&address=118+Harbor+Street%0APortland%2C+ME+04101&email="
	    "billing%40harborstreet.example&phone=%2B1+207+555+0142&"
	    "link_days=&receipt_layout=", NULL, &r);
	cr_assert_eq(r.status, 303);
	e2e_resp_free(&r);
	e2e_staff_req(&s, path, NULL, NULL, &r);
	cr_assert(!e2e_contains(&r, "id=\"pay-qr\""), "QR codes are off again");
	e2e_resp_free(&r);
}

E2E_TEST(settings, fee_rules)
{
	struct e2e_staff	s;
	struct e2e_resp		r;

	e2e_as_admin(&s);
	e2e_staff_req(&s, "/staff/settings/fees", "method=card&currency=CHF&"
	    "percent=2.999&fixed_amount=0.255&min_amount=5&max_amount=1",
	    NULL, &r);
	cr_assert_eq(r.status, 422);
	cr_assert(e2e_contains(&r, "Percentage must be 0 to 100"));
	cr_assert(e2e_contains(&r, "Fixed fee has more than 2 decimal places"));
	e2e_resp_free(&r);
	e2e_staff_req(&s, "/staff/settings/fees", "method=card&currency=CHF&"
	    "percent=3.5&min_amount=5&max_amount=1", NULL, &r);
	cr_assert_eq(r.status, 422);
	cr_assert(e2e_contains(&r, "Minimum must not be more than the maximum."));
	e2e_resp_free(&r);
	cr_assert_eq(e2e_count("SELECT count(*) FROM fee_rules WHERE currency "
	    "= 'CHF'", 0, NULL), 0);

	e2e_staff_req(&s, "/staff/settings/fees", "method=card&currency=CHF&"
	    "percent=3.5&fixed_amount=0.25&min_amount=0.50&max_amount=20&"
	    "enabled=on", NULL, &r);
	cr_assert_eq(r.status, 303, "%s", strbuf_cstr(&r.body));
	e2e_resp_free(&r);
	cr_assert_eq(e2e_count("SELECT count(*) FROM fee_rules WHERE method = "
	    "'card' AND currency = 'CHF' AND percent_bp = 350 AND fixed = 25 "
	    "AND min_fee = 50 AND max_fee = 2000 AND enabled", 0, NULL), 1);
	e2e_staff_req(&s, "/staff/settings", NULL, NULL, &r);
	cr_assert(e2e_contains(&r, "3.5%"));
	cr_assert(e2e_contains(&r, "CHF 0.25") || e2e_contains(&r, "CHF"),
	    "%s", strbuf_cstr(&r.body));
	e2e_resp_free(&r);
}

E2E_TEST(settings, message_template_is_what_is_sent)
{
	static const long long	totals[] = { 3200 };
	struct e2e_staff	s;
	struct e2e_resp		r;
	struct strbuf		out;
	char			ref[64], pre[32], path[600], id[64], to[160];
	char			cmd[256];
	char			*old;

	e2e_as_admin(&s);
	e2e_staff_req(&s, "/staff/settings/templates", "channel=sms&body="
	    "Pay+us", NULL, &r);
	cr_assert_eq(r.status, 422);
	cr_assert(e2e_contains(&r, "Message must contain {{link}}"));
	e2e_resp_free(&r);

	old = e2e_value("SELECT body FROM message_templates WHERE channel = "
	    "'sms'", 0, NULL);
	e2e_staff_req(&s, "/staff/settings/templates", "channel=sms&body="
	    "Settings+test%3A+{{customer}}+pays+{{business}}+at+{{link}}",
	    NULL, &r);
	cr_assert_eq(r.status, 303);
	e2e_resp_free(&r);

	e2e_fixture("USD", totals, 1, ref, sizeof(ref), pre, sizeof(pre));
	copy(&s, ref, path, sizeof(path), id, sizeof(id));
	e2e_send_link(&s, id, "sms", "+15005550077");
	cr_assert_eq(e2e_wait_count("SELECT count(*) FROM link_events WHERE "
	    "link_id = $1 AND kind = 'sent'", id, 1, 15), 1);
	(void)snprintf(cmd, sizeof(cmd), "curl -sf %s/_control/sms",
	    e2e_env("E2E_GATEWAY"));
	strbuf_init(&out);
	cr_assert_eq(e2e_run(cmd, &out), 0);
	(void)snprintf(to, sizeof(to), "Settings test: Test customer %s pays "
	    "Harbor Street Hardware at https://", ref);
	cr_assert(strstr(strbuf_cstr(&out), to) != NULL, "%s",
	    strbuf_cstr(&out));
	strbuf_free(&out);

	{
		const char	*p[1] = { old };

		e2e_sql("UPDATE message_templates SET body = $1 WHERE "
		    "channel = 'sms'", 1, p);
	}
	free(old);
}

/*
 * Key rotation: a new key signs new links once active; retiring a key
 * shows how many working links it ends, and those links stop opening.
 */
E2E_TEST(settings, signing_key_rotation)
{
	static const long long	totals[] = { 3300 };
	struct e2e_staff	s;
	struct e2e_resp		r;
	char			ref[64], pre[32], path[600], id[64];
	char			kt[32], body[128];
	int			i;

	(void)snprintf(kt, sizeof(kt), "kt%ld", (long)time(NULL) % 100000);
	e2e_as_admin(&s);
	e2e_fixture("USD", totals, 1, ref, sizeof(ref), pre, sizeof(pre));

	(void)snprintf(body, sizeof(body), "action=add&key=%s", kt);
	e2e_staff_req(&s, "/staff/settings/keys", body, NULL, &r);
	cr_assert_eq(r.status, 303, "%s", strbuf_cstr(&r.body));
	e2e_resp_free(&r);
	e2e_staff_req(&s, "/staff/settings/keys", "action=add&key=Bad+Key",
	    NULL, &r);
	cr_assert_eq(r.status, 422);
	cr_assert(e2e_contains(&r, "Key name must be 1 to 16"));
	e2e_resp_free(&r);
	e2e_staff_req(&s, "/staff/settings/keys", "action=retire&key=k2",
	    NULL, &r);
	cr_assert_eq(r.status, 422);
	cr_assert(e2e_contains(&r, "The active key cannot be retired"));
	e2e_resp_free(&r);

	(void)snprintf(body, sizeof(body), "action=activate&key=%s", kt);
	e2e_staff_req(&s, "/staff/settings/keys", body, NULL, &r);
	cr_assert_eq(r.status, 303);
	e2e_resp_free(&r);
	/* Every worker reloads the keys within a few seconds. */
	(void)snprintf(body, sizeof(body), "/pay/p1.%s.", kt);
	for (i = 0; i < 20; i++) {
		copy(&s, ref, path, sizeof(path), id, sizeof(id));
		if (strncmp(path, body, strlen(body)) == 0)
			break;
		usleep(500000);
	}
	cr_assert(strncmp(path, body, strlen(body)) == 0, "%s", path);
	e2e_get(path, &r);
	cr_assert_eq(r.status, 200);
	e2e_resp_free(&r);

	/* k2 signs again; the new key only verifies. */
	e2e_staff_req(&s, "/staff/settings/keys", "action=activate&key=k2",
	    NULL, &r);
	cr_assert_eq(r.status, 303);
	e2e_resp_free(&r);

	/* Retiring asks first, with the number of links it ends. */
	(void)snprintf(body, sizeof(body), "action=retire&key=%s", kt);
	e2e_staff_req(&s, "/staff/settings/keys", body, NULL, &r);
	cr_assert_eq(r.status, 200);
	cr_assert(e2e_contains(&r, "id=\"affected\">1 active link<"), "%s",
	    strbuf_cstr(&r.body));
	e2e_resp_free(&r);
	e2e_get(path, &r);
	cr_assert_eq(r.status, 200, "not retired before the confirmation");
	e2e_resp_free(&r);
	(void)snprintf(body, sizeof(body), "action=retire&key=%s&confirm=%s",
	    kt, kt);
	e2e_staff_req(&s, "/staff/settings/keys", body, NULL, &r);
	cr_assert_eq(r.status, 303);
	e2e_resp_free(&r);
	for (i = 0; i < 50; i++) {
		e2e_get(path, &r);
		if (r.status == 404)
			break;
		e2e_resp_free(&r);
		usleep(100000);
	}
	cr_assert_eq(r.status, 404, "a retired key's links stop working");
	e2e_resp_free(&r);
	cr_assert_eq(e2e_count("SELECT count(*) FROM signing_keys WHERE state "
	    "= 'active' AND id = 'k2'", 0, NULL), 1);
}

/*
 * Every node loads the keys that are not retired, at most 16: Settings
 * refuses a 17th, and any number of retired keys neither counts nor
 * stops the portal from loading its keys.
 */
E2E_TEST(settings, at_most_16_keys_in_use_and_retired_ones_do_not_count)
{
	struct e2e_staff	s;
	struct e2e_resp		r;
	struct strbuf		out;
	char			body[128], cmd[512], tag[16];
	long long		n;
	int			i;

	(void)snprintf(tag, sizeof(tag), "%05ld", (long)time(NULL) % 100000);
	e2e_as_admin(&s);
	n = e2e_count("SELECT count(*) FROM signing_keys WHERE state <> "
	    "'retired'", 0, NULL);
	for (i = 0; n < 16; i++, n++) {
		(void)snprintf(body, sizeof(body), "action=add&key=kl%s%02d",
		    tag, i);
		e2e_staff_req(&s, "/staff/settings/keys", body, NULL, &r);
		cr_assert_eq(r.status, 303, "%s", strbuf_cstr(&r.body));
		e2e_resp_free(&r);
	}
	(void)snprintf(body, sizeof(body), "action=add&key=kl%sxx", tag);
	e2e_staff_req(&s, "/staff/settings/keys", body, NULL, &r);
	cr_assert_eq(r.status, 422);
	cr_assert(e2e_contains(&r, "There are already 16 keys that are not "
	    "retired"), "%s", strbuf_cstr(&r.body));
	e2e_resp_free(&r);
	cr_assert_eq(e2e_count("SELECT count(*) FROM signing_keys WHERE state "
	    "<> 'retired'", 0, NULL), 16);

	/* Retired, the extra keys no longer count; 20 more retired ones. */
	e2e_sql("UPDATE signing_keys SET state = 'retired' WHERE id LIKE 'kl%'",
	    0, NULL);
	e2e_sql("INSERT INTO signing_keys (id, secret, state) SELECT 'kr' || "
	    "g, gen_random_bytes(32), 'retired' FROM generate_series(1, 20) g "
	    "ON CONFLICT DO NOTHING", 0, NULL);
	(void)snprintf(cmd, sizeof(cmd), "%s mint-link -c %s --customer C-1001",
	    e2e_env("E2E_BIN"), e2e_env("E2E_CONF"));
	strbuf_init(&out);
	cr_assert_eq(e2e_run(cmd, &out), 0, "the keys do not load: %s",
	    strbuf_cstr(&out));
	cr_assert(strstr(strbuf_cstr(&out), "/pay/p1.k2.") != NULL, "%s",
	    strbuf_cstr(&out));
	strbuf_free(&out);
	(void)snprintf(body, sizeof(body), "action=add&key=kl%sxx", tag);
	e2e_staff_req(&s, "/staff/settings/keys", body, NULL, &r);
	cr_assert_eq(r.status, 303, "%s", strbuf_cstr(&r.body));
	e2e_resp_free(&r);

	e2e_sql("DELETE FROM signing_keys WHERE id LIKE 'kl%' OR id LIKE 'kr%'",
	    0, NULL);
}

/* The business form as a browser sends it, with the profile as it is. */
static void
business_form(const struct e2e_staff *s, const char *extra,
    const void *file, size_t len, struct e2e_resp *r)
{
	char	fields[2048], *name, *address, *email, *phone;

	name = e2e_value("SELECT name FROM business", 0, NULL);
	address = e2e_value("SELECT address FROM business", 0, NULL);
	email = e2e_value("SELECT email FROM business", 0, NULL);
	phone = e2e_value("SELECT phone FROM business", 0, NULL);
	(void)snprintf(fields, sizeof(fields), "name=%s&address=%s&email=%s&"
	    "phone=%s&link_days=&receipt_layout=%s", name, address, email,
	    phone, extra);
	e2e_staff_upload(s, "/staff/settings/business", fields, "logo", file,
	    len, r);
	free(name);
	free(address);
	free(email);
	free(phone);
}

/* The page at path shows the logo with this hash (or none), within 10 s. */
static int
shows_logo(const char *path, const char *hash)
{
	struct e2e_resp	 r;
	char		 want[128];
	int		 i, ok;

	(void)snprintf(want, sizeof(want), "src=\"/logo/%s\"", hash);
	for (i = 0; i < 100; i++) {
		e2e_get(path, &r);
		ok = hash[0] != '\0' ? e2e_contains(&r, want) :
		    !e2e_contains(&r, "src=\"/logo/");
		e2e_resp_free(&r);
		if (ok)
			return (1);
		usleep(100000);
	}
	return (0);
}

/*
 * The logo: a PNG or JPEG of at most 256 KiB, anything else refused next
 * to the field; once saved it is on the pay page, the printed invoice,
 * the receipt and the back office, at an address that names its content.
 */
E2E_TEST(settings, the_logo_is_checked_stored_and_shown)
{
	struct e2e_checkout	 co;
	struct e2e_staff	 s;
	struct e2e_resp		 r;
	struct strbuf		 png;
	FILE			*fp;
	char			 path[512], sel[128], pm[128], pre[32], url[700];
	char			 buf[4096], v[256], *hash, *big;
	size_t			 n;

	strbuf_init(&png);
	cr_assert((fp = fopen("tests/e2e/logo.png", "rb")) != NULL);
	while ((n = fread(buf, 1, sizeof(buf), fp)) > 0)
		strbuf_append(&png, buf, n);
	fclose(fp);
	e2e_as_admin(&s);

	business_form(&s, "", "<svg xmlns=\"http://www.w3.org/2000/svg\"/>",
	    41, &r);
	cr_assert_eq(r.status, 422);
	cr_assert(e2e_contains(&r, "<p class=\"field-error\" id=\"logo-error\">"
	    "Logo must be a PNG or JPEG image.</p>"), "%s",
	    strbuf_cstr(&r.body));
	cr_assert(e2e_contains(&r, "aria-describedby=\"logo-hint logo-error\" "
	    "aria-invalid=\"true\""));
	cr_assert(e2e_contains(&r, "value=\"Harbor Street Hardware\""));
	e2e_resp_free(&r);
	big = calloc(1, 300 * 1024);
	memcpy(big, png.data, png.len);
	business_form(&s, "", big, 300 * 1024, &r);
	free(big);
	cr_assert_eq(r.status, 422);
	cr_assert(e2e_contains(&r, "Logo must be at most 256 KiB."));
	e2e_resp_free(&r);
	cr_assert_eq(e2e_count("SELECT count(*) FROM business WHERE logo IS "
	    "NOT NULL", 0, NULL), 0, "nothing was saved");

	business_form(&s, "", png.data, png.len, &r);
	cr_assert_eq(r.status, 303, "%s", strbuf_cstr(&r.body));
	e2e_resp_free(&r);
	cr_assert_eq(e2e_count("SELECT length(logo) FROM business WHERE "
	    "logo_type = 'image/png'", 0, NULL), (long long)png.len);
	hash = e2e_value("SELECT logo_hash FROM business", 0, NULL);

	/* A payment, for a receipt to look at. */
	e2e_checkout_new(4100, path, sizeof(path), sel, sizeof(sel), &co, pm,
	    sizeof(pm), pre, sizeof(pre));
	cr_assert(shows_logo(path, hash), "not on the pay page");
	e2e_confirm(&co, sel, "card", pm, &r);
	cr_assert_eq(r.status, 303);
	e2e_resp_free(&r);
	(void)snprintf(url, sizeof(url), "%s/receipts/%s", path, co.attempt);
	cr_assert(shows_logo(url, hash), "not on the receipt");
	(void)snprintf(url, sizeof(url), "%s/invoices/%s-1", path, pre);
	cr_assert(shows_logo(url, hash), "not on the printed invoice");
	e2e_staff_req(&s, "/staff/settings", NULL, NULL, &r);
	(void)snprintf(v, sizeof(v), "<img src=\"/logo/%s\" alt=\"The logo "
	    "now\"", hash);
	cr_assert(e2e_contains(&r, v), "no preview in Settings");
	e2e_resp_free(&r);

	(void)snprintf(url, sizeof(url), "/logo/%s", hash);
	e2e_get(url, &r);
	cr_assert_eq(r.status, 200);
	cr_assert_str_eq(e2e_header(&r, "content-type", v, sizeof(v)),
	    "image/png");
	cr_assert(strstr(e2e_header(&r, "cache-control", v, sizeof(v)),
	    "immutable") != NULL, "%s", v);
	cr_assert(e2e_header(&r, "x-content-type-options", v, sizeof(v)));
	cr_assert_eq(r.body.len, png.len);
	cr_assert_eq(memcmp(r.body.data, png.data, png.len), 0);
	e2e_resp_free(&r);
	e2e_get("/logo/0000000000000000000000000000000000000000000000000000"
	    "000000000000", &r);
	cr_assert_eq(r.status, 404);
	e2e_resp_free(&r);
	e2e_get("/logo/..%2Fetc", &r);
	cr_assert_eq(r.status, 404);
	e2e_resp_free(&r);

	/* Saving the profile without a file keeps it; "remove" removes it. */
	business_form(&s, "", "", 0, &r);
	cr_assert_eq(r.status, 303);
	e2e_resp_free(&r);
	cr_assert_eq(e2e_count("SELECT count(*) FROM business WHERE logo IS "
	    "NOT NULL", 0, NULL), 1);
	business_form(&s, "&remove_logo=on", "", 0, &r);
	cr_assert_eq(r.status, 303);
	e2e_resp_free(&r);
	cr_assert_eq(e2e_count("SELECT count(*) FROM business WHERE logo IS "
	    "NOT NULL", 0, NULL), 0);
	cr_assert(shows_logo(path, ""), "the logo stays on the pay page");
	free(hash);
	strbuf_free(&png);
}

/* The receipt layout chosen in Settings is the printed receipt's. */
E2E_TEST(settings, the_receipt_layout_setting_changes_the_printed_receipt)
{
	struct e2e_checkout	 co;
	struct e2e_staff	 s;
	struct e2e_resp		 r;
	char			 path[512], sel[128], pm[128], pre[32], url[700];
	char			 a4[720];
	int			 i;

	e2e_as_admin(&s);
	business_form(&s, "thermal", "", 0, &r);
	cr_assert_eq(r.status, 303, "%s", strbuf_cstr(&r.body));
	e2e_resp_free(&r);
	e2e_checkout_new(4200, path, sizeof(path), sel, sizeof(sel), &co, pm,
	    sizeof(pm), pre, sizeof(pre));
	e2e_confirm(&co, sel, "card", pm, &r);
	cr_assert_eq(r.status, 303);
	e2e_resp_free(&r);
	(void)snprintf(url, sizeof(url), "%s/receipts/%s", path, co.attempt);
	/* Every worker picks the setting up within about two seconds. */
	for (i = 0; i < 50; i++) {
		e2e_get(url, &r);
		cr_assert_eq(r.status, 200);
		if (e2e_contains(&r, "receipt-page thermal\""))
			break;
		e2e_resp_free(&r);
		usleep(100000);
	}
	cr_assert(e2e_contains(&r, "receipt-page thermal\""), "not thermal");
	cr_assert(e2e_contains(&r, "href=\"?layout=a4\""));
	e2e_resp_free(&r);
	(void)snprintf(a4, sizeof(a4), "%s?layout=a4", url);
	e2e_get(a4, &r);
	cr_assert(e2e_contains(&r, "receipt-page \""), "?layout still wins");
	e2e_resp_free(&r);

	business_form(&s, "", "", 0, &r);
	cr_assert_eq(r.status, 303);
	e2e_resp_free(&r);
	for (i = 0; i < 50; i++) {
		e2e_get(url, &r);
		if (e2e_contains(&r, "receipt-page \""))
			break;
		e2e_resp_free(&r);
		usleep(100000);
	}
	cr_assert(e2e_contains(&r, "receipt-page \""), "still thermal");
	e2e_resp_free(&r);
}

/* The email template edited in Settings is the mail the customer gets. */
E2E_TEST(settings, the_email_template_is_what_is_mailed)
{
	static const long long	 totals[] = { 3400 };
	struct e2e_staff	 s;
	struct e2e_resp		 r;
	struct strbuf		 mail;
	char			 ref[64], pre[32], id[64], to[128], want[256];
	char			*subject, *text;
	const char		*p[2];

	subject = e2e_value("SELECT subject FROM message_templates WHERE "
	    "channel = 'email'", 0, NULL);
	text = e2e_value("SELECT body FROM message_templates WHERE "
	    "channel = 'email'", 0, NULL);
	e2e_as_admin(&s);
	e2e_staff_req(&s, "/staff/settings/templates", "channel=email&subject="
	    "Edited+subject+for+{{customer}}&body=Edited+body%2C+{{customer}}"
	    "%3A%0D%0Apay+{{business}}+at+{{link}}%0D%0Auntil+{{expires}}.",
	    NULL, &r);
	cr_assert_eq(r.status, 303, "%s", strbuf_cstr(&r.body));
	e2e_resp_free(&r);

	e2e_fixture("USD", totals, 1, ref, sizeof(ref), pre, sizeof(pre));
	e2e_copy_link(&s, ref, id, sizeof(id), NULL, 0);
	(void)snprintf(to, sizeof(to), "%s@template.example", pre);
	e2e_send_link(&s, id, "email", to);
	strbuf_init(&mail);
	cr_assert_eq(e2e_mail_count(to, 20, &mail), 1);
	(void)snprintf(want, sizeof(want), "Subject: Edited subject for Test "
	    "customer %s\r\n", ref);
	cr_assert(strstr(strbuf_cstr(&mail), want) != NULL, "%s",
	    strbuf_cstr(&mail));
	(void)snprintf(want, sizeof(want), "Edited body, Test customer %s:\r\n"
	    "pay Harbor Street Hardware at https://", ref);
	cr_assert(strstr(strbuf_cstr(&mail), want) != NULL, "%s",
	    strbuf_cstr(&mail));
	strbuf_free(&mail);

	p[0] = subject;
	p[1] = text;
	e2e_sql("UPDATE message_templates SET subject = $1, body = $2 WHERE "
	    "channel = 'email'", 2, p);
	free(subject);
	free(text);
}
