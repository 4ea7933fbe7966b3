/*
 * PaymentIntent and refund requests and answers. Answers are parsed by
 * jansson, with
 * duplicate keys refused: a body that could be read two ways is not read
 * at all. What cannot be classified is UNKNOWN, because only a later look
 * at the intent can tell whether money moved.
 */
#include <stdint.h>
#include <string.h>

#include <jansson.h>

#include "gateway.h"
#include "strbuf.h"

#define GATEWAY_LOWER	"abcdefghijklmnopqrstuvwxyz"
#define GATEWAY_UPPER	"ABCDEFGHIJKLMNOPQRSTUVWXYZ"
#define GATEWAY_DIGITS	"0123456789"
#define GATEWAY_ID	GATEWAY_LOWER GATEWAY_UPPER GATEWAY_DIGITS "_"

struct gateway_status {
	const char		*status;
	enum gateway_outcome	 outcome;
};

static const struct gateway_status	gateway_statuses[] = {
	{ "succeeded",			GATEWAY_SUCCEEDED },
	{ "requires_payment_method",	GATEWAY_DECLINED },
	{ "canceled",			GATEWAY_DECLINED },
	{ "processing",			GATEWAY_PENDING },
	{ "requires_action",		GATEWAY_PENDING },
	{ "requires_confirmation",	GATEWAY_PENDING },
	{ "requires_capture",		GATEWAY_PENDING },
	{ NULL,				GATEWAY_UNKNOWN }
};

/* A refund's status: Stripe's refunds end succeeded, failed or canceled. */
static const struct gateway_status	gateway_refund_statuses[] = {
	{ "succeeded",			GATEWAY_SUCCEEDED },
	{ "pending",			GATEWAY_PENDING },
	{ "requires_action",		GATEWAY_PENDING },
	{ "failed",			GATEWAY_DECLINED },
	{ "canceled",			GATEWAY_DECLINED },
	{ NULL,				GATEWAY_UNKNOWN }
};

static void	gateway_param(struct strbuf *, const char *, const char *);
static void	gateway_encode(struct strbuf *, const char *);
static int	gateway_plain(const char *);
static int	gateway_our_id(const char *);
static json_t	*gateway_load(const char *, size_t);
static void	gateway_result_init(struct gateway_result *);
static int	gateway_intent(const json_t *, struct gateway_result *);
static void	gateway_settle(const json_t *, struct gateway_result *);
static enum gateway_outcome	gateway_status(const struct gateway_status *,
				    const char *);
static enum gateway_outcome	gateway_error_outcome(long, const char *,
				    const char *);
static void	gateway_error(const json_t *, char *, size_t, char *,
		    size_t);
static int	gateway_refund_object(const json_t *,
		    struct gateway_refund *);
static int	gateway_object(const json_t *, const char *, const char *,
		    char *, size_t, char *, size_t, int64_t *, char *, size_t);
static void	gateway_currency(char *, size_t, const json_t *);
static void	gateway_method(const json_t *, struct gateway_result *);
static int	gateway_copy(char *, size_t, const json_t *, const char *);
static int	gateway_prefixed(const char *, const char *);
static void	gateway_copy_text(char *, size_t, const json_t *);

int
gateway_intent_body(struct strbuf *b, int64_t amount, const char *currency,
    const char *payment_method, const char *attempt, const char *link,
    const char *description, const char *receipt_email)
{
	char		 cur[4];
	size_t		 i, start;

	if (amount <= 0 || currency == NULL || strlen(currency) != 3)
		return (0);
	for (i = 0; i < 3; i++) {
		if (currency[i] >= 'A' && currency[i] <= 'Z')
			cur[i] = (char)(currency[i] - 'A' + 'a');
		else if (currency[i] >= 'a' && currency[i] <= 'z')
			cur[i] = currency[i];
		else
			return (0);
	}
	cur[3] = '\0';
	if (!gateway_plain(payment_method) || !gateway_plain(attempt) ||
	    !gateway_plain(link))
		return (0);
	if (receipt_email != NULL && receipt_email[0] != '\0' &&
	    !gateway_plain(receipt_email))
		return (0);

	start = b->len;
	strbuf_appendf(b, "amount=%lld&currency=%s", (long long)amount, cur);
	gateway_param(b, "payment_method", payment_method);
	strbuf_appends(b, "&confirm=true");
	if (description != NULL && description[0] != '\0')
		gateway_param(b, "description", description);
	gateway_param(b, "metadata[attempt]", attempt);
	gateway_param(b, "metadata[link]", link);
	if (receipt_email != NULL && receipt_email[0] != '\0')
		gateway_param(b, "receipt_email", receipt_email);
	strbuf_appends(b, "&" GATEWAY_EXPAND);
	if (b->failed) {
		strbuf_truncate(b, start);
		return (0);
	}
	return (1);
}

void
gateway_parse_intent(long http_status, const char *body, size_t len,
    struct gateway_result *r)
{
	json_t		*root;
	const json_t	*err, *pi;
	const char	*type;

	gateway_result_init(r);
	if (http_status == 0 || (root = gateway_load(body, len)) == NULL)
		return;

	if (http_status >= 200 && http_status <= 299) {
		if (gateway_intent(root, r))
			gateway_settle(root, r);
		json_decref(root);
		return;
	}

	err = json_object_get(root, "error");
	if ((type = json_string_value(json_object_get(err, "type"))) ==
	    NULL) {
		json_decref(root);
		return;
	}
	pi = json_object_get(err, "payment_intent");
	if (json_is_object(pi))
		(void)gateway_intent(pi, r);
	if (r->brand[0] == '\0' && r->last4[0] == '\0')
		gateway_method(json_object_get(err, "payment_method"), r);
	gateway_error(err, r->code, sizeof(r->code), r->message,
	    sizeof(r->message));
	r->outcome = gateway_error_outcome(http_status, type, r->status);
	json_decref(root);
}

int
gateway_parse_event(const char *body, size_t len, char *id, size_t idlen,
    char *type, size_t typelen, struct gateway_result *r)
{
	json_t		*root;
	const json_t	*obj, *t;

	gateway_result_init(r);
	if (idlen > 0)
		id[0] = '\0';
	if (typelen > 0)
		type[0] = '\0';
	if ((root = gateway_load(body, len)) == NULL)
		return (0);

	t = json_object_get(root, "type");
	obj = json_object_get(json_object_get(root, "data"), "object");
	if (!json_is_string(t) || !json_is_object(obj) ||
	    !gateway_copy(id, idlen, json_object_get(root, "id"),
	    GATEWAY_ID) || !gateway_prefixed(id, "evt_")) {
		if (idlen > 0)
			id[0] = '\0';
		json_decref(root);
		return (0);
	}
	(void)gateway_copy(type, typelen, t, GATEWAY_LOWER "_.");

	if (gateway_intent(obj, r))
		gateway_settle(obj, r);
	json_decref(root);
	return (1);
}

int
gateway_search_query(struct strbuf *b, const char *attempt)
{
	size_t		 start;

	if (!gateway_our_id(attempt))
		return (0);
	start = b->len;
	strbuf_appends(b, "query=");
	gateway_encode(b, "metadata['attempt']:'");
	strbuf_appends(b, attempt);
	gateway_encode(b, "'");
	if (b->failed) {
		strbuf_truncate(b, start);
		return (0);
	}
	return (1);
}

int
gateway_parse_search(long http_status, const char *body, size_t len,
    struct gateway_result *r)
{
	struct gateway_result	 one;
	json_t			*root;
	const json_t		*data, *obj;
	const char		*kind;
	size_t			 i;
	int			 found, rank, best;

	gateway_result_init(r);
	if (http_status < 200 || http_status > 299 ||
	    (root = gateway_load(body, len)) == NULL)
		return (-1);
	kind = json_string_value(json_object_get(root, "object"));
	data = json_object_get(root, "data");
	if (kind == NULL || strcmp(kind, "search_result") != 0 ||
	    !json_is_array(data)) {
		json_decref(root);
		return (-1);
	}
	/* Two intents for one attempt should not exist; money first. */
	found = 0;
	best = -1;
	json_array_foreach(data, i, obj) {
		if (!gateway_intent(obj, &one))
			continue;
		gateway_settle(obj, &one);
		rank = one.outcome == GATEWAY_SUCCEEDED ? 2 :
		    one.outcome != GATEWAY_DECLINED ? 1 : 0;
		if (rank > best) {
			*r = one;
			best = rank;
		}
		found = 1;
	}
	/* Something that is not an intent is an answer it cannot read. */
	if (!found && json_array_size(data) > 0)
		found = -1;
	json_decref(root);
	return (found);
}

/* "&name=value"; names are ours and need no encoding. */
static void
gateway_param(struct strbuf *b, const char *name, const char *value)
{
	strbuf_appendc(b, '&');
	strbuf_appends(b, name);
	strbuf_appendc(b, '=');
	gateway_encode(b, value);
}

/* RFC 3986 unreserved characters stay, every other byte is %XX. */
static void
gateway_encode(struct strbuf *b, const char *s)
{
	static const char	 hex[] = "0123456789ABCDEF";
	unsigned char		 c;
	char			 esc[3];

	for (; *s != '\0'; s++) {
		c = (unsigned char)*s;
		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '.' ||
		    c == '_' || c == '~') {
			strbuf_appendc(b, (char)c);
			continue;
		}
		esc[0] = '%';
		esc[1] = hex[c >> 4];
		esc[2] = hex[c & 0x0f];
		strbuf_append(b, esc, sizeof(esc));
	}
}

/* One of our ids (attempt, refund): a uuid, [A-Za-z0-9-], not empty. */
static int
gateway_our_id(const char *s)
{
	return (s != NULL && s[0] != '\0' && strspn(s, GATEWAY_LOWER
	    GATEWAY_UPPER GATEWAY_DIGITS "-") == strlen(s));
}

/* Not empty, and no control characters. */
static int
gateway_plain(const char *s)
{
	if (s == NULL || *s == '\0')
		return (0);
	for (; *s != '\0'; s++) {
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return (0);
	}
	return (1);
}

static json_t *
gateway_load(const char *body, size_t len)
{
	json_t		*root;

	if (body == NULL || len > GATEWAY_MAX_BODY)
		return (NULL);
	root = json_loadb(body, len, JSON_REJECT_DUPLICATES, NULL);
	if (root != NULL && !json_is_object(root)) {
		json_decref(root);
		root = NULL;
	}
	return (root);
}

static void
gateway_result_init(struct gateway_result *r)
{
	memset(r, 0, sizeof(*r));
	r->outcome = GATEWAY_UNKNOWN;
	r->amount = -1;
}

/*
 * Fills r from a PaymentIntent and returns 1, or returns 0 with r untouched
 * if obj is not one: it must say so, and have a "pi_" id and a status.
 */
static int
gateway_intent(const json_t *obj, struct gateway_result *r)
{
	struct gateway_result	 in;
	const json_t		*charge;

	gateway_result_init(&in);
	if (!gateway_object(obj, "payment_intent", "pi_", in.intent_id,
	    sizeof(in.intent_id), in.status, sizeof(in.status), &in.amount,
	    in.currency, sizeof(in.currency)))
		return (0);
	(void)gateway_copy(in.attempt, sizeof(in.attempt),
	    json_object_get(json_object_get(obj, "metadata"), "attempt"),
	    GATEWAY_ID "-");
	/* The card or account, on the charge when it was expanded. */
	charge = json_object_get(obj, "latest_charge");
	if (json_is_object(charge))
		gateway_method(json_object_get(charge,
		    "payment_method_details"), &in);

	*r = in;
	return (1);
}

/*
 * The outcome of an intent read on its own (a 2xx answer, an event). A
 * declined intent carries the reason in last_payment_error, and the
 * method that failed, since Stripe lets go of it.
 */
static void
gateway_settle(const json_t *intent, struct gateway_result *r)
{
	const json_t	*lpe;

	r->outcome = gateway_status(gateway_statuses, r->status);
	if (r->outcome != GATEWAY_DECLINED)
		return;

	lpe = json_object_get(intent, "last_payment_error");
	if (!json_is_object(lpe))
		return;
	gateway_error(lpe, r->code, sizeof(r->code), r->message,
	    sizeof(r->message));
	if (r->brand[0] == '\0' && r->last4[0] == '\0')
		gateway_method(json_object_get(lpe, "payment_method"), r);
}

static enum gateway_outcome
gateway_error_outcome(long http_status, const char *type, const char *status)
{
	/* The intent knows better than the error whether money moved. */
	if (strcmp(status, "succeeded") == 0)
		return (GATEWAY_SUCCEEDED);
	if (strcmp(status, "processing") == 0)
		return (GATEWAY_PENDING);

	switch (http_status) {
	case 400:
		if (strcmp(type, "card_error") == 0)
			return (GATEWAY_DECLINED);
		return (GATEWAY_REJECTED);
	case 402:
		return (GATEWAY_DECLINED);
	case 401:
	case 403:
	case 404:
		return (GATEWAY_REJECTED);
	default:
		return (GATEWAY_UNKNOWN);
	}
}

/* The outcome a table gives a status; UNKNOWN for any other. */
static enum gateway_outcome
gateway_status(const struct gateway_status *table, const char *status)
{
	for (; table->status != NULL; table++) {
		if (strcmp(status, table->status) == 0)
			break;
	}
	return (table->outcome);
}

/* code is the bank's decline_code when there is one: it says more. */
static void
gateway_error(const json_t *err, char *code, size_t codelen, char *message,
    size_t messagelen)
{
	if (!gateway_copy(code, codelen, json_object_get(err, "decline_code"),
	    GATEWAY_LOWER GATEWAY_DIGITS "_"))
		(void)gateway_copy(code, codelen, json_object_get(err, "code"),
		    GATEWAY_LOWER GATEWAY_DIGITS "_");
	gateway_copy_text(message, messagelen, json_object_get(err,
	    "message"));
}

/*
 * Brand and last four digits from payment_method_details or a
 * PaymentMethod, which share the shape {"type":T, T:{...}}.
 */
static void
gateway_method(const json_t *pm, struct gateway_result *r)
{
	const char	*type;
	const json_t	*d;

	if ((type = json_string_value(json_object_get(pm, "type"))) == NULL)
		return;
	d = json_object_get(pm, type);
	if (strcmp(type, "card") == 0) {
		(void)gateway_copy(r->brand, sizeof(r->brand),
		    json_object_get(d, "brand"), GATEWAY_LOWER "_");
	} else if (strcmp(type, "us_bank_account") == 0)
		memcpy(r->brand, "bank", sizeof("bank"));
	else
		return;
	if (!gateway_copy(r->last4, sizeof(r->last4),
	    json_object_get(d, "last4"), GATEWAY_DIGITS) ||
	    strlen(r->last4) != 4)
		r->last4[0] = '\0';
}

/*
 * All of a string made of chars, or "" and 0. jansson refuses "\u0000"
 * unless asked, so a string's length is its strlen.
 */
static int
gateway_copy(char *dst, size_t dstlen, const json_t *v, const char *chars)
{
	const char	*s;
	size_t		 len;

	if (dstlen == 0)
		return (0);
	dst[0] = '\0';
	if ((s = json_string_value(v)) == NULL)
		return (0);
	len = json_string_length(v);
	if (len == 0 || len >= dstlen || strspn(s, chars) != len)
		return (0);
	memcpy(dst, s, len + 1);
	return (1);
}

/* prefix and then something: "pi_" alone is no id. */
static int
gateway_prefixed(const char *s, const char *prefix)
{
	size_t		 len;

	len = strlen(prefix);
	return (strncmp(s, prefix, len) == 0 && s[len] != '\0');
}

/*
 * As much of a text as fits, never cutting a character (jansson has
 * checked the UTF-8), with C0, DEL and C1 control characters as spaces so
 * that a message cannot break a log line.
 */
static void
gateway_copy_text(char *dst, size_t dstlen, const json_t *v)
{
	const unsigned char	*s;
	size_t			 i, o, len, n;

	dst[0] = '\0';
	if ((s = (const unsigned char *)json_string_value(v)) == NULL)
		return;
	len = json_string_length(v);
	for (i = 0, o = 0; i < len; i += n) {
		if (s[i] < 0x80)
			n = 1;
		else if (s[i] >= 0xf0)
			n = 4;
		else if (s[i] >= 0xe0)
			n = 3;
		else
			n = 2;
		if (n > len - i || o + n > dstlen - 1)
			break;
		if (s[i] < 0x20 || s[i] == 0x7f ||
		    (s[i] == 0xc2 && s[i + 1] < 0xa0)) {
			dst[o++] = ' ';
			continue;
		}
		memcpy(dst + o, s + i, n);
		o += n;
	}
	dst[o] = '\0';
}

int
gateway_refund_body(struct strbuf *b, const char *intent, int64_t amount,
    const char *refund)
{
	size_t		 start;

	if (intent == NULL || !gateway_prefixed(intent, "pi_") ||
	    strspn(intent, GATEWAY_ID) != strlen(intent) || amount <= 0 ||
	    !gateway_our_id(refund))
		return (0);
	start = b->len;
	strbuf_appends(b, "payment_intent=");
	strbuf_appends(b, intent);
	strbuf_appendf(b, "&amount=%lld", (long long)amount);
	strbuf_appends(b, "&reason=requested_by_customer");
	gateway_param(b, "metadata[refund]", refund);
	if (b->failed) {
		strbuf_truncate(b, start);
		return (0);
	}
	return (1);
}

void
gateway_parse_refund(long http_status, const char *body, size_t len,
    struct gateway_refund *r)
{
	json_t		*root;
	const json_t	*err;
	const char	*type;

	memset(r, 0, sizeof(*r));
	r->outcome = GATEWAY_UNKNOWN;
	r->amount = -1;
	if (http_status == 0 || (root = gateway_load(body, len)) == NULL)
		return;

	if (http_status >= 200 && http_status <= 299) {
		if (gateway_refund_object(root, r))
			r->outcome = gateway_status(gateway_refund_statuses,
			    r->status);
		json_decref(root);
		return;
	}

	err = json_object_get(root, "error");
	if ((type = json_string_value(json_object_get(err, "type"))) ==
	    NULL) {
		json_decref(root);
		return;
	}
	gateway_error(err, r->code, sizeof(r->code), r->message,
	    sizeof(r->message));
	if (strcmp(type, "idempotency_error") == 0)
		r->outcome = GATEWAY_REJECTED;
	else if (http_status == 400 || http_status == 402)
		r->outcome = GATEWAY_DECLINED;
	else if (http_status == 401 || http_status == 403 ||
	    http_status == 404)
		r->outcome = GATEWAY_REJECTED;
	json_decref(root);
}

int
gateway_parse_charge_event(const char *body, size_t len, char *intent,
    size_t intentlen)
{
	json_t		*root;
	const json_t	*obj;
	const char	*kind;
	int		 ok;

	if (intentlen > 0)
		intent[0] = '\0';
	if ((root = gateway_load(body, len)) == NULL)
		return (0);
	obj = json_object_get(json_object_get(root, "data"), "object");
	kind = json_string_value(json_object_get(obj, "object"));
	ok = kind != NULL && strcmp(kind, "charge") == 0 &&
	    gateway_copy(intent, intentlen, json_object_get(obj,
	    "payment_intent"), GATEWAY_ID) && gateway_prefixed(intent, "pi_");
	if (!ok && intentlen > 0)
		intent[0] = '\0';
	json_decref(root);
	return (ok);
}

/*
 * Fills r from a Refund and returns 1, or returns 0 with r untouched if
 * obj is not one: it must say so, and have a "re_" id and a status.
 */
static int
gateway_refund_object(const json_t *obj, struct gateway_refund *r)
{
	struct gateway_refund	 in;

	memset(&in, 0, sizeof(in));
	in.outcome = GATEWAY_UNKNOWN;
	in.amount = -1;
	if (!gateway_object(obj, "refund", "re_", in.refund_id,
	    sizeof(in.refund_id), in.status, sizeof(in.status), &in.amount,
	    in.currency, sizeof(in.currency)))
		return (0);
	if (gateway_copy(in.intent_id, sizeof(in.intent_id),
	    json_object_get(obj, "payment_intent"), GATEWAY_ID) &&
	    !gateway_prefixed(in.intent_id, "pi_"))
		in.intent_id[0] = '\0';
	(void)gateway_copy(in.refund, sizeof(in.refund),
	    json_object_get(json_object_get(obj, "metadata"), "refund"),
	    GATEWAY_ID "-");
	(void)gateway_copy(in.code, sizeof(in.code),
	    json_object_get(obj, "failure_reason"), GATEWAY_LOWER "_");

	*r = in;
	return (1);
}

/*
 * What an intent and a refund share: 1 if obj says it is of kind, with an
 * id of prefix and a status (both copied), its amount (or -1 stays) and
 * currency (or ""); 0 if it is not such an object.
 */
static int
gateway_object(const json_t *obj, const char *kind, const char *prefix,
    char *id, size_t idlen, char *status, size_t statuslen, int64_t *amount,
    char *currency, size_t currencylen)
{
	const json_t	*v;
	const char	*k;

	k = json_string_value(json_object_get(obj, "object"));
	if (k == NULL || strcmp(k, kind) != 0 ||
	    !gateway_copy(id, idlen, json_object_get(obj, "id"), GATEWAY_ID) ||
	    !gateway_prefixed(id, prefix) || !gateway_copy(status, statuslen,
	    json_object_get(obj, "status"), GATEWAY_LOWER "_"))
		return (0);
	v = json_object_get(obj, "amount");
	if (json_is_integer(v) && json_integer_value(v) >= 0)
		*amount = json_integer_value(v);
	gateway_currency(currency, currencylen, json_object_get(obj,
	    "currency"));
	return (1);
}

/* Three letters, upper-cased, or "". */
static void
gateway_currency(char *dst, size_t dstlen, const json_t *v)
{
	size_t		 i;

	if (gateway_copy(dst, dstlen, v, GATEWAY_LOWER GATEWAY_UPPER) &&
	    strlen(dst) != 3)
		dst[0] = '\0';
	for (i = 0; dst[i] != '\0'; i++) {
		if (dst[i] >= 'a')
			dst[i] -= 'a' - 'A';
	}
}

void
gateway_settle_params(const struct gateway_result *r, const char *attempt,
    const char *by, char *amount, size_t len, const char **p)
{
	int	ok;

	ok = r->outcome == GATEWAY_SUCCEEDED;
	p[0] = attempt;
	p[1] = ok ? "true" : "false";
	p[2] = r->intent_id[0] != '\0' ? r->intent_id : NULL;
	p[3] = r->brand[0] != '\0' ? r->brand : NULL;
	p[4] = r->last4[0] != '\0' ? r->last4 : NULL;
	p[5] = ok ? NULL : (r->code[0] != '\0' ? r->code : "declined");
	p[6] = ok ? NULL : (r->message[0] != '\0' ? r->message :
	    "The payment was declined.");
	p[7] = by;
	(void)snprintf(amount, len, "%lld", (long long)r->amount);
	p[8] = r->amount >= 0 ? amount : NULL;
}
