/*
 * Signing keys and runtime settings from the database; see keys.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "keys.h"

/* Any unique violation (the id, or a second active key) keeps the table's. */
static const char	q_keys_seed[] =
	"INSERT INTO signing_keys (id, secret, state) "
	"VALUES ($1, decode($2, 'hex'), $3) ON CONFLICT DO NOTHING";
static const char	q_keys_load[] = "SELECT * FROM runtime_settings()";

static const char	*keys_state_name(enum link_key_state);

static const char *
keys_state_name(enum link_key_state s)
{
	switch (s) {
	case LINK_KEY_ACTIVE:
		return ("active");
	case LINK_KEY_VERIFY:
		return ("verify");
	case LINK_KEY_RETIRED:
	default:
		return ("retired");
	}
}

/* The config's keys that the table does not have yet. */
int
keys_seed(PGconn *db, const struct conf *c, char *err, size_t errlen)
{
	PGresult	*res;
	const char	*p[3];
	char		 hex[2 * LINK_SECRET_MAX + 1];
	size_t		 i, j;
	int		 ok;

	for (i = 0; i < c->nkeys; i++) {
		for (j = 0; j < c->keys[i].secret_len; j++)
			(void)snprintf(hex + 2 * j, 3, "%02x",
			    c->keys[i].secret[j]);
		p[0] = c->keys[i].id;
		p[1] = hex;
		p[2] = keys_state_name(c->keys[i].state);
		res = PQexecParams(db, q_keys_seed, 3, NULL, p, NULL, NULL, 0);
		OPENSSL_cleanse(hex, sizeof(hex));
		ok = PQresultStatus(res) == PGRES_COMMAND_OK;
		if (!ok)
			(void)snprintf(err, errlen, "signing keys: %s",
			    PQresultErrorMessage(res));
		PQclear(res);
		if (!ok)
			return (0);
	}
	return (1);
}

int
keys_load(PGconn *db, struct keys_runtime *rt, char *err, size_t errlen)
{
	PGresult		*res;
	struct link_key		*k;
	const char		*state;
	int			 i, n, active;

	memset(rt, 0, sizeof(*rt));
	res = PQexecParams(db, q_keys_load, 0, NULL, NULL, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		(void)snprintf(err, errlen, "signing keys: %s",
		    PQresultErrorMessage(res));
		PQclear(res);
		return (0);
	}
	n = PQntuples(res);
	active = 0;
	for (i = 0; i < n; i++) {
		if (i == 0) {
			(void)snprintf(rt->layout, sizeof(rt->layout), "%s",
			    PQgetvalue(res, 0, 3));
			rt->link_days = atoi(PQgetvalue(res, 0, 4));
			(void)snprintf(rt->logo, sizeof(rt->logo), "%s",
			    PQgetvalue(res, 0, 5));
		}
		if (PQgetisnull(res, i, 0))
			continue;
		if (rt->nkeys == CONF_MAX_KEYS) {
			(void)snprintf(err, errlen, "signing keys: more than "
			    "%d that are not retired; retire some",
			    CONF_MAX_KEYS);
			goto fail;
		}
		k = &rt->keys[rt->nkeys];
		state = PQgetvalue(res, i, 1);
		k->state = !strcmp(state, "active") ? LINK_KEY_ACTIVE :
		    !strcmp(state, "verify") ? LINK_KEY_VERIFY :
		    LINK_KEY_RETIRED;
		active += k->state == LINK_KEY_ACTIVE;
		if (!link_key_valid_id(PQgetvalue(res, i, 0)) ||
		    !conf_hex(PQgetvalue(res, i, 2), k->secret,
		    sizeof(k->secret), &k->secret_len) ||
		    k->secret_len < LINK_SECRET_MIN) {
			(void)snprintf(err, errlen, "signing keys: key %s is "
			    "malformed", PQgetvalue(res, i, 0));
			goto fail;
		}
		(void)snprintf(k->id, sizeof(k->id), "%s",
		    PQgetvalue(res, i, 0));
		rt->nkeys++;
	}
	if (active != 1) {
		(void)snprintf(err, errlen, "signing keys: %d active in the "
		    "database, exactly one must be", active);
		goto fail;
	}
	PQclear(res);
	return (1);
fail:
	PQclear(res);
	OPENSSL_cleanse(rt, sizeof(*rt));
	return (0);
}

/* Only the worker's main thread applies, while no task reads the keys. */
void
keys_apply(struct conf *c, const struct keys_runtime *rt)
{
	char	*layout;

	OPENSSL_cleanse(c->keys, sizeof(c->keys));
	memcpy(c->keys, rt->keys, sizeof(rt->keys));
	c->nkeys = rt->nkeys;
	memcpy(c->logo_db, rt->logo, sizeof(c->logo_db));
	if (rt->link_days > 0)
		c->link_days_db = rt->link_days;
	else
		c->link_days_db = 0;
	if (rt->layout[0] != '\0' && (layout = strdup(rt->layout)) != NULL) {
		free(c->receipt_layout_db);
		c->receipt_layout_db = layout;
	} else if (rt->layout[0] == '\0') {
		free(c->receipt_layout_db);
		c->receipt_layout_db = NULL;
	}
}
