/*
 * Runtime configuration parser. Plain C so it can be unit-tested; the server
 * and the command-line modes share it.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "conf.h"

#define CONF_MAX_FILE	(256 * 1024)
#define CONF_MAX_LINE	4096

struct conf_setting {
	const char	*name;
	int		(*set)(struct conf *, const char *, const char *,
			    char *, size_t);
	size_t		 off;	/* of the field conf_set_string or _int sets */
};

static int	conf_set_string(struct conf *, const char *, const char *,
		    char *, size_t);
static int	conf_set_listen(struct conf *, const char *, const char *,
		    char *, size_t);
static int	conf_set_workers(struct conf *, const char *, const char *,
		    char *, size_t);
static int	conf_set_conn_max(struct conf *, const char *, const char *,
		    char *, size_t);
static int	conf_set_url(struct conf *, const char *, const char *,
		    char *, size_t);
static int	conf_set_proxies(struct conf *, const char *, const char *,
		    char *, size_t);
static int	conf_set_key(struct conf *, const char *, const char *,
		    char *, size_t);
static int	conf_set_keys(struct conf *, const char *, const char *,
		    char *, size_t);
static int	conf_set_link_days(struct conf *, const char *, const char *,
		    char *, size_t);
static int	conf_set_seconds(struct conf *, const char *, const char *,
		    char *, size_t);
static int	conf_set_layout(struct conf *, const char *, const char *,
		    char *, size_t);
static int	conf_set_log_level(struct conf *, const char *, const char *,
		    char *, size_t);
static int	conf_set_int(struct conf *, const char *, const char *,
		    char *, size_t);
static char	**conf_field(struct conf *, const char *);
static int	conf_number(const char *, const char *, long long, long long,
		    long long *, char *, size_t);

#define F(x)	offsetof(struct conf, x)

static const struct conf_setting conf_settings[] = {
	{ "listen",			conf_set_listen,	0 },
	{ "workers",			conf_set_workers,	0 },
	{ "runas",			conf_set_string,	F(runas) },
	{ "database",			conf_set_string,	F(database) },
	{ "database_connections",	conf_set_conn_max,	0 },
	{ "public_url",			conf_set_url,		F(public_url) },
	{ "trusted_proxies",		conf_set_proxies,	0 },
	{ "signing_key",		conf_set_key,		0 },
	{ "signing_keys",		conf_set_keys,		0 },
	{ "link_days",			conf_set_link_days,	0 },
	{ "gateway_url",		conf_set_url,		F(gateway_url) },
	{ "gateway_browser_url",	conf_set_url,
	    F(gateway_browser_url) },
	{ "gateway_secret_key",		conf_set_string,
	    F(gateway_secret_key) },
	{ "gateway_publishable_key",	conf_set_string,
	    F(gateway_publishable_key) },
	{ "gateway_webhook_secret",	conf_set_string,
	    F(gateway_webhook_secret) },
	{ "gateway_version",		conf_set_string,	F(gateway_version) },
	{ "gateway_timeout",		conf_set_seconds,	0 },
	{ "reconcile_after",		conf_set_seconds,	0 },
	{ "smtp_url",			conf_set_url,		F(smtp_url) },
	{ "smtp_from",			conf_set_string,	F(smtp_from) },
	{ "sms_url",			conf_set_url,		F(sms_url) },
	{ "sms_account",		conf_set_string,	F(sms_account) },
	{ "sms_token",			conf_set_string,	F(sms_token) },
	{ "sms_from",			conf_set_string,	F(sms_from) },
	{ "log_level",			conf_set_log_level,	0 },
	{ "receipt_layout",		conf_set_layout,	F(receipt_layout) },
	{ "session_idle",		conf_set_int,		F(session_idle) },
	{ "session_max",		conf_set_int,		F(session_max) },
	{ "signin_max_failures",	conf_set_int,
	    F(signin_max_failures) },
	{ "signin_window",		conf_set_int,		F(signin_window) },
	{ "signin_lockout",		conf_set_int,		F(signin_lockout) },
	{ "password_t_cost",		conf_set_int,	F(password.t_cost) },
	{ "password_m_kib",		conf_set_int,	F(password.m_kib) },
	{ "password_parallelism",	conf_set_int,
	    F(password.parallelism) },
	{ NULL,				NULL,			0 },
};

/* Bounds of the plain integer settings, in seconds unless said. */
static const struct {
	const char	*name;
	long long	 min;
	long long	 max;
} conf_int_bounds[] = {
	{ "session_idle",		60,	86400 },
	{ "session_max",		300,	2592000 },
	{ "signin_max_failures",	1,	100 },	/* failed sign-ins */
	{ "signin_window",		60,	86400 },
	{ "signin_lockout",		60,	86400 },
	{ "password_t_cost",	PASSWORD_T_MIN,	PASSWORD_T_MAX },
	{ "password_m_kib",	PASSWORD_M_MIN,	PASSWORD_M_MAX },	/* KiB */
	{ "password_parallelism", PASSWORD_P_MIN, PASSWORD_P_MAX },
};

void
conf_init(struct conf *c)
{
	memset(c, 0, sizeof(*c));
	c->listen_host = strdup("127.0.0.1");
	c->listen_port = strdup("8080");
	c->workers = 2;
	c->db_conn_max = 8;
	c->trusted_proxies[0] = strdup("127.0.0.1");
	c->ntrusted = 1;
	c->link_days = 30;
	c->gateway_version = strdup("2024-06-20");
	c->receipt_layout = strdup("a4");
	c->gateway_timeout = 20;
	c->reconcile_after = 60;
	c->log_level = CONF_LOG_INFO;
	c->session_idle = 1800;
	c->session_max = 12 * 3600;
	c->signin_max_failures = 5;
	c->signin_window = 900;
	c->signin_lockout = 900;
	/* OWASP's argon2id minimum: 19 MiB, 2 passes, 1 lane. */
	c->password.t_cost = 2;
	c->password.m_kib = 19456;
	c->password.parallelism = 1;
}

void
conf_free(struct conf *c)
{
	size_t		i;

	free(c->listen_host);
	free(c->listen_port);
	free(c->runas);
	free(c->database);
	free(c->public_url);
	for (i = 0; i < c->ntrusted; i++)
		free(c->trusted_proxies[i]);
	free(c->gateway_url);
	free(c->gateway_browser_url);
	free(c->receipt_layout);
	free(c->receipt_layout_db);
	free(c->gateway_secret_key);
	free(c->gateway_publishable_key);
	free(c->gateway_webhook_secret);
	free(c->gateway_version);
	free(c->smtp_url);
	free(c->smtp_from);
	free(c->sms_url);
	free(c->sms_account);
	free(c->sms_token);
	free(c->sms_from);
	OPENSSL_cleanse(c->keys, sizeof(c->keys));
	memset(c, 0, sizeof(*c));
}

static char **
conf_field(struct conf *c, const char *name)
{
	const struct conf_setting	*s;

	for (s = conf_settings; s->name != NULL; s++) {
		if (!strcmp(s->name, name) && s->off != 0)
			return ((char **)((char *)c + s->off));
	}
	return (NULL);
}

static int
conf_set_string(struct conf *c, const char *name, const char *val,
    char *err, size_t errlen)
{
	char		**field;

	if ((field = conf_field(c, name)) == NULL)
		return (0);
	if (*val == '\0') {
		snprintf(err, errlen, "%s: must not be empty", name);
		return (0);
	}
	free(*field);
	if ((*field = strdup(val)) == NULL) {
		snprintf(err, errlen, "%s: out of memory", name);
		return (0);
	}
	return (1);
}

static int
conf_set_url(struct conf *c, const char *name, const char *val,
    char *err, size_t errlen)
{
	static const struct {
		const char	*name;
		const char	*schemes[4];
		const char	*what;
	} allowed[] = {
		/* Customers' pages send HSTS: the public address is HTTPS. */
		{ "public_url", { "https://", NULL }, "an https://" },
		{ "gateway_url", { "https://", "http://", NULL },
		    "an http(s)://" },
		/* Pages are HTTPS: browsers refuse plain HTTP from them. */
		{ "gateway_browser_url", { "https://", NULL }, "an https://" },
		{ "smtp_url", { "smtps://", "smtp://", NULL }, "an smtp(s)://" },
		/* Plain http only for a provider on this machine (tests). */
		{ "sms_url", { "https://", "http://127.", "http://localhost", NULL },
		    "an https://" },
	};
	const char	*rest;
	char		*copy;
	size_t		 i, j, len;

	rest = NULL;
	for (i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++) {
		if (strcmp(allowed[i].name, name) != 0)
			continue;
		for (j = 0; allowed[i].schemes[j] != NULL; j++) {
			len = strlen(allowed[i].schemes[j]);
			if (!strncmp(val, allowed[i].schemes[j], len))
				rest = val + len;
		}
		if (rest == NULL) {
			snprintf(err, errlen, "%s: '%s' is not %s URL", name,
			    val, allowed[i].what);
			return (0);
		}
	}
	if (rest == NULL || *rest == '\0' || *rest == '/' ||
	    strpbrk(val, " \t\"<>") != NULL) {
		snprintf(err, errlen, "%s: '%s' has no valid host", name, val);
		return (0);
	}
	if (!conf_set_string(c, name, val, err, errlen))
		return (0);

	/* Links are built as public_url + "/pay/...": keep no trailing '/'. */
	copy = *conf_field(c, name);
	len = strlen(copy);
	while (len > 0 && copy[len - 1] == '/')
		copy[--len] = '\0';
	return (1);
}

static int
conf_number(const char *name, const char *val, long long min, long long max,
    long long *out, char *err, size_t errlen)
{
	char		*end;
	long long	 n;

	errno = 0;
	n = strtoll(val, &end, 10);
	if (*val == '\0' || *end != '\0' || errno != 0 || n < min || n > max ||
	    !isdigit((unsigned char)*val)) {
		snprintf(err, errlen, "%s: '%s' is not a number from %lld "
		    "to %lld", name, val, min, max);
		return (0);
	}
	*out = n;
	return (1);
}

static int
conf_set_listen(struct conf *c, const char *name, const char *val,
    char *err, size_t errlen)
{
	const char	*colon;
	long long	 port;
	char		*host;

	if ((colon = strrchr(val, ':')) == NULL || colon == val) {
		snprintf(err, errlen, "%s: '%s' is not host:port", name, val);
		return (0);
	}
	if (!conf_number(name, colon + 1, 1, 65535, &port, err, errlen))
		return (0);
	if ((host = strndup(val, (size_t)(colon - val))) == NULL) {
		snprintf(err, errlen, "%s: out of memory", name);
		return (0);
	}
	free(c->listen_host);
	free(c->listen_port);
	c->listen_host = host;
	if ((c->listen_port = strdup(colon + 1)) == NULL) {
		snprintf(err, errlen, "%s: out of memory", name);
		return (0);
	}
	return (1);
}

static int
conf_set_workers(struct conf *c, const char *name, const char *val,
    char *err, size_t errlen)
{
	long long	n;

	if (!conf_number(name, val, 1, 64, &n, err, errlen))
		return (0);
	c->workers = (int)n;
	return (1);
}

static int
conf_set_conn_max(struct conf *c, const char *name, const char *val,
    char *err, size_t errlen)
{
	long long	n;

	if (!conf_number(name, val, 1, 1000, &n, err, errlen))
		return (0);
	c->db_conn_max = (int)n;
	return (1);
}

static int
conf_set_link_days(struct conf *c, const char *name, const char *val,
    char *err, size_t errlen)
{
	long long	n;

	if (!conf_number(name, val, 1, 3650, &n, err, errlen))
		return (0);
	c->link_days = (int)n;
	return (1);
}

static int
conf_set_seconds(struct conf *c, const char *name, const char *val,
    char *err, size_t errlen)
{
	long long	n;

	if (!conf_number(name, val, 1, 3600, &n, err, errlen))
		return (0);
	if (!strcmp(name, "gateway_timeout"))
		c->gateway_timeout = (int)n;
	else
		c->reconcile_after = (int)n;
	return (1);
}

static int
conf_int_bounds_of(const char *name, long long *min, long long *max)
{
	size_t		i;

	for (i = 0; i < sizeof(conf_int_bounds) / sizeof(conf_int_bounds[0]);
	    i++) {
		if (!strcmp(conf_int_bounds[i].name, name)) {
			*min = conf_int_bounds[i].min;
			*max = conf_int_bounds[i].max;
			return (1);
		}
	}
	return (0);
}

static int
conf_set_int(struct conf *c, const char *name, const char *val,
    char *err, size_t errlen)
{
	const struct conf_setting	*s;
	long long			 n, min, max;

	for (s = conf_settings; strcmp(s->name, name) != 0; s++)
		;
	if (!conf_int_bounds_of(name, &min, &max) ||
	    !conf_number(name, val, min, max, &n, err, errlen))
		return (0);
	/* argon2's parameters are unsigned; the rest plain ints. */
	if (!strncmp(name, "password_", 9))
		*(uint32_t *)(void *)((char *)c + s->off) = (uint32_t)n;
	else
		*(int *)(void *)((char *)c + s->off) = (int)n;
	return (1);
}

static int
conf_set_layout(struct conf *c, const char *name, const char *val,
    char *err, size_t errlen)
{
	if (strcmp(val, "a4") != 0 && strcmp(val, "thermal") != 0) {
		snprintf(err, errlen, "%s: '%s' is not a4 or thermal", name,
		    val);
		return (0);
	}
	return (conf_set_string(c, name, val, err, errlen));
}

static int
conf_set_log_level(struct conf *c, const char *name, const char *val,
    char *err, size_t errlen)
{
	if (!strcmp(val, "error"))
		c->log_level = CONF_LOG_ERROR;
	else if (!strcmp(val, "warning"))
		c->log_level = CONF_LOG_WARNING;
	else if (!strcmp(val, "info"))
		c->log_level = CONF_LOG_INFO;
	else if (!strcmp(val, "debug"))
		c->log_level = CONF_LOG_DEBUG;
	else {
		snprintf(err, errlen, "%s: '%s' is not one of error, warning, "
		    "info, debug", name, val);
		return (0);
	}
	return (1);
}

static int
conf_set_proxies(struct conf *c, const char *name, const char *val,
    char *err, size_t errlen)
{
	char		*copy, *p, *tok;
	size_t		 i;

	for (i = 0; i < c->ntrusted; i++)
		free(c->trusted_proxies[i]);
	c->ntrusted = 0;
	if ((copy = strdup(val)) == NULL) {
		snprintf(err, errlen, "%s: out of memory", name);
		return (0);
	}
	p = copy;
	while ((tok = strsep(&p, " ,")) != NULL) {
		if (*tok == '\0')
			continue;
		if (c->ntrusted == CONF_MAX_PROXIES) {
			snprintf(err, errlen, "%s: more than %d addresses",
			    name, CONF_MAX_PROXIES);
			free(copy);
			return (0);
		}
		if ((c->trusted_proxies[c->ntrusted] = strdup(tok)) == NULL) {
			snprintf(err, errlen, "%s: out of memory", name);
			free(copy);
			return (0);
		}
		c->ntrusted++;
	}
	free(copy);
	return (1);
}

/* Hex digits to bytes, at most max of them. */
int
conf_hex(const char *s, unsigned char *out, size_t max, size_t *outlen)
{
	size_t		 i, len;
	unsigned int	 v;

	len = strlen(s);
	if (len % 2 != 0 || len / 2 > max)
		return (0);
	for (i = 0; i < len; i += 2) {
		if (!isxdigit((unsigned char)s[i]) ||
		    !isxdigit((unsigned char)s[i + 1]) ||
		    sscanf(s + i, "%2x", &v) != 1)
			return (0);
		out[i / 2] = (unsigned char)v;
	}
	*outlen = len / 2;
	return (1);
}

/*
 * "signing_key = <id> <active|verify|retired> <hex secret, 32-64 bytes>".
 * The line holds a secret: error messages name the key only by a valid id
 * and never echo the other words, and every copy is wiped.
 */
static int
conf_set_key(struct conf *c, const char *name, const char *val,
    char *err, size_t errlen)
{
	struct link_key	*k;
	char		 buf[CONF_MAX_LINE], *p, *id, *state, *hex, *extra;
	size_t		 i;
	int		 ok;

	ok = 0;
	(void)snprintf(buf, sizeof(buf), "%s", val);
	p = buf;
	while ((id = strsep(&p, " \t")) != NULL && *id == '\0')
		;
	while ((state = strsep(&p, " \t")) != NULL && *state == '\0')
		;
	while ((hex = strsep(&p, " \t")) != NULL && *hex == '\0')
		;
	while ((extra = strsep(&p, " \t")) != NULL && *extra == '\0')
		;
	if (id == NULL || state == NULL || hex == NULL || extra != NULL) {
		snprintf(err, errlen, "%s: expected '<id> <active|verify|"
		    "retired> <hex secret>'", name);
		goto done;
	}
	if (!link_key_valid_id(id)) {
		snprintf(err, errlen, "%s: the key id (first word) must be "
		    "1-%d characters of a-z, 0-9, '_' or '-'", name,
		    LINK_KEYID_MAX);
		goto done;
	}
	for (i = 0; i < c->nkeys; i++) {
		if (!strcmp(c->keys[i].id, id)) {
			snprintf(err, errlen, "%s: key id '%s' given twice",
			    name, id);
			goto done;
		}
	}
	if (c->nkeys == CONF_MAX_KEYS) {
		snprintf(err, errlen, "%s: more than %d keys", name,
		    CONF_MAX_KEYS);
		goto done;
	}
	k = &c->keys[c->nkeys];
	memset(k, 0, sizeof(*k));
	if (!strcmp(state, "active"))
		k->state = LINK_KEY_ACTIVE;
	else if (!strcmp(state, "verify"))
		k->state = LINK_KEY_VERIFY;
	else if (!strcmp(state, "retired"))
		k->state = LINK_KEY_RETIRED;
	else {
		snprintf(err, errlen, "%s: key '%s': the second word must be "
		    "active, verify or retired", name, id);
		goto done;
	}
	if (!conf_hex(hex, k->secret, sizeof(k->secret), &k->secret_len) ||
	    k->secret_len < 32) {
		OPENSSL_cleanse(k, sizeof(*k));
		snprintf(err, errlen, "%s: key '%s' secret must be 64 to 128 "
		    "hex digits (32 to 64 random bytes)", name, id);
		goto done;
	}
	memcpy(k->id, id, strlen(id) + 1);	/* link_key_valid_id bounds it */
	c->nkeys++;
	ok = 1;
done:
	OPENSSL_cleanse(buf, sizeof(buf));
	return (ok);
}

/*
 * The environment's form: the whole set of keys, separated by ';'. It
 * replaces the keys from the file, as every environment setting does.
 */
static int
conf_set_keys(struct conf *c, const char *name, const char *val,
    char *err, size_t errlen)
{
	char		*copy, *p, *tok;
	int		 ok;

	if ((copy = strdup(val)) == NULL) {
		snprintf(err, errlen, "%s: out of memory", name);
		return (0);
	}
	OPENSSL_cleanse(c->keys, sizeof(c->keys));
	c->nkeys = 0;
	ok = 1;
	p = copy;
	while (ok && (tok = strsep(&p, ";")) != NULL) {
		while (*tok == ' ')
			tok++;
		if (*tok != '\0')
			ok = conf_set_key(c, "signing_keys", tok, err, errlen);
	}
	OPENSSL_cleanse(copy, strlen(val));
	free(copy);
	return (ok);
}

int
conf_set(struct conf *c, const char *name, const char *val, char *err,
    size_t errlen)
{
	const struct conf_setting	*s;

	for (s = conf_settings; s->name != NULL; s++) {
		if (!strcmp(s->name, name))
			return (s->set(c, name, val, err, errlen));
	}
	snprintf(err, errlen, "unknown setting '%s'", name);
	return (0);
}

/* Parses "key = value" lines; '#' starts a comment line. */
int
conf_parse(struct conf *c, const char *source, const char *text, size_t len,
    char *err, size_t errlen)
{
	char		 line[CONF_MAX_LINE], sub[256];
	const char	*p, *end, *nl;
	char		*eq, *key, *val, *e;
	size_t		 n;
	int		 lineno;

	p = text;
	end = text + len;
	for (lineno = 1; p < end; lineno++) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		n = (size_t)(nl - p);
		if (n >= sizeof(line)) {
			snprintf(err, errlen, "%s:%d: line too long", source,
			    lineno);
			return (0);
		}
		memcpy(line, p, n);
		line[n] = '\0';
		p = nl < end ? nl + 1 : end;
		if (memchr(line, '\0', n) != NULL) {
			snprintf(err, errlen, "%s:%d: NUL byte", source, lineno);
			return (0);
		}

		key = line;
		while (isspace((unsigned char)*key))
			key++;
		if (*key == '\0' || *key == '#')
			continue;
		if ((eq = strchr(key, '=')) == NULL) {
			snprintf(err, errlen, "%s:%d: expected 'name = value'",
			    source, lineno);
			return (0);
		}
		val = eq + 1;
		for (e = eq; e > key && isspace((unsigned char)e[-1]); e--)
			;
		*e = '\0';
		while (isspace((unsigned char)*val))
			val++;
		for (e = val + strlen(val); e > val &&
		    isspace((unsigned char)e[-1]); e--)
			;
		*e = '\0';
		if (!conf_set(c, key, val, sub, sizeof(sub))) {
			snprintf(err, errlen, "%s:%d: %s", source, lineno, sub);
			OPENSSL_cleanse(line, sizeof(line));
			return (0);
		}
	}
	OPENSSL_cleanse(line, sizeof(line));
	return (1);
}

int
conf_load_file(struct conf *c, const char *path, char *err, size_t errlen)
{
	FILE		*fp;
	char		*buf;
	size_t		 len;
	int		 ok;

	if ((fp = fopen(path, "r")) == NULL) {
		snprintf(err, errlen, "config file %s: %s", path,
		    strerror(errno));
		return (0);
	}
	if ((buf = malloc(CONF_MAX_FILE)) == NULL) {
		fclose(fp);
		return (0);
	}
	len = fread(buf, 1, CONF_MAX_FILE, fp);
	if (ferror(fp) || !feof(fp)) {
		snprintf(err, errlen, "config file %s: unreadable or larger "
		    "than %d bytes", path, CONF_MAX_FILE);
		fclose(fp);
		free(buf);
		return (0);
	}
	fclose(fp);
	ok = conf_parse(c, path, buf, len, err, errlen);
	OPENSSL_cleanse(buf, len);
	free(buf);
	return (ok);
}

int
conf_load_env(struct conf *c, char *err, size_t errlen)
{
	const struct conf_setting	*s;
	char				 env[64], sub[256];
	const char			*val;
	size_t				 i;

	for (s = conf_settings; s->name != NULL; s++) {
		(void)snprintf(env, sizeof(env), "PAYPORTAL_%s", s->name);
		for (i = 10; env[i] != '\0'; i++)
			env[i] = (char)toupper((unsigned char)env[i]);
		if ((val = getenv(env)) == NULL)
			continue;
		if (!conf_set(c, s->name, val, sub, sizeof(sub))) {
			snprintf(err, errlen, "environment %s: %s", env, sub);
			return (0);
		}
	}
	return (1);
}

/* Everything the server cannot run without. */
int
conf_check(struct conf *c, char *err, size_t errlen)
{
	size_t		i, active;

	if (c->database == NULL) {
		snprintf(err, errlen, "database: missing (a libpq connection "
		    "string, e.g. \"host=/run/postgresql dbname=payportal\")");
		return (0);
	}
	if (c->public_url == NULL) {
		snprintf(err, errlen, "public_url: missing (the HTTPS address "
		    "customers open, e.g. https://pay.example.com)");
		return (0);
	}
	for (i = 0, active = 0; i < c->nkeys; i++) {
		if (c->keys[i].state == LINK_KEY_ACTIVE)
			active++;
	}
	if (active == 0) {
		snprintf(err, errlen, "signing_key: no active key (add "
		    "'signing_key = <id> active <64 hex digits>')");
		return (0);
	}
	if (active > 1) {
		snprintf(err, errlen, "signing_key: %zu keys are active; "
		    "exactly one signs new links, mark the others 'verify'",
		    active);
		return (0);
	}
	if (c->session_max < c->session_idle) {
		snprintf(err, errlen, "session_max: %d seconds is shorter "
		    "than session_idle (%d)", c->session_max, c->session_idle);
		return (0);
	}
	if (c->sms_url != NULL && (c->sms_account == NULL ||
	    c->sms_token == NULL || c->sms_from == NULL)) {
		snprintf(err, errlen, "sms_account, sms_token and sms_from: "
		    "all needed while sms_url is set");
		return (0);
	}
	if (c->gateway_url != NULL && c->gateway_secret_key == NULL) {
		snprintf(err, errlen, "gateway_secret_key: missing while "
		    "gateway_url is set");
		return (0);
	}
	return (1);
}

const struct link_key *
conf_active_key(const struct conf *c)
{
	size_t		i;

	for (i = 0; i < c->nkeys; i++) {
		if (c->keys[i].state == LINK_KEY_ACTIVE)
			return (&c->keys[i]);
	}
	return (NULL);
}
