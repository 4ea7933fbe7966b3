/*
 * The /v1 routes: API keys, CORS for the browser's card form, the control
 * switches that act on every API request, idempotency, and one function
 * per endpoint that checks its parameters the way Stripe does (unknown
 * parameters are refused, errors name the param) before store.c acts.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <openssl/crypto.h>

#include "standin.h"

#define API_MAX_ID		64
#define API_MAX_DESCRIPTION	1000
#define API_MAX_EMAIL		512

enum api_key {
	API_KEY_INVALID,
	API_KEY_PUBLISHABLE,
	API_KEY_SECRET
};

struct api_call {
	struct params		 params;
	const char		*id;	/* from the path, or NULL */
	const char		*idem_key;
	struct store_result	 result;
	struct http_response	*resp;
};

struct api_route {
	const char	*method;
	const char	*prefix;	/* then an id, if there is a suffix */
	const char	*suffix;
	int		 publishable;
	void		(*fn)(struct api_call *);
};

static void	 api_pm_create(struct api_call *);
static int	 api_pm_card(struct api_call *, struct store_pm_input *);
static int	 api_pm_bank(struct api_call *, struct store_pm_input *);
static void	 api_intent_create(struct api_call *);
static void	 api_intent_confirm(struct api_call *);
static void	 api_intent_get(struct api_call *);
static void	 api_intent_cancel(struct api_call *);
static void	 api_intent_search(struct api_call *);
static void	 api_refund_create(struct api_call *);
static void	 api_refund_get(struct api_call *);

static const struct api_route	*api_route(const struct http_request *,
				    char *, size_t);
static enum api_key	 api_key(const struct http_request *, char *,
			    size_t);
static void	 api_preflight(const struct http_request *,
		    struct http_response *);
static void	 api_run(const struct api_route *, struct http_request *,
		    const char *, struct http_response *);
static int	 api_metadata(struct api_call *, struct store_meta_input *);
static int	 api_expand(struct api_call *, int *);
static int	 api_search_query(const char *, struct store_search *);
static int	 api_search_string(const char **, char *, size_t);
static int	 api_unknown(struct api_call *);
static int	 api_required(struct api_call *, const char *, const char **);
static int	 api_idem_key_valid(const char *);
static void	 api_fail(struct http_response *, int, const char *,
		    const char *, const char *, const char *, ...)
		    __attribute__((format(printf, 6, 7)));

static const struct api_route api_routes[] = {
	{ "POST", "/v1/payment_methods", NULL, 1, api_pm_create },
	{ "POST", "/v1/payment_intents", NULL, 0, api_intent_create },
	{ "POST", "/v1/payment_intents/", "/confirm", 0, api_intent_confirm },
	{ "POST", "/v1/payment_intents/", "/cancel", 0, api_intent_cancel },
	/* Before the next route, which would take "search" for an id. */
	{ "GET", "/v1/payment_intents/search", NULL, 0, api_intent_search },
	{ "GET", "/v1/payment_intents/", "", 0, api_intent_get },
	{ "POST", "/v1/refunds", NULL, 0, api_refund_create },
	{ "GET", "/v1/refunds/", "", 0, api_refund_get },
};

static char	*api_secret;
static char	*api_publishable;

int
api_init(const char *secret, const char *publishable)
{
	if (strncmp(secret, "sk_", 3) != 0 ||
	    strncmp(publishable, "pk_", 3) != 0)
		return (0);
	api_secret = strdup(secret);
	api_publishable = strdup(publishable);
	return (api_secret != NULL && api_publishable != NULL);
}

void
api_cleanup(void)
{
	if (api_secret != NULL)
		OPENSSL_cleanse(api_secret, strlen(api_secret));
	free(api_secret);
	free(api_publishable);
	api_secret = api_publishable = NULL;
}

void
api_handle(struct http_request *req, struct http_response *resp)
{
	const struct api_route	*route;
	const char		*origin;
	char			 id[API_MAX_ID + 1], masked[32];
	enum api_key		 key;
	long			 ms;

	if (strcmp(req->method, "OPTIONS") == 0) {
		api_preflight(req, resp);
		return;
	}

	if (strcmp(req->method, "POST") == 0 && control_take_fail_next()) {
		api_fail(resp, 500, "api_error", NULL, NULL,
		    "An error occurred with our connection to Stripe "
		    "(fail_next).");
	} else if ((key = api_key(req, masked, sizeof(masked))) ==
	    API_KEY_INVALID) {
		api_fail(resp, 401, "invalid_request_error", NULL, NULL,
		    "Invalid API Key provided: %s", masked);
	} else if ((route = api_route(req, id, sizeof(id))) == NULL) {
		api_fail(resp, 404, "invalid_request_error", NULL, NULL,
		    "Unrecognized request URL (%s: %s).", req->method,
		    req->path);
	} else if (key == API_KEY_PUBLISHABLE && !route->publishable) {
		api_fail(resp, 401, "invalid_request_error", NULL, NULL,
		    "Invalid API Key provided: this call cannot be made with "
		    "a publishable API key. Please use a secret API key.");
	} else {
		api_run(route, req, route->suffix != NULL ? id : NULL, resp);
	}

	if ((ms = control_delay_ms()) > 0)
		(void)server_sleep_ms(ms);

	/* Card data comes from the browser; the rest is server to server. */
	origin = http_header(req, "Origin");
	if (origin != NULL && strcmp(req->path, "/v1/payment_methods") == 0) {
		http_response_header(resp, "Access-Control-Allow-Origin",
		    origin);
		http_response_header(resp, "Vary", "Origin");
	}
}

/*
 * Runs an endpoint under its Idempotency-Key, if the request has one.
 * Only answers from endpoints that acted (2xx, or 402: a charge was
 * tried) are kept, as Stripe does not keep answers to invalid requests.
 */
static void
api_run(const struct api_route *route, struct http_request *req,
    const char *id, struct http_response *resp)
{
	struct api_call	 call;
	char		 err[128];
	int		 ok;

	memset(&call, 0, sizeof(call));
	params_init(&call.params);
	call.id = id;
	call.resp = resp;

	if (strcmp(req->method, "POST") == 0)
		call.idem_key = http_header(req, "Idempotency-Key");
	if (call.idem_key != NULL) {
		if (!api_idem_key_valid(call.idem_key)) {
			api_fail(resp, 400, "invalid_request_error", NULL,
			    NULL, "Idempotency-Key must be 1 to %d printable "
			    "characters.", IDEM_MAX_KEY);
			return;
		}
		switch (idem_begin(call.idem_key, req, resp)) {
		case IDEM_NEW:
			break;
		case IDEM_ANSWERED:
			return;
		case IDEM_STOPPING:
			resp->drop = 1;
			return;
		}
	}

	/* A GET's parameters are its query string, as with Stripe. */
	if (strcmp(req->method, "POST") == 0)
		ok = params_parse(&call.params, req->body, req->bodylen, err,
		    sizeof(err));
	else
		ok = params_parse(&call.params, req->query, strlen(req->query),
		    err, sizeof(err));
	if (!ok) {
		api_fail(resp, 400, "invalid_request_error", NULL, NULL,
		    "Invalid %s: %s.", strcmp(req->method, "POST") == 0 ?
		    "request body" : "query string", err);
	} else {
		route->fn(&call);
	}
	params_free(&call.params);

	/* The charge is recorded, its answer kept, then the line goes dead. */
	if (call.result.charged && control_take_drop())
		resp->drop = 1;
	if (call.idem_key != NULL) {
		if ((resp->status >= 200 && resp->status < 300) ||
		    resp->status == 402)
			idem_finish(call.idem_key, resp);
		else
			idem_abandon(call.idem_key);
	}
}

static const struct api_route *
api_route(const struct http_request *req, char *id, size_t idlen)
{
	const struct api_route	*r;
	const char		*rest;
	size_t			 i, n, plen;

	for (i = 0; i < sizeof(api_routes) / sizeof(api_routes[0]); i++) {
		r = &api_routes[i];
		if (strcmp(req->method, r->method) != 0)
			continue;
		if (r->suffix == NULL) {
			if (strcmp(req->path, r->prefix) == 0)
				return (r);
			continue;
		}
		plen = strlen(r->prefix);
		if (strncmp(req->path, r->prefix, plen) != 0)
			continue;
		rest = req->path + plen;
		n = strcspn(rest, "/");
		if (n == 0 || n >= idlen || strcmp(rest + n, r->suffix) != 0)
			continue;
		memcpy(id, rest, n);
		id[n] = '\0';
		return (r);
	}
	return (NULL);
}

/* Which key the request carries; masked says which, without telling it. */
static enum api_key
api_key(const struct http_request *req, char *masked, size_t mlen)
{
	const char	*auth, *key;
	size_t		 len;

	(void)snprintf(masked, mlen, "(none)");
	if ((auth = http_header(req, "Authorization")) == NULL ||
	    strncasecmp(auth, "Bearer ", 7) != 0)
		return (API_KEY_INVALID);
	key = auth + 7;
	while (*key == ' ')
		key++;
	len = strlen(key);
	if (len > 12)
		(void)snprintf(masked, mlen, "%.8s****%s", key, key + len - 4);
	else
		(void)snprintf(masked, mlen, "****");
	if (len == strlen(api_secret) &&
	    CRYPTO_memcmp(key, api_secret, len) == 0)
		return (API_KEY_SECRET);
	if (len == strlen(api_publishable) &&
	    CRYPTO_memcmp(key, api_publishable, len) == 0)
		return (API_KEY_PUBLISHABLE);
	return (API_KEY_INVALID);
}

static void
api_preflight(const struct http_request *req, struct http_response *resp)
{
	const char	*origin;

	if ((origin = http_header(req, "Origin")) == NULL)
		origin = "*";
	resp->status = 204;
	http_response_header(resp, "Access-Control-Allow-Origin", origin);
	http_response_header(resp, "Access-Control-Allow-Methods", "POST, GET");
	http_response_header(resp, "Access-Control-Allow-Headers",
	    "Authorization, Content-Type, Idempotency-Key");
	http_response_header(resp, "Access-Control-Max-Age", "600");
	http_response_header(resp, "Vary", "Origin");
}

static void
api_pm_create(struct api_call *c)
{
	struct store_pm_input	 in;
	const char		*type, *name, *value;
	size_t			 iter;
	int			 ok;

	memset(&in, 0, sizeof(in));
	if (!api_required(c, "type", &type))
		return;
	iter = 0;
	while (params_prefixed(&c->params, "billing_details[", &iter,
	    &value) != NULL)
		;
	if ((name = params_get(&c->params, "billing_details[name]")) != NULL) {
		if (strlen(name) > STORE_MAX_NAME) {
			api_fail(c->resp, 400, "invalid_request_error", NULL,
			    "billing_details[name]", "Name is too long.");
			return;
		}
		(void)snprintf(in.name, sizeof(in.name), "%s", name);
	}

	if (strcmp(type, "card") == 0) {
		in.is_card = 1;
		ok = api_pm_card(c, &in);
	} else if (strcmp(type, "us_bank_account") == 0) {
		ok = api_pm_bank(c, &in);
	} else {
		api_fail(c->resp, 400, "invalid_request_error", NULL, "type",
		    "Invalid type: must be one of card or us_bank_account.");
		return;
	}
	if (ok)
		store_pm_create(&in, &c->result, &c->resp->body);
	if (c->result.status != 0)
		c->resp->status = c->result.status;
}

/* Checks a card; only the brand, last four digits and outcome are kept. */
static int
api_pm_card(struct api_call *c, struct store_pm_input *in)
{
	const char	*number, *month, *year, *cvc;
	struct tm	 now;
	time_t		 t;
	int		 m, y;

	if (!api_required(c, "card[number]", &number) ||
	    !api_required(c, "card[exp_month]", &month) ||
	    !api_required(c, "card[exp_year]", &year) ||
	    !api_required(c, "card[cvc]", &cvc) || !api_unknown(c))
		return (0);

	if (!stripe_digits(number, 12, 19)) {
		api_fail(c->resp, 402, "card_error", "invalid_number",
		    "card[number]", "The card number is not a valid credit "
		    "card number.");
		return (0);
	}
	if (!stripe_luhn(number)) {
		api_fail(c->resp, 402, "card_error", "incorrect_number",
		    "card[number]", "Your card number is incorrect.");
		return (0);
	}
	t = time(NULL);
	(void)gmtime_r(&t, &now);
	m = stripe_digits(month, 1, 2) ? atoi(month) : 0;
	if (m < 1 || m > 12) {
		api_fail(c->resp, 402, "card_error", "invalid_expiry_month",
		    "card[exp_month]", "Your card's expiration month is "
		    "invalid.");
		return (0);
	}
	y = stripe_digits(year, 2, 4) && strlen(year) != 3 ? atoi(year) : 0;
	if (y < 100)
		y += 2000;
	if (y < now.tm_year + 1900 || y > now.tm_year + 1900 + 50 ||
	    (y == now.tm_year + 1900 && m < now.tm_mon + 1)) {
		api_fail(c->resp, 402, "card_error", "invalid_expiry_year",
		    "card[exp_year]", "Your card's expiration year is "
		    "invalid.");
		return (0);
	}
	if (!stripe_digits(cvc, 3, 4)) {
		api_fail(c->resp, 402, "card_error", "invalid_cvc",
		    "card[cvc]", "Your card's security code is invalid.");
		return (0);
	}

	(void)snprintf(in->card.brand, sizeof(in->card.brand), "%s",
	    stripe_card_brand(number));
	(void)snprintf(in->card.last4, sizeof(in->card.last4), "%s",
	    number + strlen(number) - 4);
	in->card.exp_month = m;
	in->card.exp_year = y;
	in->outcome = stripe_card_outcome(number);
	return (1);
}

static int
api_pm_bank(struct api_call *c, struct store_pm_input *in)
{
	const char	*routing, *account, *holder;

	if (!api_required(c, "us_bank_account[routing_number]", &routing) ||
	    !api_required(c, "us_bank_account[account_number]", &account))
		return (0);
	holder = params_get(&c->params, "us_bank_account[account_holder_type]");
	if (!api_unknown(c))
		return (0);
	if (in->name[0] == '\0') {
		api_fail(c->resp, 400, "invalid_request_error", NULL,
		    "billing_details[name]", "Missing required param: "
		    "billing_details[name].");
		return (0);
	}
	if (!stripe_routing_valid(routing)) {
		api_fail(c->resp, 400, "invalid_request_error", NULL,
		    "us_bank_account[routing_number]", "Invalid routing "
		    "number: expected nine digits with a valid check digit.");
		return (0);
	}
	if (!stripe_digits(account, 4, 17)) {
		api_fail(c->resp, 400, "invalid_request_error", NULL,
		    "us_bank_account[account_number]", "Invalid account "
		    "number: expected 4 to 17 digits.");
		return (0);
	}
	if (holder == NULL)
		holder = "individual";
	if (strcmp(holder, "individual") != 0 &&
	    strcmp(holder, "company") != 0) {
		api_fail(c->resp, 400, "invalid_request_error", NULL,
		    "us_bank_account[account_holder_type]", "Invalid "
		    "account_holder_type: must be individual or company.");
		return (0);
	}

	(void)snprintf(in->bank.routing, sizeof(in->bank.routing), "%s",
	    routing);
	(void)snprintf(in->bank.last4, sizeof(in->bank.last4), "%s",
	    account + strlen(account) - 4);
	(void)snprintf(in->bank.holder_type, sizeof(in->bank.holder_type),
	    "%s", holder);
	in->outcome = stripe_bank_outcome(account);
	return (1);
}

static void
api_intent_create(struct api_call *c)
{
	struct store_intent_input	 in;
	const char			*amount, *currency, *confirm, *value;
	size_t				 i, iter;

	memset(&in, 0, sizeof(in));
	if (!api_required(c, "amount", &amount) ||
	    !api_required(c, "currency", &currency) ||
	    !api_metadata(c, &in.meta))
		return;
	in.pm = params_get(&c->params, "payment_method");
	confirm = params_get(&c->params, "confirm");
	in.description = params_get(&c->params, "description");
	in.receipt_email = params_get(&c->params, "receipt_email");
	if (!api_expand(c, &in.expand_charge))
		return;
	iter = 0;
	while (params_prefixed(&c->params, "payment_method_types[", &iter,
	    &value) != NULL)
		;
	if (!api_unknown(c))
		return;

	if (!stripe_amount(amount, &in.amount)) {
		api_fail(c->resp, 400, "invalid_request_error", NULL, "amount",
		    "Invalid integer: %s", amount);
		return;
	}
	if (in.amount < 1) {
		api_fail(c->resp, 400, "invalid_request_error", NULL, "amount",
		    "This value must be greater than or equal to 1.");
		return;
	}
	if (in.amount > STRIPE_AMOUNT_MAX) {
		api_fail(c->resp, 400, "invalid_request_error",
		    "amount_too_large", "amount", "Amount must be no more "
		    "than %d.", STRIPE_AMOUNT_MAX);
		return;
	}
	for (i = 0; i < 3; i++) {
		if ((currency[i] < 'a' || currency[i] > 'z') &&
		    (currency[i] < 'A' || currency[i] > 'Z'))
			break;
		in.currency[i] = (char)(currency[i] | 0x20);
	}
	if (i < 3 || currency[3] != '\0') {
		api_fail(c->resp, 400, "invalid_request_error", NULL,
		    "currency", "Invalid currency: %s. Stripe currencies are "
		    "three-letter ISO codes.", currency);
		return;
	}
	if (confirm != NULL && strcmp(confirm, "true") != 0 &&
	    strcmp(confirm, "false") != 0) {
		api_fail(c->resp, 400, "invalid_request_error", NULL,
		    "confirm", "Invalid boolean: %s", confirm);
		return;
	}
	in.confirm = confirm != NULL && strcmp(confirm, "true") == 0;
	if (in.description != NULL &&
	    strlen(in.description) > API_MAX_DESCRIPTION) {
		api_fail(c->resp, 400, "invalid_request_error", NULL,
		    "description", "Description is longer than %d "
		    "characters.", API_MAX_DESCRIPTION);
		return;
	}
	if (in.receipt_email != NULL && in.receipt_email[0] != '\0' &&
	    (strlen(in.receipt_email) > API_MAX_EMAIL ||
	    strchr(in.receipt_email, '@') == NULL)) {
		api_fail(c->resp, 400, "invalid_request_error", "email_invalid",
		    "receipt_email", "Invalid email address: %s",
		    in.receipt_email);
		return;
	}
	if (in.receipt_email != NULL && in.receipt_email[0] == '\0')
		in.receipt_email = NULL;
	in.idempotency_key = c->idem_key;

	store_intent_create(&in, &c->result, &c->resp->body);
	c->resp->status = c->result.status;
}

/* metadata[key]=value; an empty value unsets a key, as with Stripe. */
static int
api_metadata(struct api_call *c, struct store_meta_input *in)
{
	const char	*name, *key, *value;
	size_t		 iter, klen;

	iter = 0;
	while ((name = params_prefixed(&c->params, "metadata[", &iter,
	    &value)) != NULL) {
		key = name + strlen("metadata[");
		klen = strlen(key);
		if (klen < 2 || klen - 1 > STORE_MAX_META_KEY ||
		    strpbrk(key, "[]") != key + klen - 1) {
			api_fail(c->resp, 400, "invalid_request_error", NULL,
			    name, "Metadata keys are 1 to %d characters "
			    "inside metadata[...].", STORE_MAX_META_KEY);
			return (0);
		}
		if (strlen(value) > STORE_MAX_META_VALUE) {
			api_fail(c->resp, 400, "invalid_request_error", NULL,
			    name, "Metadata values can have up to %d "
			    "characters.", STORE_MAX_META_VALUE);
			return (0);
		}
		if (value[0] == '\0')
			continue;
		if (in->n == STORE_MAX_METADATA) {
			api_fail(c->resp, 400, "invalid_request_error", NULL,
			    "metadata", "You can have up to %d metadata keys.",
			    STORE_MAX_METADATA);
			return (0);
		}
		memcpy(in->keys[in->n], key, klen - 1);
		in->keys[in->n][klen - 1] = '\0';
		in->values[in->n] = value;
		in->n++;
	}
	return (1);
}

static void
api_intent_confirm(struct api_call *c)
{
	const char	*pm;
	int		 expand;

	pm = params_get(&c->params, "payment_method");
	if (!api_expand(c, &expand) || !api_unknown(c))
		return;
	store_intent_confirm(c->id, pm, expand, &c->result, &c->resp->body);
	c->resp->status = c->result.status;
}

static void
api_intent_get(struct api_call *c)
{
	int		 expand;

	if (!api_expand(c, &expand) || !api_unknown(c))
		return;
	store_intent_get(c->id, expand, &c->result, &c->resp->body);
	c->resp->status = c->result.status;
}

static void
api_intent_cancel(struct api_call *c)
{
	const char	*reason;
	int		 expand;

	reason = params_get(&c->params, "cancellation_reason");
	if (!api_expand(c, &expand) || !api_unknown(c))
		return;
	if (reason != NULL && strcmp(reason, "duplicate") != 0 &&
	    strcmp(reason, "fraudulent") != 0 &&
	    strcmp(reason, "requested_by_customer") != 0 &&
	    strcmp(reason, "abandoned") != 0) {
		api_fail(c->resp, 400, "invalid_request_error", NULL,
		    "cancellation_reason", "Invalid cancellation_reason: must "
		    "be one of duplicate, fraudulent, requested_by_customer, "
		    "or abandoned.");
		return;
	}
	store_intent_cancel(c->id, reason, expand, &c->result,
	    &c->resp->body);
	c->resp->status = c->result.status;
}

static void
api_intent_search(struct api_call *c)
{
	struct store_search	 q;
	const char		*query, *limit;

	memset(&q, 0, sizeof(q));
	if (!api_required(c, "query", &query))
		return;
	limit = params_get(&c->params, "limit");
	q.page = params_get(&c->params, "page");
	if (!api_unknown(c))
		return;
	if (!api_search_query(query, &q)) {
		api_fail(c->resp, 400, "invalid_request_error", NULL, "query",
		    "Invalid search query: %s. This stand-in understands "
		    "metadata['key']:'value' clauses joined by AND, at most "
		    "%d.", query, STORE_MAX_CLAUSES);
		return;
	}
	q.limit = 10;
	if (limit != NULL && (!stripe_digits(limit, 1, 3) ||
	    (q.limit = strtoul(limit, NULL, 10)) < 1 ||
	    q.limit > STORE_MAX_LIMIT)) {
		api_fail(c->resp, 400, "invalid_request_error", NULL, "limit",
		    "Invalid limit: must be between 1 and %d.",
		    STORE_MAX_LIMIT);
		return;
	}
	store_intent_search(&q, &c->result, &c->resp->body);
	c->resp->status = c->result.status;
}

/*
 * Stripe's search syntax, for metadata only: metadata['key']:'value' (or
 * with double quotes, a backslash escaping the next character), and
 * several such clauses joined by AND with spaces around it. 0 if q does
 * not parse, or has too many clauses, or too long a key or value.
 */
static int
api_search_query(const char *q, struct store_search *s)
{
	const char	*p;
	size_t		 n;

	p = q + strspn(q, " ");
	for (;;) {
		if (s->nclauses == STORE_MAX_CLAUSES ||
		    strncmp(p, "metadata[", 9) != 0)
			return (0);
		p += 9;
		if (!api_search_string(&p, s->keys[s->nclauses],
		    sizeof(s->keys[0])) || s->keys[s->nclauses][0] == '\0' ||
		    strncmp(p, "]:", 2) != 0)
			return (0);
		p += 2;
		if (!api_search_string(&p, s->values[s->nclauses],
		    sizeof(s->values[0])))
			return (0);
		s->nclauses++;
		n = strspn(p, " ");
		if (p[n] == '\0')
			return (1);
		if (n == 0 || strncmp(p + n, "AND ", 4) != 0)
			return (0);
		p += n + 4;
		p += strspn(p, " ");
	}
}

/* A quoted string at *p into out; *p moves past its closing quote. */
static int
api_search_string(const char **p, char *out, size_t outlen)
{
	const char	*s;
	char		 quote;
	size_t		 n;

	s = *p;
	if (*s != '\'' && *s != '"')
		return (0);
	quote = *s++;
	for (n = 0; *s != quote; s++) {
		if (*s == '\\')
			s++;
		if (*s == '\0' || n + 1 == outlen)
			return (0);
		out[n++] = *s;
	}
	out[n] = '\0';
	*p = s + 1;
	return (1);
}

/*
 * expand[]=latest_charge (or expand[N]=): the one expansion the stand-in
 * knows. Any other is refused naming its place in the list, as Stripe
 * names it: expand[0] for the first.
 */
static int
api_expand(struct api_call *c, int *charge)
{
	const char	*name, *value, *index;
	char		 param[32];
	size_t		 iter, n;

	*charge = 0;
	iter = 0;
	for (n = 0; (name = params_prefixed(&c->params, "expand[", &iter,
	    &value)) != NULL; n++) {
		index = name + strlen("expand[");
		if (strcmp(index, "]") != 0 &&
		    (strspn(index, "0123456789") == 0 ||
		    strcmp(index + strspn(index, "0123456789"), "]") != 0)) {
			api_fail(c->resp, 400, "invalid_request_error", NULL,
			    name, "Invalid array");
			return (0);
		}
		if (strcmp(value, "latest_charge") != 0) {
			(void)snprintf(param, sizeof(param), "expand[%zu]", n);
			api_fail(c->resp, 400, "invalid_request_error", NULL,
			    param, "This property cannot be expanded (%s).",
			    value);
			return (0);
		}
		*charge = 1;
	}
	return (1);
}

static void
api_refund_create(struct api_call *c)
{
	struct store_meta_input	 meta;
	const char		*pi, *amount, *reason;
	int64_t			 n;

	memset(&meta, 0, sizeof(meta));
	if (!api_required(c, "payment_intent", &pi) ||
	    !api_metadata(c, &meta))
		return;
	amount = params_get(&c->params, "amount");
	reason = params_get(&c->params, "reason");
	if (!api_unknown(c))
		return;
	n = -1;
	if (amount != NULL && (!stripe_amount(amount, &n) || n < 1)) {
		api_fail(c->resp, 400, "invalid_request_error", NULL, "amount",
		    "Invalid positive integer: %s", amount);
		return;
	}
	if (reason != NULL && strcmp(reason, "duplicate") != 0 &&
	    strcmp(reason, "fraudulent") != 0 &&
	    strcmp(reason, "requested_by_customer") != 0) {
		api_fail(c->resp, 400, "invalid_request_error", NULL, "reason",
		    "Invalid reason: must be one of duplicate, fraudulent, or "
		    "requested_by_customer.");
		return;
	}
	store_refund_create(pi, n, reason, &meta, &c->result, &c->resp->body);
	c->resp->status = c->result.status;
}

static void
api_refund_get(struct api_call *c)
{
	if (!api_unknown(c))
		return;
	store_refund_get(c->id, &c->result, &c->resp->body);
	c->resp->status = c->result.status;
}

/* Refuses the first parameter no endpoint code asked for. */
static int
api_unknown(struct api_call *c)
{
	const char	*name;

	if ((name = params_unused(&c->params)) == NULL)
		return (1);
	api_fail(c->resp, 400, "invalid_request_error", "parameter_unknown",
	    name, "Received unknown parameter: %s", name);
	return (0);
}

static int
api_required(struct api_call *c, const char *name, const char **value)
{
	if ((*value = params_get(&c->params, name)) != NULL &&
	    (*value)[0] != '\0')
		return (1);
	api_fail(c->resp, 400, "invalid_request_error", "parameter_missing",
	    name, "Missing required param: %s.", name);
	return (0);
}

static int
api_idem_key_valid(const char *key)
{
	size_t		 i;

	for (i = 0; key[i] != '\0'; i++) {
		if (key[i] < 0x21 || key[i] > 0x7e || i == IDEM_MAX_KEY)
			return (0);
	}
	return (i > 0);
}

static void
api_fail(struct http_response *resp, int status, const char *type,
    const char *code, const char *param, const char *fmt, ...)
{
	va_list		 ap;
	char		 msg[512];

	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	resp->status = status;
	strbuf_reset(&resp->body);
	stripe_error(&resp->body, type, code, param, msg);
}
