/*
 * Stripe-Signature checks. The header is split in place; each secret's MAC
 * is computed once and compared with every v1 kept, so the work is bounded
 * by the number of secrets, not by what the sender put in the header.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "gwsig.h"

#define GWSIG_MAC_LEN	32
#define GWSIG_T_DIGITS	19	/* as many as INT64_MAX has */

struct gwsig_header {
	const char	*t;		/* as written: it is what was signed */
	size_t		 tlen;
	int64_t		 time;
	unsigned char	 v1[GWSIG_MAX_V1][GWSIG_MAC_LEN];
	size_t		 nv1;		/* v1 entries seen, at most 8 */
	size_t		 nvalid;	/* of which decoded into v1[] */
};

static int	gwsig_parse(const char *, struct gwsig_header *);
static int	gwsig_time(const char *, size_t, int64_t *);
static int	gwsig_hex(const char *, size_t, unsigned char *);
static int	gwsig_mac(const char *, const char *, size_t, const char *,
		    size_t, unsigned char *);
static int	gwsig_stale(int64_t, int64_t);

enum gwsig_verdict
gwsig_verify(const char *header, const char *const *secrets, size_t nsecrets,
    const char *payload, size_t len, int64_t now)
{
	struct gwsig_header	 h;
	unsigned char		 mac[GWSIG_MAC_LEN];
	size_t			 i, j;
	int			 matched;

	if (header == NULL || !gwsig_parse(header, &h))
		return (GWSIG_MALFORMED);

	matched = 0;
	for (i = 0; i < nsecrets && !matched; i++) {
		/* An empty key is one anybody can sign with. */
		if (secrets[i] == NULL || secrets[i][0] == '\0')
			continue;
		if (!gwsig_mac(secrets[i], h.t, h.tlen, payload, len, mac))
			continue;
		for (j = 0; j < h.nvalid; j++) {
			if (CRYPTO_memcmp(mac, h.v1[j], sizeof(mac)) == 0)
				matched = 1;
		}
	}
	explicit_bzero(mac, sizeof(mac));

	if (!matched)
		return (GWSIG_MISMATCH);
	if (gwsig_stale(h.time, now))
		return (GWSIG_STALE);
	return (GWSIG_OK);
}

int
gwsig_sign(const char *secret, int64_t t, const char *payload, size_t len,
    char *out, size_t outlen)
{
	static const char	 hex[] = "0123456789abcdef";
	unsigned char		 mac[GWSIG_MAC_LEN];
	char			 ts[GWSIG_T_DIGITS + 1];
	size_t			 i, n;
	int			 tn;

	if (outlen > 0)
		out[0] = '\0';
	if (secret == NULL || secret[0] == '\0' || t < 0)
		return (0);
	tn = snprintf(ts, sizeof(ts), "%lld", (long long)t);
	n = 2 + (size_t)tn + 4;
	if (n + 2 * GWSIG_MAC_LEN + 1 > outlen)
		return (0);
	if (!gwsig_mac(secret, ts, (size_t)tn, payload, len, mac))
		return (0);

	(void)snprintf(out, outlen, "t=%s,v1=", ts);
	for (i = 0; i < GWSIG_MAC_LEN; i++) {
		out[n + 2 * i] = hex[mac[i] >> 4];
		out[n + 2 * i + 1] = hex[mac[i] & 0x0f];
	}
	out[n + 2 * GWSIG_MAC_LEN] = '\0';
	explicit_bzero(mac, sizeof(mac));
	return (1);
}

/*
 * A second t is refused rather than picking one: Stripe's libraries
 * disagree on which would win.
 */
static int
gwsig_parse(const char *header, struct gwsig_header *h)
{
	const char	*p, *end, *comma, *eq, *v;
	size_t		 len, klen, vlen;

	memset(h, 0, sizeof(*h));
	if ((len = strnlen(header, GWSIG_HEADER_MAX + 1)) > GWSIG_HEADER_MAX)
		return (0);

	end = header + len;
	for (p = header;; p = comma + 1) {
		if ((comma = memchr(p, ',', (size_t)(end - p))) == NULL)
			comma = end;
		if ((eq = memchr(p, '=', (size_t)(comma - p))) != NULL) {
			klen = (size_t)(eq - p);
			v = eq + 1;
			vlen = (size_t)(comma - v);
			if (klen == 1 && p[0] == 't') {
				if (h->t != NULL || !gwsig_time(v, vlen,
				    &h->time))
					return (0);
				h->t = v;
				h->tlen = vlen;
			} else if (klen == 2 && p[0] == 'v' && p[1] == '1' &&
			    h->nv1 < GWSIG_MAX_V1) {
				h->nv1++;
				if (gwsig_hex(v, vlen, h->v1[h->nvalid]))
					h->nvalid++;
			}
		}
		if (comma == end)
			break;
	}

	return (h->t != NULL && h->nv1 > 0);
}

static int
gwsig_time(const char *s, size_t len, int64_t *out)
{
	int64_t		 v;
	size_t		 i;
	int		 d;

	if (len == 0 || len > GWSIG_T_DIGITS)
		return (0);
	v = 0;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return (0);
		d = s[i] - '0';
		if (v > (INT64_MAX - d) / 10)
			return (0);
		v = v * 10 + d;
	}
	*out = v;
	return (1);
}

/* Lower case only: it is what Stripe sends and its libraries compare. */
static int
gwsig_hex(const char *s, size_t len, unsigned char *out)
{
	size_t		 i;
	int		 hi, lo;

	if (len != 2 * GWSIG_MAC_LEN)
		return (0);
	for (i = 0; i < GWSIG_MAC_LEN; i++) {
		hi = s[2 * i];
		lo = s[2 * i + 1];
		if (!((hi >= '0' && hi <= '9') || (hi >= 'a' && hi <= 'f')) ||
		    !((lo >= '0' && lo <= '9') || (lo >= 'a' && lo <= 'f')))
			return (0);
		hi = hi <= '9' ? hi - '0' : hi - 'a' + 10;
		lo = lo <= '9' ? lo - '0' : lo - 'a' + 10;
		out[i] = (unsigned char)(hi << 4 | lo);
	}
	return (1);
}

/* HMAC-SHA256(secret, t "." payload), without copying the payload. */
static int
gwsig_mac(const char *secret, const char *t, size_t tlen,
    const char *payload, size_t len, unsigned char *out)
{
	EVP_MAC		*mac;
	EVP_MAC_CTX	*ctx;
	OSSL_PARAM	 params[2];
	size_t		 outlen;
	int		 ok;

	ok = 0;
	ctx = NULL;
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
	    "SHA256", 0);
	params[1] = OSSL_PARAM_construct_end();
	if ((mac = EVP_MAC_fetch(NULL, "HMAC", NULL)) == NULL)
		goto fail;
	if ((ctx = EVP_MAC_CTX_new(mac)) == NULL)
		goto fail;
	if (!EVP_MAC_init(ctx, (const unsigned char *)secret, strlen(secret),
	    params) ||
	    !EVP_MAC_update(ctx, (const unsigned char *)t, tlen) ||
	    !EVP_MAC_update(ctx, (const unsigned char *)".", 1) ||
	    (len > 0 && !EVP_MAC_update(ctx, (const unsigned char *)payload,
	    len)) ||
	    !EVP_MAC_final(ctx, out, &outlen, GWSIG_MAC_LEN) ||
	    outlen != GWSIG_MAC_LEN)
		goto fail;
	ok = 1;

fail:
	EVP_MAC_CTX_free(ctx);
	EVP_MAC_free(mac);
	return (ok);
}

/* Exact in unsigned arithmetic whatever the two values are. */
static int
gwsig_stale(int64_t t, int64_t now)
{
	uint64_t	 d;

	if (t >= now)
		d = (uint64_t)t - (uint64_t)now;
	else
		d = (uint64_t)now - (uint64_t)t;
	return (d > GWSIG_TOLERANCE);
}
