/*
 * Webhook delivery: events wait in a queue and one background thread posts
 * them to the configured URL, signed the way Stripe signs them, retrying
 * with a doubling backoff (1 s, 2 s, 4 s, 8 s) until a 2xx or the fifth
 * attempt. What the control switches say (duplicate, delay, bad signature,
 * stale timestamp) is decided when an event is queued, so a test that
 * flips a switch knows exactly which events it affects. The queue is kept
 * in order of due time, and the sender keeps one curl handle for all its
 * deliveries, so that its connection (and TLS session) to the endpoint
 * stays open between events instead of being set up for each.
 *
 * The same file checks signatures for the receiver (-R), so that both ends
 * share one definition of the scheme.
 */
#include <sys/queue.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "standin.h"

#define WEBHOOK_ATTEMPTS	5
#define WEBHOOK_BACKOFF_MS	1000
#define WEBHOOK_MAX_QUEUE	10000
#define WEBHOOK_CONNECT_MS	3000L
#define WEBHOOK_TIMEOUT_MS	10000L
#define WEBHOOK_STALE_SECS	600
#define WEBHOOK_SIG_HEX		(2 * 32 + 1)

struct webhook_event {
	TAILQ_ENTRY(webhook_event)	 link;
	char			*body;
	size_t			 len;
	char			*url;
	char			*secret;
	int			 bad_signature;
	int			 stale;
	int			 attempts;
	int64_t			 due_ms;
};

TAILQ_HEAD(webhook_list, webhook_event);

static void	*webhook_main(void *);
static void	 webhook_insert(struct webhook_event *);
static int	 webhook_deliver(CURL *, const struct webhook_event *);
static size_t	 webhook_discard(char *, size_t, size_t, void *);
static int	 webhook_progress(void *, curl_off_t, curl_off_t, curl_off_t,
		    curl_off_t);
static int64_t	 webhook_now_ms(void);
static void	 webhook_sign(const char *, time_t, const char *, size_t,
		    char *, size_t);
static void	 webhook_event_free(struct webhook_event *);

static pthread_mutex_t		 webhook_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t		 webhook_cond;
static pthread_t		 webhook_thread;
static int			 webhook_running;
static int			 webhook_quit;
static struct webhook_list	 webhook_queue =
				    TAILQ_HEAD_INITIALIZER(webhook_queue);
static size_t			 webhook_queued;
static char			*webhook_url;
static char			*webhook_secret;
static char			*webhook_secret_orig;
static char			*webhook_cafile;
static uint64_t			 webhook_sent;
static uint64_t			 webhook_attempts;
static uint64_t			 webhook_given_up;
static uint64_t			 webhook_connections;

/* url may be NULL (set later through /_control); cafile too. */
int
webhook_init(const char *url, const char *secret, const char *cafile)
{
	pthread_condattr_t	 attr;

	if (url != NULL && !webhook_set_url(url))
		return (0);
	if (!webhook_set_secret(secret))
		return (0);
	if ((webhook_secret_orig = strdup(secret)) == NULL)
		return (0);
	if (cafile != NULL && (webhook_cafile = strdup(cafile)) == NULL)
		return (0);

	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&webhook_cond, &attr);
	pthread_condattr_destroy(&attr);
	if (pthread_create(&webhook_thread, NULL, webhook_main, NULL) != 0)
		return (0);
	webhook_running = 1;
	return (1);
}

/* Stops the sender; events not delivered by now are dropped. */
void
webhook_cleanup(void)
{
	struct webhook_event	*ev;

	if (webhook_running) {
		pthread_mutex_lock(&webhook_lock);
		webhook_quit = 1;
		pthread_cond_broadcast(&webhook_cond);
		pthread_mutex_unlock(&webhook_lock);
		pthread_join(webhook_thread, NULL);
		pthread_cond_destroy(&webhook_cond);
		webhook_running = 0;
	}
	while ((ev = TAILQ_FIRST(&webhook_queue)) != NULL) {
		TAILQ_REMOVE(&webhook_queue, ev, link);
		webhook_event_free(ev);
	}
	free(webhook_url);
	if (webhook_secret != NULL)
		OPENSSL_cleanse(webhook_secret, strlen(webhook_secret));
	free(webhook_secret);
	if (webhook_secret_orig != NULL)
		OPENSSL_cleanse(webhook_secret_orig,
		    strlen(webhook_secret_orig));
	free(webhook_secret_orig);
	free(webhook_cafile);
	webhook_url = webhook_secret = webhook_secret_orig = NULL;
	webhook_cafile = NULL;
}

/* An http or https URL, or "" to stop sending. */
int
webhook_set_url(const char *url)
{
	char		*copy;
	size_t		 i;

	if (strlen(url) > WEBHOOK_MAX_URL)
		return (0);
	for (i = 0; url[i] != '\0'; i++) {
		if ((unsigned char)url[i] <= 0x20 || url[i] == 0x7f)
			return (0);
	}
	if (url[0] != '\0' && strncmp(url, "http://", 7) != 0 &&
	    strncmp(url, "https://", 8) != 0)
		return (0);
	copy = NULL;
	if (url[0] != '\0' && (copy = strdup(url)) == NULL)
		return (0);
	pthread_mutex_lock(&webhook_lock);
	free(webhook_url);
	webhook_url = copy;
	pthread_mutex_unlock(&webhook_lock);
	return (1);
}

int
webhook_set_secret(const char *secret)
{
	char		*copy;

	if (strncmp(secret, "whsec_", 6) != 0 || secret[6] == '\0' ||
	    strlen(secret) > WEBHOOK_MAX_SECRET)
		return (0);
	if ((copy = strdup(secret)) == NULL)
		return (0);
	pthread_mutex_lock(&webhook_lock);
	if (webhook_secret != NULL)
		OPENSSL_cleanse(webhook_secret, strlen(webhook_secret));
	free(webhook_secret);
	webhook_secret = copy;
	pthread_mutex_unlock(&webhook_lock);
	return (1);
}

/* Back to the secret given with -w. */
void
webhook_reset_secret(void)
{
	if (webhook_secret_orig != NULL)
		(void)webhook_set_secret(webhook_secret_orig);
}

/* Queues one event body (copied) for delivery, or two with duplicate on. */
void
webhook_enqueue(const char *body, size_t len)
{
	struct webhook_switches	 sw;
	struct webhook_event	*ev;
	int			 i;

	control_webhook_switches(&sw);
	pthread_mutex_lock(&webhook_lock);
	for (i = 0; i < (sw.duplicate ? 2 : 1) && webhook_url != NULL; i++) {
		if (webhook_queued == WEBHOOK_MAX_QUEUE) {
			fprintf(stderr, "standin: webhook queue full\n");
			break;
		}
		if ((ev = calloc(1, sizeof(*ev))) == NULL ||
		    (ev->body = malloc(len + 1)) == NULL ||
		    (ev->url = strdup(webhook_url)) == NULL ||
		    (ev->secret = strdup(webhook_secret)) == NULL) {
			fprintf(stderr, "standin: out of memory for webhook\n");
			webhook_event_free(ev);
			break;
		}
		memcpy(ev->body, body, len);
		ev->body[len] = '\0';
		ev->len = len;
		ev->bad_signature = sw.bad_signature;
		ev->stale = sw.stale;
		ev->due_ms = webhook_now_ms() + sw.delay_ms;
		webhook_insert(ev);
	}
	pthread_cond_broadcast(&webhook_cond);
	pthread_mutex_unlock(&webhook_lock);
}

void
webhook_stats(struct webhook_counts *wc)
{
	pthread_mutex_lock(&webhook_lock);
	wc->sent = webhook_sent;
	wc->attempts = webhook_attempts;
	wc->given_up = webhook_given_up;
	wc->pending = webhook_queued;
	wc->connections = webhook_connections;
	pthread_mutex_unlock(&webhook_lock);
}

/*
 * The sender. A failure to make the curl handle leaves the events queued
 * (and counted as pending) until the stop drops them.
 */
static void *
webhook_main(void *arg)
{
	struct webhook_event	*ev;
	struct timespec		 ts;
	int64_t			 now, wait;
	CURL			*curl;
	long			 opened;
	int			 ok;

	if ((curl = curl_easy_init()) == NULL)
		fprintf(stderr, "standin: cannot make a curl handle\n");
	pthread_mutex_lock(&webhook_lock);
	while (!webhook_quit) {
		if ((ev = TAILQ_FIRST(&webhook_queue)) == NULL ||
		    curl == NULL) {
			pthread_cond_wait(&webhook_cond, &webhook_lock);
			continue;
		}
		now = webhook_now_ms();
		if ((wait = ev->due_ms - now) > 0) {
			(void)clock_gettime(CLOCK_MONOTONIC, &ts);
			ts.tv_sec += wait / 1000;
			ts.tv_nsec += (wait % 1000) * 1000000;
			if (ts.tv_nsec >= 1000000000) {
				ts.tv_sec++;
				ts.tv_nsec -= 1000000000;
			}
			(void)pthread_cond_timedwait(&webhook_cond,
			    &webhook_lock, &ts);
			continue;
		}
		TAILQ_REMOVE(&webhook_queue, ev, link);
		webhook_queued--;
		webhook_attempts++;
		pthread_mutex_unlock(&webhook_lock);

		ok = webhook_deliver(curl, ev);
		opened = 0;
		(void)curl_easy_getinfo(curl, CURLINFO_NUM_CONNECTS, &opened);

		pthread_mutex_lock(&webhook_lock);
		webhook_connections += (uint64_t)opened;
		ev->attempts++;
		if (ok) {
			webhook_sent++;
			webhook_event_free(ev);
		} else if (ev->attempts == WEBHOOK_ATTEMPTS || webhook_quit) {
			webhook_given_up++;
			webhook_event_free(ev);
		} else {
			ev->due_ms = webhook_now_ms() +
			    ((int64_t)WEBHOOK_BACKOFF_MS << (ev->attempts - 1));
			webhook_insert(ev);
		}
	}
	pthread_mutex_unlock(&webhook_lock);
	curl_easy_cleanup(curl);
	return (NULL);
}

/*
 * Queues ev after every event due no later than it, so the head is always
 * the next one due and events due at once go in the order they came. New
 * events are mostly due last: the walk from the tail is short. Called with
 * the lock held.
 */
static void
webhook_insert(struct webhook_event *ev)
{
	struct webhook_event	*before;

	TAILQ_FOREACH_REVERSE(before, &webhook_queue, webhook_list, link) {
		if (before->due_ms <= ev->due_ms)
			break;
	}
	if (before != NULL)
		TAILQ_INSERT_AFTER(&webhook_queue, before, ev, link);
	else
		TAILQ_INSERT_HEAD(&webhook_queue, ev, link);
	webhook_queued++;
}

/*
 * One attempt; 1 if the endpoint answered 2xx. curl_easy_reset() clears
 * the options of the last event but keeps the handle's open connections
 * and TLS sessions, which is the point of keeping it.
 */
static int
webhook_deliver(CURL *curl, const struct webhook_event *ev)
{
	struct curl_slist	*hdrs, *h;
	char			 sig[WEBHOOK_SIG_HEX], line[128];
	long			 status;
	time_t			 t;
	CURLcode		 rc;

	t = time(NULL);
	if (ev->stale)
		t -= WEBHOOK_STALE_SECS;
	/* A wrong secret of the right shape, so only the HMAC differs. */
	webhook_sign(ev->bad_signature ? "whsec_not_the_secret" : ev->secret,
	    t, ev->body, ev->len, sig, sizeof(sig));
	(void)snprintf(line, sizeof(line), "Stripe-Signature: t=%lld,v1=%s",
	    (long long)t, sig);

	curl_easy_reset(curl);
	hdrs = NULL;
	if ((h = curl_slist_append(hdrs, line)) != NULL)
		hdrs = h;
	if ((h = curl_slist_append(hdrs,
	    "Content-Type: application/json; charset=utf-8")) != NULL)
		hdrs = h;
	if ((h = curl_slist_append(hdrs, "Expect:")) != NULL)
		hdrs = h;

	curl_easy_setopt(curl, CURLOPT_URL, ev->url);
	curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(curl, CURLOPT_USERAGENT,
	    "Stripe/1.0 (+https://stripe.com/docs/webhooks)");
	curl_easy_setopt(curl, CURLOPT_POSTFIELDS, ev->body);
	curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE,
	    (curl_off_t)ev->len);
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, WEBHOOK_CONNECT_MS);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, WEBHOOK_TIMEOUT_MS);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, webhook_discard);
	curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, webhook_progress);
	if (webhook_cafile != NULL)
		curl_easy_setopt(curl, CURLOPT_CAINFO, webhook_cafile);

	status = 0;
	if ((rc = curl_easy_perform(curl)) == CURLE_OK)
		curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
	else
		fprintf(stderr, "standin: webhook to %s: %s\n", ev->url,
		    curl_easy_strerror(rc));
	curl_slist_free_all(hdrs);
	OPENSSL_cleanse(line, sizeof(line));
	return (status >= 200 && status < 300);
}

static size_t
webhook_discard(char *data, size_t size, size_t n, void *arg)
{
	return (size * n);
}

/* Lets a stop interrupt a transfer to a slow endpoint. */
static int
webhook_progress(void *arg, curl_off_t dltotal, curl_off_t dlnow,
    curl_off_t ultotal, curl_off_t ulnow)
{
	int		 quit;

	pthread_mutex_lock(&webhook_lock);
	quit = webhook_quit;
	pthread_mutex_unlock(&webhook_lock);
	return (quit);
}

/* hex(HMAC-SHA256(secret, "<t>.<body>")); all of whsec_... is the key. */
static void
webhook_sign(const char *secret, time_t t, const char *body, size_t len,
    char *hex, size_t hexlen)
{
	unsigned char	 mac[EVP_MAX_MD_SIZE];
	unsigned int	 maclen, i;
	char		 prefix[32];
	unsigned char	*msg;
	int		 plen;

	plen = snprintf(prefix, sizeof(prefix), "%lld.", (long long)t);
	if (plen < 0 || hexlen < WEBHOOK_SIG_HEX ||
	    (msg = malloc((size_t)plen + len)) == NULL)
		abort();
	memcpy(msg, prefix, (size_t)plen);
	memcpy(msg + plen, body, len);
	if (HMAC(EVP_sha256(), secret, (int)strlen(secret), msg,
	    (size_t)plen + len, mac, &maclen) == NULL)
		abort();
	free(msg);
	for (i = 0; i < maclen; i++)
		(void)snprintf(hex + 2 * i, 3, "%02x", mac[i]);
	OPENSSL_cleanse(mac, sizeof(mac));
}

/*
 * Checks a Stripe-Signature header as Stripe's libraries do: any v1 may
 * match (several appear while a secret rotates), other schemes are
 * ignored, and the timestamp must be within the tolerance of now.
 */
enum webhook_verdict
webhook_verify(const char *header, const char *secret, const char *body,
    size_t len, time_t now)
{
	char		 want[WEBHOOK_SIG_HEX], num[13];
	const char	*p, *end;
	long long	 t;
	int		 have_t, have_v1, match;
	size_t		 n;

	have_t = have_v1 = match = 0;
	t = 0;
	for (p = header; *p != '\0'; p = *end == ',' ? end + 1 : end) {
		if ((end = strchr(p, ',')) == NULL)
			end = p + strlen(p);
		n = (size_t)(end - p);
		if (!have_t && n > 2 && n - 2 < sizeof(num) &&
		    strncmp(p, "t=", 2) == 0) {
			memcpy(num, p + 2, n - 2);
			num[n - 2] = '\0';
			if (!stripe_digits(num, 1, sizeof(num) - 1))
				return (WEBHOOK_MALFORMED);
			t = strtoll(num, NULL, 10);
			have_t = 1;
		} else if (n == 3 + 64 && strncmp(p, "v1=", 3) == 0) {
			have_v1 = 1;
		}
	}
	if (!have_t || !have_v1)
		return (WEBHOOK_MALFORMED);

	webhook_sign(secret, (time_t)t, body, len, want, sizeof(want));
	for (p = header; *p != '\0'; p = *end == ',' ? end + 1 : end) {
		if ((end = strchr(p, ',')) == NULL)
			end = p + strlen(p);
		if ((size_t)(end - p) == 3 + 64 && strncmp(p, "v1=", 3) == 0 &&
		    CRYPTO_memcmp(p + 3, want, 64) == 0)
			match = 1;
	}
	if (!match)
		return (WEBHOOK_BAD_SIGNATURE);
	if (now - t > WEBHOOK_TOLERANCE || t - now > WEBHOOK_TOLERANCE)
		return (WEBHOOK_STALE);
	return (WEBHOOK_OK);
}

const char *
webhook_verdict_name(enum webhook_verdict v)
{
	switch (v) {
	case WEBHOOK_OK:
		return ("ok");
	case WEBHOOK_MALFORMED:
		return ("malformed");
	case WEBHOOK_BAD_SIGNATURE:
		return ("bad_signature");
	case WEBHOOK_STALE:
		return ("stale");
	}
	return ("unknown");
}

static int64_t
webhook_now_ms(void)
{
	struct timespec	 ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

static void
webhook_event_free(struct webhook_event *ev)
{
	if (ev == NULL)
		return;
	if (ev->secret != NULL)
		OPENSSL_cleanse(ev->secret, strlen(ev->secret));
	free(ev->secret);
	free(ev->url);
	free(ev->body);
	free(ev);
}
