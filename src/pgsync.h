#ifndef PAYPORTAL_PGSYNC_H
#define PAYPORTAL_PGSYNC_H

#include <stddef.h>

#include <libpq-fe.h>

PGconn	*pgsync_connect(const char *, char *, size_t);
int	 pgsync_schema_version(PGconn *, int *, char *, size_t);

#endif
