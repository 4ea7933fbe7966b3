/*
 * Start-up: the command line, the runtime configuration, the schema check,
 * the listener and the database pool, all in the parent before Kore forks
 * its workers. Anything wrong stops the start with a message naming it.
 *
 *	payportal [serve] [-c file] [-f] [-n] [-r] [-q]
 *	payportal migrate [-c file]
 *	payportal mint-link [-c file] --customer REF ...
 *	payportal staff-add [-c file] --email E --name N [--role R]
 *	payportal staff-password [-c file] --email E
 *	payportal check-config [-c file]
 */
#include <kore/kore.h>
#include <kore/http.h>
#include <kore/pgsql.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "background.h"
#include "conf.h"
#include "db.h"
#include "keys.h"
#include "migrate.h"
#include "mint.h"
#include "pgsync.h"
#include "portal.h"
#include "render.h"
#include "staff.h"
#include "staffcli.h"

struct conf	portal_conf;

void		kore_parent_configure(int, char **);
void		kore_parent_teardown(void);
void		kore_worker_configure(void);

static void	portal_die(const char *, ...)
		    __attribute__((format(printf, 1, 2), noreturn));
static void	portal_load_conf(const char *);
static int	portal_migrate(void);
static void	portal_check_schema(void);
static void	portal_keys(void);
static void	portal_usage(void) __attribute__((noreturn));

static void
portal_die(const char *fmt, ...)
{
	va_list		ap;

	fprintf(stderr, "payportal: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	exit(1);
}

static void
portal_usage(void)
{
	fprintf(stderr,
	    "usage: payportal [serve] [-c config] [-f] [-n] [-r] [-q]\n"
	    "       payportal migrate [-c config]\n"
	    "       payportal mint-link [-c config] --customer REF "
	    "[--invoice NUMBER ...]\n"
	    "                 [--amount AMOUNT] [--no-partial] [--days N]\n"
	    "       payportal staff-add [-c config] --email EMAIL --name NAME "
	    "[--role staff|admin]\n"
	    "       payportal staff-password [-c config] --email EMAIL\n"
	    "                 (both read the password from standard input)\n"
	    "       payportal check-config [-c config]\n"
	    "The config file may also be named by PAYPORTAL_CONFIG; "
	    "PAYPORTAL_<SETTING>\nenvironment variables override it.\n");
	exit(2);
}

static void
portal_load_conf(const char *path)
{
	char		err[512];

	conf_init(&portal_conf);
	if (path == NULL)
		path = getenv("PAYPORTAL_CONFIG");
	if (path != NULL && !conf_load_file(&portal_conf, path, err,
	    sizeof(err)))
		portal_die("%s", err);
	if (!conf_load_env(&portal_conf, err, sizeof(err)))
		portal_die("%s", err);
	if (!conf_check(&portal_conf, err, sizeof(err)))
		portal_die("%s", err);
}

static int
portal_migrate(void)
{
	PGconn		*db;
	char		 err[1024];
	int		 ok;

	if ((db = pgsync_connect(portal_conf.database, err, sizeof(err))) == NULL)
		portal_die("%s", err);
	ok = migrate_run(db, 1, err, sizeof(err));
	PQfinish(db);
	if (!ok)
		portal_die("%s", err);
	return (0);
}

static void
portal_check_schema(void)
{
	PGconn		*db;
	char		 err[1024];
	int		 version;

	if ((db = pgsync_connect(portal_conf.database, err, sizeof(err))) == NULL)
		portal_die("%s", err);
	if (!pgsync_schema_version(db, &version, err, sizeof(err))) {
		PQfinish(db);
		portal_die("%s", err);
	}
	PQfinish(db);
	if (version != migrate_latest()) {
		portal_die("database: schema is at version %d, this build "
		    "needs %d: run 'payportal migrate' first", version,
		    migrate_latest());
	}
}

/*
 * The signing keys and runtime settings from the database, after the
 * config's keys have seeded it: what serve and mint-link sign with.
 */
static void
portal_keys(void)
{
	struct keys_runtime	rt;
	PGconn			*db;
	char			 err[1024];
	int			 ok;

	if ((db = pgsync_connect(portal_conf.database, err, sizeof(err))) == NULL)
		portal_die("%s", err);
	ok = keys_seed(db, &portal_conf, err, sizeof(err)) &&
	    keys_load(db, &rt, err, sizeof(err));
	PQfinish(db);
	if (!ok)
		portal_die("%s", err);
	keys_apply(&portal_conf, &rt);
	OPENSSL_cleanse(&rt, sizeof(rt));
}

/*
 * Kore calls this once in the parent. The first word may name a command;
 * "-c file" is ours; every other flag is Kore's (-f foreground, -n no
 * chroot, -r no user change, -q quiet).
 */
void
kore_parent_configure(int argc, char **argv)
{
	struct kore_server	*srv;
	const char		*cmd, *config;
	char			*kargv[16], err[512];
	int			 i, kargc, rc;

	/* Kore logs to stdout in the foreground: one line at a time, even
	 * into a file or a pipe, so no worker's last words are lost. */
	(void)setvbuf(stdout, NULL, _IOLBF, 0);

	cmd = "serve";
	config = NULL;
	i = 1;
	if (argc > 1 && argv[1][0] != '-') {
		cmd = argv[1];
		i = 2;
	}
	kargv[0] = argv[0];
	kargc = 1;
	for (; i < argc; i++) {
		if (!strcmp(argv[i], "-c") || !strcmp(argv[i], "--config")) {
			if (++i == argc)
				portal_usage();
			config = argv[i];
		} else if (!strcmp(argv[i], "-h") ||
		    !strcmp(argv[i], "--help")) {
			portal_usage();
		} else if (kargc < 15) {
			kargv[kargc++] = argv[i];
		} else {
			portal_usage();
		}
	}
	kargv[kargc] = NULL;

	portal_load_conf(config);
	if (!strcmp(cmd, "check-config")) {
		printf("configuration OK\n");
		exit(0);
	} else if (!strcmp(cmd, "migrate")) {
		if (kargc != 1)
			portal_usage();
		exit(portal_migrate());
	} else if (!strcmp(cmd, "mint-link")) {
		portal_check_schema();
		portal_keys();
		rc = mint_main(&portal_conf, kargc, kargv);
		conf_free(&portal_conf);
		exit(rc);
	} else if (!strcmp(cmd, "staff-add") ||
	    !strcmp(cmd, "staff-password")) {
		rc = staffcli_main(&portal_conf, !strcmp(cmd, "staff-add"),
		    kargc, kargv);
		conf_free(&portal_conf);
		exit(rc);
	} else if (strcmp(cmd, "serve") != 0) {
		portal_usage();
	}

	portal_check_schema();
	portal_keys();
	if (!render_init(err, sizeof(err)))
		portal_die("templates: %s", err);

	kore_default_getopt(kargc, kargv);
	/* Kore's own notices (start-up, workers) are info; errors stay. */
	if (portal_conf.log_level <= CONF_LOG_WARNING)
		kore_quiet = 1;

	/*
	 * Kore's chroot would hide the CA bundle, the resolver and libpq's
	 * socket directory; isolation comes from the unprivileged user and
	 * seccomp instead.
	 */
	skip_chroot = 1;
	if (getuid() != 0) {
		skip_runas = 1;
	} else if (!skip_runas) {
		if (portal_conf.runas == NULL) {
			portal_die("runas: missing: started as root, the workers "
			    "need an unprivileged user (e.g. runas = nobody)");
		}
		kore_runas_user = kore_strdup(portal_conf.runas);
	}

	srv = kore_server_create("app");
	srv->tls = 0;
	if (!kore_server_bind(srv, portal_conf.listen_host,
	    portal_conf.listen_port, NULL)) {
		portal_die("listen: cannot bind %s:%s", portal_conf.listen_host,
		    portal_conf.listen_port);
	}
	kore_server_finalize(srv);

	worker_count = (u_int8_t)portal_conf.workers;
	pgsql_conn_max = (u_int16_t)portal_conf.db_conn_max;
	if (!kore_pgsql_register(DB_NAME, portal_conf.database))
		portal_die("database: cannot register the connection pool");
}

/* In each worker: the reconciler and the outbox run in the background. */
void
kore_worker_configure(void)
{
	if (!staff_prepare_worker())
		fatal("staff sign-in: cannot prepare the password check");
	background_start();
}

void
kore_parent_teardown(void)
{
	conf_free(&portal_conf);
}
