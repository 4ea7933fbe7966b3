/*
 * The keys that sign pay links, and the settings every worker keeps in
 * memory (receipt layout, link lifetime, the logo's content hash), as the database holds them (sql/005_settings.sql). The
 * config's signing_key lines seed the table once; from then on admins
 * rotate keys in Settings and every worker reloads them within seconds.
 * Retired keys are not loaded (sql/007_staff_fixes.sql): they verify
 * nothing, and the table may hold any number of them.
 */
#ifndef PAYPORTAL_KEYS_H
#define PAYPORTAL_KEYS_H

#include <stddef.h>

#include <libpq-fe.h>

#include "conf.h"

struct keys_runtime {
	struct link_key	 keys[CONF_MAX_KEYS];
	size_t		 nkeys;
	char		 layout[16];	/* "" when the config's applies */
	int		 link_days;	/* 0 when the config's applies */
	char		 logo[CONF_LOGO_HASH + 1];	/* "" without one */
};

int	keys_seed(PGconn *, const struct conf *, char *, size_t);
int	keys_load(PGconn *, struct keys_runtime *, char *, size_t);
void	keys_apply(struct conf *, const struct keys_runtime *);

#endif
