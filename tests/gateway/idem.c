/*
 * Idempotency keys, as Stripe keeps them: the first request with a key
 * runs and its answer is saved; a later request with the same key and the
 * same method, path and body gets that answer again without running; the
 * same key with anything else is refused. A request whose key is still in
 * use by a running request waits for it and then replays its answer.
 *
 * Only answers from endpoints that ran are saved (api.c decides): a
 * refused key or a 500 from fail_next leaves nothing behind, so a retry
 * runs for real, as with Stripe. The oldest saved answers are forgotten
 * once the most keys allowed (-K, IDEM_MAX_ENTRIES by default) are held.
 *
 * Keys are found through a hash table, and the entries also sit in a list
 * oldest first, so that neither a lookup nor finding what to forget walks
 * every key: under a benchmark the table stays full.
 */
#include <sys/queue.h>

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/sha.h>

#include "standin.h"

#define IDEM_WAIT_SLICE_MS	100

struct idem_entry {
	TAILQ_ENTRY(idem_entry)	 link;		/* oldest first */
	char			*key;
	unsigned char		 fp[SHA256_DIGEST_LENGTH];
	int			 done;
	int			 status;
	char			*body;
	size_t			 bodylen;
};

TAILQ_HEAD(idem_list, idem_entry);

static void	 idem_fingerprint(const struct http_request *,
		    unsigned char *);
static int	 idem_make_room(void);
static void	 idem_remove(struct idem_entry *);
static void	 idem_wait(void);

static pthread_mutex_t		 idem_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t		 idem_cond;
static struct idem_list		 idem_order =
				    TAILQ_HEAD_INITIALIZER(idem_order);
static struct hash		 idem_index;
static size_t			 idem_n;
static size_t			 idem_max = IDEM_MAX_ENTRIES;

/* max: how many keys to hold at most (at least 1). */
void
idem_init(size_t max)
{
	pthread_condattr_t	 attr;

	idem_max = max;
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&idem_cond, &attr);
	pthread_condattr_destroy(&attr);
	hash_init(&idem_index);
}

void
idem_cleanup(void)
{
	struct idem_entry	*e;

	while ((e = TAILQ_FIRST(&idem_order)) != NULL)
		idem_remove(e);
	hash_free(&idem_index);
	pthread_cond_destroy(&idem_cond);
}

/*
 * IDEM_NEW: the caller runs the request, then calls idem_finish() or
 * idem_abandon(). IDEM_ANSWERED: resp holds the answer to send, a replay
 * or a refusal.
 * IDEM_STOPPING: the server stopped while this request waited.
 */
enum idem_verdict
idem_begin(const char *key, const struct http_request *req,
    struct http_response *resp)
{
	unsigned char		 fp[SHA256_DIGEST_LENGTH];
	struct idem_entry	*e;
	char			 msg[512];

	idem_fingerprint(req, fp);
	pthread_mutex_lock(&idem_lock);
	for (;;) {
		if ((e = hash_get(&idem_index, key)) == NULL) {
			if (idem_make_room() &&
			    (e = calloc(1, sizeof(*e))) != NULL &&
			    ((e->key = strdup(key)) == NULL ||
			    !hash_put(&idem_index, e->key, e))) {
				free(e->key);
				free(e);
				e = NULL;
			}
			if (e == NULL) {
				pthread_mutex_unlock(&idem_lock);
				resp->status = 500;
				stripe_error(&resp->body, "api_error", NULL,
				    NULL, "No room for another idempotency "
				    "key.");
				return (IDEM_ANSWERED);
			}
			memcpy(e->fp, fp, sizeof(fp));
			TAILQ_INSERT_TAIL(&idem_order, e, link);
			idem_n++;
			pthread_mutex_unlock(&idem_lock);
			return (IDEM_NEW);
		}
		if (memcmp(e->fp, fp, sizeof(fp)) != 0) {
			pthread_mutex_unlock(&idem_lock);
			(void)snprintf(msg, sizeof(msg), "Keys for idempotent "
			    "requests can only be used with the same "
			    "parameters they were first used with. Try using "
			    "a key other than '%s' if you meant to execute a "
			    "different request.", key);
			resp->status = 400;
			stripe_error(&resp->body, "idempotency_error", NULL,
			    NULL, msg);
			return (IDEM_ANSWERED);
		}
		if (e->done)
			break;
		if (server_stopping()) {
			pthread_mutex_unlock(&idem_lock);
			return (IDEM_STOPPING);
		}
		idem_wait();
	}
	resp->status = e->status;
	strbuf_append(&resp->body, e->body, e->bodylen);
	pthread_mutex_unlock(&idem_lock);
	http_response_header(resp, "Idempotent-Replayed", "true");
	return (IDEM_ANSWERED);
}

/* Saves the answer of a request that idem_begin() let run. */
void
idem_finish(const char *key, const struct http_response *resp)
{
	struct idem_entry	*e;

	pthread_mutex_lock(&idem_lock);
	if ((e = hash_get(&idem_index, key)) != NULL) {
		if ((e->body = malloc(resp->body.len + 1)) == NULL) {
			idem_remove(e);
		} else {
			if (resp->body.len > 0) {
				memcpy(e->body, resp->body.data,
				    resp->body.len);
			}
			e->body[resp->body.len] = '\0';
			e->bodylen = resp->body.len;
			e->status = resp->status;
			e->done = 1;
		}
	}
	pthread_cond_broadcast(&idem_cond);
	pthread_mutex_unlock(&idem_lock);
}

/* Forgets a key whose request should not be remembered; waiters then run. */
void
idem_abandon(const char *key)
{
	struct idem_entry	*e;

	pthread_mutex_lock(&idem_lock);
	if ((e = hash_get(&idem_index, key)) != NULL)
		idem_remove(e);
	pthread_cond_broadcast(&idem_cond);
	pthread_mutex_unlock(&idem_lock);
}

/* SHA-256 over method, path and body: what "the same parameters" means here. */
static void
idem_fingerprint(const struct http_request *req, unsigned char *fp)
{
	EVP_MD_CTX	*ctx;

	if ((ctx = EVP_MD_CTX_new()) == NULL ||
	    !EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) ||
	    !EVP_DigestUpdate(ctx, req->method, strlen(req->method) + 1) ||
	    !EVP_DigestUpdate(ctx, req->path, strlen(req->path) + 1) ||
	    !EVP_DigestUpdate(ctx, req->body, req->bodylen) ||
	    !EVP_DigestFinal_ex(ctx, fp, NULL))
		abort();
	EVP_MD_CTX_free(ctx);
}

/*
 * Forgets the oldest finished entry if the table is full. Entries still
 * running are skipped; there are at most as many as connections.
 */
static int
idem_make_room(void)
{
	struct idem_entry	*e;

	if (idem_n < idem_max)
		return (1);
	TAILQ_FOREACH(e, &idem_order, link) {
		if (e->done) {
			idem_remove(e);
			return (1);
		}
	}
	return (0);
}

static void
idem_remove(struct idem_entry *e)
{
	hash_del(&idem_index, e->key);
	TAILQ_REMOVE(&idem_order, e, link);
	idem_n--;
	free(e->key);
	free(e->body);
	free(e);
}

/* Waits a slice for a running request; the caller re-checks everything. */
static void
idem_wait(void)
{
	struct timespec	 ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_nsec += IDEM_WAIT_SLICE_MS * 1000000L;
	if (ts.tv_nsec >= 1000000000) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000;
	}
	(void)pthread_cond_timedwait(&idem_cond, &idem_lock, &ts);
}
