/*
 * Running the portal: migrations, configuration errors, minting links from
 * the command line, and what the schema refuses.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "e2e.h"

static int	run(const char *, struct strbuf *);
static int	bad_config(const char *, struct strbuf *);

/* Every scenario ends with the ledger invariants checked in SQL. */
TestSuite(ops, .init = e2e_init);

static int
run(const char *args, struct strbuf *out)
{
	char	cmd[2048];

	(void)snprintf(cmd, sizeof(cmd), "%s %s", e2e_env("E2E_BIN"), args);
	strbuf_init(out);
	return (e2e_run(cmd, out));
}

/* check-config with a config file holding only the given text. */
static int
bad_config(const char *text, struct strbuf *out)
{
	char	 path[] = "/tmp/payportal-e2e-XXXXXX", args[256];
	FILE	*fp;
	int	 fd, rc;

	fd = mkstemp(path);
	cr_assert(fd != -1);
	fp = fdopen(fd, "w");
	fputs(text, fp);
	fclose(fp);
	(void)snprintf(args, sizeof(args), "check-config -c %s", path);
	rc = run(args, out);
	unlink(path);
	return (rc);
}

E2E_TEST(ops, migrations_apply_once)
{
	struct strbuf	out;
	char		args[512];

	(void)snprintf(args, sizeof(args), "migrate -c %s", e2e_env("E2E_CONF"));
	cr_assert_eq(run(args, &out), 0, "%s", strbuf_cstr(&out));
	cr_assert(strstr(strbuf_cstr(&out), "schema is up to date") != NULL,
	    "%s", strbuf_cstr(&out));
	strbuf_free(&out);
	cr_assert_eq(e2e_count("SELECT count(*) FROM schema_migrations", 0,
	    NULL), e2e_count("SELECT max(version) FROM schema_migrations", 0,
	    NULL));
}

E2E_TEST(ops, configuration_errors_name_the_setting)
{
	static const char	key[] = "signing_key = k1 active "
	    "1111111111111111111111111111111111111111111111111111111111111111\n";
	struct strbuf		out;
	char			text[1024];

	cr_assert_eq(bad_config(key, &out), 1);
	cr_assert(strstr(strbuf_cstr(&out), "database: missing") != NULL,
	    "%s", strbuf_cstr(&out));
	strbuf_free(&out);

	cr_assert_eq(bad_config("database = dbname=x\n"
	    "public_url = https://pay.example\n", &out), 1);
	cr_assert(strstr(strbuf_cstr(&out), "signing_key: no active key"),
	    "%s", strbuf_cstr(&out));
	strbuf_free(&out);

	cr_assert_eq(bad_config("signing_key = k1 active abc\n", &out), 1);
	cr_assert(strstr(strbuf_cstr(&out), ":1: signing_key: key 'k1' secret"),
	    "%s", strbuf_cstr(&out));
	strbuf_free(&out);

	(void)snprintf(text, sizeof(text), "%sdatabase = dbname=x\n"
	    "public_url = ftp://pay.example\n", key);
	cr_assert_eq(bad_config(text, &out), 1);
	cr_assert(strstr(strbuf_cstr(&out), "public_url: 'ftp://pay.example'"),
	    "%s", strbuf_cstr(&out));
	strbuf_free(&out);

	cr_assert_eq(bad_config("listen = 127.0.0.1:99999\n", &out), 1);
	cr_assert(strstr(strbuf_cstr(&out), "listen: '99999' is not a number"),
	    "%s", strbuf_cstr(&out));
	strbuf_free(&out);

	cr_assert_eq(bad_config("colour = blue\n", &out), 1);
	cr_assert(strstr(strbuf_cstr(&out), "unknown setting 'colour'"),
	    "%s", strbuf_cstr(&out));
	strbuf_free(&out);

	(void)snprintf(text, sizeof(text), "%sdatabase = dbname=x\n"
	    "public_url = https://pay.example\n", key);
	cr_assert_eq(bad_config(text, &out), 0, "%s", strbuf_cstr(&out));
	strbuf_free(&out);
}

E2E_TEST(ops, mint_link_makes_a_working_link)
{
	struct e2e_resp	 r;
	struct strbuf	 out;
	char		 args[512], *url, *nl;
	const char	*p[1];

	(void)snprintf(args, sizeof(args), "mint-link -c %s --customer C-2001 "
	    "--invoice INV-2001 --amount 50%%2C000 --by tester",
	    e2e_env("E2E_CONF"));
	/* "50%2C000" is not an amount: the CLI takes plain text. */
	cr_assert_eq(run(args, &out), 1);
	cr_assert(strstr(strbuf_cstr(&out), "--amount") != NULL);
	strbuf_free(&out);

	(void)snprintf(args, sizeof(args), "mint-link -c %s --customer C-2001 "
	    "--invoice INV-2001 --amount 50,000 --by tester",
	    e2e_env("E2E_CONF"));
	cr_assert_eq(run(args, &out), 0, "%s", strbuf_cstr(&out));
	url = strstr(strbuf_cstr(&out), "/pay/");
	cr_assert(url != NULL, "%s", strbuf_cstr(&out));
	if ((nl = strchr(url, '\n')) != NULL)
		*nl = '\0';
	e2e_get(url, &r);
	cr_assert_eq(r.status, 200);
	cr_assert(e2e_contains(&r, "Sakura Trading KK"));
	cr_assert(e2e_contains(&r, "¥50,000"));
	cr_assert(!e2e_contains(&r, "INV-2002"));
	e2e_resp_free(&r);
	strbuf_free(&out);

	p[0] = "tester";
	cr_assert_eq(e2e_count("SELECT count(*) FROM link_events e JOIN "
	    "pay_links l ON l.id = e.link_id WHERE e.kind = 'created' AND "
	    "e.actor = $1 AND l.fixed_amount = 50000", 1, p), 1);
}

E2E_TEST(ops, mint_link_errors_write_nothing)
{
	struct strbuf	 out;
	char		 args[512];
	static const struct {
		const char	*args;
		const char	*message;
	} cases[] = {
		{ "--customer NOPE", "no customer with reference 'NOPE'" },
		{ "--customer C-1001 --invoice INV-1004", "is fully paid" },
		{ "--customer C-1001 --invoice INV-1005", "not a posted invoice" },
		{ "--customer C-1001 --invoice INV-3001", "has no invoice" },
		{ "--customer C-2001 --invoice INV-2001 --amount 1.5",
		    "JPY has none" },
		{ "--customer C-1001 --invoice INV-1003 --amount 462.11",
		    "not above the open balance" },
		{ "--customer C-1001 --days 0", "--days" },
		{ "--customer C-1001 --amount 5", "--amount needs --invoice" },
	};
	size_t		 i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		(void)snprintf(args, sizeof(args), "mint-link -c %s %s "
		    "--by mint-errors", e2e_env("E2E_CONF"), cases[i].args);
		cr_assert_neq(run(args, &out), 0, "%s", cases[i].args);
		cr_assert(strstr(strbuf_cstr(&out), cases[i].message) != NULL,
		    "%s: %s", cases[i].args, strbuf_cstr(&out));
		strbuf_free(&out);
	}
	cr_assert_eq(e2e_count("SELECT count(*) FROM pay_links "
	    "WHERE created_by = 'mint-errors'", 0, NULL), 0);
}

E2E_TEST(ops, link_events_are_append_only)
{
	char	err[512];

	cr_assert(e2e_sql_fails("UPDATE link_events SET kind = 'viewed'", err,
	    sizeof(err)));
	cr_assert(strstr(err, "append-only") != NULL, "%s", err);
	cr_assert(e2e_sql_fails("DELETE FROM link_events", err, sizeof(err)));
	cr_assert(strstr(err, "append-only") != NULL, "%s", err);
	cr_assert(e2e_sql_fails("TRUNCATE link_events", err, sizeof(err)));
}

E2E_TEST(ops, the_schema_refuses_overpaid_and_bad_money)
{
	char	err[512];

	cr_assert(e2e_sql_fails("UPDATE invoices SET paid = total + 1 "
	    "WHERE number = 'INV-1001'", err, sizeof(err)));
	cr_assert(strstr(err, "check constraint") != NULL, "%s", err);
	cr_assert(e2e_sql_fails("UPDATE invoices SET paid = -1 "
	    "WHERE number = 'INV-1001'", err, sizeof(err)));
	cr_assert(e2e_sql_fails("UPDATE invoices SET total = total + 1 "
	    "WHERE number = 'INV-1001'", err, sizeof(err)));
	cr_assert(e2e_sql_fails("INSERT INTO customers (external_ref, name, "
	    "currency) VALUES ('X', 'X', 'usd')", err, sizeof(err)));
}
