/*
 * One blocking call of the gateway's API with libcurl, for the background
 * work (a Kore task's thread): the secret key, the pinned Stripe-Version,
 * an Idempotency-Key on a POST, and the configured timeout.
 */
#ifndef PAYPORTAL_GWHTTP_H
#define PAYPORTAL_GWHTTP_H

#include "conf.h"

struct strbuf;

/*
 * A POST of body (form-encoded) under key, or a GET when body is NULL.
 * The answer's body is appended to out; returns its HTTP status, or 0
 * when there was no answer (no connection, a timeout, a dropped
 * connection), which the gateway parsers read as "cannot tell".
 */
long	gwhttp_request(const struct conf *, const char *, const char *,
	    const char *, struct strbuf *);

#endif
