/*
 * Synchronous libpq for the command-line modes and the start-up checks,
 * which run before Kore's event loop exists.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pgsync.h"

PGconn *
pgsync_connect(const char *dsn, char *err, size_t errlen)
{
	PGconn		*db;

	db = PQconnectdb(dsn);
	if (PQstatus(db) != CONNECTION_OK) {
		(void)snprintf(err, errlen, "database: cannot connect: %s",
		    PQerrorMessage(db));
		PQfinish(db);
		return (NULL);
	}
	return (db);
}

/* The newest migration applied, 0 for an empty database. */
int
pgsync_schema_version(PGconn *db, int *version, char *err, size_t errlen)
{
	PGresult	*res;
	int		 ok;

	res = PQexec(db, "SELECT to_regclass('schema_migrations') IS NULL");
	ok = PQresultStatus(res) == PGRES_TUPLES_OK;
	if (ok && !strcmp(PQgetvalue(res, 0, 0), "t")) {
		PQclear(res);
		*version = 0;
		return (1);
	}
	PQclear(res);
	if (ok) {
		res = PQexec(db, "SELECT coalesce(max(version), 0) "
		    "FROM schema_migrations");
		ok = PQresultStatus(res) == PGRES_TUPLES_OK;
		if (ok)
			*version = atoi(PQgetvalue(res, 0, 0));
		PQclear(res);
	}
	if (!ok) {
		(void)snprintf(err, errlen, "database: %s",
		    PQerrorMessage(db));
	}
	return (ok);
}
