/*
 * libFuzzer driver for linktoken.c and b64url.c. The first byte picks:
 *   0: verify the rest against fixed keys; an accepted token must be the
 *      exact string the signer makes from its claims;
 *   1: sign fuzz-chosen claims, verify them back, and check that changing
 *      any one byte of the token makes it INVALID;
 *   2: base64url: a decoded string re-encodes to itself, and any bytes
 *      encode and decode back.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "b64url.h"
#include "linktoken.h"

/* Fixed "now" for mode 0: 2026-01-01T00:00:00Z. */
#define FUZZ_NOW	1767225600

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void	fuzz_keys(void);
static void	fuzz_verify(const uint8_t *, size_t);
static void	fuzz_sign(const uint8_t *, size_t);
static void	fuzz_b64url(const uint8_t *, size_t);

static struct link_key	fuzz_key[3];

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return (0);
	fuzz_keys();
	switch (data[0] % 3) {
	case 0:
		fuzz_verify(data + 1, size - 1);
		break;
	case 1:
		fuzz_sign(data + 1, size - 1);
		break;
	case 2:
		fuzz_b64url(data + 1, size - 1);
		break;
	}
	return (0);
}

/* Reset on every run: a harness that changed a key would poison the rest. */
static void
fuzz_keys(void)
{
	memset(fuzz_key, 0, sizeof(fuzz_key));
	memcpy(fuzz_key[0].id, "k1", 3);
	memcpy(fuzz_key[0].secret, "fuzz secret one, 32 bytes long!!", 32);
	fuzz_key[0].secret_len = 32;
	fuzz_key[0].state = LINK_KEY_ACTIVE;
	memcpy(fuzz_key[1].id, "old-key_2", 10);
	memset(fuzz_key[1].secret, 0x5a, 64);
	fuzz_key[1].secret_len = 64;
	fuzz_key[1].state = LINK_KEY_VERIFY;
	memcpy(fuzz_key[2].id, "gone", 5);
	memcpy(fuzz_key[2].secret, "retired secret, 32 bytes long!!!", 32);
	fuzz_key[2].secret_len = 32;
	fuzz_key[2].state = LINK_KEY_RETIRED;
}

static void
fuzz_verify(const uint8_t *data, size_t size)
{
	struct link_claims	 c;
	const struct link_key	*key;
	enum link_verdict	 v;
	char			 again[LINK_TOKEN_MAX + 1];
	char			*tok;
	size_t			 i;

	/* A copy of exactly size bytes, so ASan sees any overread. */
	if ((tok = malloc(size ? size : 1)) == NULL)
		return;
	memcpy(tok, data, size);
	v = link_token_verify(tok, size, fuzz_key, 3, FUZZ_NOW, &c);
	if (v == LINK_TOKEN_INVALID) {
		for (i = 0; i < sizeof(c); i++) {
			if (((unsigned char *)&c)[i] != 0)
				abort();
		}
		free(tok);
		return;
	}

	if (size > LINK_TOKEN_MAX)
		abort();
	if ((v == LINK_TOKEN_EXPIRED) != (c.expires <= FUZZ_NOW))
		abort();
	key = NULL;
	for (i = 0; i < 3; i++) {
		if (strcmp(fuzz_key[i].id, c.key_id) == 0)
			key = &fuzz_key[i];
	}
	if (key == NULL || key->state == LINK_KEY_RETIRED)
		abort();
	if (!link_token_sign(key, c.link_id, c.expires, again, sizeof(again)))
		abort();
	if (strlen(again) != size || memcmp(again, tok, size) != 0)
		abort();
	free(tok);
}

static void
fuzz_sign(const uint8_t *data, size_t size)
{
	struct link_claims	 c;
	const struct link_key	*key;
	enum link_verdict	 v;
	unsigned char		 id[LINK_ID_LEN];
	char			 tok[LINK_TOKEN_MAX + 1];
	uint64_t		 u;
	int64_t			 expires, now;
	size_t			 i, len;
	int			 ok;

	if (size < LINK_ID_LEN + 8 + 8 + 3)
		return;
	memcpy(id, data, LINK_ID_LEN);
	u = 0;
	for (i = 0; i < 8; i++)
		u = u << 8 | data[LINK_ID_LEN + i];
	expires = (int64_t)u;
	u = 0;
	for (i = 0; i < 8; i++)
		u = u << 8 | data[LINK_ID_LEN + 8 + i];
	now = (int64_t)u;
	data += LINK_ID_LEN + 16;
	key = &fuzz_key[data[0] % 3];

	ok = link_token_sign(key, id, expires, tok, sizeof(tok));
	if (ok != (expires >= 0 && key->state != LINK_KEY_RETIRED))
		abort();
	if (!ok)
		return;
	len = strlen(tok);

	v = link_token_verify(tok, len, fuzz_key, 3, now, &c);
	if (v != (expires <= now ? LINK_TOKEN_EXPIRED : LINK_TOKEN_OK))
		abort();
	if (memcmp(c.link_id, id, LINK_ID_LEN) != 0 || c.expires != expires ||
	    strcmp(c.key_id, key->id) != 0)
		abort();

	/* Any single changed byte, wherever it is, breaks the token. */
	i = data[1] % len;
	if (data[2] == 0)
		return;
	tok[i] ^= (char)data[2];
	if (link_token_verify(tok, len, fuzz_key, 3, now, &c) !=
	    LINK_TOKEN_INVALID)
		abort();
}

static void
fuzz_b64url(const uint8_t *data, size_t size)
{
	unsigned char	*dec;
	char		*enc, *in;
	size_t		 n, elen;

	if ((in = malloc(size ? size : 1)) == NULL)
		return;
	memcpy(in, data, size);
	dec = malloc(size + 1);
	enc = malloc(B64URL_ENCLEN(size) + 1);
	if (dec == NULL || enc == NULL)
		goto done;

	if (b64url_decode(in, size, dec, size, &n)) {
		if (n > size)
			abort();
		elen = b64url_encode(dec, n, enc, B64URL_ENCLEN(size) + 1);
		if (elen != size || memcmp(enc, in, size) != 0)
			abort();
	}

	elen = b64url_encode(data, size, enc, B64URL_ENCLEN(size) + 1);
	if (elen != B64URL_ENCLEN(size) || strlen(enc) != elen)
		abort();
	if (!b64url_decode(enc, elen, dec, size, &n) || n != size ||
	    memcmp(dec, data, size) != 0)
		abort();

done:
	free(dec);
	free(enc);
	free(in);
}
