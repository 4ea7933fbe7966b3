/*
 * "payportal mint-link": creates a pay link for a customer, or for listed
 * invoices with an optional fixed amount, and prints its URL. Everything is
 * checked and written in one transaction: the link, its invoices and its
 * "created" event, or nothing.
 */
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libpq-fe.h>
#include <openssl/crypto.h>

#include "linkid.h"
#include "linktoken.h"
#include "mint.h"
#include "money.h"
#include "pgsync.h"

#define MINT_MAX_INVOICES	100

static const char	q_mint_customer[] =
	"SELECT id, currency FROM customers WHERE external_ref = $1";
static const char	q_mint_invoice[] =
	"SELECT id, currency, status, kind, total - paid FROM invoices "
	"WHERE number = $1 AND customer_id = $2 FOR SHARE";
static const char	q_mint_link[] =
	"INSERT INTO pay_links (id, customer_id, scope, fixed_amount, "
	"allow_partial, key_id, expires_at, created_by) "
	"VALUES ($1, $2, $3, $4, $5, $6, to_timestamp($7), $8)";
static const char	q_mint_link_invoice[] =
	"INSERT INTO pay_link_invoices (link_id, customer_id, invoice_id) "
	"VALUES ($1, $2, $3)";
static const char	q_mint_event[] =
	"INSERT INTO link_events (link_id, kind, actor, detail) "
	"VALUES ($1, 'created', $2, jsonb_build_object('via', 'command line'))";

struct mint_args {
	const char	*customer;
	const char	*invoices[MINT_MAX_INVOICES];
	int		 ninvoices;
	const char	*amount;
	int		 partial;
	long		 days;
	const char	*by;
};

static int	mint_parse(struct mint_args *, const struct conf *, int,
		    char **);
static int	mint_create(PGconn *, const struct conf *,
		    const struct mint_args *, char *, size_t, char *, size_t);
static PGresult	*mint_exec(PGconn *, const char *, int, const char *const *,
		    ExecStatusType, char *, size_t);
static void	mint_usage(void);

static void
mint_usage(void)
{
	fprintf(stderr, "usage: payportal mint-link [-c config] "
	    "--customer REF [--invoice NUMBER ...]\n"
	    "           [--amount AMOUNT] [--no-partial] [--days N] "
	    "[--by NAME]\n");
}

static int
mint_parse(struct mint_args *a, const struct conf *c, int argc, char **argv)
{
	static const struct option	opts[] = {
		{ "customer",	required_argument,	NULL, 'u' },
		{ "invoice",	required_argument,	NULL, 'i' },
		{ "amount",	required_argument,	NULL, 'a' },
		{ "no-partial",	no_argument,		NULL, 'p' },
		{ "days",	required_argument,	NULL, 'd' },
		{ "by",		required_argument,	NULL, 'b' },
		{ NULL,		0,			NULL, 0 },
	};
	char				*end;
	int				 ch;

	memset(a, 0, sizeof(*a));
	a->partial = 1;
	a->days = c->link_days_db > 0 ? c->link_days_db : c->link_days;
	a->by = "command line";
	optind = 1;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'u':
			a->customer = optarg;
			break;
		case 'i':
			if (a->ninvoices == MINT_MAX_INVOICES) {
				fprintf(stderr, "mint-link: --invoice: at most "
				    "%d invoices\n", MINT_MAX_INVOICES);
				return (0);
			}
			a->invoices[a->ninvoices++] = optarg;
			break;
		case 'a':
			a->amount = optarg;
			break;
		case 'p':
			a->partial = 0;
			break;
		case 'd':
			a->days = strtol(optarg, &end, 10);
			if (*optarg == '\0' || *end != '\0' || a->days < 1 ||
			    a->days > 3650) {
				fprintf(stderr, "mint-link: --days: '%s' is "
				    "not a number of days from 1 to 3650\n",
				    optarg);
				return (0);
			}
			break;
		case 'b':
			a->by = optarg;
			break;
		default:
			mint_usage();
			return (0);
		}
	}
	if (optind != argc || a->customer == NULL) {
		if (a->customer == NULL)
			fprintf(stderr, "mint-link: --customer is required\n");
		mint_usage();
		return (0);
	}
	if (a->amount != NULL && a->ninvoices == 0) {
		fprintf(stderr, "mint-link: --amount needs --invoice: a fixed "
		    "amount pays chosen invoices\n");
		return (0);
	}
	return (1);
}

static PGresult *
mint_exec(PGconn *db, const char *q, int n, const char *const *params,
    ExecStatusType want, char *err, size_t errlen)
{
	PGresult	*res;

	res = PQexecParams(db, q, n, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(res) != want) {
		(void)snprintf(err, errlen, "database: %s",
		    PQerrorMessage(db));
		PQclear(res);
		return (NULL);
	}
	return (res);
}

static int
mint_create(PGconn *db, const struct conf *c, const struct mint_args *a,
    char *url, size_t urllen, char *err, size_t errlen)
{
	const struct link_key	*key;
	const struct currency	*cur;
	PGresult		*res;
	unsigned char		 id[LINK_ID_LEN];
	char			 uuid[LINKID_UUID_LEN + 1], token[LINK_TOKEN_MAX + 1];
	char			 cust_id[32], inv_ids[MINT_MAX_INVOICES][32];
	char			 expires[32], fixed[32], why[160];
	const char		*p[8];
	int64_t			 amount, open, sum;
	int			 i;
	time_t			 exp;

	key = conf_active_key(c);
	p[0] = a->customer;
	if ((res = mint_exec(db, q_mint_customer, 1, p, PGRES_TUPLES_OK,
	    err, errlen)) == NULL)
		return (0);
	if (PQntuples(res) != 1) {
		PQclear(res);
		(void)snprintf(err, errlen, "--customer: no customer with "
		    "reference '%s'", a->customer);
		return (0);
	}
	(void)snprintf(cust_id, sizeof(cust_id), "%s", PQgetvalue(res, 0, 0));
	cur = money_currency(PQgetvalue(res, 0, 1));
	PQclear(res);

	sum = 0;
	for (i = 0; i < a->ninvoices; i++) {
		p[0] = a->invoices[i];
		p[1] = cust_id;
		if ((res = mint_exec(db, q_mint_invoice, 2, p, PGRES_TUPLES_OK,
		    err, errlen)) == NULL)
			return (0);
		if (PQntuples(res) != 1) {
			PQclear(res);
			(void)snprintf(err, errlen, "--invoice: customer '%s' "
			    "has no invoice '%s'", a->customer, a->invoices[i]);
			return (0);
		}
		if (strcmp(PQgetvalue(res, 0, 2), "posted") ||
		    strcmp(PQgetvalue(res, 0, 3), "invoice")) {
			(void)snprintf(err, errlen, "--invoice: '%s' is a %s "
			    "%s, not a posted invoice", a->invoices[i],
			    PQgetvalue(res, 0, 2), PQgetvalue(res, 0, 3));
			PQclear(res);
			return (0);
		}
		open = strtoll(PQgetvalue(res, 0, 4), NULL, 10);
		if (open <= 0) {
			PQclear(res);
			(void)snprintf(err, errlen, "--invoice: '%s' is fully "
			    "paid", a->invoices[i]);
			return (0);
		}
		if (i == 0)
			cur = money_currency(PQgetvalue(res, 0, 1));
		else if (cur != money_currency(PQgetvalue(res, 0, 1))) {
			PQclear(res);
			(void)snprintf(err, errlen, "--invoice: '%s' is in "
			    "another currency than '%s'", a->invoices[i],
			    a->invoices[0]);
			return (0);
		}
		(void)snprintf(inv_ids[i], sizeof(inv_ids[i]), "%s",
		    PQgetvalue(res, 0, 0));
		PQclear(res);
		if (!money_add(sum, open, &sum))
			return (0);
	}

	fixed[0] = '\0';
	if (a->amount != NULL) {
		if (cur == NULL || !money_parse(a->amount, strlen(a->amount),
		    cur, &amount, why, sizeof(why))) {
			(void)snprintf(err, errlen, "--amount %s", why);
			return (0);
		}
		if (amount <= 0 || amount > sum) {
			(void)snprintf(err, errlen, "--amount must be above "
			    "zero and not above the open balance of the "
			    "invoices");
			return (0);
		}
		(void)snprintf(fixed, sizeof(fixed), "%lld", (long long)amount);
	}

	if (!linkid_random(id)) {
		(void)snprintf(err, errlen, "random: RAND_bytes failed");
		return (0);
	}
	linkid_format(id, uuid);
	exp = time(NULL) + a->days * 86400;
	(void)snprintf(expires, sizeof(expires), "%lld", (long long)exp);
	p[0] = uuid;
	p[1] = cust_id;
	p[2] = a->ninvoices > 0 ? "invoices" : "customer";
	p[3] = fixed[0] != '\0' ? fixed : NULL;
	p[4] = a->partial ? "true" : "false";
	p[5] = key->id;
	p[6] = expires;
	p[7] = a->by;
	if ((res = mint_exec(db, q_mint_link, 8, p, PGRES_COMMAND_OK,
	    err, errlen)) == NULL)
		return (0);
	PQclear(res);
	for (i = 0; i < a->ninvoices; i++) {
		p[0] = uuid;
		p[1] = cust_id;
		p[2] = inv_ids[i];
		if ((res = mint_exec(db, q_mint_link_invoice, 3, p,
		    PGRES_COMMAND_OK, err, errlen)) == NULL)
			return (0);
		PQclear(res);
	}
	p[0] = uuid;
	p[1] = a->by;
	if ((res = mint_exec(db, q_mint_event, 2, p, PGRES_COMMAND_OK,
	    err, errlen)) == NULL)
		return (0);
	PQclear(res);

	if (!link_token_sign(key, id, (int64_t)exp, token, sizeof(token))) {
		(void)snprintf(err, errlen, "signing the link failed");
		return (0);
	}
	(void)snprintf(url, urllen, "%s/pay/%s", c->public_url, token);
	OPENSSL_cleanse(token, sizeof(token));
	return (1);
}

int
mint_main(const struct conf *c, int argc, char **argv)
{
	struct mint_args	 a;
	PGconn			*db;
	PGresult		*res;
	char			 err[512], url[512];
	int			 ok;

	if (!mint_parse(&a, c, argc, argv))
		return (2);
	if ((db = pgsync_connect(c->database, err, sizeof(err))) == NULL) {
		fprintf(stderr, "mint-link: %s\n", err);
		return (1);
	}
	res = PQexec(db, "BEGIN");
	ok = PQresultStatus(res) == PGRES_COMMAND_OK;
	PQclear(res);
	if (ok)
		ok = mint_create(db, c, &a, url, sizeof(url), err, sizeof(err));
	else
		(void)snprintf(err, sizeof(err), "%s", PQerrorMessage(db));
	res = PQexec(db, ok ? "COMMIT" : "ROLLBACK");
	if (ok && PQresultStatus(res) != PGRES_COMMAND_OK) {
		(void)snprintf(err, sizeof(err), "%s", PQerrorMessage(db));
		ok = 0;
	}
	PQclear(res);
	PQfinish(db);
	if (!ok) {
		fprintf(stderr, "mint-link: %s\n", err);
		return (1);
	}
	printf("%s\n", url);
	OPENSSL_cleanse(url, sizeof(url));
	return (0);
}
