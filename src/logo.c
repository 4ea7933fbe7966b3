/*
 * The business's logo, as an admin uploaded it in Settings:
 *
 *	GET /logo/<SHA-256 of the image, hex>
 *
 * The address changes whenever the image does, so browsers may keep it
 * for good. Pages learn the current address from the runtime settings
 * (keys.c); any node answers from the database, so a page rendered by one
 * node finds its logo on another.
 */
#include <kore/kore.h>
#include <kore/http.h>
#include <kore/pgsql.h>

#include "conf.h"
#include "db.h"
#include "logo.h"
#include "web.h"

/* Binary answer: the type as its bytes, then the image's. */
static const char	q_logo[] =
	"SELECT logo_type, logo FROM business WHERE logo_hash = $1";

enum logo_state_id {
	LOGO_STATE_INIT,
	LOGO_STATE_WAIT,
	LOGO_STATE_MAX
};

struct logo_state {
	struct kore_pgsql	 sql;
	int			 sql_bound;
	char			 hash[CONF_LOGO_HASH + 1];
	char			 type[16];
	void			*data;
	size_t			 len;
};

static int	logo_init(struct http_request *);
static int	logo_wait(struct http_request *);
static void	logo_free(struct http_request *);
static int	logo_hash_valid(const char *);

static struct http_state	logo_states[] = {
	KORE_HTTP_STATE(logo_init),
	KORE_HTTP_STATE(logo_wait),
};

int
logo_serve(struct http_request *req)
{
	if (!http_state_exists(req))
		(void)http_state_create(req, sizeof(struct logo_state),
		    logo_free);
	return (http_state_run(logo_states, LOGO_STATE_MAX, req));
}

static void
logo_free(struct http_request *req)
{
	struct logo_state	*st;

	st = http_state_get(req);
	if (st->sql_bound)
		kore_pgsql_cleanup(&st->sql);
	kore_free(st->data);
	http_state_cleanup(req);
}

static int
logo_hash_valid(const char *s)
{
	size_t		i;

	for (i = 0; s[i] != '\0'; i++) {
		if (!((s[i] >= '0' && s[i] <= '9') ||
		    (s[i] >= 'a' && s[i] <= 'f')))
			return (0);
	}
	return (i == CONF_LOGO_HASH);
}

static int
logo_init(struct http_request *req)
{
	struct logo_state	*st;
	const char		*p[1];

	st = http_state_get(req);
	if (!st->sql_bound) {
		if (!web_method(req, HTTP_METHOD_GET | HTTP_METHOD_HEAD))
			return (HTTP_STATE_COMPLETE);
		if (strncmp(req->path, "/logo/", 6) != 0 ||
		    !logo_hash_valid(req->path + 6)) {
			web_error(req, HTTP_STATUS_NOT_FOUND);
			return (HTTP_STATE_COMPLETE);
		}
		(void)snprintf(st->hash, sizeof(st->hash), "%s", req->path + 6);
		db_bind(&st->sql, req);
		st->sql_bound = 1;
	}
	p[0] = st->hash;
	return (db_sent(req, db_send_binary(&st->sql, q_logo, 1, p),
	    LOGO_STATE_WAIT));
}

static int
logo_wait(struct http_request *req)
{
	struct logo_state	*st;
	int			 len;

	st = http_state_get(req);
	switch (db_poll(&st->sql, "logo")) {
	case DB_WAIT:
		return (HTTP_STATE_RETRY);
	case DB_ROWS:
		if (kore_pgsql_ntuples(&st->sql) == 1 && st->data == NULL &&
		    !db_isnull(&st->sql, 0, 1)) {
			len = kore_pgsql_getlength(&st->sql, 0, 0);
			(void)snprintf(st->type, sizeof(st->type), "%.*s",
			    len, kore_pgsql_getvalue(&st->sql, 0, 0));
			st->len = (size_t)kore_pgsql_getlength(&st->sql, 0, 1);
			st->data = kore_malloc(st->len > 0 ? st->len : 1);
			memcpy(st->data, kore_pgsql_getvalue(&st->sql, 0, 1),
			    st->len);
		}
		db_next(&st->sql);
		return (HTTP_STATE_CONTINUE);
	case DB_DONE:
		break;
	case DB_FAILED:
	default:
		web_error(req, HTTP_STATUS_INTERNAL_ERROR);
		return (HTTP_STATE_COMPLETE);
	}
	if (st->data == NULL) {
		web_error(req, HTTP_STATUS_NOT_FOUND);
		return (HTTP_STATE_COMPLETE);
	}
	web_security_headers(req);
	http_response_header(req, "cache-control",
	    "public, max-age=31536000, immutable");
	http_response_header(req, "content-type", st->type);
	http_response(req, HTTP_STATUS_OK, st->data, st->len);
	return (HTTP_STATE_COMPLETE);
}
