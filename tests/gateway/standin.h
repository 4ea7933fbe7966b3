/*
 * The gateway stand-in: a small HTTP/1.1 server that speaks the part of the
 * Stripe API the portal uses, keeps its state in memory and can be told to
 * misbehave. One header for the whole program; each section belongs to the
 * file named in its comment and uses that file's prefix.
 */
#ifndef STANDIN_H
#define STANDIN_H

#include <sys/types.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "form.h"
#include "strbuf.h"

/* Hard limits: everything an outsider can send is bounded. */
#define HTTP_MAX_HEAD		(16 * 1024)
#define HTTP_MAX_BODY		(64 * 1024)
#define HTTP_MAX_HEADERS	64
#define HTTP_IDLE_MS		15000	/* for a request to start */
#define HTTP_READ_MS		10000	/* for the rest, once started */
#define HTTP_WRITE_MS		10000
#define SERVER_MAX_CONNS	1024

/* json.c: JSON text on top of src/strbuf.c. */
void		 json_str(struct strbuf *, const char *);

/* hash.c: string-keyed lookup tables; keys belong to the values. */
struct hash_slot {
	const char	*key;		/* NULL: empty */
	void		*value;
	uint64_t	 hash;
};

struct hash {
	struct hash_slot	*slots;
	size_t			 cap;	/* 0 or a power of two */
	size_t			 n;
};

void		 hash_init(struct hash *);
void		 hash_free(struct hash *);
void		*hash_get(const struct hash *, const char *);
int		 hash_put(struct hash *, const char *, void *);
void		 hash_del(struct hash *, const char *);

/*
 * params.c: form bodies and query strings, parsed by src/form.c. Each
 * field remembers whether an endpoint asked for it, so that unknown
 * parameters can be refused the way Stripe refuses them.
 */
struct params {
	struct form	 form;
	int		*used;		/* one flag per field */
};

void		 params_init(struct params *);
int		 params_parse(struct params *, const char *, size_t, char *,
		    size_t);
const char	*params_get(struct params *, const char *);
const char	*params_prefixed(struct params *, const char *, size_t *,
		    const char **);
const char	*params_unused(const struct params *);
void		 params_free(struct params *);

/* http.c: one connection's requests and responses. */
struct http_header {
	char		*name;
	char		*value;
};

struct http_request {
	char			*method;
	char			*path;
	char			*query;
	struct http_header	 headers[HTTP_MAX_HEADERS];
	size_t			 nheaders;
	char			*body;
	size_t			 bodylen;
	int			 keepalive;
	int			 loopback;
};

struct http_response {
	int		 status;
	struct strbuf	 headers;	/* extra "Name: value\r\n" lines */
	struct strbuf	 body;
	int		 drop;		/* close without answering */
};

struct http_conn {
	int		 fd;
	int		 loopback;
	char		*in;
	size_t		 inlen;
	size_t		 consumed;	/* by the current request */
};

#define HTTP_READ_OK		1
#define HTTP_READ_CLOSED	0
#define HTTP_READ_ERROR		(-1)

int		 http_conn_init(struct http_conn *, int, int);
void		 http_conn_free(struct http_conn *);
int		 http_read_request(struct http_conn *, struct http_request *,
		    int *);
const char	*http_header(const struct http_request *, const char *);
void		 http_response_init(struct http_response *);
void		 http_response_free(struct http_response *);
void		 http_response_header(struct http_response *, const char *,
		    const char *);
int		 http_send(struct http_conn *, const struct http_request *,
		    struct http_response *);
int		 http_send_error(struct http_conn *, int);

/* server.c: listener, one thread per connection, orderly stop. */
int		 server_listen(const char *, char *, size_t);
void		 server_run(void (*)(struct http_request *,
		    struct http_response *));
void		 server_stop(void);
int		 server_stopping(void);
int		 server_sleep_ms(long);

/* stripe.c: Stripe's wire conventions and its documented test numbers. */
enum stripe_outcome {
	STRIPE_SUCCEED,
	STRIPE_GENERIC_DECLINE,
	STRIPE_INSUFFICIENT_FUNDS,
	STRIPE_EXPIRED_CARD,
	STRIPE_INCORRECT_CVC,
	STRIPE_PROCESSING_ERROR,
	STRIPE_ACCOUNT_CLOSED,
	STRIPE_BANK_INSUFFICIENT_FUNDS
};

struct stripe_decline {
	const char	*code;
	const char	*decline_code;	/* NULL: not a card_declined */
	const char	*message;
};

#define STRIPE_ID_LEN		32
#define STRIPE_AMOUNT_MAX	99999999	/* eight digits, as Stripe */

void		 stripe_id(char *, size_t, const char *);
void		 stripe_error(struct strbuf *, const char *, const char *,
		    const char *, const char *);
void		 stripe_error_fields(struct strbuf *, const char *,
		    const char *, const char *, const char *, const char *);
int		 stripe_luhn(const char *);
const char	*stripe_card_brand(const char *);
enum stripe_outcome	 stripe_card_outcome(const char *);
enum stripe_outcome	 stripe_bank_outcome(const char *);
int		 stripe_routing_valid(const char *);
const struct stripe_decline	*stripe_decline(enum stripe_outcome);
int		 stripe_digits(const char *, size_t, size_t);
int		 stripe_amount(const char *, int64_t *);

/* store.c: payment methods, intents and refunds, and what happens to them. */
#define STORE_MAX_METADATA	20
#define STORE_MAX_META_KEY	40	/* Stripe's limits */
#define STORE_MAX_META_VALUE	500
#define STORE_MAX_NAME		128
#define STORE_MAX_CLAUSES	10	/* in a search query, as Stripe */
#define STORE_MAX_LIMIT		100

struct store_card {
	char		 brand[16];
	char		 last4[5];
	int		 exp_month;
	int		 exp_year;
};

struct store_bank {
	char		 last4[5];
	char		 routing[10];
	char		 holder_type[16];
};

struct store_pm_input {
	int			 is_card;
	struct store_card	 card;
	struct store_bank	 bank;
	char			 name[STORE_MAX_NAME + 1];
	enum stripe_outcome	 outcome;
};

/* metadata[key]=value of an intent or a refund, as the request gave it. */
struct store_meta_input {
	char		 keys[STORE_MAX_METADATA][STORE_MAX_META_KEY + 1];
	const char	*values[STORE_MAX_METADATA];
	size_t		 n;
};

struct store_intent_input {
	int64_t			 amount;
	char			 currency[4];
	const char		*pm;			/* NULL: none yet */
	int			 confirm;
	const char		*description;
	const char		*receipt_email;
	struct store_meta_input	 meta;
	const char		*idempotency_key;
	int			 expand_charge;	/* expand[]=latest_charge */
};

/* metadata['key']:'value' AND ...: every clause must match. */
struct store_search {
	char		 keys[STORE_MAX_CLAUSES][STORE_MAX_META_KEY + 1];
	char		 values[STORE_MAX_CLAUSES][STORE_MAX_META_VALUE + 1];
	size_t		 nclauses;
	size_t		 limit;
	const char	*page;		/* a next_page, or NULL */
};

/* What an operation did, so the caller can apply drop_after_charge. */
struct store_result {
	int		 status;
	int		 charged;
};

int	store_init(void);
void	store_cleanup(void);
void	store_pm_create(const struct store_pm_input *,
	    struct store_result *, struct strbuf *);
void	store_intent_create(const struct store_intent_input *,
	    struct store_result *, struct strbuf *);
void	store_intent_confirm(const char *, const char *, int,
	    struct store_result *, struct strbuf *);
void	store_intent_get(const char *, int, struct store_result *,
	    struct strbuf *);
void	store_intent_cancel(const char *, const char *, int,
	    struct store_result *, struct strbuf *);
void	store_intent_search(const struct store_search *,
	    struct store_result *, struct strbuf *);
void	store_refund_create(const char *, int64_t, const char *,
	    const struct store_meta_input *, struct store_result *,
	    struct strbuf *);
void	store_refund_get(const char *, struct store_result *,
	    struct strbuf *);
void	store_state(struct strbuf *);
int	store_resend(const char *);

/* idem.c: Idempotency-Key results. */
#define IDEM_MAX_KEY		255
#define IDEM_MAX_ENTRIES	16384	/* answers kept, unless -K says */

enum idem_verdict {
	IDEM_NEW,
	IDEM_ANSWERED,
	IDEM_STOPPING
};

void		 idem_init(size_t);
void		 idem_cleanup(void);
enum idem_verdict	 idem_begin(const char *, const struct http_request *,
		    struct http_response *);
void		 idem_finish(const char *, const struct http_response *);
void		 idem_abandon(const char *);

/* webhook.c: signed event delivery with retries, and signature checks. */
#define WEBHOOK_TOLERANCE	300	/* seconds, as Stripe's libraries */
#define WEBHOOK_MAX_URL		2048
#define WEBHOOK_MAX_SECRET	256

enum webhook_verdict {
	WEBHOOK_OK,
	WEBHOOK_MALFORMED,
	WEBHOOK_BAD_SIGNATURE,
	WEBHOOK_STALE
};

/* For GET /_control/state. */
struct webhook_counts {
	uint64_t	 sent;
	uint64_t	 attempts;
	uint64_t	 given_up;
	uint64_t	 pending;
	uint64_t	 connections;	/* new ones the sender had to open */
};

struct webhook_switches {
	int		 duplicate;
	long		 delay_ms;
	int		 bad_signature;
	int		 stale;
};

int	webhook_init(const char *, const char *, const char *);
void	webhook_cleanup(void);
int	webhook_set_url(const char *);
int	webhook_set_secret(const char *);
void	webhook_reset_secret(void);
void	webhook_enqueue(const char *, size_t);
void	webhook_stats(struct webhook_counts *);
enum webhook_verdict	webhook_verify(const char *, const char *,
	    const char *, size_t, time_t);
const char	*webhook_verdict_name(enum webhook_verdict);

/* control.c: the switches tests flip through /_control. */
void	control_handle(struct http_request *, struct http_response *);
int	control_take_fail_next(void);
int	control_take_drop(void);
long	control_delay_ms(void);
void	control_webhook_switches(struct webhook_switches *);

/* sms.c: Twilio's Messages API (-a sid:token), and /_control/sms. */
int	sms_init(const char *);
void	sms_cleanup(void);
void	sms_handle(struct http_request *, struct http_response *);
void	sms_control(struct http_request *, struct http_response *);
void	sms_reset(void);

/* api.c: the /v1 routes. */
void	api_handle(struct http_request *, struct http_response *);
int	api_init(const char *, const char *);
void	api_cleanup(void);

/* receiver.c: -R mode, a webhook endpoint that checks signatures. */
int	receiver_init(const char *, const char *, long);
void	receiver_cleanup(void);
void	receiver_handle(struct http_request *, struct http_response *);

#endif
