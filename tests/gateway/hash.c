/*
 * String-keyed tables for the stores (ids, Idempotency-Keys), which a
 * benchmark fills with tens of thousands of entries: a lookup must not
 * walk them all. FNV-1a over the key, open addressing with linear probing,
 * at most half full, and deletion by shifting the following run back, so
 * that no tombstones build up in a table whose keys come and go (idem.c).
 * The table does not own its keys: each points into the value it maps to,
 * which outlives its entry. No locking: callers hold their own lock.
 */
#include <stdlib.h>
#include <string.h>

#include "standin.h"

#define HASH_MIN_CAP	64

static uint64_t		 hash_fnv1a(const char *);
static size_t		 hash_slot(const struct hash *, const char *,
			    uint64_t);
static int		 hash_grow(struct hash *);

void
hash_init(struct hash *h)
{
	h->slots = NULL;
	h->cap = 0;
	h->n = 0;
}

void
hash_free(struct hash *h)
{
	free(h->slots);
	hash_init(h);
}

void *
hash_get(const struct hash *h, const char *key)
{
	size_t		 i;

	if (h->cap == 0)
		return (NULL);
	i = hash_slot(h, key, hash_fnv1a(key));
	return (h->slots[i].key != NULL ? h->slots[i].value : NULL);
}

/* Maps key (which must stay valid while mapped) to value; 0 if no memory. */
int
hash_put(struct hash *h, const char *key, void *value)
{
	struct hash_slot	*s;
	uint64_t		 fp;

	if ((h->n + 1) * 2 > h->cap && !hash_grow(h))
		return (0);
	fp = hash_fnv1a(key);
	s = &h->slots[hash_slot(h, key, fp)];
	if (s->key == NULL)
		h->n++;
	s->key = key;
	s->value = value;
	s->hash = fp;
	return (1);
}

/*
 * Unmaps key. Each entry of the run after the hole that may move back
 * into it (its home slot is not between the hole and where it sits) does,
 * which leaves every entry reachable from its home without tombstones.
 */
void
hash_del(struct hash *h, const char *key)
{
	size_t		 hole, i, home, mask;

	if (h->cap == 0)
		return;
	mask = h->cap - 1;
	hole = hash_slot(h, key, hash_fnv1a(key));
	if (h->slots[hole].key == NULL)
		return;
	h->n--;
	for (i = (hole + 1) & mask; h->slots[i].key != NULL;
	    i = (i + 1) & mask) {
		home = h->slots[i].hash & mask;
		if (hole <= i ? (hole < home && home <= i) :
		    (hole < home || home <= i))
			continue;
		h->slots[hole] = h->slots[i];
		hole = i;
	}
	h->slots[hole].key = NULL;
	h->slots[hole].value = NULL;
}

static uint64_t
hash_fnv1a(const char *s)
{
	uint64_t	 v;

	v = 14695981039346656037ULL;
	while (*s != '\0') {
		v ^= (unsigned char)*s++;
		v *= 1099511628211ULL;
	}
	return (v);
}

/* The slot that holds key, or the empty one where it would go. */
static size_t
hash_slot(const struct hash *h, const char *key, uint64_t fp)
{
	size_t		 i, mask;

	mask = h->cap - 1;
	for (i = fp & mask; h->slots[i].key != NULL; i = (i + 1) & mask) {
		if (h->slots[i].hash == fp && strcmp(h->slots[i].key, key) == 0)
			break;
	}
	return (i);
}

static int
hash_grow(struct hash *h)
{
	struct hash_slot	*old;
	size_t			 i, j, oldcap, mask;

	old = h->slots;
	oldcap = h->cap;
	h->cap = oldcap == 0 ? HASH_MIN_CAP : oldcap * 2;
	if ((h->slots = calloc(h->cap, sizeof(*h->slots))) == NULL) {
		h->slots = old;
		h->cap = oldcap;
		return (0);
	}
	mask = h->cap - 1;
	for (i = 0; i < oldcap; i++) {
		if (old[i].key == NULL)
			continue;
		for (j = old[i].hash & mask; h->slots[j].key != NULL;
		    j = (j + 1) & mask)
			;
		h->slots[j] = old[i];
	}
	free(old);
	return (1);
}
