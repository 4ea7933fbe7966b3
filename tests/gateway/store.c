/*
 * The gateway's state: payment methods, payment intents and the charges and
 * refunds made against them, behind one lock. Every operation renders its
 * JSON answer while it still holds the lock, so an answer always shows one
 * consistent moment, and queues the webhook event its change causes.
 * Parameters arrive validated (api.c); what is checked here is what needs
 * the state: that referenced objects exist and that transitions are legal.
 * Objects are kept in arrays in the order they were made and found by id
 * through hash tables, since a benchmark makes tens of thousands of them.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "standin.h"

#define STORE_MAX_OBJECTS	100000
#define STORE_API_VERSION	"2024-06-20"

enum store_status {
	STORE_REQUIRES_PAYMENT_METHOD,
	STORE_REQUIRES_CONFIRMATION,
	STORE_SUCCEEDED,
	STORE_CANCELED
};

struct store_pm {
	char			 id[STRIPE_ID_LEN];
	int			 is_card;
	struct store_card	 card;
	struct store_bank	 bank;
	char			 name[STORE_MAX_NAME + 1];
	enum stripe_outcome	 outcome;
	time_t			 created;
};

/* Copies of the request's metadata, kept with the object. */
struct store_meta {
	char			*keys[STORE_MAX_METADATA];
	char			*values[STORE_MAX_METADATA];
	size_t			 n;
};

struct store_intent {
	char			 id[STRIPE_ID_LEN];
	int64_t			 amount;
	int64_t			 refunded;
	char			 currency[4];
	enum store_status	 status;
	struct store_pm		*pm;		/* charged next */
	struct store_pm		*charge_pm;	/* of latest_charge */
	char			 charge[STRIPE_ID_LEN];
	enum stripe_outcome	 last_error;	/* or STRIPE_SUCCEED */
	char			*description;
	char			*receipt_email;
	char			*idempotency_key;
	struct store_meta	 meta;
	size_t			 seq;		/* in store_intents */
	char			*last_event;	/* kept for resend */
	time_t			 created;
	time_t			 canceled_at;
	char			 cancellation_reason[32];	/* or "" */
};

struct store_refund {
	char				 id[STRIPE_ID_LEN];
	const struct store_intent	*pi;
	int64_t				 amount;
	char				 reason[32];	/* or "" */
	struct store_meta		 meta;
	time_t				 created;
};

/* store_new() writes each object's id at its start. */
_Static_assert(offsetof(struct store_pm, id) == 0, "id first");
_Static_assert(offsetof(struct store_intent, id) == 0, "id first");
_Static_assert(offsetof(struct store_refund, id) == 0, "id first");

static void	*store_new(size_t, size_t, struct hash *, const char *,
		    struct store_result *, struct strbuf *);
static struct store_pm		*store_pm_find(const char *);
static struct store_intent	*store_intent_find(const char *);
static struct store_intent	*store_intent_known(const char *,
				    struct store_result *, struct strbuf *);
static void	 store_charge(struct store_intent *, int,
		    struct store_result *, struct strbuf *);
static void	 store_event(struct store_intent *, const char *,
		    const struct strbuf *);
static void	 store_announce(struct store_intent *, const char *, int,
		    struct store_result *, struct strbuf *);
static void	 store_pm_json(struct strbuf *, const struct store_pm *);
static void	 store_pm_details_json(struct strbuf *,
		    const struct store_pm *);
static void	 store_intent_json(struct strbuf *,
		    const struct store_intent *, int);
static void	 store_charge_json(struct strbuf *,
		    const struct store_intent *);
static void	 store_meta_set(struct store_meta *,
		    const struct store_meta_input *);
static void	 store_meta_free(struct store_meta *);
static void	 store_meta_json(struct strbuf *, const struct store_meta *);
static void	 store_refund_json(struct strbuf *,
		    const struct store_refund *);
static int	 store_matches(const struct store_intent *,
		    const struct store_search *);
static void	 store_fail(struct store_result *, struct strbuf *, int,
		    const char *, const char *, const struct store_intent *,
		    const char *, ...) __attribute__((format(printf, 7, 8)));
static char	*store_strdup(const char *);
static void	 store_intent_free(struct store_intent *);

static const char *const store_status_names[] = {
	[STORE_REQUIRES_PAYMENT_METHOD] = "requires_payment_method",
	[STORE_REQUIRES_CONFIRMATION] = "requires_confirmation",
	[STORE_SUCCEEDED] = "succeeded",
	[STORE_CANCELED] = "canceled",
};

static pthread_mutex_t		 store_lock = PTHREAD_MUTEX_INITIALIZER;
static struct store_pm		**store_pms;
static size_t			 store_npms;
static struct hash		 store_pm_index;
static struct store_intent	**store_intents;
static size_t			 store_nintents;
static struct hash		 store_intent_index;
static struct store_refund	**store_refunds;
static size_t			 store_nrefunds;
static struct hash		 store_refund_index;
static uint64_t			 store_charges;
static uint64_t			 store_succeeded;
static uint64_t			 store_failed;

int
store_init(void)
{
	store_pms = calloc(STORE_MAX_OBJECTS, sizeof(*store_pms));
	store_intents = calloc(STORE_MAX_OBJECTS, sizeof(*store_intents));
	store_refunds = calloc(STORE_MAX_OBJECTS, sizeof(*store_refunds));
	hash_init(&store_pm_index);
	hash_init(&store_intent_index);
	hash_init(&store_refund_index);
	return (store_pms != NULL && store_intents != NULL &&
	    store_refunds != NULL);
}

void
store_cleanup(void)
{
	size_t		 i;

	for (i = 0; i < store_npms; i++)
		free(store_pms[i]);
	for (i = 0; i < store_nintents; i++)
		store_intent_free(store_intents[i]);
	for (i = 0; i < store_nrefunds; i++) {
		store_meta_free(&store_refunds[i]->meta);
		free(store_refunds[i]);
	}
	free(store_pms);
	free(store_intents);
	free(store_refunds);
	hash_free(&store_pm_index);
	hash_free(&store_intent_index);
	hash_free(&store_refund_index);
	store_pms = NULL;
	store_intents = NULL;
	store_refunds = NULL;
	store_npms = store_nintents = store_nrefunds = 0;
}

void
store_pm_create(const struct store_pm_input *in, struct store_result *res,
    struct strbuf *out)
{
	struct store_pm	*pm;

	pthread_mutex_lock(&store_lock);
	if ((pm = store_new(sizeof(*pm), store_npms, &store_pm_index, "pm",
	    res, out)) == NULL)
		goto out;
	store_pms[store_npms++] = pm;
	pm->is_card = in->is_card;
	pm->card = in->card;
	pm->bank = in->bank;
	memcpy(pm->name, in->name, sizeof(pm->name));
	pm->outcome = in->outcome;
	pm->created = time(NULL);

	res->status = 200;
	store_pm_json(out, pm);
out:
	pthread_mutex_unlock(&store_lock);
}

void
store_intent_create(const struct store_intent_input *in,
    struct store_result *res, struct strbuf *out)
{
	struct store_intent	*pi;
	struct store_pm		*pm;

	pm = NULL;
	pthread_mutex_lock(&store_lock);
	if (in->pm != NULL && (pm = store_pm_find(in->pm)) == NULL) {
		store_fail(res, out, 400, "resource_missing", "payment_method",
		    NULL, "No such PaymentMethod: '%s'", in->pm);
		goto out;
	}
	if (in->confirm && pm == NULL) {
		store_fail(res, out, 400, "payment_intent_unexpected_state",
		    "payment_method", NULL, "You cannot confirm this "
		    "PaymentIntent because it's missing a payment method.");
		goto out;
	}
	if ((pi = store_new(sizeof(*pi), store_nintents, &store_intent_index,
	    "pi", res, out)) == NULL)
		goto out;
	pi->amount = in->amount;
	memcpy(pi->currency, in->currency, sizeof(pi->currency));
	pi->pm = pm;
	pi->status = pm != NULL ? STORE_REQUIRES_CONFIRMATION :
	    STORE_REQUIRES_PAYMENT_METHOD;
	pi->last_error = STRIPE_SUCCEED;
	pi->created = time(NULL);
	pi->description = store_strdup(in->description);
	pi->receipt_email = store_strdup(in->receipt_email);
	pi->idempotency_key = store_strdup(in->idempotency_key);
	store_meta_set(&pi->meta, &in->meta);
	pi->seq = store_nintents;
	store_intents[store_nintents++] = pi;

	if (in->confirm) {
		store_charge(pi, in->expand_charge, res, out);
	} else {
		res->status = 200;
		store_intent_json(out, pi, in->expand_charge);
	}
out:
	pthread_mutex_unlock(&store_lock);
}

/*
 * pm_id, if not NULL, replaces the intent's payment method first; expand
 * answers the latest charge inline.
 */
void
store_intent_confirm(const char *id, const char *pm_id, int expand,
    struct store_result *res, struct strbuf *out)
{
	struct store_intent	*pi;
	struct store_pm		*pm;

	pthread_mutex_lock(&store_lock);
	if ((pi = store_intent_known(id, res, out)) == NULL)
		goto out;
	if (pi->status == STORE_SUCCEEDED) {
		store_fail(res, out, 400, "payment_intent_unexpected_state",
		    NULL, pi, "You cannot confirm this PaymentIntent because "
		    "it has already succeeded after being previously "
		    "confirmed.");
		goto out;
	}
	if (pi->status == STORE_CANCELED) {
		store_fail(res, out, 400, "payment_intent_unexpected_state",
		    NULL, pi, "You cannot confirm this PaymentIntent because "
		    "it has a status of canceled.");
		goto out;
	}
	if (pm_id != NULL) {
		if ((pm = store_pm_find(pm_id)) == NULL) {
			store_fail(res, out, 400, "resource_missing",
			    "payment_method", NULL,
			    "No such PaymentMethod: '%s'", pm_id);
			goto out;
		}
		pi->pm = pm;
	}
	if (pi->pm == NULL) {
		store_fail(res, out, 400, "payment_intent_unexpected_state",
		    "payment_method", pi, "You cannot confirm this "
		    "PaymentIntent because it's missing a payment method.");
		goto out;
	}
	store_charge(pi, expand, res, out);
out:
	pthread_mutex_unlock(&store_lock);
}

void
store_intent_get(const char *id, int expand, struct store_result *res,
    struct strbuf *out)
{
	struct store_intent	*pi;

	pthread_mutex_lock(&store_lock);
	if ((pi = store_intent_known(id, res, out)) != NULL) {
		res->status = 200;
		store_intent_json(out, pi, expand);
	}
	pthread_mutex_unlock(&store_lock);
}

/*
 * Of Stripe's cancelable states (requires_payment_method,
 * requires_confirmation, requires_action, and requires_capture with manual
 * capture) only the first two occur here. reason may be NULL.
 */
void
store_intent_cancel(const char *id, const char *reason, int expand,
    struct store_result *res, struct strbuf *out)
{
	struct store_intent	*pi;

	pthread_mutex_lock(&store_lock);
	if ((pi = store_intent_known(id, res, out)) == NULL)
		goto out;
	if (pi->status != STORE_REQUIRES_PAYMENT_METHOD &&
	    pi->status != STORE_REQUIRES_CONFIRMATION) {
		store_fail(res, out, 400, "payment_intent_unexpected_state",
		    NULL, pi, "You cannot cancel this PaymentIntent because "
		    "it has a status of %s. Only a PaymentIntent with one of "
		    "the following statuses may be canceled: "
		    "requires_payment_method, requires_capture, "
		    "requires_confirmation, requires_action.",
		    store_status_names[pi->status]);
		goto out;
	}
	pi->status = STORE_CANCELED;
	pi->canceled_at = time(NULL);
	(void)snprintf(pi->cancellation_reason,
	    sizeof(pi->cancellation_reason), "%s",
	    reason != NULL ? reason : "");
	store_announce(pi, "payment_intent.canceled", expand, res, out);
out:
	pthread_mutex_unlock(&store_lock);
}

/*
 * Newest first. A next_page is the id of the last intent of a page, so
 * the next one goes on with those made before it. The walk is linear, as
 * a search is rare next to lookups by id.
 */
void
store_intent_search(const struct store_search *q, struct store_result *res,
    struct strbuf *out)
{
	const struct store_intent	*found[STORE_MAX_LIMIT + 1];
	struct store_intent		*pi;
	size_t				 i, n;

	pthread_mutex_lock(&store_lock);
	i = store_nintents;
	if (q->page != NULL) {
		if ((pi = store_intent_find(q->page)) == NULL) {
			store_fail(res, out, 400, NULL, "page", NULL,
			    "Invalid page: '%s'", q->page);
			goto out;
		}
		i = pi->seq;
	}
	/* One more than the limit tells whether there is more. */
	for (n = 0; i > 0 && n <= q->limit; i--) {
		if (store_matches(store_intents[i - 1], q))
			found[n++] = store_intents[i - 1];
	}

	res->status = 200;
	strbuf_appendf(out, "{\"object\":\"search_result\","
	    "\"url\":\"/v1/payment_intents/search\",\"has_more\":%s,"
	    "\"next_page\":", n > q->limit ? "true" : "false");
	if (n > q->limit) {
		n = q->limit;
		json_str(out, found[n - 1]->id);
	} else {
		strbuf_appends(out, "null");
	}
	strbuf_appends(out, ",\"data\":[");
	for (i = 0; i < n; i++) {
		if (i > 0)
			strbuf_appends(out, ",");
		store_intent_json(out, found[i], 0);
	}
	strbuf_appends(out, "]}");
out:
	pthread_mutex_unlock(&store_lock);
}

/*
 * amount < 0 refunds whatever has not been refunded yet; reason may be
 * NULL.
 */
void
store_refund_create(const char *pi_id, int64_t amount, const char *reason,
    const struct store_meta_input *meta, struct store_result *res,
    struct strbuf *out)
{
	struct store_intent	*pi;
	struct store_refund	*re;
	struct strbuf		 charge;
	int64_t			 left;

	pthread_mutex_lock(&store_lock);
	if ((pi = store_intent_find(pi_id)) == NULL) {
		store_fail(res, out, 400, "resource_missing", "payment_intent",
		    NULL, "No such payment_intent: '%s'", pi_id);
		goto out;
	}
	if (pi->status != STORE_SUCCEEDED) {
		store_fail(res, out, 400, "charge_not_refundable",
		    "payment_intent", NULL, "This PaymentIntent (%s) does not "
		    "have a successful charge to refund.", pi->id);
		goto out;
	}
	left = pi->amount - pi->refunded;
	if (left == 0) {
		store_fail(res, out, 400, "charge_already_refunded", NULL, NULL,
		    "Charge %s has already been refunded.", pi->charge);
		goto out;
	}
	if (amount > left) {
		store_fail(res, out, 400, "amount_too_large", "amount", NULL,
		    "Refund amount (%lld %s) is greater than unrefunded amount "
		    "on charge (%lld %s)", (long long)amount, pi->currency,
		    (long long)left, pi->currency);
		goto out;
	}
	if ((re = store_new(sizeof(*re), store_nrefunds, &store_refund_index,
	    "re", res, out)) == NULL)
		goto out;
	store_refunds[store_nrefunds++] = re;
	if (amount < 0)
		amount = left;
	pi->refunded += amount;
	re->pi = pi;
	re->amount = amount;
	(void)snprintf(re->reason, sizeof(re->reason), "%s",
	    reason != NULL ? reason : "");
	store_meta_set(&re->meta, meta);
	re->created = time(NULL);

	res->status = 200;
	store_refund_json(out, re);

	strbuf_init(&charge);
	store_charge_json(&charge, pi);
	store_event(pi, "charge.refunded", &charge);
	strbuf_free(&charge);
out:
	pthread_mutex_unlock(&store_lock);
}

void
store_refund_get(const char *id, struct store_result *res, struct strbuf *out)
{
	const struct store_refund	*re;

	pthread_mutex_lock(&store_lock);
	if ((re = hash_get(&store_refund_index, id)) == NULL) {
		store_fail(res, out, 404, "resource_missing", "id", NULL,
		    "No such refund: '%s'", id);
	} else {
		res->status = 200;
		store_refund_json(out, re);
	}
	pthread_mutex_unlock(&store_lock);
}

/* GET /_control/state, without its webhook counters (the caller adds them). */
void
store_state(struct strbuf *out)
{
	const struct store_intent	*pi;
	size_t				 i;

	pthread_mutex_lock(&store_lock);
	strbuf_appendf(out, "\"charges\":%llu,\"succeeded\":%llu,"
	    "\"failed\":%llu,\"refunds\":%llu,\"intents\":[",
	    (unsigned long long)store_charges,
	    (unsigned long long)store_succeeded,
	    (unsigned long long)store_failed,
	    (unsigned long long)store_nrefunds);
	for (i = 0; i < store_nintents; i++) {
		pi = store_intents[i];
		strbuf_appendf(out, "%s{\"id\":\"%s\",\"amount\":%lld,"
		    "\"amount_refunded\":%lld,\"currency\":\"%s\","
		    "\"status\":\"%s\",\"idempotency_key\":", i ? "," : "",
		    pi->id, (long long)pi->amount, (long long)pi->refunded,
		    pi->currency, store_status_names[pi->status]);
		json_str(out, pi->idempotency_key);
		strbuf_appends(out, ",\"metadata\":");
		store_meta_json(out, &pi->meta);
		strbuf_appends(out, "}");
	}
	strbuf_appends(out, "]");
	pthread_mutex_unlock(&store_lock);
}

/* Queues the intent's last event again, same id and body; 0 if none. */
int
store_resend(const char *id)
{
	struct store_intent	*pi;
	int			 found;

	found = 0;
	pthread_mutex_lock(&store_lock);
	if ((pi = store_intent_find(id)) != NULL && pi->last_event != NULL) {
		webhook_enqueue(pi->last_event, strlen(pi->last_event));
		found = 1;
	}
	pthread_mutex_unlock(&store_lock);
	return (found);
}

/*
 * Charges the intent's payment method; the outcome is the method's. The
 * event never expands (as Stripe's); a success answer may.
 */
static void
store_charge(struct store_intent *pi, int expand, struct store_result *res,
    struct strbuf *out)
{
	const struct stripe_decline	*d;
	struct strbuf			 obj;

	store_charges++;
	res->charged = 1;
	stripe_id(pi->charge, sizeof(pi->charge), "ch");
	pi->charge_pm = pi->pm;
	pi->last_error = pi->pm->outcome;

	strbuf_init(&obj);
	if (pi->last_error == STRIPE_SUCCEED) {
		store_succeeded++;
		pi->status = STORE_SUCCEEDED;
		store_announce(pi, "payment_intent.succeeded", expand, res,
		    out);
	} else {
		/* As with Stripe: the method is let go, the intent waits. */
		store_failed++;
		pi->status = STORE_REQUIRES_PAYMENT_METHOD;
		pi->pm = NULL;
		store_intent_json(&obj, pi, 0);
		store_event(pi, "payment_intent.payment_failed", &obj);
		d = stripe_decline(pi->last_error);
		res->status = 402;
		strbuf_appends(out, "{\"error\":{");
		stripe_error_fields(out, "card_error", d->code, d->decline_code,
		    NULL, d->message);
		strbuf_appendf(out, ",\"charge\":\"%s\",\"payment_intent\":",
		    pi->charge);
		strbuf_append(out, obj.data, obj.len);
		strbuf_appends(out, ",\"payment_method\":");
		store_pm_json(out, pi->charge_pm);
		strbuf_appends(out, "}}");
	}
	strbuf_free(&obj);
}

/* Builds the event, keeps it for resend, and queues it for delivery. */
static void
store_event(struct store_intent *pi, const char *type, const struct strbuf *obj)
{
	struct strbuf	 ev;
	char		 id[STRIPE_ID_LEN];

	stripe_id(id, sizeof(id), "evt");
	strbuf_init(&ev);
	strbuf_appendf(&ev, "{\"id\":\"%s\",\"object\":\"event\","
	    "\"api_version\":\"%s\",\"created\":%lld,\"livemode\":false,"
	    "\"pending_webhooks\":1,\"type\":\"%s\",\"data\":{\"object\":",
	    id, STORE_API_VERSION, (long long)time(NULL), type);
	strbuf_append(&ev, obj->data, obj->len);
	strbuf_appends(&ev, "}}");
	if (ev.failed) {
		fprintf(stderr, "standin: out of memory for event %s\n", type);
		strbuf_free(&ev);
		return;
	}
	free(pi->last_event);
	pi->last_event = ev.data;
	webhook_enqueue(ev.data, ev.len);
}

/*
 * A change that the intent itself answers: the event carries it as it
 * now is, and so does the 200 answer, expanded if asked.
 */
static void
store_announce(struct store_intent *pi, const char *type, int expand,
    struct store_result *res, struct strbuf *out)
{
	struct strbuf	 obj;

	strbuf_init(&obj);
	store_intent_json(&obj, pi, 0);
	store_event(pi, type, &obj);
	res->status = 200;
	if (expand)
		store_intent_json(out, pi, 1);
	else
		strbuf_append(out, obj.data, obj.len);
	strbuf_free(&obj);
}

static void
store_pm_json(struct strbuf *b, const struct store_pm *pm)
{
	strbuf_appendf(b, "{\"id\":\"%s\",\"object\":\"payment_method\","
	    "\"type\":\"%s\",\"created\":%lld,\"livemode\":false,"
	    "\"billing_details\":{\"name\":", pm->id,
	    pm->is_card ? "card" : "us_bank_account", (long long)pm->created);
	json_str(b, pm->name[0] != '\0' ? pm->name : NULL);
	if (pm->is_card) {
		strbuf_appendf(b, "},\"card\":{\"brand\":\"%s\","
		    "\"last4\":\"%s\",\"exp_month\":%d,\"exp_year\":%d,"
		    "\"funding\":\"credit\",\"country\":\"US\"}}",
		    pm->card.brand, pm->card.last4, pm->card.exp_month,
		    pm->card.exp_year);
	} else {
		strbuf_appendf(b, "},\"us_bank_account\":{"
		    "\"account_holder_type\":\"%s\","
		    "\"account_type\":\"checking\","
		    "\"bank_name\":\"STRIPE TEST BANK\",\"last4\":\"%s\","
		    "\"routing_number\":\"%s\"}}", pm->bank.holder_type,
		    pm->bank.last4, pm->bank.routing);
	}
}

/* What a receipt needs to say about how it was paid. */
static void
store_pm_details_json(struct strbuf *b, const struct store_pm *pm)
{
	if (pm->is_card) {
		strbuf_appendf(b, "{\"type\":\"card\",\"card\":{"
		    "\"brand\":\"%s\",\"last4\":\"%s\",\"exp_month\":%d,"
		    "\"exp_year\":%d}}",
		    pm->card.brand, pm->card.last4, pm->card.exp_month,
		    pm->card.exp_year);
	} else {
		strbuf_appendf(b, "{\"type\":\"us_bank_account\","
		    "\"us_bank_account\":{\"bank_name\":\"STRIPE TEST BANK\","
		    "\"last4\":\"%s\",\"account_holder_type\":\"%s\","
		    "\"routing_number\":\"%s\"}}", pm->bank.last4,
		    pm->bank.holder_type, pm->bank.routing);
	}
}

/* expand: latest_charge is the Charge itself, not its id. */
static void
store_intent_json(struct strbuf *b, const struct store_intent *pi,
    int expand)
{
	const struct stripe_decline	*d;
	const struct store_pm		*known;

	known = pi->pm != NULL ? pi->pm : pi->charge_pm;
	strbuf_appendf(b, "{\"id\":\"%s\",\"object\":\"payment_intent\","
	    "\"amount\":%lld,\"amount_received\":%lld,\"currency\":\"%s\","
	    "\"status\":\"%s\",\"canceled_at\":",
	    pi->id, (long long)pi->amount,
	    (long long)(pi->status == STORE_SUCCEEDED ? pi->amount : 0),
	    pi->currency, store_status_names[pi->status]);
	if (pi->status == STORE_CANCELED)
		strbuf_appendf(b, "%lld", (long long)pi->canceled_at);
	else
		strbuf_appends(b, "null");
	strbuf_appends(b, ",\"cancellation_reason\":");
	json_str(b, pi->cancellation_reason[0] != '\0' ?
	    pi->cancellation_reason : NULL);
	strbuf_appendf(b, ",\"capture_method\":\"automatic\","
	    "\"confirmation_method\":\"automatic\",\"created\":%lld,"
	    "\"livemode\":false,\"payment_method\":",
	    (long long)pi->created);
	json_str(b, pi->pm != NULL ? pi->pm->id : NULL);
	strbuf_appends(b, ",\"latest_charge\":");
	if (expand && pi->charge[0] != '\0')
		store_charge_json(b, pi);
	else
		json_str(b, pi->charge[0] != '\0' ? pi->charge : NULL);
	strbuf_appendf(b, ",\"payment_method_types\":[\"%s\"]",
	    known == NULL || known->is_card ? "card" : "us_bank_account");
	strbuf_appends(b, ",\"description\":");
	json_str(b, pi->description);
	strbuf_appends(b, ",\"receipt_email\":");
	json_str(b, pi->receipt_email);
	strbuf_appends(b, ",\"metadata\":");
	store_meta_json(b, &pi->meta);

	strbuf_appends(b, ",\"last_payment_error\":");
	if (pi->last_error == STRIPE_SUCCEED) {
		strbuf_appends(b, "null");
	} else {
		d = stripe_decline(pi->last_error);
		strbuf_appends(b, "{");
		stripe_error_fields(b, "card_error", d->code, d->decline_code,
		    NULL, d->message);
		strbuf_appendf(b, ",\"charge\":\"%s\",\"payment_method\":",
		    pi->charge);
		store_pm_json(b, pi->charge_pm);
		strbuf_appends(b, "}");
	}

	/*
	 * Deprecated: not where Stripe puts it (the charge, which
	 * expand[]=latest_charge gives); kept while the portal reads it.
	 */
	strbuf_appends(b, ",\"payment_method_details\":");
	if (pi->charge_pm == NULL)
		strbuf_appends(b, "null");
	else
		store_pm_details_json(b, pi->charge_pm);
	strbuf_appends(b, "}");
}

/* The intent's latest charge: a failed one if the intent has an error. */
static void
store_charge_json(struct strbuf *b, const struct store_intent *pi)
{
	const struct stripe_decline	*d;
	int				 paid;

	paid = pi->last_error == STRIPE_SUCCEED;
	strbuf_appendf(b, "{\"id\":\"%s\",\"object\":\"charge\","
	    "\"amount\":%lld,\"amount_captured\":%lld,\"amount_refunded\":%lld,"
	    "\"currency\":\"%s\",\"paid\":%s,\"refunded\":%s,"
	    "\"status\":\"%s\",\"payment_intent\":\"%s\","
	    "\"payment_method\":\"%s\",\"payment_method_details\":",
	    pi->charge, (long long)pi->amount,
	    (long long)(paid ? pi->amount : 0), (long long)pi->refunded,
	    pi->currency, paid ? "true" : "false",
	    paid && pi->refunded == pi->amount ? "true" : "false",
	    paid ? "succeeded" : "failed", pi->id, pi->charge_pm->id);
	store_pm_details_json(b, pi->charge_pm);
	d = stripe_decline(pi->last_error);
	strbuf_appends(b, ",\"failure_code\":");
	json_str(b, d->code);
	strbuf_appends(b, ",\"failure_message\":");
	json_str(b, d->message);
	strbuf_appends(b, "}");
}

/* Running out of memory drops a key, as it drops an optional field. */
static void
store_meta_set(struct store_meta *m, const struct store_meta_input *in)
{
	size_t		 i;

	for (i = 0; i < in->n; i++) {
		m->keys[m->n] = strdup(in->keys[i]);
		m->values[m->n] = strdup(in->values[i]);
		if (m->keys[m->n] == NULL || m->values[m->n] == NULL) {
			free(m->keys[m->n]);
			free(m->values[m->n]);
			continue;
		}
		m->n++;
	}
}

static void
store_meta_free(struct store_meta *m)
{
	size_t		 i;

	for (i = 0; i < m->n; i++) {
		free(m->keys[i]);
		free(m->values[i]);
	}
	m->n = 0;
}

static void
store_meta_json(struct strbuf *b, const struct store_meta *m)
{
	size_t		 i;

	strbuf_appends(b, "{");
	for (i = 0; i < m->n; i++) {
		if (i > 0)
			strbuf_appends(b, ",");
		json_str(b, m->keys[i]);
		strbuf_appends(b, ":");
		json_str(b, m->values[i]);
	}
	strbuf_appends(b, "}");
}

static void
store_refund_json(struct strbuf *b, const struct store_refund *re)
{
	strbuf_appendf(b, "{\"id\":\"%s\",\"object\":\"refund\","
	    "\"amount\":%lld,\"charge\":\"%s\",\"currency\":\"%s\","
	    "\"payment_intent\":\"%s\",\"status\":\"succeeded\","
	    "\"reason\":", re->id, (long long)re->amount, re->pi->charge,
	    re->pi->currency, re->pi->id);
	json_str(b, re->reason[0] != '\0' ? re->reason : NULL);
	strbuf_appends(b, ",\"metadata\":");
	store_meta_json(b, &re->meta);
	strbuf_appendf(b, ",\"created\":%lld}", (long long)re->created);
}

/* Every clause names a metadata key the intent has, with that value. */
static int
store_matches(const struct store_intent *pi, const struct store_search *q)
{
	size_t		 c, i;

	for (c = 0; c < q->nclauses; c++) {
		for (i = 0; i < pi->meta.n; i++) {
			if (strcmp(pi->meta.keys[i], q->keys[c]) == 0)
				break;
		}
		if (i == pi->meta.n || strcmp(pi->meta.values[i],
		    q->values[c]) != 0)
			return (0);
	}
	return (1);
}

/*
 * An error answer; with pi, the intent goes along as Stripe sends it.
 * Called with the lock held.
 */
static void
store_fail(struct store_result *res, struct strbuf *out, int status,
    const char *code, const char *param, const struct store_intent *pi,
    const char *fmt, ...)
{
	va_list		 ap;
	char		 msg[512];

	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);

	res->status = status;
	strbuf_appends(out, "{\"error\":{");
	stripe_error_fields(out, status >= 500 ? "api_error" :
	    "invalid_request_error", code, NULL, param, msg);
	if (pi != NULL) {
		strbuf_appends(out, ",\"payment_intent\":");
		store_intent_json(out, pi, 0);
	}
	strbuf_appends(out, "}}");
}

/*
 * A zeroed object whose first member, its id, is a new id with prefix,
 * mapped in index; NULL, with a 500 answered, if count objects of its
 * kind are held already or memory ran out.
 */
static void *
store_new(size_t size, size_t count, struct hash *index, const char *prefix,
    struct store_result *res, struct strbuf *out)
{
	char		*obj;

	if (count < STORE_MAX_OBJECTS && (obj = calloc(1, size)) != NULL) {
		stripe_id(obj, STRIPE_ID_LEN, prefix);
		if (hash_put(index, obj, obj))
			return (obj);
		free(obj);
	}
	store_fail(res, out, 500, NULL, NULL, NULL, "The stand-in holds no "
	    "more %s_ objects.", prefix);
	return (NULL);
}

static struct store_pm *
store_pm_find(const char *id)
{
	return (hash_get(&store_pm_index, id));
}

static struct store_intent *
store_intent_find(const char *id)
{
	return (hash_get(&store_intent_index, id));
}

/* The intent the path names, or NULL with a 404 answered. */
static struct store_intent *
store_intent_known(const char *id, struct store_result *res,
    struct strbuf *out)
{
	struct store_intent	*pi;

	if ((pi = store_intent_find(id)) == NULL)
		store_fail(res, out, 404, "resource_missing", "intent", NULL,
		    "No such payment_intent: '%s'", id);
	return (pi);
}

/* NULL stays NULL; running out of memory drops an optional field. */
static char *
store_strdup(const char *s)
{
	if (s == NULL)
		return (NULL);
	return (strdup(s));
}

static void
store_intent_free(struct store_intent *pi)
{
	store_meta_free(&pi->meta);
	free(pi->description);
	free(pi->receipt_email);
	free(pi->idempotency_key);
	free(pi->last_event);
	free(pi);
}
