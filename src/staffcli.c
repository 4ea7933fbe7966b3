/*
 * "payportal staff-add" creates an account (the first admin, usually) and
 * "payportal staff-password" sets a new password, ending the account's
 * sessions. The password is read from standard input, never from the
 * command line where other users could see it in the process list.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>
#include <openssl/crypto.h>

#include "contact.h"
#include "password.h"
#include "pgsync.h"
#include "staffcli.h"

static const char	q_staffcli_set[] =
	"SELECT staff_cli_set($1, $2, $3, $4, $5)";

static void	staffcli_usage(void);
static int	staffcli_read_password(char *, size_t, size_t *);

static void
staffcli_usage(void)
{
	fprintf(stderr, "usage: payportal staff-add [-c config] --email EMAIL "
	    "--name NAME [--role staff|admin]\n"
	    "       payportal staff-password [-c config] --email EMAIL\n"
	    "The password is read from standard input (one line).\n");
}

/* One line, without its newline. */
static int
staffcli_read_password(char *buf, size_t len, size_t *outlen)
{
	size_t		n;

	if (fgets(buf, (int)len, stdin) == NULL)
		return (0);
	n = strcspn(buf, "\r\n");
	if (buf[n] == '\0' && n == len - 1)
		return (0);
	buf[n] = '\0';
	*outlen = n;
	return (1);
}

int
staffcli_main(const struct conf *c, int create, int argc, char **argv)
{
	static const struct option	opts[] = {
		{ "email",	required_argument,	NULL, 'e' },
		{ "name",	required_argument,	NULL, 'n' },
		{ "role",	required_argument,	NULL, 'r' },
		{ NULL,		0,			NULL, 0 },
	};
	PGconn		*db;
	PGresult	*res;
	const char	*email, *name, *role, *p[5], *verdict;
	char		 pw[PASSWORD_MAX_BYTES + 2], hash[PASSWORD_HASH_MAX];
	char		 why[128], err[1024];
	size_t		 pwlen;
	int		 ch, rc;

	email = name = NULL;
	role = "staff";
	optind = 1;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'e':
			email = optarg;
			break;
		case 'n':
			name = optarg;
			break;
		case 'r':
			role = optarg;
			break;
		default:
			staffcli_usage();
			return (2);
		}
	}
	if (optind != argc || email == NULL || (create && name == NULL)) {
		staffcli_usage();
		return (2);
	}
	if (!contact_email_valid(email)) {
		fprintf(stderr, "payportal: --email: '%s' is not an email "
		    "address\n", email);
		return (1);
	}
	if (create && (strlen(name) == 0 || strlen(name) > 200)) {
		fprintf(stderr, "payportal: --name: must be 1 to 200 "
		    "characters\n");
		return (1);
	}
	if (strcmp(role, "staff") != 0 && strcmp(role, "admin") != 0) {
		fprintf(stderr, "payportal: --role: '%s' is not staff or "
		    "admin\n", role);
		return (1);
	}
	if (!staffcli_read_password(pw, sizeof(pw), &pwlen)) {
		fprintf(stderr, "payportal: password: expected one line on "
		    "standard input, at most %d bytes\n", PASSWORD_MAX_BYTES);
		return (1);
	}
	if (!password_policy(pw, pwlen, why, sizeof(why))) {
		OPENSSL_cleanse(pw, sizeof(pw));
		fprintf(stderr, "payportal: password: %s\n", why);
		return (1);
	}
	rc = password_hash(pw, pwlen, &c->password, hash, sizeof(hash));
	OPENSSL_cleanse(pw, sizeof(pw));
	if (!rc) {
		fprintf(stderr, "payportal: password: hashing failed\n");
		return (1);
	}

	if ((db = pgsync_connect(c->database, err, sizeof(err))) == NULL) {
		fprintf(stderr, "payportal: %s\n", err);
		return (1);
	}
	p[0] = email;
	p[1] = name;
	p[2] = role;
	p[3] = hash;
	p[4] = create ? "true" : "false";
	res = PQexecParams(db, q_staffcli_set, 5, NULL, p, NULL, NULL, 0);
	rc = 1;
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		fprintf(stderr, "payportal: database: %s",
		    PQresultErrorMessage(res));
	} else {
		verdict = PQgetvalue(res, 0, 0);
		if (!strcmp(verdict, "exists")) {
			fprintf(stderr, "payportal: --email: %s already has an "
			    "account (use staff-password)\n", email);
		} else if (!strcmp(verdict, "unknown")) {
			fprintf(stderr, "payportal: --email: %s has no "
			    "account\n", email);
		} else {
			printf("%s: %s\n", email, verdict);
			rc = 0;
		}
	}
	PQclear(res);
	PQfinish(db);
	OPENSSL_cleanse(hash, sizeof(hash));
	return (rc);
}
