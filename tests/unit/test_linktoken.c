#include <criterion/criterion.h>

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include "b64url.h"
#include "linktoken.h"

/*
 * Expected tokens computed outside this code base with coreutils and the
 * openssl command line:
 *   payload=$( (printf '\x00\x01...\x0f'; printf '\0\0\0\0\x69\x55\xb9\0') |
 *       basenc --base64url | tr -d '=\n')
 *   printf 'p1.k2026.%s' "$payload" | openssl dgst -sha256 -binary \
 *       -hmac 'payportal-test-secret-0123456789' |
 *       basenc --base64url | tr -d '=\n'
 */
#define KAT1_SECRET	"payportal-test-secret-0123456789"
#define KAT1_EXPIRES	1767225600	/* 2026-01-01T00:00:00Z */
#define KAT1_TOKEN	"p1.k2026.AAECAwQFBgcICQoLDA0ODwAAAABpVbkA." \
			"0mli7DAcxH69cRvlrKUey08UU2lSKlv-uPR8fjzQjLM"

/* Link id ff fe .. f0, 2100-01-01, "-mac HMAC -macopt hexkey:00010203..3f". */
#define KAT2_EXPIRES	4102444800
#define KAT2_TOKEN	"p1.old_key-1.__79_Pv6-fj39vX08_Lx8AAAAAD0hlcA." \
			"2YDbdZZoWhGRYaiLv9FECXx7GwEUVa8m0sUrHmy71B4"

static void	key_init(struct link_key *, const char *, const char *,
		    enum link_key_state);
static enum link_verdict	verify(const char *, const struct link_key *,
				    size_t, int64_t);
static void	forge(const struct link_key *, const char *,
		    const unsigned char *, size_t, char *, size_t);

static const unsigned char	kat1_id[LINK_ID_LEN] = {
	0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
	0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f
};

static void
key_init(struct link_key *k, const char *id, const char *secret,
    enum link_key_state state)
{
	memset(k, 0, sizeof(*k));
	snprintf(k->id, sizeof(k->id), "%s", id);
	k->secret_len = strlen(secret);
	cr_assert_leq(k->secret_len, sizeof(k->secret));
	memcpy(k->secret, secret, k->secret_len);
	k->state = state;
}

static enum link_verdict
verify(const char *token, const struct link_key *keys, size_t nkeys,
    int64_t now)
{
	return (link_token_verify(token, strlen(token), keys, nkeys, now,
	    NULL));
}

/* Signs any payload with any key, bypassing the signer's own checks. */
static void
forge(const struct link_key *k, const char *kid, const unsigned char *payload,
    size_t plen, char *out, size_t outlen)
{
	unsigned char	 mac[32];
	unsigned int	 maclen;
	size_t		 n;

	n = (size_t)snprintf(out, outlen, "p1.%s.", kid);
	n += b64url_encode(payload, plen, out + n, outlen - n);
	cr_assert_not_null(HMAC(EVP_sha256(), k->secret, (int)k->secret_len,
	    (const unsigned char *)out, n, mac, &maclen));
	out[n++] = '.';
	cr_assert_gt(b64url_encode(mac, sizeof(mac), out + n, outlen - n), 0);
}

Test(linktoken, known_answer)
{
	struct link_key		 k;
	struct link_claims	 c;
	char			 tok[LINK_TOKEN_MAX + 1];

	key_init(&k, "k2026", KAT1_SECRET, LINK_KEY_ACTIVE);
	cr_assert_eq(link_token_sign(&k, kat1_id, KAT1_EXPIRES, tok,
	    sizeof(tok)), 1);
	cr_assert_str_eq(tok, KAT1_TOKEN);

	cr_assert_eq(link_token_verify(KAT1_TOKEN, strlen(KAT1_TOKEN), &k, 1,
	    KAT1_EXPIRES - 1, &c), LINK_TOKEN_OK);
	cr_assert_arr_eq(c.link_id, kat1_id, LINK_ID_LEN);
	cr_assert_eq(c.expires, KAT1_EXPIRES);
	cr_assert_str_eq(c.key_id, "k2026");
}

Test(linktoken, known_answer_binary_secret)
{
	struct link_key		 k;
	struct link_claims	 c;
	unsigned char		 id[LINK_ID_LEN];
	char			 tok[LINK_TOKEN_MAX + 1];
	size_t			 i;

	memset(&k, 0, sizeof(k));
	snprintf(k.id, sizeof(k.id), "old_key-1");
	for (i = 0; i < 64; i++)
		k.secret[i] = (unsigned char)i;
	k.secret_len = 64;
	k.state = LINK_KEY_VERIFY;
	for (i = 0; i < LINK_ID_LEN; i++)
		id[i] = (unsigned char)(0xff - i);

	cr_assert_eq(link_token_sign(&k, id, KAT2_EXPIRES, tok, sizeof(tok)),
	    1);
	cr_assert_str_eq(tok, KAT2_TOKEN);
	cr_assert_eq(link_token_verify(KAT2_TOKEN, strlen(KAT2_TOKEN), &k, 1,
	    KAT1_EXPIRES, &c), LINK_TOKEN_OK);
	cr_assert_arr_eq(c.link_id, id, LINK_ID_LEN);
	cr_assert_eq(c.expires, KAT2_EXPIRES);
	cr_assert_str_eq(c.key_id, "old_key-1");
}

Test(linktoken, round_trip)
{
	struct link_key		 keys[2];
	struct link_claims	 c;
	unsigned char		 id[LINK_ID_LEN];
	char			 tok[LINK_TOKEN_MAX + 1];

	key_init(&keys[0], "a", KAT1_SECRET, LINK_KEY_ACTIVE);
	key_init(&keys[1], "sixteen-chars_16",
	    "another secret of at least 32 bytes", LINK_KEY_ACTIVE);
	cr_assert_eq(RAND_bytes(id, sizeof(id)), 1);

	cr_assert_eq(link_token_sign(&keys[1], id, 2000000000, tok,
	    sizeof(tok)), 1);
	/* The longest key id gives the longest token. */
	cr_assert_eq(strlen(tok), 96);
	cr_assert_eq(strncmp(tok, "p1.sixteen-chars_16.", 20), 0);
	cr_assert_eq(link_token_verify(tok, strlen(tok), keys, 2, 1999999999,
	    &c), LINK_TOKEN_OK);
	cr_assert_arr_eq(c.link_id, id, LINK_ID_LEN);
	cr_assert_eq(c.expires, 2000000000);
	cr_assert_str_eq(c.key_id, "sixteen-chars_16");

	cr_assert_eq(link_token_sign(&keys[0], id, 2000000000, tok,
	    sizeof(tok)), 1);
	cr_assert_eq(strlen(tok), 81);
	cr_assert_eq(link_token_verify(tok, strlen(tok), keys, 2, 0, &c),
	    LINK_TOKEN_OK);
	cr_assert_str_eq(c.key_id, "a");
}

Test(linktoken, every_byte_changed)
{
	struct link_key		 keys[2];
	struct link_claims	 c;
	char			 tok[LINK_TOKEN_MAX + 1];
	size_t			 i, len;
	int			 v;
	char			 orig;

	/* "k2027" is one byte away from "k2026": a changed kid meets a key. */
	key_init(&keys[0], "k2026", KAT1_SECRET, LINK_KEY_ACTIVE);
	key_init(&keys[1], "k2027", KAT1_SECRET, LINK_KEY_ACTIVE);
	snprintf(tok, sizeof(tok), "%s", KAT1_TOKEN);
	len = strlen(tok);
	cr_assert_eq(verify(tok, keys, 2, 0), LINK_TOKEN_OK);

	for (i = 0; i < len; i++) {
		orig = tok[i];
		for (v = 0; v < 256; v++) {
			if ((char)v == orig)
				continue;
			tok[i] = (char)v;
			memset(&c, 0xa5, sizeof(c));
			cr_assert_eq(link_token_verify(tok, len, keys, 2, 0,
			    &c), LINK_TOKEN_INVALID, "byte %zu = 0x%02x", i, v);
			cr_assert_eq(c.expires, 0);
			cr_assert_eq(c.key_id[0], '\0');
		}
		tok[i] = orig;
	}
	cr_assert_eq(verify(tok, keys, 2, 0), LINK_TOKEN_OK);
}

Test(linktoken, truncated_and_extended)
{
	struct link_key		 k;
	char			 tok[LINK_TOKEN_MAX + 2];
	size_t			 i, len;

	key_init(&k, "k2026", KAT1_SECRET, LINK_KEY_ACTIVE);
	snprintf(tok, sizeof(tok), "%s", KAT1_TOKEN);
	len = strlen(tok);
	for (i = 0; i < len; i++) {
		cr_assert_eq(link_token_verify(tok, i, &k, 1, 0, NULL),
		    LINK_TOKEN_INVALID, "length %zu", i);
	}
	cr_assert_eq(link_token_verify(tok, len, &k, 1, 0, NULL),
	    LINK_TOKEN_OK);
	tok[len] = 'A';
	tok[len + 1] = '\0';
	cr_assert_eq(verify(tok, &k, 1, 0), LINK_TOKEN_INVALID);
	cr_assert_eq(link_token_verify(NULL, 0, &k, 1, 0, NULL),
	    LINK_TOKEN_INVALID);
}

Test(linktoken, padding_and_trailing_bits)
{
	struct link_key		 k;
	char			 tok[LINK_TOKEN_MAX + 1];
	size_t			 len;
	const char		*alpha;
	const char		*pos;

	key_init(&k, "k2026", KAT1_SECRET, LINK_KEY_ACTIVE);
	snprintf(tok, sizeof(tok), "%s=", KAT1_TOKEN);
	cr_assert_eq(verify(tok, &k, 1, 0), LINK_TOKEN_INVALID);

	/* The MAC's last character carries 4 bits and 2 unused ones. */
	alpha = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789-_";
	snprintf(tok, sizeof(tok), "%s", KAT1_TOKEN);
	len = strlen(tok);
	pos = strchr(alpha, tok[len - 1]);
	cr_assert_not_null(pos);
	cr_assert_eq((pos - alpha) & 3, 0);
	tok[len - 1] = alpha[(pos - alpha) | 1];
	cr_assert_eq(verify(tok, &k, 1, 0), LINK_TOKEN_INVALID);
	tok[len - 1] = alpha[(pos - alpha) | 2];
	cr_assert_eq(verify(tok, &k, 1, 0), LINK_TOKEN_INVALID);
}

Test(linktoken, structure)
{
	struct link_key		 k;
	char			 tok[256];

	key_init(&k, "k2026", KAT1_SECRET, LINK_KEY_ACTIVE);
	cr_assert_eq(verify("", &k, 1, 0), LINK_TOKEN_INVALID);
	cr_assert_eq(verify("p1", &k, 1, 0), LINK_TOKEN_INVALID);
	cr_assert_eq(verify("p1.", &k, 1, 0), LINK_TOKEN_INVALID);
	cr_assert_eq(verify("p1.k2026", &k, 1, 0), LINK_TOKEN_INVALID);
	cr_assert_eq(verify("p1.k2026.", &k, 1, 0), LINK_TOKEN_INVALID);

	snprintf(tok, sizeof(tok), "%s", KAT1_TOKEN);
	tok[0] = 'P';
	cr_assert_eq(verify(tok, &k, 1, 0), LINK_TOKEN_INVALID);
	tok[0] = 'p';
	tok[1] = '2';
	cr_assert_eq(verify(tok, &k, 1, 0), LINK_TOKEN_INVALID);

	/* Over LINK_TOKEN_MAX bytes: refused even with a valid token inside. */
	memset(tok, 0, sizeof(tok));
	snprintf(tok, sizeof(tok), "%s", KAT1_TOKEN);
	cr_assert_eq(link_token_verify(tok, LINK_TOKEN_MAX + 1, &k, 1, 0, NULL),
	    LINK_TOKEN_INVALID);
	memset(tok, 'A', sizeof(tok) - 1);
	tok[sizeof(tok) - 1] = '\0';
	cr_assert_eq(verify(tok, &k, 1, 0), LINK_TOKEN_INVALID);
}

Test(linktoken, retired_key)
{
	struct link_key		 k;
	unsigned char		 payload[24];
	char			 tok[LINK_TOKEN_MAX + 1];
	char			 forged[LINK_TOKEN_MAX + 1];

	key_init(&k, "k2026", KAT1_SECRET, LINK_KEY_ACTIVE);
	cr_assert_eq(link_token_sign(&k, kat1_id, KAT1_EXPIRES, tok,
	    sizeof(tok)), 1);
	k.state = LINK_KEY_RETIRED;
	cr_assert_eq(verify(tok, &k, 1, 0), LINK_TOKEN_INVALID);
	cr_assert_eq(verify(tok, &k, 1, KAT1_EXPIRES), LINK_TOKEN_INVALID);
	memset(tok, 0, sizeof(tok));
	cr_assert_eq(link_token_sign(&k, kat1_id, KAT1_EXPIRES, tok,
	    sizeof(tok)), 0);
	cr_assert_eq(tok[0], '\0');

	/* A fresh token made with the retired secret all the same. */
	memcpy(payload, kat1_id, LINK_ID_LEN);
	memcpy(payload + LINK_ID_LEN, "\x7f\x00\x00\x00\x00\x00\x00\x00", 8);
	forge(&k, "k2026", payload, sizeof(payload), forged, sizeof(forged));
	cr_assert_eq(verify(forged, &k, 1, 0), LINK_TOKEN_INVALID);
	k.state = LINK_KEY_ACTIVE;
	cr_assert_eq(verify(forged, &k, 1, 0), LINK_TOKEN_OK);
}

Test(linktoken, rotation)
{
	struct link_key		 keys[2];
	struct link_claims	 c;
	unsigned char		 id[LINK_ID_LEN];
	char			 old[LINK_TOKEN_MAX + 1];
	char			 new[LINK_TOKEN_MAX + 1];

	memset(id, 0x42, sizeof(id));
	key_init(&keys[0], "k2025", "the 2025 secret, 32 bytes or more",
	    LINK_KEY_ACTIVE);
	key_init(&keys[1], "k2026", KAT1_SECRET, LINK_KEY_VERIFY);
	cr_assert_eq(link_token_sign(&keys[0], id, KAT1_EXPIRES, old,
	    sizeof(old)), 1);

	/* Rotate: the new key signs, the old one only verifies. */
	keys[0].state = LINK_KEY_VERIFY;
	keys[1].state = LINK_KEY_ACTIVE;
	cr_assert_eq(link_token_sign(&keys[1], id, KAT1_EXPIRES, new,
	    sizeof(new)), 1);
	cr_assert_str_neq(old, new);
	cr_assert_eq(link_token_verify(old, strlen(old), keys, 2, 0, &c),
	    LINK_TOKEN_OK);
	cr_assert_str_eq(c.key_id, "k2025");
	cr_assert_eq(link_token_verify(new, strlen(new), keys, 2, 0, &c),
	    LINK_TOKEN_OK);
	cr_assert_str_eq(c.key_id, "k2026");

	keys[0].state = LINK_KEY_RETIRED;
	cr_assert_eq(verify(old, keys, 2, 0), LINK_TOKEN_INVALID);
	cr_assert_eq(verify(new, keys, 2, 0), LINK_TOKEN_OK);

	/* A key of the same id but another secret does not verify. */
	key_init(&keys[0], "k2025", "a different secret of 32+ bytes!!",
	    LINK_KEY_ACTIVE);
	cr_assert_eq(verify(old, keys, 2, 0), LINK_TOKEN_INVALID);
}

Test(linktoken, expiry)
{
	struct link_key		 k;
	struct link_claims	 c;
	char			 tok[LINK_TOKEN_MAX + 1];

	key_init(&k, "k2026", KAT1_SECRET, LINK_KEY_ACTIVE);
	cr_assert_eq(verify(KAT1_TOKEN, &k, 1, KAT1_EXPIRES - 1),
	    LINK_TOKEN_OK);
	memset(&c, 0, sizeof(c));
	cr_assert_eq(link_token_verify(KAT1_TOKEN, strlen(KAT1_TOKEN), &k, 1,
	    KAT1_EXPIRES, &c), LINK_TOKEN_EXPIRED);
	cr_assert_arr_eq(c.link_id, kat1_id, LINK_ID_LEN);
	cr_assert_eq(c.expires, KAT1_EXPIRES);
	cr_assert_str_eq(c.key_id, "k2026");
	cr_assert_eq(verify(KAT1_TOKEN, &k, 1, INT64_MAX), LINK_TOKEN_EXPIRED);

	cr_assert_eq(link_token_sign(&k, kat1_id, 0, tok, sizeof(tok)), 1);
	cr_assert_eq(verify(tok, &k, 1, 0), LINK_TOKEN_EXPIRED);
	cr_assert_eq(verify(tok, &k, 1, -1), LINK_TOKEN_OK);
	cr_assert_eq(link_token_sign(&k, kat1_id, INT64_MAX, tok, sizeof(tok)),
	    1);
	cr_assert_eq(verify(tok, &k, 1, INT64_MAX - 1), LINK_TOKEN_OK);
	cr_assert_eq(link_token_sign(&k, kat1_id, -1, tok, sizeof(tok)), 0);

	/* An expired token with a bad MAC is INVALID, not EXPIRED. */
	snprintf(tok, sizeof(tok), "%s", KAT1_TOKEN);
	tok[strlen(tok) - 2] ^= 1;
	cr_assert_eq(verify(tok, &k, 1, INT64_MAX), LINK_TOKEN_INVALID);
}

Test(linktoken, negative_expiry_signed)
{
	struct link_key		 k;
	unsigned char		 payload[24];
	char			 tok[LINK_TOKEN_MAX + 1];

	key_init(&k, "k2026", KAT1_SECRET, LINK_KEY_ACTIVE);
	memcpy(payload, kat1_id, LINK_ID_LEN);
	memset(payload + LINK_ID_LEN, 0xff, 8);
	forge(&k, "k2026", payload, sizeof(payload), tok, sizeof(tok));
	cr_assert_eq(verify(tok, &k, 1, 0), LINK_TOKEN_INVALID);
	payload[LINK_ID_LEN] = 0x80;
	memset(payload + LINK_ID_LEN + 1, 0, 7);
	forge(&k, "k2026", payload, sizeof(payload), tok, sizeof(tok));
	cr_assert_eq(verify(tok, &k, 1, 0), LINK_TOKEN_INVALID);
}

Test(linktoken, unknown_key)
{
	struct link_key		 keys[2];

	key_init(&keys[0], "k2025", "the 2025 secret, 32 bytes or more",
	    LINK_KEY_ACTIVE);
	key_init(&keys[1], "k20266", KAT1_SECRET, LINK_KEY_ACTIVE);
	cr_assert_eq(verify(KAT1_TOKEN, keys, 2, 0), LINK_TOKEN_INVALID);
	cr_assert_eq(verify(KAT1_TOKEN, keys, 0, 0), LINK_TOKEN_INVALID);
	cr_assert_eq(verify(KAT1_TOKEN, NULL, 0, 0), LINK_TOKEN_INVALID);
	key_init(&keys[1], "k2026", KAT1_SECRET, LINK_KEY_ACTIVE);
	cr_assert_eq(verify(KAT1_TOKEN, keys, 2, 0), LINK_TOKEN_OK);
	/* A misconfigured short secret neither signs nor verifies. */
	keys[1].secret_len = 31;
	cr_assert_eq(verify(KAT1_TOKEN, keys, 2, 0), LINK_TOKEN_INVALID);
}

Test(linktoken, sign_refusals)
{
	struct link_key		 k;
	char			 tok[LINK_TOKEN_MAX + 1];

	key_init(&k, "k2026", KAT1_SECRET, LINK_KEY_ACTIVE);
	/* KAT1_TOKEN is 85 characters: 86 bytes with the NUL. */
	cr_assert_eq(strlen(KAT1_TOKEN), 85);
	cr_assert_eq(link_token_sign(&k, kat1_id, KAT1_EXPIRES, tok, 85), 0);
	cr_assert_eq(link_token_sign(&k, kat1_id, KAT1_EXPIRES, tok, 86), 1);
	cr_assert_str_eq(tok, KAT1_TOKEN);

	k.secret_len = 31;
	cr_assert_eq(link_token_sign(&k, kat1_id, 1, tok, sizeof(tok)), 0);
	k.secret_len = 65;
	cr_assert_eq(link_token_sign(&k, kat1_id, 1, tok, sizeof(tok)), 0);
	k.secret_len = 32;
	cr_assert_eq(link_token_sign(&k, kat1_id, 1, tok, sizeof(tok)), 1);

	snprintf(k.id, sizeof(k.id), "K2026");
	cr_assert_eq(link_token_sign(&k, kat1_id, 1, tok, sizeof(tok)), 0);
	snprintf(k.id, sizeof(k.id), "k.2026");
	cr_assert_eq(link_token_sign(&k, kat1_id, 1, tok, sizeof(tok)), 0);
	k.id[0] = '\0';
	cr_assert_eq(link_token_sign(&k, kat1_id, 1, tok, sizeof(tok)), 0);
	/* Seventeen characters and no NUL inside the id. */
	memset(k.id, 'a', sizeof(k.id));
	cr_assert_eq(link_token_sign(&k, kat1_id, 1, tok, sizeof(tok)), 0);
}

Test(linktoken, key_ids)
{
	cr_assert_eq(link_key_valid_id("a"), 1);
	cr_assert_eq(link_key_valid_id("k2026"), 1);
	cr_assert_eq(link_key_valid_id("a-b_c-0123456789"), 1);
	cr_assert_eq(link_key_valid_id("a-b_c-01234567890"), 0);
	cr_assert_eq(link_key_valid_id(""), 0);
	cr_assert_eq(link_key_valid_id(NULL), 0);
	cr_assert_eq(link_key_valid_id("K1"), 0);
	cr_assert_eq(link_key_valid_id("k.1"), 0);
	cr_assert_eq(link_key_valid_id("k 1"), 0);
	cr_assert_eq(link_key_valid_id("k=1"), 0);
	cr_assert_eq(link_key_valid_id("k\xc3\xa9"), 0);
}
