/*
 * Load for make bench: threads that each pay, over and over, through the
 * whole flow a customer's browser drives: review (which renders the
 * checkout), a payment method from the gateway, confirm (reserve, charge,
 * receipt) and the payment page. Prints the payments completed and failed.
 *
 *	payload BASE CAFILE GATEWAY PATHS SELECTIONS THREADS SECONDS [READY]
 *
 * PATHS and SELECTIONS are lists of as many pay link paths and the
 * selections to pay on each, separated by spaces: thread i pays on the
 * (i mod n)th link, so customers pay their own invoices at once.
 *
 * With READY, each thread first prepares as many checkouts (review and
 * payment method) as it can confirm in SECONDS with a 2 s gateway, the
 * file READY is written once all are prepared, and then the threads only
 * confirm: payments in flight, without customers browsing around them.
 * Their starts are spread over those 2 s, so that payments complete at
 * a steady rate rather than all at once every 2 s.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

struct buf {
	char	*p;
	size_t	 len;
};

struct checkout {
	char	attempt[64];
	char	csrf[64];
	char	pm[128];
};

#define MAX_LINKS	256

static const char	*base, *ca, *gateway, *ready;
static char		*paths[MAX_LINKS], *selections[MAX_LINKS];
static int		 seconds, nthreads, nready, nlinks;
static long		 done, failed;
static pthread_mutex_t	 lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t	 all_ready = PTHREAD_COND_INITIALIZER;

static size_t	collect(char *, size_t, size_t, void *);
static long	post(CURL *, const char *, const char *, const char *,
		    struct buf *, int);
static int	value(const char *, const char *, char *, size_t);
static int	prepare(CURL *, struct buf *, int, struct checkout *);
static int	confirm(CURL *, struct buf *, int, const struct checkout *);
static int	split(char *, char **);
static void	count(int);
static void	wait_ready(void);
static void	*run(void *);

static size_t
collect(char *p, size_t size, size_t n, void *arg)
{
	struct buf	*b = arg;
	char		*np;

	if ((np = realloc(b->p, b->len + size * n + 1)) == NULL)
		return (0);
	b->p = np;
	memcpy(b->p + b->len, p, size * n);
	b->len += size * n;
	b->p[b->len] = '\0';
	return (size * n);
}

static long
post(CURL *c, const char *url, const char *auth, const char *body,
    struct buf *out, int follow)
{
	struct curl_slist	*h;
	long			 status;

	h = auth != NULL ? curl_slist_append(NULL, auth) : NULL;
	out->len = 0;
	curl_easy_reset(c);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CAINFO, ca);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, out);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 60L);
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, (long)follow);
	curl_easy_setopt(c, CURLOPT_POSTREDIR, 0L);
	if (h != NULL)
		curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	if (body != NULL)
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	status = 0;
	if (curl_easy_perform(c) == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	curl_slist_free_all(h);
	return (status);
}

static int
value(const char *html, const char *marker, char *out, size_t len)
{
	const char	*p, *q;

	if (html == NULL || (p = strstr(html, marker)) == NULL ||
	    (p = strstr(p, "value=\"")) == NULL)
		return (0);
	p += 7;
	if ((q = strchr(p, '"')) == NULL || (size_t)(q - p) >= len)
		return (0);
	memcpy(out, p, (size_t)(q - p));
	out[q - p] = '\0';
	return (1);
}

/* Review (attempt id and CSRF token) and a payment method. */
static int
prepare(CURL *c, struct buf *b, int link, struct checkout *co)
{
	char		 url[1024];
	const char	*p;

	(void)snprintf(url, sizeof(url), "%s%s/review", base, paths[link]);
	if (post(c, url, NULL, selections[link], b, 0) != 200 ||
	    !value(b->p, "name=\"attempt\"", co->attempt,
	    sizeof(co->attempt)) ||
	    !value(b->p, "name=\"csrf\"", co->csrf, sizeof(co->csrf)))
		return (0);
	(void)snprintf(url, sizeof(url), "%s/v1/payment_methods", gateway);
	if (post(c, url, "Authorization: Bearer pk_test_bench",
	    "type=card&card[number]=4242424242424242&card[exp_month]=12&"
	    "card[exp_year]=2034&card[cvc]=123", b, 0) != 200 ||
	    (p = strstr(b->p, "\"id\":\"pm_")) == NULL)
		return (0);
	(void)snprintf(co->pm, sizeof(co->pm), "%.*s",
	    (int)strcspn(p + 6, "\""), p + 6);
	return (1);
}

/* Confirm, and follow the redirect to "Payment successful". */
static int
confirm(CURL *c, struct buf *b, int link, const struct checkout *co)
{
	char		 url[1024], body[2048];

	(void)snprintf(url, sizeof(url), "%s%s/confirm", base, paths[link]);
	(void)snprintf(body, sizeof(body), "attempt=%s&csrf=%s&method=card&"
	    "payment_method=%s&%s", co->attempt, co->csrf, co->pm,
	    selections[link]);
	return (post(c, url, NULL, body, b, 1) == 200 &&
	    strstr(b->p, "Payment successful") != NULL);
}

static void
count(int ok)
{
	pthread_mutex_lock(&lock);
	if (ok)
		done++;
	else
		failed++;
	pthread_mutex_unlock(&lock);
}

/* The last thread to be ready writes READY and wakes the others. */
static void
wait_ready(void)
{
	FILE	*f;

	pthread_mutex_lock(&lock);
	if (++nready == nthreads) {
		if ((f = fopen(ready, "w")) != NULL)
			fclose(f);
		pthread_cond_broadcast(&all_ready);
	}
	while (nready < nthreads)
		pthread_cond_wait(&all_ready, &lock);
	pthread_mutex_unlock(&lock);
}

static void *
run(void *arg)
{
	CURL		*c;
	struct buf	 b = { NULL, 0 };
	struct checkout	 co, *pool;
	struct timespec	 pause;
	long long	 delay_ns;
	time_t		 end;
	int		 i, n, link;

	link = (int)(intptr_t)arg % nlinks;
	c = curl_easy_init();
	if (ready != NULL) {
		n = seconds / 2 + 2;
		if ((pool = calloc((size_t)n, sizeof(*pool))) == NULL)
			n = 0;
		for (i = 0; i < n; i++) {
			if (!prepare(c, &b, link, &pool[i]))
				break;
		}
		n = i;
		wait_ready();
		delay_ns = (long long)((intptr_t)arg % nthreads) *
		    (2000000000LL / nthreads);
		pause.tv_sec = (time_t)(delay_ns / 1000000000LL);
		pause.tv_nsec = (long)(delay_ns % 1000000000LL);
		(void)nanosleep(&pause, NULL);
		end = time(NULL) + seconds;
		for (i = 0; i < n && time(NULL) < end; i++)
			count(confirm(c, &b, link, &pool[i]));
		free(pool);
	} else {
		end = time(NULL) + seconds;
		while (time(NULL) < end)
			count(prepare(c, &b, link, &co) &&
			    confirm(c, &b, link, &co));
	}
	free(b.p);
	curl_easy_cleanup(c);
	return (NULL);
}

/* Splits s at spaces into at most MAX_LINKS words; returns how many. */
static int
split(char *s, char **words)
{
	char	*w;
	int	 n;

	n = 0;
	while (n < MAX_LINKS && (w = strsep(&s, " ")) != NULL) {
		if (*w != '\0')
			words[n++] = w;
	}
	return (n);
}

int
main(int argc, char **argv)
{
	pthread_t	*t;
	int		 i, n;

	if (argc != 8 && argc != 9) {
		fprintf(stderr, "usage: payload BASE CAFILE GATEWAY PATH "
		    "SELECTIONS THREADS SECONDS [READY]\n");
		return (2);
	}
	base = argv[1];
	ca = argv[2];
	gateway = argv[3];
	nlinks = split(argv[4], paths);
	if (nlinks == 0 || split(argv[5], selections) != nlinks) {
		fprintf(stderr, "payload: as many selections as paths\n");
		return (2);
	}
	n = atoi(argv[6]);
	seconds = atoi(argv[7]);
	ready = argc == 9 ? argv[8] : NULL;
	nthreads = n;
	curl_global_init(CURL_GLOBAL_DEFAULT);
	if ((t = calloc((size_t)n, sizeof(*t))) == NULL)
		return (1);
	for (i = 0; i < n; i++)
		pthread_create(&t[i], NULL, run, (void *)(intptr_t)i);
	for (i = 0; i < n; i++)
		pthread_join(t[i], NULL);
	printf("%ld %ld\n", done, failed);
	free(t);
	return (0);
}
