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

static enum db_status	db_send_as(struct kore_pgsql *, const char *, int,
			    const char **, int);

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

static enum db_status
db_send_as(struct kore_pgsql *sql, const char *query, int n,
    const char **values, int format)
{
	if (!kore_pgsql_setup(sql, DB_NAME, KORE_PGSQL_ASYNC)) {
		if (sql->state == KORE_PGSQL_STATE_INIT)
			return (DB_WAIT);
		kore_pgsql_logerror(sql);
		return (DB_FAILED);
	}
	if (!kore_pgsql_query_param_fields(sql, query, format, n,
	    values, NULL, NULL)) {
		kore_pgsql_logerror(sql);
		return (DB_FAILED);
	}
	return (DB_DONE);
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
