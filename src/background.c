/*
 * Each worker runs the reconciler, the refunds, the outbox and some
 * housekeeping (runtime settings, expired links, old failed sign-ins)
 * every few seconds in a Kore task: a thread, so their blocking libpq and
 * libcurl calls never stall the event loop that serves customers. One run
 * at a time per worker; several workers and nodes share the rows through
 * SKIP LOCKED.
 */
#include <kore/kore.h>
#include <kore/tasks.h>

#include "background.h"
#include "keys.h"
#include "outbox.h"
#include "portal.h"
#include "reconcile.h"
#include "refund.h"

#define BACKGROUND_INTERVAL	2000	/* ms between runs */
/*
 * The timer ticks far more often than the work runs: Kore's worker sleeps
 * until its next timer, and a worker without the accept lock only looks
 * for the lock again when it wakes, so a slow timer would delay accepting
 * new connections by up to the timer's interval.
 */
#define BACKGROUND_TICK		10	/* ms */

static const char	q_background_expired[] =
	"SELECT links_log_expired(1000)";
/* Failed sign-ins past their window: the table keeps only what counts. */
static const char	q_background_signins[] =
	"SELECT signin_failures_expire(make_interval(secs => $1), 1000)";

static struct kore_task	background_task;
static int		background_running;
static u_int64_t	background_next;
static PGconn		*background_db;		/* used by the task only */
static struct keys_runtime	background_keys;	/* written by the task */
static int		background_keys_ok;

static void	background_tick(void *, u_int64_t);
static int	background_run(struct kore_task *);
static void	background_sql(const char *, int, const char **);

void
background_start(void)
{
	(void)kore_timer_add(background_tick, BACKGROUND_TICK, NULL, 0);
}

static void
background_tick(void *arg, u_int64_t now)
{
	if (background_running) {
		if (!kore_task_finished(&background_task))
			return;
		kore_task_destroy(&background_task);
		background_running = 0;
		/* Keys rotated in Settings: applied while no task reads them. */
		if (background_keys_ok)
			keys_apply(&portal_conf, &background_keys);
	}
	if (now < background_next)
		return;
	kore_task_create(&background_task, background_run);
	kore_task_run(&background_task);
	background_running = 1;
	background_next = now + BACKGROUND_INTERVAL;
}

static int
background_run(struct kore_task *t)
{
	const char	*p[1];
	char		 err[256], window[16];

	if (background_db == NULL ||
	    PQstatus(background_db) != CONNECTION_OK) {
		if (background_db != NULL)
			PQfinish(background_db);
		background_db = PQconnectdb(portal_conf.database);
		if (PQstatus(background_db) != CONNECTION_OK) {
			kore_log(LOG_ERR, "background: %s",
			    PQerrorMessage(background_db));
			return (KORE_RESULT_ERROR);
		}
	}
	background_keys_ok = keys_load(background_db, &background_keys, err,
	    sizeof(err));
	if (!background_keys_ok)
		kore_log(LOG_ERR, "background: %s", err);
	background_sql(q_background_expired, 0, NULL);
	(void)snprintf(window, sizeof(window), "%d", portal_conf.signin_window);
	p[0] = window;
	background_sql(q_background_signins, 1, p);
	(void)reconcile_run(background_db, &portal_conf);
	(void)refund_run(background_db, &portal_conf);
	(void)outbox_run(background_db, &portal_conf);
	return (KORE_RESULT_OK);
}

/* Housekeeping whose answer is not needed; a failure is logged. */
static void
background_sql(const char *q, int n, const char **p)
{
	PGresult	*res;

	res = PQexecParams(background_db, q, n, NULL, p, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK)
		kore_log(LOG_ERR, "background: %s", PQresultErrorMessage(res));
	PQclear(res);
}
