/*
 * Refunds in the background task (blocking libpq and libcurl): sending
 * pending refunds to the gateway and settling them. Every node runs it;
 * refunds are claimed with FOR UPDATE SKIP LOCKED and leased, so a refund
 * is sent by one node at a time.
 */
#ifndef PAYPORTAL_REFUND_H
#define PAYPORTAL_REFUND_H

#include <libpq-fe.h>

#include "conf.h"

int	refund_run(PGconn *, const struct conf *);

#endif
