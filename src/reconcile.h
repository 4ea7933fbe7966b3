/*
 * Background work, run in a Kore task (a thread) with blocking libpq and
 * libcurl: settling attempts whose outcome the customer's request did not
 * learn. Every node runs it; rows are
 * claimed with FOR UPDATE SKIP LOCKED, so the work is shared, never done
 * twice at once.
 */
#ifndef PAYPORTAL_RECONCILE_H
#define PAYPORTAL_RECONCILE_H

#include <libpq-fe.h>

#include "conf.h"

int	reconcile_run(PGconn *, const struct conf *);

#endif
