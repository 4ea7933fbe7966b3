/*
 * Runtime configuration: a "key = value" file and PAYPORTAL_<KEY>
 * environment variables (the environment wins). Read once at start; a bad
 * or missing setting stops the server with a message naming it.
 */
#ifndef PAYPORTAL_CONF_H
#define PAYPORTAL_CONF_H

#include <stddef.h>

#include "linktoken.h"
#include "password.h"

#define CONF_MAX_KEYS		16
#define CONF_MAX_PROXIES	8
#define CONF_LOGO_HASH		64	/* hex digits of its SHA-256 */

enum conf_log { CONF_LOG_ERROR, CONF_LOG_WARNING, CONF_LOG_INFO, CONF_LOG_DEBUG };

struct conf {
	char		*listen_host;
	char		*listen_port;
	char		*runas;			/* workers' user when started as root */
	int		 workers;
	char		*database;
	int		 db_conn_max;
	char		*public_url;		/* no trailing slash */
	char		*trusted_proxies[CONF_MAX_PROXIES];
	size_t		 ntrusted;
	struct link_key	 keys[CONF_MAX_KEYS];
	size_t		 nkeys;
	int		 link_days;
	char		*gateway_url;
	char		*gateway_browser_url;	/* the same API, as browsers reach it */
	char		*gateway_secret_key;
	char		*gateway_publishable_key;
	char		*gateway_webhook_secret;
	char		*gateway_version;
	int		 gateway_timeout;	/* seconds for one gateway call */
	int		 reconcile_after;	/* seconds before asking again */
	char		*receipt_layout;		/* "a4" or "thermal" */
	char		*receipt_layout_db;	/* Settings' choice, or NULL */
	int		 link_days_db;		/* Settings' choice, or 0 */
	char		 logo_db[CONF_LOGO_HASH + 1];	/* the logo's, or "" */
	char		*smtp_url;
	char		*smtp_from;
	char		*sms_url;		/* Twilio-shaped API base */
	char		*sms_account;
	char		*sms_token;
	char		*sms_from;		/* number or Messaging Service */
	enum conf_log	 log_level;
	int		 session_idle;		/* seconds without a request */
	int		 session_max;		/* seconds since sign-in */
	int		 signin_max_failures;	/* then locked */
	int		 signin_window;		/* seconds they count in */
	int		 signin_lockout;	/* seconds locked */
	struct password_params	 password;	/* argon2id */
};

void	conf_init(struct conf *);
void	conf_free(struct conf *);
int	conf_set(struct conf *, const char *, const char *, char *, size_t);
int	conf_parse(struct conf *, const char *, const char *, size_t,
	    char *, size_t);
int	conf_load_file(struct conf *, const char *, char *, size_t);
int	conf_load_env(struct conf *, char *, size_t);
int	conf_check(struct conf *, char *, size_t);
const struct link_key	*conf_active_key(const struct conf *);
int	conf_hex(const char *, unsigned char *, size_t, size_t *);

#endif
