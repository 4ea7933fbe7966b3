/*
 * Thin helpers over kore_pgsql so each handler's states stay short: send a
 * query with text parameters, then poll until rows or completion.
 */
#include <kore/kore.h>
#include <kore/http.h>
#include <kore/pgsql.h>

#include "db.h"
#include "web.h"

void
db_bind(struct kore_pgsql *sql, struct http_request *req)
{
	kore_pgsql_init(sql);
	kore_pgsql_bind_request(sql, req);
}

static enum db_status	db_take(struct kore_pgsql *);
static enum db_status	db_send_as(struct kore_pgsql *, const char *, int,
			    const char **, int);
static int		db_prepare(PGconn *, const char *, const char *, int,
			    char *, size_t);
static void		db_schedule(struct kore_pgsql *);

/*
 * The statements behind every page view and payment are prepared once per
 * connection (db_send_prepared): PostgreSQL then binds and runs them
 * without parsing, analysing and planning the call each time. A statement
 * is named after its place in db_stmts; a connection is known by its
 * libpq handle and its backend's pid, so a new connection that reuses a
 * closed one's handle is prepared again. Past DB_CONNS_MAX connections
 * the oldest record is forgotten: preparing a statement twice is harmless.
 */
#define DB_STMTS_MAX	16
#define DB_CONNS_MAX	64

static const char	*db_stmts[DB_STMTS_MAX];
static int		 db_nstmts;

struct db_prepared {
	PGconn		*conn;
	int		 pid;
	u_int32_t	 done;		/* bit i: db_stmts[i] is prepared */
};

static struct db_prepared	db_conns[DB_CONNS_MAX];
static size_t			db_nconns, db_evict;

/*
 * Sends the query: DB_DONE once it is on its way. DB_WAIT means every
 * connection is busy and the request was queued: call again from the same
 * state when woken.
 */
enum db_status
db_send(struct kore_pgsql *sql, const char *query, int n,
    const char **values)
{
	return (db_send_as(sql, query, n, values, KORE_PGSQL_FORMAT_TEXT));
}

/* The same, with the answer's columns as their raw bytes (bytea). */
enum db_status
db_send_binary(struct kore_pgsql *sql, const char *query, int n,
    const char **values)
{
	return (db_send_as(sql, query, n, values, KORE_PGSQL_FORMAT_BINARY));
}

/*
 * A connection from the pool: DB_DONE when the handle has one, DB_WAIT
 * when every connection is busy and the request was queued.
 */
static enum db_status
db_take(struct kore_pgsql *sql)
{
	if (!kore_pgsql_setup(sql, DB_NAME, KORE_PGSQL_ASYNC)) {
		if (sql->state == KORE_PGSQL_STATE_INIT)
			return (DB_WAIT);
		kore_pgsql_logerror(sql);
		return (DB_FAILED);
	}
	return (DB_DONE);
}

static enum db_status
db_send_as(struct kore_pgsql *sql, const char *query, int n,
    const char **values, int format)
{
	enum db_status	r;

	if ((r = db_take(sql)) != DB_DONE)
		return (r);
	if (!kore_pgsql_query_param_fields(sql, query, format, n,
	    values, NULL, NULL)) {
		kore_pgsql_logerror(sql);
		return (DB_FAILED);
	}
	return (DB_DONE);
}

/*
 * db_send() for one of the few statements sent on every page view or
 * payment, given as a constant: prepared on its connection the first time
 * (one blocking round trip per statement and connection), then only bound
 * and executed.
 */
enum db_status
db_send_prepared(struct kore_pgsql *sql, const char *query, int n,
    const char **values)
{
	struct db_prepared	*c, *slot;
	PGconn			*conn;
	char			 name[16], err[256];
	enum db_status		 r;
	size_t			 i;
	int			 id, pid;

	if ((r = db_take(sql)) != DB_DONE)
		return (r);
	for (id = 0; id < db_nstmts && db_stmts[id] != query; id++)
		;
	if (id == db_nstmts) {
		if (db_nstmts == DB_STMTS_MAX)
			fatal("db_send_prepared: more than %d statements",
			    DB_STMTS_MAX);
		db_stmts[db_nstmts++] = query;
	}
	(void)snprintf(name, sizeof(name), "pp%d", id);

	conn = sql->conn->db;
	pid = PQbackendPID(conn);
	slot = NULL;
	for (i = 0; i < db_nconns && slot == NULL; i++) {
		c = &db_conns[i];
		if (c->conn == conn)
			slot = c;
	}
	if (slot == NULL && db_nconns < DB_CONNS_MAX)
		slot = &db_conns[db_nconns++];
	if (slot == NULL)
		slot = &db_conns[db_evict++ % DB_CONNS_MAX];
	if (slot->conn != conn || slot->pid != pid) {
		slot->conn = conn;
		slot->pid = pid;
		slot->done = 0;
	}
	if (!(slot->done & (1U << id))) {
		if (!db_prepare(conn, name, query, n, err, sizeof(err))) {
			kore_log(LOG_ERR, "prepare %s: %s", name, err);
			return (DB_FAILED);
		}
		slot->done |= 1U << id;
	}

	if (!PQsendQueryPrepared(conn, name, n, values, NULL, NULL,
	    KORE_PGSQL_FORMAT_TEXT)) {
		kore_log(LOG_ERR, "%s: %s", name, PQerrorMessage(conn));
		return (DB_FAILED);
	}
	db_schedule(sql);
	return (DB_DONE);
}

/* Prepares query as name; a statement that exists already is fine. */
static int
db_prepare(PGconn *conn, const char *name, const char *query, int n,
    char *err, size_t len)
{
	PGresult	*res;
	const char	*state;
	int		 ok;

	res = PQprepare(conn, name, query, n, NULL);
	state = res != NULL ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	ok = PQresultStatus(res) == PGRES_COMMAND_OK ||
	    (state != NULL && !strcmp(state, "42P05"));
	if (!ok)
		(void)snprintf(err, len, "%s", PQerrorMessage(conn));
	PQclear(res);
	return (ok);
}

/*
 * What Kore does after sending a query of its own: wait for the answer
 * on the connection's socket, with the request asleep until it comes.
 */
static void
db_schedule(struct kore_pgsql *sql)
{
	int	fd;

	if ((fd = PQsocket(sql->conn->db)) < 0)
		fatal("db_schedule: no socket on an open connection");
	kore_platform_schedule_read(fd, sql->conn);
	sql->state = KORE_PGSQL_STATE_WAIT;
	sql->flags |= KORE_PGSQL_SCHEDULED;
	if (sql->req != NULL)
		http_request_sleep(sql->req);
	if (sql->cb != NULL)
		sql->cb(sql, sql->arg);
}

enum db_status
db_poll(struct kore_pgsql *sql, const char *what)
{
	switch (sql->state) {
	case KORE_PGSQL_STATE_WAIT:
		return (DB_WAIT);
	case KORE_PGSQL_STATE_RESULT:
		return (DB_ROWS);
	case KORE_PGSQL_STATE_COMPLETE:
		return (DB_DONE);
	case KORE_PGSQL_STATE_ERROR:
		kore_log(LOG_ERR, "%s: %s", what,
		    sql->error ? sql->error : "unknown database error");
		return (DB_FAILED);
	default:
		kore_pgsql_continue(sql);
		return (DB_WAIT);
	}
}

void
db_next(struct kore_pgsql *sql)
{
	kore_pgsql_continue(sql);
}

int
db_isnull(struct kore_pgsql *sql, int row, int col)
{
	return (PQgetisnull(sql->result, row, col));
}

/*
 * After db_send() in a handler's query state: wait, fail with a 500, or go
 * on to the state that reads the answer.
 */
int
db_sent(struct http_request *req, enum db_status r, int next)
{
	if (r == DB_WAIT)
		return (HTTP_STATE_RETRY);
	if (r == DB_FAILED) {
		web_error(req, HTTP_STATUS_INTERNAL_ERROR);
		return (HTTP_STATE_COMPLETE);
	}
	req->fsm_state = next;
	return (HTTP_STATE_CONTINUE);
}
