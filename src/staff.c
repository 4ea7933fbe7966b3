/*
 * The back office under /staff: sign-in, then pages the database answers.
 *
 *	GET  /staff/signin	the form; a pre-session cookie carries its
 *				anti-forgery token (double submit)
 *	POST /staff/signin	password checked with argon2id in a Kore task
 *	*    /staff/...		one call of staff_request() (sql/004_staff.sql)
 *				with the session, the route and the fields,
 *				answered as a page, a redirect, JSON or CSV
 *
 * The C side keeps what must not live in SQL: hashing passwords off the
 * event loop, parsing typed amounts and phone numbers with the same code as
 * the public pages, signing link URLs, formatting money, and rendering.
 */
#include <kore/kore.h>
#include <kore/http.h>
#include <kore/pgsql.h>
#include <kore/tasks.h>

#include <ctype.h>
#include <stddef.h>
#include <strings.h>

#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "b64url.h"
#include "contact.h"
#include "cookie.h"
#include "csv.h"
#include "db.h"
#include "form.h"
#include "image.h"
#include "jsonctx.h"
#include "money.h"
#include "multipart.h"
#include "password.h"
#include "portal.h"
#include "staff.h"
#include "web.h"

#define STAFF_COOKIE		"pp_session"
#define STAFF_PRE_COOKIE	"pp_signin"
#define STAFF_TOKEN_LEN		43		/* base64url of 32 bytes */
#define STAFF_PATH_MAX		200
#define STAFF_LOGO_MAX		(256 * 1024)	/* bytes of image */

static const char	q_staff_request[] =
	"SELECT staff_request($1, $2, $3, $4::jsonb, make_interval(secs => $5), "
	"make_interval(secs => $6), $7, $8)";
static const char	q_staff_lookup[] =
	"SELECT o_staff, o_hash, o_locked FROM staff_signin_lookup($1)";
static const char	q_staff_finish[] =
	"SELECT staff_signin_rotate($13, $1, $2, $3, $4, $5, $6, $7, $8, "
	"make_interval(secs => $9), make_interval(secs => $10), "
	"make_interval(secs => $11), make_interval(secs => $12))";

enum staff_step {
	STEP_NONE, STEP_HASH, STEP_REQUEST, STEP_LOOKUP, STEP_VERIFY,
	STEP_FINISH
};

enum staff_state_id {
	STAFF_STATE_INIT,
	STAFF_STATE_TASK,
	STAFF_STATE_TASK_WAIT,
	STAFF_STATE_QUERY,
	STAFF_STATE_WAIT,
	STAFF_STATE_RENDER,
	STAFF_STATE_CSV_SENT,
	STAFF_STATE_MAX
};

struct staff_state {
	struct kore_task	 task;		/* argon2id, off the event loop */
	int			 task_made;
	enum staff_step		 step;
	struct kore_pgsql	 sql;
	int			 sql_bound;
	int			 failed;
	int			 signin;
	int			 post;
	int			 json;
	char			 path[STAFF_PATH_MAX + 1];
	char			 sid[STAFF_TOKEN_LEN + 1];
	char			 addr[WEB_ADDR_MAX];
	char			 ua[WEB_UA_MAX + 1];
	json_t			*params;
	char			*params_text;
	char			*answer;	/* the database's JSON */

	/* Sign-in, and passwords set by an admin. */
	char			 email[256];
	char			*password;
	size_t			 password_len;
	char			 hash[PASSWORD_HASH_MAX];
	char			 staff_id[24];
	int			 locked;
	int			 task_ok;
	char			 new_sid[STAFF_TOKEN_LEN + 1];
	char			 new_csrf[STAFF_TOKEN_LEN + 1];
	char			 verdict[16];
	char			 next[STAFF_PATH_MAX + 1];

	/* A CSV export, sent a page at a time as the database answers. */
	int			 csv_started;
	int			 csv_chunked;	/* else HTTP/1.0: until close */
	int			 csv_close;	/* the connection ends with it */
	char			 csv_next[48];	/* the next page's cursor */
	struct strbuf		 csv_out;	/* in flight until sent */
};

static int	staff_init(struct http_request *);
static int	staff_task_start(struct http_request *);
static int	staff_task_wait(struct http_request *);
static int	staff_query(struct http_request *);
static int	staff_wait(struct http_request *);
static int	staff_render(struct http_request *);
static void	staff_free(struct http_request *);
static int	staff_task(struct kore_task *);
static int	staff_fields(struct http_request *, struct staff_state *);
static int	staff_prepare(struct staff_state *, struct form *);
static int	staff_multipart(struct http_request *, struct staff_state *,
		    const char *);
static void	staff_logo(struct staff_state *,
		    const struct multipart_file *);
static int	staff_derived_name(const char *);
static int	staff_field(struct staff_state *, const char *, const char *);
static void	staff_derive(struct staff_state *, const char *, json_t *);
static int	staff_token(char [STAFF_TOKEN_LEN + 1]);
static void	staff_cookie(struct http_request *, const char *,
		    const char *, const char *, int);
static void	staff_redirect(struct http_request *, const char *);
static int	staff_signin_token(struct http_request *,
		    struct staff_state *);
static void	staff_signin_form(struct http_request *, struct staff_state *,
		    int, const char *);
static void	staff_answer(struct http_request *, struct staff_state *);
static void	staff_message(struct http_request *, struct staff_state *,
		    int, const char *);
static void	staff_csv(struct http_request *, struct staff_state *,
		    const struct jsonctx *, json_t *);
static int	staff_csv_begin(struct http_request *, struct staff_state *,
		    json_t *);
static int	staff_csv_sent(struct http_request *);
static int	staff_csv_netbuf(struct netbuf *);
static void	staff_csv_end(struct http_request *, struct staff_state *);
static void	staff_fail(struct http_request *, struct staff_state *,
		    const char *);
static void	staff_field_errors(json_t *);
static int	staff_next_valid(const char *);

static struct http_state	staff_states[] = {
	KORE_HTTP_STATE(staff_init),
	KORE_HTTP_STATE(staff_task_start),
	KORE_HTTP_STATE(staff_task_wait),
	KORE_HTTP_STATE(staff_query),
	KORE_HTTP_STATE(staff_wait),
	KORE_HTTP_STATE(staff_render),
	KORE_HTTP_STATE(staff_csv_sent),
};

/* Checked against when an address has no account: the same work. */
static char	staff_dummy_hash[PASSWORD_HASH_MAX];

int
staff_prepare_worker(void)
{
	static const char	dummy[] = "payportal dummy password";

	return (password_hash(dummy, sizeof(dummy) - 1,
	    &portal_conf.password, staff_dummy_hash,
	    sizeof(staff_dummy_hash)));
}

int
staff_page(struct http_request *req)
{
	struct staff_state	*st;

	if (!http_state_exists(req)) {
		st = http_state_create(req, sizeof(*st), staff_free);
		st->params = json_object();
		strbuf_init(&st->csv_out);
	}
	return (http_state_run(staff_states, STAFF_STATE_MAX, req));
}

static void
staff_free(struct http_request *req)
{
	struct staff_state	*st;

	st = http_state_get(req);
	if (st->sql_bound)
		kore_pgsql_cleanup(&st->sql);
	/* Kore frees a request only once its tasks have finished. */
	if (st->task_made)
		kore_task_destroy(&st->task);
	if (st->password != NULL) {
		OPENSSL_cleanse(st->password, st->password_len);
		kore_free(st->password);
	}
	json_decref(st->params);
	free(st->params_text);
	free(st->answer);
	strbuf_free(&st->csv_out);
	OPENSSL_cleanse(st, sizeof(*st));
	http_state_cleanup(req);
}

static int
staff_token(char out[STAFF_TOKEN_LEN + 1])
{
	unsigned char	raw[32];
	int		ok;

	ok = RAND_bytes(raw, sizeof(raw)) == 1 &&
	    b64url_encode(raw, sizeof(raw), out, STAFF_TOKEN_LEN + 1) ==
	    STAFF_TOKEN_LEN;
	OPENSSL_cleanse(raw, sizeof(raw));
	return (ok);
}

/* SameSite=Strict: the browser never sends these from another site. */
static void
staff_cookie(struct http_request *req, const char *name, const char *value,
    const char *path, int max_age)
{
	char		hdr[256];

	(void)snprintf(hdr, sizeof(hdr), "%s=%s; Path=%s; Max-Age=%d; "
	    "Secure; HttpOnly; SameSite=Strict", name, value, path, max_age);
	http_response_header(req, "set-cookie", hdr);
	OPENSSL_cleanse(hdr, sizeof(hdr));
}

static void
staff_redirect(struct http_request *req, const char *location)
{
	web_security_headers(req);
	http_response_header(req, "cache-control", "no-store");
	http_response_header(req, "location", location);
	http_response(req, HTTP_STATUS_SEE_OTHER, NULL, 0);
}

/* Where to go after signing in: a staff page of this site, nothing else. */
static int
staff_next_valid(const char *s)
{
	size_t		i;

	if (strncmp(s, "/staff/", 7) != 0 || strlen(s) > STAFF_PATH_MAX ||
	    strstr(s, "//") != NULL || strstr(s, "/signout") != NULL)
		return (0);
	for (i = 0; s[i] != '\0'; i++) {
		if (s[i] <= 0x20 || s[i] >= 0x7f || s[i] == '\\')
			return (0);
	}
	return (1);
}

static int
staff_init(struct http_request *req)
{
	struct staff_state	*st;
	const char		*hdr, *accept;

	st = http_state_get(req);
	if (!web_method(req, HTTP_METHOD_GET | HTTP_METHOD_HEAD |
	    HTTP_METHOD_POST))
		return (HTTP_STATE_COMPLETE);
	st->post = req->method == HTTP_METHOD_POST;
	if (strlen(req->path) > STAFF_PATH_MAX + 6) {
		web_error(req, HTTP_STATUS_NOT_FOUND);
		return (HTTP_STATE_COMPLETE);
	}
	(void)snprintf(st->path, sizeof(st->path), "%s", req->path + 6);
	st->json = http_request_header(req, "accept", &accept) &&
	    strstr(accept, "application/json") != NULL;
	if (http_request_header(req, "cookie", &hdr) &&
	    cookie_get(hdr, strlen(hdr), STAFF_COOKIE, st->sid,
	    sizeof(st->sid)) && !cookie_value_valid(st->sid))
		st->sid[0] = '\0';
	(void)web_client_addr(req, st->addr, sizeof(st->addr));
	web_user_agent(req, st->ua, sizeof(st->ua));

	if (!staff_fields(req, st)) {
		web_error(req, HTTP_STATUS_BAD_REQUEST);
		return (HTTP_STATE_COMPLETE);
	}

	if (!strcmp(st->path, "/signin")) {
		st->signin = 1;
		if (!st->post) {
			staff_signin_form(req, st, HTTP_STATUS_OK, NULL);
			return (HTTP_STATE_COMPLETE);
		}
		if (!staff_signin_token(req, st)) {
			/* Nothing is recorded for a forged or stale form. */
			staff_signin_form(req, st, HTTP_STATUS_FORBIDDEN,
			    "The sign-in form had expired. Please try again.");
			return (HTTP_STATE_COMPLETE);
		}
		st->step = STEP_LOOKUP;
		req->fsm_state = STAFF_STATE_QUERY;
		return (HTTP_STATE_CONTINUE);
	}
	if (st->password != NULL) {
		st->step = STEP_HASH;
		req->fsm_state = STAFF_STATE_TASK;
		return (HTTP_STATE_CONTINUE);
	}
	st->step = STEP_REQUEST;
	req->fsm_state = STAFF_STATE_QUERY;
	return (HTTP_STATE_CONTINUE);
}

/*
 * What the user sent, as one JSON object of text fields for the database:
 * the query string of a GET, the body of a POST (its query string is not
 * read: a form's fields are all in its body). A few fields are first
 * checked by the C modules that own them (staff_prepare).
 */
static int
staff_fields(struct http_request *req, struct staff_state *st)
{
	struct form	 f;
	const char	*ctype;
	char		*body, err[128];
	size_t		 len, i;
	int		 ok;

	form_init(&f);
	if (!st->post) {
		ok = req->query_string == NULL || form_parse(&f,
		    req->query_string, strlen(req->query_string), err,
		    sizeof(err));
		for (i = 0; ok && i < f.nfields; i++)
			ok = staff_field(st, f.fields[i].name,
			    f.fields[i].value);
		form_free(&f);
		return (ok);
	}

	if (http_request_header(req, "content-type", &ctype) &&
	    strncasecmp(ctype, "multipart/form-data", 19) == 0)
		return (staff_multipart(req, st, ctype));
	if (!web_body(req, &body, &len))
		return (0);
	ok = form_parse(&f, body, len, err, sizeof(err));
	OPENSSL_cleanse(body, len);
	kore_free(body);
	if (!ok) {
		kore_log(LOG_NOTICE, "staff form refused: %s", err);
		return (0);
	}
	ok = staff_prepare(st, &f);
	form_free(&f);
	return (ok);
}

/*
 * A form with a file (the business profile and its logo): its text
 * fields as any form's, the file checked here.
 */
static int
staff_multipart(struct http_request *req, struct staff_state *st,
    const char *ctype)
{
	struct multipart	 mp;
	char			 boundary[MULTIPART_BOUNDARY_MAX + 1];
	char			*body, err[128];
	size_t			 len;
	int			 ok;

	if (!multipart_boundary(ctype, boundary, sizeof(boundary)) ||
	    !web_body_upto(req, WEB_UPLOAD_MAX, &body, &len))
		return (0);
	multipart_init(&mp);
	ok = multipart_parse(&mp, body, len, boundary, err, sizeof(err));
	if (!ok)
		kore_log(LOG_NOTICE, "staff form refused: %s", err);
	if (ok && (ok = staff_prepare(st, &mp.fields)))
		staff_logo(st, multipart_file(&mp, "logo"));
	multipart_free(&mp);
	OPENSSL_cleanse(body, len);
	kore_free(body);
	return (ok);
}

/*
 * The logo chosen, if any: PNG or JPEG by its bytes, at most
 * STAFF_LOGO_MAX, for the database as logo_base64 and logo_mime, or
 * logo_error. No SVG: it can carry script.
 */
static void
staff_logo(struct staff_state *st, const struct multipart_file *f)
{
	const char	*type;
	char		*b64;

	if (f == NULL || f->len == 0)
		return;
	if (f->len > STAFF_LOGO_MAX) {
		staff_derive(st, "logo_error",
		    json_string("must be at most 256 KiB"));
		return;
	}
	if ((type = image_type(f->data, f->len)) == NULL) {
		staff_derive(st, "logo_error",
		    json_string("must be a PNG or JPEG image"));
		return;
	}
	b64 = kore_malloc(4 * ((f->len + 2) / 3) + 1);
	(void)EVP_EncodeBlock((unsigned char *)b64, f->data, (int)f->len);
	staff_derive(st, "logo_base64", json_string(b64));
	staff_derive(st, "logo_mime", json_string(type));
	kore_free(b64);
}

/*
 * What the server makes of a field (an amount parsed, an address checked,
 * a password hashed) goes to the database under the field's name with
 * one of these endings, next to what was typed. Typed fields never have
 * such a name (staff_field refuses them), so no request can pass off its
 * own text as the server's verdict.
 */
static const char *const	staff_derived_endings[] = {
	"_norm", "_error", "_minor", "_currency", "_hash", "_base64", "_mime"
};

static int
staff_derived_name(const char *name)
{
	size_t		 i, n, e;

	n = strlen(name);
	for (i = 0; i < sizeof(staff_derived_endings) /
	    sizeof(staff_derived_endings[0]); i++) {
		e = strlen(staff_derived_endings[i]);
		if (n >= e && !strcmp(name + n - e, staff_derived_endings[i]))
			return (1);
	}
	return (0);
}

/* A field as typed; the first of a repeated name counts. */
static int
staff_field(struct staff_state *st, const char *name, const char *value)
{
	if (staff_derived_name(name)) {
		/* Not the name itself: it may hold a line break. */
		kore_log(LOG_NOTICE, "staff form refused: a field named as "
		    "the server's own");
		return (0);
	}
	if (json_object_get(st->params, name) == NULL)
		(void)json_object_set_new(st->params, name, json_string(value));
	return (1);
}

static void
staff_derive(struct staff_state *st, const char *name, json_t *value)
{
	if (!staff_derived_name(name))
		fatal("staff: derived field %s without a derived name", name);
	(void)json_object_set_new(st->params, name, value);
}

static int
staff_prepare(struct staff_state *st, struct form *f)
{
	const struct currency	*cur;
	const char		*v, *channel;
	char			 why[128], norm[64], name[80];
	int64_t			 minor;
	size_t			 i, len;

	for (i = 0; i < f->nfields; i++) {
		if (strcmp(f->fields[i].name, "password") != 0 &&
		    !staff_field(st, f->fields[i].name, f->fields[i].value))
			return (0);
	}

	if ((v = form_get(f, "email")) != NULL)
		(void)snprintf(st->email, sizeof(st->email), "%s", v);
	if ((v = form_get(f, "next")) != NULL && staff_next_valid(v))
		(void)snprintf(st->next, sizeof(st->next), "%s", v);

	/* A password never reaches the database, only its hash. */
	if ((v = form_get(f, "password")) != NULL) {
		if (strcmp(st->path, "/signin") != 0 &&
		    !password_policy(v, strlen(v), why, sizeof(why))) {
			staff_derive(st, "password_error", json_string(why));
		} else {
			st->password_len = strlen(v);
			st->password = kore_malloc(st->password_len + 1);
			memcpy(st->password, v, st->password_len + 1);
		}
	}

	/*
	 * Amounts typed ("amount", "fixed_amount", ...), parsed as the public
	 * page parses them, in the form's "currency": the database gets
	 * <name>_minor, or <name>_error naming what is wrong.
	 */
	cur = money_currency(form_get(f, "currency") != NULL ?
	    form_get(f, "currency") : "");
	for (i = 0; i < f->nfields; i++) {
		v = f->fields[i].value;
		len = strlen(f->fields[i].name);
		if (*v == '\0' || len > 64 || (strcmp(f->fields[i].name,
		    "amount") != 0 && (len < 7 || strcmp(f->fields[i].name +
		    len - 7, "_amount") != 0)))
			continue;
		(void)snprintf(name, sizeof(name), "%s_error",
		    f->fields[i].name);
		if (cur == NULL) {
			staff_derive(st, name,
			    json_string("has no known currency"));
		} else if (!money_parse(v, strlen(v), cur, &minor, why,
		    sizeof(why))) {
			staff_derive(st, name, json_string(why));
		} else {
			(void)snprintf(name, sizeof(name), "%s_minor",
			    f->fields[i].name);
			staff_derive(st, name, json_integer(minor));
			(void)snprintf(name, sizeof(name), "%s_currency",
			    f->fields[i].name);
			staff_derive(st, name, json_string(cur->code));
		}
	}

	/* Where to send a link. */
	channel = form_get(f, "channel");
	if ((v = form_get(f, "to")) != NULL && *v != '\0' && channel != NULL) {
		if (!strcmp(channel, "email")) {
			if (contact_email_valid(v))
				staff_derive(st, "to_norm", json_string(v));
			else
				staff_derive(st, "to_error", json_string(
				    "must be an address like name@example.com"));
		} else if (!strcmp(channel, "sms")) {
			if (contact_phone_e164(v, norm, sizeof(norm), why,
			    sizeof(why)))
				staff_derive(st, "to_norm", json_string(norm));
			else
				staff_derive(st, "to_error", json_string(why));
		}
	}
	return (1);
}

static int
staff_task_start(struct http_request *req)
{
	struct staff_state	*st;

	st = http_state_get(req);
	kore_task_create(&st->task, staff_task);
	st->task_made = 1;
	kore_task_bind_request(&st->task, req);
	kore_task_run(&st->task);
	req->fsm_state = STAFF_STATE_TASK_WAIT;
	return (HTTP_STATE_RETRY);
}

/*
 * Runs in a task thread. The request's state is not touched by the event
 * loop until kore_task_finished() says this is done.
 */
static int
staff_task(struct kore_task *t)
{
	struct staff_state	*st;

	st = (struct staff_state *)(void *)((char *)t -
	    offsetof(struct staff_state, task));
	if (st->step == STEP_HASH) {
		st->task_ok = password_hash(st->password, st->password_len,
		    &portal_conf.password, st->hash, sizeof(st->hash));
	} else {
		st->task_ok = password_verify(st->staff_id[0] != '\0' ?
		    st->hash : staff_dummy_hash, st->password,
		    st->password_len) && st->staff_id[0] != '\0';
	}
	return (KORE_RESULT_OK);
}

static int
staff_task_wait(struct http_request *req)
{
	struct staff_state	*st;

	st = http_state_get(req);
	if (!kore_task_finished(&st->task))
		return (HTTP_STATE_RETRY);
	OPENSSL_cleanse(st->password, st->password_len);
	if (st->step == STEP_HASH) {
		if (!st->task_ok) {
			web_error(req, HTTP_STATUS_INTERNAL_ERROR);
			return (HTTP_STATE_COMPLETE);
		}
		staff_derive(st, "password_hash", json_string(st->hash));
		st->step = STEP_REQUEST;
	} else {
		st->step = STEP_FINISH;
	}
	req->fsm_state = STAFF_STATE_QUERY;
	return (HTTP_STATE_CONTINUE);
}

static int
staff_query(struct http_request *req)
{
	struct staff_state	*st;
	const char		*p[13];
	char			 idle[16], absolute[16], days[16], max[16];
	char			 window[16], lock[16];
	const struct link_key	*key;
	enum db_status		 r;

	st = http_state_get(req);
	if (!st->sql_bound) {
		db_bind(&st->sql, req);
		st->sql_bound = 1;
	}
	(void)snprintf(idle, sizeof(idle), "%d", portal_conf.session_idle);
	(void)snprintf(absolute, sizeof(absolute), "%d",
	    portal_conf.session_max);
	switch (st->step) {
	case STEP_LOOKUP:
		p[0] = st->email;
		r = db_send(&st->sql, q_staff_lookup, 1, p);
		break;
	case STEP_FINISH:
		if (st->task_ok && (!staff_token(st->new_sid) ||
		    !staff_token(st->new_csrf))) {
			web_error(req, HTTP_STATUS_INTERNAL_ERROR);
			return (HTTP_STATE_COMPLETE);
		}
		(void)snprintf(max, sizeof(max), "%d",
		    portal_conf.signin_max_failures);
		(void)snprintf(window, sizeof(window), "%d",
		    portal_conf.signin_window);
		(void)snprintf(lock, sizeof(lock), "%d",
		    portal_conf.signin_lockout);
		p[0] = st->email;
		p[1] = st->staff_id[0] != '\0' ? st->staff_id : NULL;
		p[2] = st->task_ok ? "true" : "false";
		p[3] = st->task_ok ? st->new_sid : NULL;
		p[4] = st->task_ok ? st->new_csrf : NULL;
		p[5] = st->addr[0] != '\0' ? st->addr : NULL;
		p[6] = st->ua;
		p[7] = max;
		p[8] = window;
		p[9] = lock;
		p[10] = idle;
		p[11] = absolute;
		/* The session this browser had, if any, ends here. */
		p[12] = st->sid[0] != '\0' ? st->sid : NULL;
		r = db_send(&st->sql, q_staff_finish, 13, p);
		break;
	case STEP_REQUEST:
	default:
		if (st->params_text == NULL)
			st->params_text = json_dumps(st->params, JSON_COMPACT);
		key = conf_active_key(&portal_conf);
		(void)snprintf(days, sizeof(days), "%d", portal_conf.link_days);
		p[0] = st->sid;
		p[1] = st->post ? "POST" : "GET";
		p[2] = st->path;
		p[3] = st->params_text;
		p[4] = idle;
		p[5] = absolute;
		p[6] = key != NULL ? key->id : NULL;
		p[7] = days;
		r = db_send(&st->sql, q_staff_request, 8, p);
		break;
	}
	if (r == DB_FAILED) {
		staff_fail(req, st, "the database refused the query");
		return (HTTP_STATE_COMPLETE);
	}
	return (db_sent(req, r, STAFF_STATE_WAIT));
}

static int
staff_wait(struct http_request *req)
{
	struct staff_state	*st;
	struct kore_pgsql	*sql;

	st = http_state_get(req);
	sql = &st->sql;
	switch (db_poll(sql, "staff page")) {
	case DB_WAIT:
		return (HTTP_STATE_RETRY);
	case DB_ROWS:
		if (kore_pgsql_ntuples(sql) != 1) {
			st->failed = 1;
		} else if (st->step == STEP_LOOKUP) {
			if (!db_isnull(sql, 0, 0)) {
				(void)snprintf(st->staff_id,
				    sizeof(st->staff_id), "%s",
				    kore_pgsql_getvalue(sql, 0, 0));
				(void)snprintf(st->hash, sizeof(st->hash), "%s",
				    kore_pgsql_getvalue(sql, 0, 1));
			}
			st->locked = !strcmp(kore_pgsql_getvalue(sql, 0, 2),
			    "t");
		} else if (st->step == STEP_FINISH) {
			(void)snprintf(st->verdict, sizeof(st->verdict), "%s",
			    kore_pgsql_getvalue(sql, 0, 0));
		} else if (st->answer == NULL) {
			st->answer = strdup(kore_pgsql_getvalue(sql, 0, 0));
			st->failed = st->answer == NULL;
		}
		db_next(sql);
		return (HTTP_STATE_CONTINUE);
	case DB_DONE:
		kore_pgsql_cleanup(sql);
		st->sql_bound = 0;
		if (st->failed) {
			staff_fail(req, st, "not one answer");
			return (HTTP_STATE_COMPLETE);
		}
		if (st->step == STEP_LOOKUP) {
			if (st->locked) {
				(void)snprintf(st->verdict, sizeof(st->verdict),
				    "locked");
				req->fsm_state = STAFF_STATE_RENDER;
				return (HTTP_STATE_CONTINUE);
			}
			st->step = STEP_VERIFY;
			req->fsm_state = STAFF_STATE_TASK;
			return (HTTP_STATE_CONTINUE);
		}
		req->fsm_state = STAFF_STATE_RENDER;
		return (HTTP_STATE_CONTINUE);
	case DB_FAILED:
	default:
		kore_pgsql_cleanup(sql);
		st->sql_bound = 0;
		staff_fail(req, st, "the query failed");
		return (HTTP_STATE_COMPLETE);
	}
}

/* The sign-in form's token must match its pre-session cookie. */
static int
staff_signin_token(struct http_request *req, struct staff_state *st)
{
	const char	*hdr, *csrf;
	char		 token[STAFF_TOKEN_LEN + 1];
	int		 ok;

	csrf = json_string_value(json_object_get(st->params, "csrf"));
	ok = http_request_header(req, "cookie", &hdr) &&
	    cookie_get(hdr, strlen(hdr), STAFF_PRE_COOKIE, token,
	    sizeof(token)) && cookie_value_valid(token) && csrf != NULL &&
	    strlen(csrf) == strlen(token) &&
	    CRYPTO_memcmp(csrf, token, strlen(token)) == 0;
	OPENSSL_cleanse(token, sizeof(token));
	return (ok);
}

static void
staff_signin_form(struct http_request *req, struct staff_state *st,
    int status, const char *message)
{
	struct mustache_value	*ctx;
	const char		*hdr;
	char			 token[STAFF_TOKEN_LEN + 1];

	/* The anti-forgery token of the form, kept or made. */
	if (!http_request_header(req, "cookie", &hdr) ||
	    !cookie_get(hdr, strlen(hdr), STAFF_PRE_COOKIE, token,
	    sizeof(token)) || !cookie_value_valid(token)) {
		if (!staff_token(token)) {
			web_error(req, HTTP_STATUS_INTERNAL_ERROR);
			return;
		}
		staff_cookie(req, STAFF_PRE_COOKIE, token, "/staff/signin",
		    3600);
	}
	ctx = mustache_map();
	mustache_set_str(ctx, "csrf", token);
	mustache_set_str(ctx, "email", st->email);
	mustache_set_str(ctx, "next", st->next[0] != '\0' ? st->next :
	    json_string_value(json_object_get(st->params, "next")) != NULL &&
	    staff_next_valid(json_string_value(json_object_get(st->params,
	    "next"))) ? json_string_value(json_object_get(st->params,
	    "next")) : "");
	if (message != NULL)
		mustache_set_str(ctx, "error", message);
	if (json_object_get(st->params, "out") != NULL)
		mustache_set_bool(ctx, "signed_out", 1);
	if (json_object_get(st->params, "expired") != NULL)
		mustache_set_bool(ctx, "expired", 1);
	OPENSSL_cleanse(token, sizeof(token));
	web_render(req, status, "staff_signin", ctx);
}

static int
staff_render(struct http_request *req)
{
	struct staff_state	*st;
	char			 msg[128];

	st = http_state_get(req);
	if (!st->signin) {
		staff_answer(req, st);
		/* A page of CSV on its way: the next once it is sent. */
		if (st->csv_started && st->csv_out.len > 0) {
			req->fsm_state = STAFF_STATE_CSV_SENT;
			return (HTTP_STATE_RETRY);
		}
		if (st->csv_started)
			staff_csv_end(req, st);
		return (HTTP_STATE_COMPLETE);
	}
	if (!strcmp(st->verdict, "ok")) {
		kore_log(LOG_INFO, "staff %s signed in", st->staff_id);
		staff_cookie(req, STAFF_COOKIE, st->new_sid, "/staff",
		    portal_conf.session_max);
		staff_cookie(req, STAFF_PRE_COOKIE, "", "/staff/signin", 0);
		staff_redirect(req, st->next[0] != '\0' ? st->next :
		    "/staff/customers");
		return (HTTP_STATE_COMPLETE);
	}
	if (!strcmp(st->verdict, "locked")) {
		(void)snprintf(msg, sizeof(msg), "Too many failed sign-ins. "
		    "Try again in %d minutes.",
		    (portal_conf.signin_lockout + 59) / 60);
		staff_signin_form(req, st, 429, msg);
		return (HTTP_STATE_COMPLETE);
	}
	staff_signin_form(req, st, HTTP_STATUS_UNAUTHORIZED,
	    "Email or password is wrong.");
	return (HTTP_STATE_COMPLETE);
}

/* The database's answer as a page, a redirect, JSON or CSV. */
static void
staff_answer(struct http_request *req, struct staff_state *st)
{
	struct jsonctx		 jc;
	json_t			*a, *data, *out;
	json_error_t		 jerr;
	const char		*loc, *tmpl, *msg;
	char			*text, url[STAFF_PATH_MAX * 3 + 32];
	int			 status;
	size_t			 i, n;

	if ((a = json_loads(st->answer, 0, &jerr)) == NULL) {
		staff_fail(req, st, jerr.text);
		return;
	}
	jc.keys = portal_conf.keys;
	jc.nkeys = portal_conf.nkeys;
	jc.public_url = portal_conf.public_url;
	status = (int)json_integer_value(json_object_get(a, "status"));
	loc = json_string_value(json_object_get(a, "location"));
	tmpl = json_string_value(json_object_get(a, "template"));
	data = json_object_get(a, "data");

	if (st->csv_started) {
		if (status == HTTP_STATUS_OK &&
		    json_object_get(a, "csv") != NULL)
			staff_csv(req, st, &jc, json_object_get(a, "csv"));
		else
			staff_fail(req, st, "the next page was refused");
		json_decref(a);
		return;
	}

	if (json_is_true(json_object_get(a, "clear_session")))
		staff_cookie(req, STAFF_COOKIE, "", "/staff", 0);

	if (status == HTTP_STATUS_UNAUTHORIZED) {
		if (st->json) {
			web_security_headers(req);
			http_response_header(req, "content-type",
			    "application/json");
			http_response(req, status, "{\"error\":\"sign in\"}",
			    19);
		} else if (!st->post && st->sid[0] == '\0') {
			/* Back to this page after signing in. */
			n = (size_t)snprintf(url, sizeof(url),
			    "/staff/signin?next=");
			for (i = 0; req->path[i] != '\0' &&
			    n + 4 < sizeof(url); i++) {
				if (isalnum((unsigned char)req->path[i]) ||
				    strchr("/-_.", req->path[i]) != NULL)
					url[n++] = req->path[i];
				else
					n += (size_t)snprintf(url + n,
					    sizeof(url) - n, "%%%02X",
					    (unsigned char)req->path[i]);
			}
			url[n] = '\0';
			staff_redirect(req, url);
		} else {
			staff_cookie(req, STAFF_COOKIE, "", "/staff", 0);
			staff_redirect(req, "/staff/signin?expired=1");
		}
	} else if (status == HTTP_STATUS_SEE_OTHER && loc != NULL &&
	    strncmp(loc, "/staff/", 7) == 0) {
		staff_redirect(req, loc);
	} else if (status == HTTP_STATUS_OK &&
	    json_object_get(a, "csv") != NULL) {
		staff_csv(req, st, &jc, json_object_get(a, "csv"));
	} else if ((status == HTTP_STATUS_OK || status == 422) &&
	    tmpl != NULL && json_is_object(data)) {
		if (st->json) {
			out = jsonctx_resolve(&jc, data);
			json_object_del(out, "me");
			text = json_dumps(out, JSON_COMPACT);
			json_decref(out);
			web_security_headers(req);
			http_response_header(req, "cache-control", "no-store");
			http_response_header(req, "content-type",
			    "application/json");
			http_response(req, status, text,
			    text != NULL ? strlen(text) : 0);
			free(text);
		} else {
			staff_field_errors(data);
			web_render(req, status, tmpl, jsonctx_value(&jc, data));
		}
	} else if ((status == HTTP_STATUS_CONFLICT &&
	    (msg = json_string_value(json_object_get(a, "message"))) != NULL) ||
	    (status == HTTP_STATUS_FORBIDDEN && (msg =
	    json_object_get(a, "reason") != NULL ? "This form has expired. "
	    "Go back, reload the page and try again." : "This page is for "
	    "admins. Ask an admin if you need it.") != NULL)) {
		staff_message(req, st, status, msg);
	} else if (status == HTTP_STATUS_NOT_FOUND ||
	    status == HTTP_STATUS_METHOD_NOT_ALLOWED) {
		if (status == HTTP_STATUS_METHOD_NOT_ALLOWED)
			http_response_header(req, "allow", st->post ?
			    "GET, HEAD" : "POST");
		web_error(req, status);
	} else {
		kore_log(LOG_ERR, "staff %s: unexpected answer (status %d)",
		    st->path, status);
		web_error(req, HTTP_STATUS_INTERNAL_ERROR);
	}
	json_decref(a);
}

/*
 * A form's errors come as a list, {"field": input id, "message": ...},
 * for the summary at the top; each is also put next to its input, as
 * data.invalid.<input id> = {"id": id of the message, "message": ...},
 * which the input names in aria-describedby.
 */
static void
staff_field_errors(json_t *data)
{
	json_t		*errors, *e, *by;
	const char	*field;
	char		 id[160];
	size_t		 i;

	errors = json_object_get(data, "errors");
	if (!json_is_array(errors) || json_array_size(errors) == 0)
		return;
	by = json_object();
	json_array_foreach(errors, i, e) {
		field = json_string_value(json_object_get(e, "field"));
		if (field == NULL || json_object_get(by, field) != NULL)
			continue;
		(void)snprintf(id, sizeof(id), "%.140s-error", field);
		(void)json_object_set_new(by, field, json_pack("{s:s,s:O}",
		    "id", id, "message", json_object_get(e, "message")));
	}
	(void)json_object_set_new(data, "invalid", by);
}

/* A refusal, as a page or as JSON for the page's script. */
static void
staff_message(struct http_request *req, struct staff_state *st, int status,
    const char *msg)
{
	struct mustache_value	*ctx;
	json_t			*out;
	char			*text;

	if (st->json) {
		out = json_pack("{s:s}", "message", msg);
		text = json_dumps(out, JSON_COMPACT);
		json_decref(out);
		web_security_headers(req);
		http_response_header(req, "cache-control", "no-store");
		http_response_header(req, "content-type", "application/json");
		http_response(req, status, text, text != NULL ? strlen(text) : 0);
		free(text);
		return;
	}
	ctx = mustache_map();
	mustache_set_str(ctx, "message", msg);
	mustache_set_strf(ctx, "status", "%d", status);
	web_render(req, status, "staff_message", ctx);
}

/*
 * A CSV export, one page of rows a call. The first page sends the
 * headers; each page then goes out as one chunk, and the next page is
 * asked for only once the client has taken it, so a large export holds
 * one page in memory however many rows it has. An error after the
 * headers can only end the connection: the client sees the export cut
 * short, never a file that looks complete.
 */
static void
staff_csv(struct http_request *req, struct staff_state *st,
    const struct jsonctx *jc, json_t *csv)
{
	struct strbuf	 page;
	struct netbuf	*nb;
	json_t		*fields, *rows, *row;
	const char	*cells[16], *next;
	char		 text[16][1024];
	size_t		 i, j, n;

	fields = json_object_get(csv, "fields");
	rows = json_object_get(csv, "rows");
	n = json_array_size(fields);
	if (n == 0 || n > 16) {
		staff_fail(req, st, "bad columns");
		return;
	}
	strbuf_init(&page);
	if (!st->csv_started) {
		if (json_array_size(json_object_get(csv, "columns")) != n) {
			staff_fail(req, st, "bad columns");
			return;
		}
		for (j = 0; j < n; j++)
			cells[j] = json_string_value(json_array_get(
			    json_object_get(csv, "columns"), j));
		csv_row(&page, cells, n);
		if (!staff_csv_begin(req, st, csv)) {
			strbuf_free(&page);
			return;
		}
	}
	json_array_foreach(rows, i, row) {
		for (j = 0; j < n; j++) {
			if (!jsonctx_text(jc, json_object_get(row,
			    json_string_value(json_array_get(fields, j))),
			    text[j], sizeof(text[j])))
				text[j][0] = '\0';
			cells[j] = text[j];
		}
		csv_row(&page, cells, n);
	}
	next = json_string_value(json_object_get(csv, "next"));
	(void)snprintf(st->csv_next, sizeof(st->csv_next), "%s",
	    next != NULL && strlen(next) < sizeof(st->csv_next) ? next : "");

	strbuf_reset(&st->csv_out);
	if (st->csv_chunked && page.len > 0)
		strbuf_appendf(&st->csv_out, "%zx\r\n", page.len);
	strbuf_append(&st->csv_out, page.data, page.len);
	if (st->csv_chunked && page.len > 0)
		strbuf_appends(&st->csv_out, "\r\n");
	if (st->csv_chunked && st->csv_next[0] == '\0')
		strbuf_appends(&st->csv_out, "0\r\n\r\n");
	strbuf_free(&page);
	if (st->csv_out.failed) {
		staff_fail(req, st, "out of memory");
		return;
	}
	if (st->csv_out.len == 0)
		return;

	/* Asleep before sending: a flush may send it all at once. */
	http_request_sleep(req);
	net_send_stream(req->owner, st->csv_out.data, st->csv_out.len,
	    staff_csv_netbuf, &nb);
	nb->extra = req;
	if (!net_send_flush(req->owner))
		kore_connection_disconnect(req->owner);
}

/* The export's headers, sent at once, the body left open. */
static int
staff_csv_begin(struct http_request *req, struct staff_state *st,
    json_t *csv)
{
	struct connection	*c;
	const char		*filename;
	char			 disp[128];

	filename = json_string_value(json_object_get(csv, "filename"));
	(void)snprintf(disp, sizeof(disp), "attachment; filename=\"%s\"",
	    filename != NULL ? filename : "export.csv");
	web_security_headers(req);
	http_response_header(req, "cache-control", "no-store");
	http_response_header(req, "content-type", "text/csv; charset=utf-8");
	http_response_header(req, "content-disposition", disp);
	req->flags |= HTTP_REQUEST_NO_CONTENT_LENGTH;
	if (req->method == HTTP_METHOD_HEAD) {
		http_response(req, HTTP_STATUS_OK, NULL, 0);
		return (0);
	}
	/* HTTP/1.0 has no chunks: the body ends when the connection does. */
	st->csv_chunked = !(req->flags & HTTP_VERSION_1_0);
	if (st->csv_chunked)
		http_response_header(req, "transfer-encoding", "chunked");
	/*
	 * Kore reads no further request on this connection while it is
	 * busy, and must not close it (on "connection: close") before the
	 * last page is out.
	 */
	c = req->owner;
	c->flags |= CONN_IS_BUSY;
	http_response(req, HTTP_STATUS_OK, NULL, 0);
	st->csv_close = (c->flags & CONN_CLOSE_EMPTY) || !st->csv_chunked;
	c->flags &= ~CONN_CLOSE_EMPTY;
	st->csv_started = 1;
	return (1);
}

/* Kore sent a page (or dropped the connection): wake the request. */
static int
staff_csv_netbuf(struct netbuf *nb)
{
	http_request_wakeup(nb->extra);
	return (KORE_RESULT_OK);
}

static int
staff_csv_sent(struct http_request *req)
{
	struct staff_state	*st;

	st = http_state_get(req);
	if (req->owner == NULL)
		return (HTTP_STATE_COMPLETE);
	strbuf_reset(&st->csv_out);
	if (st->csv_next[0] == '\0') {
		staff_csv_end(req, st);
		return (HTTP_STATE_COMPLETE);
	}
	(void)json_object_set_new(st->params, "before",
	    json_string(st->csv_next));
	free(st->params_text);
	st->params_text = NULL;
	free(st->answer);
	st->answer = NULL;
	st->step = STEP_REQUEST;
	req->fsm_state = STAFF_STATE_QUERY;
	return (HTTP_STATE_CONTINUE);
}

/* The last page is out: the connection serves requests again, or ends. */
static void
staff_csv_end(struct http_request *req, struct staff_state *st)
{
	struct connection	*c;

	if ((c = req->owner) == NULL)
		return;
	c->flags &= ~CONN_IS_BUSY;
	if (st->csv_close)
		c->flags |= CONN_CLOSE_EMPTY;
	else
		http_start_recv(c);
}

/*
 * Something went wrong that the user did not cause: a 500, or once a
 * CSV export has begun, the end of the connection.
 */
static void
staff_fail(struct http_request *req, struct staff_state *st,
    const char *why)
{
	if (!st->csv_started) {
		kore_log(LOG_ERR, "staff %s: %s", st->path, why);
		web_error(req, HTTP_STATUS_INTERNAL_ERROR);
		return;
	}
	kore_log(LOG_ERR, "staff %s: export cut short: %s", st->path, why);
	strbuf_reset(&st->csv_out);
	st->csv_started = 0;
	if (req->owner != NULL)
		kore_connection_disconnect(req->owner);
}
