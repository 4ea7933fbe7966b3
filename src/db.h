/* Asynchronous queries inside Kore's request state machines. */
#ifndef PAYPORTAL_DB_H
#define PAYPORTAL_DB_H

#define DB_NAME		"db"

enum db_status {
	DB_WAIT,	/* not ready: return HTTP_STATE_RETRY */
	DB_ROWS,	/* a result is ready: read it, then db_next() */
	DB_DONE,	/* the query has completed */
	DB_FAILED	/* logged; answer 500 */
};

struct kore_pgsql;
struct http_request;

void		db_bind(struct kore_pgsql *, struct http_request *);
enum db_status	db_send(struct kore_pgsql *, const char *, int,
		    const char **);
enum db_status	db_send_prepared(struct kore_pgsql *, const char *, int,
		    const char **);
enum db_status	db_send_binary(struct kore_pgsql *, const char *, int,
		    const char **);
enum db_status	db_poll(struct kore_pgsql *, const char *);
void		db_next(struct kore_pgsql *);
int		db_sent(struct http_request *, enum db_status, int);

int		 db_isnull(struct kore_pgsql *, int, int);
#endif
