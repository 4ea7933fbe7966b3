/*
 * The gateway's API over blocking libcurl, for the reconciler and the
 * refunds in the background task. The customer's own payment goes
 * through Kore's asynchronous curl instead (pay.c), so that a slow
 * gateway never holds up the event loop.
 */
#include <stdio.h>
#include <string.h>

#include <curl/curl.h>
#include <openssl/crypto.h>

#include "gateway.h"
#include "gwhttp.h"
#include "strbuf.h"

static size_t	gwhttp_write(char *, size_t, size_t, void *);

/* Keeps at most GATEWAY_MAX_BODY + 1 bytes: the parsers refuse more. */
static size_t
gwhttp_write(char *p, size_t size, size_t n, void *arg)
{
	struct strbuf	*out = arg;

	if (out->len + size * n > GATEWAY_MAX_BODY + 1)
		return (0);
	strbuf_append(out, p, size * n);
	return (size * n);
}

long
gwhttp_request(const struct conf *c, const char *url, const char *body,
    const char *key, struct strbuf *out)
{
	CURL			*h;
	struct curl_slist	*hdrs;
	char			 hdr[320];
	long			 status;

	status = 0;
	if ((h = curl_easy_init()) == NULL)
		return (0);
	hdrs = NULL;
	(void)snprintf(hdr, sizeof(hdr), "Authorization: Bearer %s",
	    c->gateway_secret_key);
	hdrs = curl_slist_append(hdrs, hdr);
	OPENSSL_cleanse(hdr, sizeof(hdr));
	if (body != NULL && key != NULL) {
		(void)snprintf(hdr, sizeof(hdr), "Idempotency-Key: %s", key);
		hdrs = curl_slist_append(hdrs, hdr);
	}
	(void)snprintf(hdr, sizeof(hdr), "Stripe-Version: %s",
	    c->gateway_version);
	hdrs = curl_slist_append(hdrs, hdr);
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, gwhttp_write);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, out);
	curl_easy_setopt(h, CURLOPT_TIMEOUT, (long)c->gateway_timeout);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 5L);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	if (body != NULL) {
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
	}
	if (curl_easy_perform(h) == CURLE_OK)
		curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	curl_slist_free_all(hdrs);
	curl_easy_cleanup(h);
	return (status);
}
