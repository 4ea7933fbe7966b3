/*
 * Signing and verification of pay link tokens (see linktoken.h for the
 * format). Verification refuses anything but the one spelling the signer
 * produces, and looks at the expiry only once the MAC has matched, so an
 * EXPIRED answer never reveals anything about a forged token.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "b64url.h"
#include "linktoken.h"

#define LINK_VERSION		"p1."
#define LINK_VERSION_LEN	(sizeof(LINK_VERSION) - 1)
#define LINK_PAYLOAD_LEN	(LINK_ID_LEN + 8)
#define LINK_PAYLOAD_B64	B64URL_ENCLEN(LINK_PAYLOAD_LEN)
#define LINK_MAC_LEN		32
#define LINK_MAC_B64		B64URL_ENCLEN(LINK_MAC_LEN)

static int	link_key_usable(const struct link_key *);
static int	link_mac(const struct link_key *, const char *, size_t,
		    unsigned char [LINK_MAC_LEN]);

int
link_token_sign(const struct link_key *key,
    const unsigned char link_id[LINK_ID_LEN], int64_t expires, char *out,
    size_t outlen)
{
	unsigned char	 payload[LINK_PAYLOAD_LEN], mac[LINK_MAC_LEN];
	char		 buf[LINK_TOKEN_MAX + 1];
	size_t		 n, i;
	int		 ret;

	if (key->state == LINK_KEY_RETIRED || !link_key_usable(key) ||
	    expires < 0)
		return (0);

	memcpy(payload, link_id, LINK_ID_LEN);
	for (i = 0; i < 8; i++) {
		payload[LINK_ID_LEN + i] =
		    (unsigned char)((uint64_t)expires >> (56 - 8 * i));
	}

	ret = 0;
	n = LINK_VERSION_LEN + strlen(key->id) + 1;
	(void)snprintf(buf, sizeof(buf), "%s%s.", LINK_VERSION, key->id);
	n += b64url_encode(payload, sizeof(payload), buf + n, sizeof(buf) - n);
	if (!link_mac(key, buf, n, mac))
		goto done;
	buf[n++] = '.';
	n += b64url_encode(mac, sizeof(mac), buf + n, sizeof(buf) - n);
	if (n >= outlen)
		goto done;

	memcpy(out, buf, n + 1);
	ret = 1;

done:
	OPENSSL_cleanse(mac, sizeof(mac));
	return (ret);
}

enum link_verdict
link_token_verify(const char *token, size_t len, const struct link_key *keys,
    size_t nkeys, int64_t now, struct link_claims *claims)
{
	const struct link_key	*key;
	const char		*kid, *payload, *mac, *end, *dot;
	unsigned char		 raw[LINK_PAYLOAD_LEN];
	unsigned char		 got[LINK_MAC_LEN], want[LINK_MAC_LEN];
	char			 kidbuf[LINK_KEYID_MAX + 1];
	size_t			 kidlen, n, i;
	uint64_t		 expires;
	enum link_verdict	 verdict;

	if (claims != NULL)
		memset(claims, 0, sizeof(*claims));
	verdict = LINK_TOKEN_INVALID;
	memset(got, 0, sizeof(got));
	memset(want, 0, sizeof(want));

	if (token == NULL || len > LINK_TOKEN_MAX || len < LINK_VERSION_LEN ||
	    memcmp(token, LINK_VERSION, LINK_VERSION_LEN) != 0)
		goto done;

	end = token + len;
	kid = token + LINK_VERSION_LEN;
	if ((dot = memchr(kid, '.', (size_t)(end - kid))) == NULL)
		goto done;
	kidlen = (size_t)(dot - kid);
	if (kidlen > LINK_KEYID_MAX)
		goto done;
	memcpy(kidbuf, kid, kidlen);
	kidbuf[kidlen] = '\0';
	if (!link_key_valid_id(kidbuf))
		goto done;

	payload = dot + 1;
	if ((size_t)(end - payload) != LINK_PAYLOAD_B64 + 1 + LINK_MAC_B64 ||
	    payload[LINK_PAYLOAD_B64] != '.')
		goto done;
	mac = payload + LINK_PAYLOAD_B64 + 1;
	if (!b64url_decode(payload, LINK_PAYLOAD_B64, raw, sizeof(raw), &n) ||
	    n != sizeof(raw))
		goto done;
	if (!b64url_decode(mac, LINK_MAC_B64, got, sizeof(got), &n) ||
	    n != sizeof(got))
		goto done;

	key = NULL;
	for (i = 0; i < nkeys; i++) {
		if (strcmp(keys[i].id, kidbuf) == 0) {
			key = &keys[i];
			break;
		}
	}
	if (key == NULL || key->state == LINK_KEY_RETIRED ||
	    !link_key_usable(key))
		goto done;

	/* The MAC covers everything before the last '.'. */
	if (!link_mac(key, token, (size_t)(mac - 1 - token), want) ||
	    CRYPTO_memcmp(got, want, sizeof(got)) != 0)
		goto done;

	expires = 0;
	for (i = 0; i < 8; i++)
		expires = expires << 8 | raw[LINK_ID_LEN + i];
	/* The signer never writes one, but a negative expiry is no time. */
	if (expires > INT64_MAX)
		goto done;

	verdict = (int64_t)expires <= now ? LINK_TOKEN_EXPIRED : LINK_TOKEN_OK;
	if (claims != NULL) {
		memcpy(claims->link_id, raw, LINK_ID_LEN);
		claims->expires = (int64_t)expires;
		memcpy(claims->key_id, kidbuf, kidlen + 1);
	}

done:
	OPENSSL_cleanse(got, sizeof(got));
	OPENSSL_cleanse(want, sizeof(want));
	return (verdict);
}

int
link_key_valid_id(const char *id)
{
	size_t		 i;
	char		 c;

	if (id == NULL)
		return (0);
	for (i = 0; id[i] != '\0'; i++) {
		if (i == LINK_KEYID_MAX)
			return (0);
		c = id[i];
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '_' || c == '-'))
			return (0);
	}
	return (i > 0);
}

static int
link_key_usable(const struct link_key *key)
{
	return (link_key_valid_id(key->id) &&
	    key->secret_len >= LINK_SECRET_MIN &&
	    key->secret_len <= LINK_SECRET_MAX);
}

static int
link_mac(const struct link_key *key, const char *msg, size_t len,
    unsigned char mac[LINK_MAC_LEN])
{
	unsigned int	 maclen;

	maclen = 0;
	if (HMAC(EVP_sha256(), key->secret, (int)key->secret_len,
	    (const unsigned char *)msg, len, mac, &maclen) == NULL ||
	    maclen != LINK_MAC_LEN)
		return (0);
	return (1);
}
