/*
 * The control API tests use to make the gateway misbehave and to look at
 * what it did. No key: it answers loopback peers only. A POST to /_control
 * is checked whole before anything changes, so a typo in one field leaves
 * every switch as it was.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "standin.h"

#define CONTROL_MAX_MS		600000L
#define CONTROL_MAX_COUNT	1000000L

struct control_switches {
	long			 delay_ms;
	long			 fail_next;
	long			 drop_next;
	struct webhook_switches	 webhook;
};

static void	control_set(struct http_request *, struct http_response *);
static void	control_state(struct http_response *);
static void	control_resend(struct http_request *,
		    struct http_response *);
static int	control_number(struct params *, const char *, long, long *,
		    struct http_response *);
static int	control_flag(struct params *, const char *, int *,
		    struct http_response *);
static void	control_json(struct strbuf *, const struct control_switches *);
static void	control_fail(struct http_response *, int, const char *,
		    const char *);

static pthread_mutex_t		 control_lock = PTHREAD_MUTEX_INITIALIZER;
static struct control_switches	 control_sw;

void
control_handle(struct http_request *req, struct http_response *resp)
{
	if (!req->loopback) {
		control_fail(resp, 403, NULL, "The control API answers "
		    "loopback clients only.");
		return;
	}
	if (strcmp(req->path, "/_control") == 0 &&
	    strcmp(req->method, "POST") == 0)
		control_set(req, resp);
	else if (strcmp(req->path, "/_control/state") == 0 &&
	    strcmp(req->method, "GET") == 0)
		control_state(resp);
	else if (strcmp(req->path, "/_control/resend") == 0 &&
	    strcmp(req->method, "POST") == 0)
		control_resend(req, resp);
	else if (strcmp(req->path, "/_control/sms") == 0)
		sms_control(req, resp);
	else
		control_fail(resp, 404, NULL, "Unknown control route.");
}

/* Consumes one of the next N API POSTs, if any are left to fail. */
int
control_take_fail_next(void)
{
	int		 take;

	pthread_mutex_lock(&control_lock);
	if ((take = control_sw.fail_next > 0))
		control_sw.fail_next--;
	pthread_mutex_unlock(&control_lock);
	return (take);
}

/* Consumes one of the next N charges whose answer is to be lost. */
int
control_take_drop(void)
{
	int		 take;

	pthread_mutex_lock(&control_lock);
	if ((take = control_sw.drop_next > 0))
		control_sw.drop_next--;
	pthread_mutex_unlock(&control_lock);
	return (take);
}

long
control_delay_ms(void)
{
	long		 ms;

	pthread_mutex_lock(&control_lock);
	ms = control_sw.delay_ms;
	pthread_mutex_unlock(&control_lock);
	return (ms);
}

void
control_webhook_switches(struct webhook_switches *sw)
{
	pthread_mutex_lock(&control_lock);
	*sw = control_sw.webhook;
	pthread_mutex_unlock(&control_lock);
}

/*
 * Fields not given stay as they are, except after reset=1, which comes
 * first. -1 marks "not given" until everything has been checked.
 */
static void
control_set(struct http_request *req, struct http_response *resp)
{
	struct params		 p;
	struct control_switches	 sw;
	const char		*url, *secret, *unknown;
	char			 err[128], msg[160];
	int			 reset;

	params_init(&p);
	if (!params_parse(&p, req->body, req->bodylen, err, sizeof(err))) {
		(void)snprintf(msg, sizeof(msg), "Malformed form body: %s.",
		    err);
		control_fail(resp, 400, NULL, msg);
		return;
	}
	reset = -1;
	sw.delay_ms = sw.fail_next = sw.drop_next = sw.webhook.delay_ms = -1;
	sw.webhook.duplicate = sw.webhook.bad_signature = -1;
	sw.webhook.stale = -1;
	if (!control_flag(&p, "reset", &reset, resp) ||
	    !control_number(&p, "delay_ms", CONTROL_MAX_MS, &sw.delay_ms,
	    resp) ||
	    !control_number(&p, "fail_next", CONTROL_MAX_COUNT, &sw.fail_next,
	    resp) ||
	    !control_number(&p, "drop_after_charge_next", CONTROL_MAX_COUNT,
	    &sw.drop_next, resp) ||
	    !control_number(&p, "webhook_delay_ms", CONTROL_MAX_MS,
	    &sw.webhook.delay_ms, resp) ||
	    !control_flag(&p, "webhook_duplicate", &sw.webhook.duplicate,
	    resp) ||
	    !control_flag(&p, "webhook_bad_signature",
	    &sw.webhook.bad_signature, resp) ||
	    !control_flag(&p, "webhook_stale", &sw.webhook.stale, resp))
		goto out;
	url = params_get(&p, "webhook_url");
	secret = params_get(&p, "webhook_secret");
	if ((unknown = params_unused(&p)) != NULL) {
		control_fail(resp, 400, unknown, "Unknown control field.");
		goto out;
	}
	if (url != NULL && !webhook_set_url(url)) {
		control_fail(resp, 400, "webhook_url",
		    "Expected an http:// or https:// URL, or nothing.");
		goto out;
	}
	if (secret != NULL && !webhook_set_secret(secret)) {
		control_fail(resp, 400, "webhook_secret",
		    "Expected whsec_ and then the secret.");
		goto out;
	}
	if (reset == 1 && secret == NULL)
		webhook_reset_secret();
	if (reset == 1)
		sms_reset();

	pthread_mutex_lock(&control_lock);
	if (reset == 1)
		memset(&control_sw, 0, sizeof(control_sw));
	if (sw.delay_ms != -1)
		control_sw.delay_ms = sw.delay_ms;
	if (sw.fail_next != -1)
		control_sw.fail_next = sw.fail_next;
	if (sw.drop_next != -1)
		control_sw.drop_next = sw.drop_next;
	if (sw.webhook.delay_ms != -1)
		control_sw.webhook.delay_ms = sw.webhook.delay_ms;
	if (sw.webhook.duplicate != -1)
		control_sw.webhook.duplicate = sw.webhook.duplicate;
	if (sw.webhook.bad_signature != -1)
		control_sw.webhook.bad_signature = sw.webhook.bad_signature;
	if (sw.webhook.stale != -1)
		control_sw.webhook.stale = sw.webhook.stale;
	sw = control_sw;
	pthread_mutex_unlock(&control_lock);

	resp->status = 200;
	control_json(&resp->body, &sw);
out:
	params_free(&p);
}

static void
control_state(struct http_response *resp)
{
	struct webhook_counts	 wc;

	webhook_stats(&wc);
	resp->status = 200;
	strbuf_appends(&resp->body, "{");
	store_state(&resp->body);
	strbuf_appendf(&resp->body, ",\"webhooks_sent\":%llu,"
	    "\"webhooks_attempts\":%llu,\"webhooks_given_up\":%llu,"
	    "\"webhooks_pending\":%llu,\"webhooks_connections\":%llu}",
	    (unsigned long long)wc.sent, (unsigned long long)wc.attempts,
	    (unsigned long long)wc.given_up, (unsigned long long)wc.pending,
	    (unsigned long long)wc.connections);
}

static void
control_resend(struct http_request *req, struct http_response *resp)
{
	struct params	 p;
	const char	*id;

	params_init(&p);
	if (!params_parse(&p, req->query, strlen(req->query), NULL, 0) ||
	    (id = params_get(&p, "intent")) == NULL) {
		control_fail(resp, 400, "intent", "Expected ?intent=pi_...");
	} else if (!store_resend(id)) {
		control_fail(resp, 404, "intent",
		    "No such intent, or it has sent no event yet.");
	} else {
		resp->status = 200;
		strbuf_appends(&resp->body, "{\"resent\":");
		json_str(&resp->body, id);
		strbuf_appends(&resp->body, "}");
	}
	params_free(&p);
}

/* An optional field of digits, at most max; 0 with resp filled if bad. */
static int
control_number(struct params *p, const char *name, long max, long *out,
    struct http_response *resp)
{
	const char	*v;
	int64_t		 n;

	if ((v = params_get(p, name)) == NULL)
		return (1);
	if (*v == '-' || !stripe_amount(v, &n) || n > max) {
		control_fail(resp, 400, name, "Expected a whole number in "
		    "range.");
		return (0);
	}
	*out = (long)n;
	return (1);
}

static int
control_flag(struct params *p, const char *name, int *out,
    struct http_response *resp)
{
	const char	*v;

	if ((v = params_get(p, name)) == NULL)
		return (1);
	if (strcmp(v, "0") != 0 && strcmp(v, "1") != 0) {
		control_fail(resp, 400, name, "Expected 0 or 1.");
		return (0);
	}
	*out = (v[0] == '1');
	return (1);
}

static void
control_json(struct strbuf *b, const struct control_switches *sw)
{
	strbuf_appendf(b, "{\"delay_ms\":%ld,\"fail_next\":%ld,"
	    "\"drop_after_charge_next\":%ld,\"webhook_duplicate\":%d,"
	    "\"webhook_delay_ms\":%ld,\"webhook_bad_signature\":%d,"
	    "\"webhook_stale\":%d}", sw->delay_ms, sw->fail_next,
	    sw->drop_next, sw->webhook.duplicate, sw->webhook.delay_ms,
	    sw->webhook.bad_signature, sw->webhook.stale);
}

static void
control_fail(struct http_response *resp, int status, const char *param,
    const char *message)
{
	resp->status = status;
	strbuf_reset(&resp->body);
	stripe_error(&resp->body, "invalid_request_error", NULL, param,
	    message);
}
