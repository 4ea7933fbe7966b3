/*
 * The Stripe-shaped payment gateway, as bytes: the form bodies that create
 * a PaymentIntent or a refund, and what their answers and webhook events
 * mean for an attempt or a refund. No I/O here; the HTTP glue moves the
 * bytes.
 */
#ifndef PAYPORTAL_GATEWAY_H
#define PAYPORTAL_GATEWAY_H

#include <stddef.h>
#include <stdint.h>

#define GATEWAY_MAX_BODY	(1024 * 1024)	/* larger ones are not read */

/*
 * Stripe answers latest_charge as an id unless asked to expand it, and the
 * card's brand and last four digits are on the charge.
 */
#define GATEWAY_EXPAND		"expand[]=latest_charge"

enum gateway_outcome {
	GATEWAY_SUCCEEDED,	/* money moved: write the receipt */
	GATEWAY_DECLINED,	/* definitely not charged */
	GATEWAY_PENDING,	/* the intent exists but is not final */
	GATEWAY_UNKNOWN,	/* cannot tell: settle later, never as failed */
	GATEWAY_REJECTED	/* our request was wrong: not charged; log it */
};

/*
 * Identifiers (intent_id, status, currency, brand, last4, attempt, code)
 * are all or nothing: one that does not fit or has characters it cannot
 * have is left "", since a cut id names something else. Only message is
 * cut to fit, at a UTF-8 character boundary, with control characters
 * turned into spaces.
 */
struct gateway_result {
	enum gateway_outcome	 outcome;
	char			 intent_id[64];	/* "pi_..." or "" */
	char			 status[32];	/* intent status or "" */
	int64_t			 amount;	/* the intent's amount, or -1 */
	char			 currency[4];	/* upper-cased "USD", or "" */
	char			 brand[16];	/* "visa", "bank" ... or "" */
	char			 last4[5];	/* 4 digits or "" */
	char			 attempt[37];	/* metadata[attempt] or "" */
	char			 code[64];	/* decline_code, else code */
	char			 message[256];	/* for logs and the customer */
};

struct strbuf;

/*
 * Appends the form body for POST /v1/payment_intents: amount, currency
 * (lower-cased), payment_method, confirm=true, description,
 * metadata[attempt] and metadata[link], receipt_email, and GATEWAY_EXPAND.
 * description and receipt_email are left out when NULL or "". Values are percent-encoded (RFC 3986 unreserved
 * characters kept, a space is %20). Returns 0, with nothing appended,
 * for an amount <= 0, a currency that is not 3 ASCII letters, an empty
 * payment_method, attempt or link, a control character in any of those or
 * in receipt_email, or an allocation failure.
 */
int	gateway_intent_body(struct strbuf *, int64_t, const char *,
	    const char *, const char *, const char *, const char *,
	    const char *);

/*
 * Reads the answer to POST /v1/payment_intents, its confirm endpoint or
 * GET /v1/payment_intents/{id}. http_status 0 means there was no answer.
 *
 * 2xx with a PaymentIntent: by its status; "succeeded" SUCCEEDED,
 * "requires_payment_method" or "canceled" DECLINED (with the intent's
 * last_payment_error, if any), "processing", "requires_action",
 * "requires_confirmation" or "requires_capture" PENDING, anything else
 * UNKNOWN. Other 2xx bodies are UNKNOWN.
 *
 * An error body {"error":{...}} carrying a payment_intent that says
 * "succeeded" or "processing" is SUCCEEDED or PENDING whatever the error:
 * confirming an intent that had already succeeded answers 400, and must
 * not read as "not charged". Otherwise: 402, or a "card_error" under 400,
 * is DECLINED; 400 (idempotency_error with other parameters included),
 * 401, 403 and 404 REJECTED.
 *
 * UNKNOWN: no answer, 5xx, 429, 409 (a request with the same key still
 * running), any other status, a 4xx whose body is not a gateway error,
 * malformed JSON, or a body over GATEWAY_MAX_BODY.
 */
void	gateway_parse_intent(long, const char *, size_t,
	    struct gateway_result *);

/*
 * Reads a webhook event: {"id":"evt_...","type":"...","data":{"object":
 * {...}}}. The id (up to idlen - 1 bytes of [A-Za-z0-9_]) and the type go
 * to the buffers; a type that does not fit or is not made of [a-z_.] is
 * given as "", for the caller to ignore. A PaymentIntent object fills the
 * result as a 2xx answer would; any other object leaves it UNKNOWN with
 * no intent_id. Returns 0, with id and type "", if the body is not a
 * well-formed event.
 */
int	gateway_parse_event(const char *, size_t, char *, size_t, char *,
	    size_t, struct gateway_result *);

/*
 * Appends the query string of GET /v1/payment_intents/search that finds
 * the intents made for an attempt: query=metadata['attempt']:'<attempt>'.
 * Returns 0, with nothing appended, for an attempt id that is not made of
 * [A-Za-z0-9-] (it is quoted in the query), or an allocation failure.
 */
int	gateway_search_query(struct strbuf *, const char *);

/*
 * Reads the answer to that search: 1 with r filled as from a 2xx intent
 * when it found one (a succeeded one first, then one that is not
 * declined, then any), 0 when the gateway says there is none, -1 when it
 * cannot tell (no answer, not a 2xx, not a search result).
 */
int	gateway_parse_search(long, const char *, size_t,
	    struct gateway_result *);

/*
 * A refund as the gateway answers it. As in struct gateway_result,
 * identifiers are all or nothing and only message is cut to fit.
 */
struct gateway_refund {
	enum gateway_outcome	 outcome;
	char			 refund_id[64];	/* "re_..." */
	char			 status[32];	/* the refund's */
	char			 intent_id[64];	/* payment_intent */
	int64_t			 amount;	/* or -1 */
	char			 currency[4];	/* upper case */
	char			 refund[37];	/* metadata[refund] */
	char			 code[64];	/* failure_reason, code */
	char			 message[256];
};

/*
 * Appends the form body for POST /v1/refunds: payment_intent, amount,
 * reason=requested_by_customer and metadata[refund]. Returns 0, with
 * nothing appended, for an intent that is not "pi_" and [A-Za-z0-9_], an
 * amount <= 0, a refund id that is empty or not made of [A-Za-z0-9-], or
 * an allocation failure.
 */
int	gateway_refund_body(struct strbuf *, const char *, int64_t,
	    const char *);

/*
 * Reads the answer to POST /v1/refunds or GET /v1/refunds/{id}.
 * http_status 0 means there was no answer.
 *
 * 2xx with a Refund (a "re_" id and a status): "succeeded" SUCCEEDED;
 * "pending" or "requires_action" PENDING; "failed" or "canceled" DECLINED,
 * its failure_reason as code; anything else UNKNOWN. Other 2xx bodies are
 * UNKNOWN.
 *
 * An error body {"error":{"type":...}}: an idempotency_error is REJECTED
 * whatever the status, since it says nothing of the first request with
 * the key; otherwise 400 or 402 is DECLINED (the gateway looked at the
 * refund and made none: amount_too_large, charge_already_refunded ...),
 * 401, 403 and 404 REJECTED.
 *
 * UNKNOWN: no answer, 5xx, 429, 409, any other status, a 4xx whose body
 * is not a gateway error, malformed JSON, or a body over GATEWAY_MAX_BODY.
 */
void	gateway_parse_refund(long, const char *, size_t,
	    struct gateway_refund *);

/*
 * The payment_intent of the Charge in a webhook event (charge.refunded
 * carries the Charge, not the refund): 1 with the "pi_..." id in intent,
 * or 0 with "" when the body is not an event about an intent's charge.
 */
int	gateway_parse_charge_event(const char *, size_t, char *, size_t);

/*
 * The nine parameters of payment_settle (sql/003_payments.sql) for an
 * outcome: attempt, success, intent, brand, last4, code, message, who
 * settles it, amount. A request the gateway rejected charged nothing and
 * fails like a decline. amount is scratch space for the amount as text.
 */
void	gateway_settle_params(const struct gateway_result *, const char *,
	    const char *, char *, size_t, const char **);

#endif
