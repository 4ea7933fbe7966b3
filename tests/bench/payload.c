/*
 * Load for make bench: threads that each pay, over and over, through the
 * whole flow a customer's browser drives: review (which renders the
 * checkout), a payment method from the gateway, confirm (reserve, charge,
 * receipt) and the payment page. Prints the payments completed.
 *
 *	payload BASE CAFILE GATEWAY PATH SELECTION THREADS SECONDS
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

struct buf {
	char	*p;
	size_t	 len;
};

static const char	*base, *ca, *gateway, *path, *selection;
static int		 seconds;
static long		 done, failed;
static pthread_mutex_t	 lock = PTHREAD_MUTEX_INITIALIZER;

static size_t	collect(char *, size_t, size_t, void *);
static long	post(CURL *, const char *, const char *, const char *,
		    struct buf *, int);
static int	value(const char *, const char *, char *, size_t);
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

static void *
run(void *arg)
{
	CURL		*c;
	struct buf	 b = { NULL, 0 };
	char		 url[1024], body[2048], attempt[64], csrf[64], pm[128];
	const char	*p;
	time_t		 end;
	int		 ok;

	c = curl_easy_init();
	end = time(NULL) + seconds;
	while (time(NULL) < end) {
		ok = 0;
		(void)snprintf(url, sizeof(url), "%s%s/review", base, path);
		if (post(c, url, NULL, selection, &b, 0) == 200 &&
		    value(b.p, "name=\"attempt\"", attempt, sizeof(attempt)) &&
		    value(b.p, "name=\"csrf\"", csrf, sizeof(csrf))) {
			(void)snprintf(url, sizeof(url),
			    "%s/v1/payment_methods", gateway);
			if (post(c, url, "Authorization: Bearer pk_test_bench",
			    "type=card&card[number]=4242424242424242&"
			    "card[exp_month]=12&card[exp_year]=2034&"
			    "card[cvc]=123", &b, 0) == 200 &&
			    (p = strstr(b.p, "\"id\":\"pm_")) != NULL) {
				(void)snprintf(pm, sizeof(pm), "%.*s",
				    (int)strcspn(p + 6, "\""), p + 6);
				(void)snprintf(url, sizeof(url), "%s%s/confirm",
				    base, path);
				(void)snprintf(body, sizeof(body), "attempt=%s&"
				    "csrf=%s&method=card&payment_method=%s&%s",
				    attempt, csrf, pm, selection);
				ok = post(c, url, NULL, body, &b, 1) == 200 &&
				    strstr(b.p, "Payment successful") != NULL;
			}
		}
		pthread_mutex_lock(&lock);
		if (ok)
			done++;
		else
			failed++;
		pthread_mutex_unlock(&lock);
	}
	free(b.p);
	curl_easy_cleanup(c);
	return (arg);
}

int
main(int argc, char **argv)
{
	pthread_t	*t;
	int		 i, n;

	if (argc != 8) {
		fprintf(stderr, "usage: payload BASE CAFILE GATEWAY PATH "
		    "SELECTION THREADS SECONDS\n");
		return (2);
	}
	base = argv[1];
	ca = argv[2];
	gateway = argv[3];
	path = argv[4];
	selection = argv[5];
	n = atoi(argv[6]);
	seconds = atoi(argv[7]);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	if ((t = calloc((size_t)n, sizeof(*t))) == NULL)
		return (1);
	for (i = 0; i < n; i++)
		pthread_create(&t[i], NULL, run, NULL);
	for (i = 0; i < n; i++)
		pthread_join(t[i], NULL);
	printf("%ld %ld\n", done, failed);
	free(t);
	return (0);
}
