/*
 * Delivering the outbox (receipt and refund mail, pay links by email or
 * text message) from the background task, with blocking libpq and libcurl.
 * Rows are claimed with FOR UPDATE SKIP LOCKED, so every node can run it.
 */
#ifndef PAYPORTAL_OUTBOX_H
#define PAYPORTAL_OUTBOX_H

#include <libpq-fe.h>

#include "conf.h"

int	outbox_run(PGconn *, const struct conf *);

#endif
