#ifndef PAYPORTAL_MIGRATE_H
#define PAYPORTAL_MIGRATE_H

#include <libpq-fe.h>

int	migrate_latest(void);
int	migrate_run(PGconn *, int, char *, size_t);

#endif
