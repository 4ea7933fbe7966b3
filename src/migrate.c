/*
 * Schema migrations: the numbered files sql/NNN_name.sql compiled into the
 * binary, applied in order, each exactly once and each in one transaction
 * together with its row in schema_migrations, so a half-applied migration
 * cannot exist. An advisory lock keeps two nodes from migrating at once.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "embed.h"
#include "migrate.h"

#define MIGRATE_LOCK	"SELECT pg_advisory_lock(727274001)"
#define MIGRATE_UNLOCK	"SELECT pg_advisory_unlock(727274001)"

static const char	q_migrate_table[] =
	"CREATE TABLE IF NOT EXISTS schema_migrations ("
	"version integer PRIMARY KEY, name text NOT NULL, "
	"applied_at timestamptz NOT NULL DEFAULT now())";
static const char	q_migrate_record[] =
	"INSERT INTO schema_migrations (version, name) VALUES ($1, $2)";

static int	migrate_version(const char *);
static int	migrate_exec(PGconn *, const char *, char *, size_t);

/* "sql/012_fees.sql" is version 12; anything else is not a migration. */
static int
migrate_version(const char *path)
{
	const char	*p;
	int		 v;

	if (strncmp(path, "sql/", 4) != 0)
		return (0);
	p = path + 4;
	if (!isdigit((unsigned char)p[0]) || !isdigit((unsigned char)p[1]) ||
	    !isdigit((unsigned char)p[2]) || p[3] != '_')
		return (0);
	v = (p[0] - '0') * 100 + (p[1] - '0') * 10 + (p[2] - '0');
	if (strlen(p) < 9 || strcmp(p + strlen(p) - 4, ".sql") != 0)
		return (0);
	return (v);
}

int
migrate_latest(void)
{
	const struct embed_file	*f;
	int			 v, max;

	max = 0;
	for (f = embed_files; f->path != NULL; f++) {
		if ((v = migrate_version(f->path)) > max)
			max = v;
	}
	return (max);
}

static int
migrate_exec(PGconn *db, const char *q, char *err, size_t errlen)
{
	PGresult	*res;
	int		 ok;

	res = PQexec(db, q);
	ok = PQresultStatus(res) == PGRES_COMMAND_OK ||
	    PQresultStatus(res) == PGRES_TUPLES_OK;
	if (!ok)
		(void)snprintf(err, errlen, "%s", PQerrorMessage(db));
	PQclear(res);
	return (ok);
}

/* Applies every migration newer than the database; verbose prints each. */
int
migrate_run(PGconn *db, int verbose, char *err, size_t errlen)
{
	const struct embed_file	*f;
	PGresult		*res;
	const char		*params[2];
	char			 vbuf[16], sub[1024];
	int			 v, want, applied, ok;

	if (!migrate_exec(db, MIGRATE_LOCK, sub, sizeof(sub)) ||
	    !migrate_exec(db, q_migrate_table, sub, sizeof(sub))) {
		(void)snprintf(err, errlen, "migrate: %s", sub);
		return (0);
	}

	ok = 1;
	applied = 0;
	for (want = 1; ok && want <= migrate_latest(); want++) {
		for (f = embed_files; f->path != NULL; f++) {
			if (migrate_version(f->path) == want)
				break;
		}
		if (f->path == NULL) {
			(void)snprintf(err, errlen, "migrate: version %03d is "
			    "missing from sql/", want);
			ok = 0;
			break;
		}
		(void)snprintf(vbuf, sizeof(vbuf), "%d", want);
		params[0] = vbuf;
		res = PQexecParams(db, "SELECT 1 FROM schema_migrations "
		    "WHERE version = $1", 1, NULL, params, NULL, NULL, 0);
		if (PQresultStatus(res) != PGRES_TUPLES_OK) {
			(void)snprintf(err, errlen, "migrate: %s",
			    PQerrorMessage(db));
			PQclear(res);
			ok = 0;
			break;
		}
		if (PQntuples(res) == 1) {
			PQclear(res);
			continue;
		}
		PQclear(res);

		params[1] = f->path + 4;
		if (!migrate_exec(db, "BEGIN", sub, sizeof(sub)) ||
		    !migrate_exec(db, (const char *)f->data, sub,
		    sizeof(sub))) {
			(void)snprintf(err, errlen, "migrate: %s: %s",
			    f->path, sub);
			(void)migrate_exec(db, "ROLLBACK", sub, sizeof(sub));
			ok = 0;
			break;
		}
		res = PQexecParams(db, q_migrate_record, 2, NULL, params,
		    NULL, NULL, 0);
		if (PQresultStatus(res) != PGRES_COMMAND_OK ||
		    !migrate_exec(db, "COMMIT", sub, sizeof(sub))) {
			(void)snprintf(err, errlen, "migrate: %s: %s",
			    f->path, PQerrorMessage(db));
			PQclear(res);
			(void)migrate_exec(db, "ROLLBACK", sub, sizeof(sub));
			ok = 0;
			break;
		}
		PQclear(res);
		applied++;
		if (verbose)
			printf("applied %s\n", f->path);
	}

	res = PQexec(db, "SELECT coalesce(max(version), 0) "
	    "FROM schema_migrations");
	if (ok && PQresultStatus(res) == PGRES_TUPLES_OK &&
	    (v = atoi(PQgetvalue(res, 0, 0))) > migrate_latest()) {
		(void)snprintf(err, errlen, "migrate: the database is at "
		    "version %d, newer than this build (%d)", v,
		    migrate_latest());
		ok = 0;
	}
	PQclear(res);
	(void)migrate_exec(db, MIGRATE_UNLOCK, sub, sizeof(sub));
	if (ok && verbose && applied == 0)
		printf("schema is up to date (version %d)\n", migrate_latest());
	return (ok);
}
