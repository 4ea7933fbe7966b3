/*
 * argon2id password hashing (see password.h for the format). The encoded
 * string is written and read here rather than by libargon2's own decoder,
 * so that verification can refuse every other spelling and every costly
 * parameter before it hashes anything.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <argon2.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "password.h"

#define PASSWORD_PREFIX		"$argon2id$v=19$m="
#define PASSWORD_PREFIX_LEN	(sizeof(PASSWORD_PREFIX) - 1)
#define PASSWORD_SALT_B64	22	/* unpadded base64 of 16 bytes */
#define PASSWORD_TAG_B64	43	/* unpadded base64 of 32 bytes */

static int	password_argon2(const struct password_params *, const char *,
		    size_t, const unsigned char [PASSWORD_SALT_LEN],
		    unsigned char [PASSWORD_TAG_LEN]);
static int	password_parse(const char *, struct password_params *,
		    unsigned char [PASSWORD_SALT_LEN],
		    unsigned char [PASSWORD_TAG_LEN]);
static int	password_u32(const char **, uint32_t *);
static size_t	password_b64_encode(const unsigned char *, size_t, char *);
static int	password_b64_decode(const char *, size_t, unsigned char *,
		    size_t);
static int	password_b64_value(char);
static int	password_why(char *, size_t, const char *);

static const char	password_b64[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int
password_hash(const char *pw, size_t len, const struct password_params *pp,
    char *out, size_t outlen)
{
	unsigned char	 salt[PASSWORD_SALT_LEN], tag[PASSWORD_TAG_LEN];
	char		 buf[PASSWORD_HASH_MAX];
	size_t		 n;
	int		 ok;

	ok = 0;
	if (outlen > 0)
		out[0] = '\0';
	if (!password_params_check(pp, NULL, 0) || (pw == NULL && len != 0))
		return (0);
	if (RAND_bytes(salt, sizeof(salt)) != 1 ||
	    !password_argon2(pp, pw, len, salt, tag))
		goto done;

	n = (size_t)snprintf(buf, sizeof(buf), "%s%u,t=%u,p=%u$",
	    PASSWORD_PREFIX, pp->m_kib, pp->t_cost, pp->parallelism);
	n += password_b64_encode(salt, sizeof(salt), buf + n);
	buf[n++] = '$';
	n += password_b64_encode(tag, sizeof(tag), buf + n);
	buf[n] = '\0';
	if (n >= outlen)
		goto done;
	memcpy(out, buf, n + 1);
	ok = 1;

done:
	OPENSSL_cleanse(tag, sizeof(tag));
	OPENSSL_cleanse(buf, sizeof(buf));
	return (ok);
}

int
password_verify(const char *encoded, const char *pw, size_t len)
{
	struct password_params	 pp;
	unsigned char		 salt[PASSWORD_SALT_LEN];
	unsigned char		 want[PASSWORD_TAG_LEN], got[PASSWORD_TAG_LEN];
	int			 ok;

	ok = 0;
	if ((pw == NULL && len != 0) ||
	    !password_parse(encoded, &pp, salt, want))
		goto done;
	if (!password_argon2(&pp, pw, len, salt, got))
		goto done;
	ok = CRYPTO_memcmp(got, want, sizeof(got)) == 0;

done:
	OPENSSL_cleanse(want, sizeof(want));
	OPENSSL_cleanse(got, sizeof(got));
	return (ok);
}

int
password_encoded_params(const char *encoded, struct password_params *pp)
{
	unsigned char	 salt[PASSWORD_SALT_LEN], tag[PASSWORD_TAG_LEN];
	int		 ok;

	ok = password_parse(encoded, pp, salt, tag);
	OPENSSL_cleanse(tag, sizeof(tag));
	return (ok);
}

int
password_needs_rehash(const char *encoded, const struct password_params *want)
{
	struct password_params	 have;

	if (!password_encoded_params(encoded, &have))
		return (1);
	return (have.t_cost != want->t_cost || have.m_kib != want->m_kib ||
	    have.parallelism != want->parallelism);
}

/*
 * Strict UTF-8 (no overlong forms, surrogates or code points past
 * U+10FFFF), so that "10 characters" means what the user typed.
 */
int
password_policy(const char *pw, size_t len, char *why, size_t whylen)
{
	const unsigned char	*s;
	size_t			 i, j, n, chars;
	uint32_t		 cp, min;

	if (pw == NULL)
		len = 0;
	if (len > PASSWORD_MAX_BYTES) {
		return (password_why(why, whylen,
		    "must be at most 256 bytes long"));
	}
	if (len > 0 && memchr(pw, '\0', len) != NULL)
		return (password_why(why, whylen, "must not contain NUL bytes"));

	s = (const unsigned char *)pw;
	for (i = 0, chars = 0; i < len; i += n + 1, chars++) {
		if (s[i] < 0x80)
			n = 0;
		else if (s[i] >= 0xc2 && s[i] <= 0xdf)
			n = 1;
		else if (s[i] >= 0xe0 && s[i] <= 0xef)
			n = 2;
		else if (s[i] >= 0xf0 && s[i] <= 0xf4)
			n = 3;
		else
			return (password_why(why, whylen, "must be valid UTF-8"));
		if (n == 0)
			continue;
		if (n > len - i - 1)
			return (password_why(why, whylen, "must be valid UTF-8"));
		cp = s[i] & (0x7f >> (n + 1));
		for (j = 1; j <= n; j++) {
			if ((s[i + j] & 0xc0) != 0x80) {
				return (password_why(why, whylen,
				    "must be valid UTF-8"));
			}
			cp = cp << 6 | (s[i + j] & 0x3f);
		}
		min = n == 1 ? 0x80 : n == 2 ? 0x800 : 0x10000;
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return (password_why(why, whylen, "must be valid UTF-8"));
	}
	if (chars < PASSWORD_MIN_CHARS) {
		return (password_why(why, whylen,
		    "must be at least 10 characters"));
	}
	return (1);
}

int
password_params_check(const struct password_params *pp, char *why,
    size_t whylen)
{
	if (pp->t_cost < PASSWORD_T_MIN || pp->t_cost > PASSWORD_T_MAX) {
		return (password_why(why, whylen,
		    "t_cost must be between 1 and 10"));
	}
	if (pp->m_kib < PASSWORD_M_MIN || pp->m_kib > PASSWORD_M_MAX) {
		return (password_why(why, whylen,
		    "m_kib must be between 8192 and 1048576"));
	}
	if (pp->parallelism < PASSWORD_P_MIN ||
	    pp->parallelism > PASSWORD_P_MAX) {
		return (password_why(why, whylen,
		    "parallelism must be between 1 and 8"));
	}
	return (1);
}

/*
 * One thread whatever the lanes: the tag depends on the lanes only, so a
 * hash costs the caller's own thread and never spawns more (Kore's
 * seccomp filter allows clone(2) only with tasks or curl in use).
 */
static int
password_argon2(const struct password_params *pp, const char *pw, size_t len,
    const unsigned char salt[PASSWORD_SALT_LEN],
    unsigned char tag[PASSWORD_TAG_LEN])
{
	argon2_context	 ctx;

	if (len > UINT32_MAX)
		return (0);
	memset(&ctx, 0, sizeof(ctx));
	ctx.out = tag;
	ctx.outlen = PASSWORD_TAG_LEN;
	/* libargon2 does not write them, but its fields are not const. */
	ctx.pwd = (uint8_t *)(uintptr_t)pw;
	ctx.pwdlen = (uint32_t)len;
	ctx.salt = (uint8_t *)(uintptr_t)salt;
	ctx.saltlen = PASSWORD_SALT_LEN;
	ctx.t_cost = pp->t_cost;
	ctx.m_cost = pp->m_kib;
	ctx.lanes = pp->parallelism;
	ctx.threads = 1;
	ctx.version = ARGON2_VERSION_13;
	ctx.flags = ARGON2_DEFAULT_FLAGS;
	return (argon2id_ctx(&ctx) == ARGON2_OK);
}

/*
 * Accepts exactly what password_hash writes: the prefix, three decimal
 * numbers without leading zeros in the order m, t, p, within the bounds,
 * then the salt and the tag in canonical unpadded base64.
 */
static int
password_parse(const char *enc, struct password_params *pp,
    unsigned char salt[PASSWORD_SALT_LEN], unsigned char tag[PASSWORD_TAG_LEN])
{
	const char	*p;

	memset(pp, 0, sizeof(*pp));
	if (enc == NULL || strnlen(enc, PASSWORD_HASH_MAX) == PASSWORD_HASH_MAX ||
	    strncmp(enc, PASSWORD_PREFIX, PASSWORD_PREFIX_LEN) != 0)
		goto fail;
	p = enc + PASSWORD_PREFIX_LEN;
	if (!password_u32(&p, &pp->m_kib) || strncmp(p, ",t=", 3) != 0)
		goto fail;
	p += 3;
	if (!password_u32(&p, &pp->t_cost) || strncmp(p, ",p=", 3) != 0)
		goto fail;
	p += 3;
	if (!password_u32(&p, &pp->parallelism) || *p++ != '$')
		goto fail;
	if (!password_params_check(pp, NULL, 0))
		goto fail;

	if (strlen(p) != PASSWORD_SALT_B64 + 1 + PASSWORD_TAG_B64 ||
	    p[PASSWORD_SALT_B64] != '$')
		goto fail;
	if (!password_b64_decode(p, PASSWORD_SALT_B64, salt,
	    PASSWORD_SALT_LEN) ||
	    !password_b64_decode(p + PASSWORD_SALT_B64 + 1, PASSWORD_TAG_B64,
	    tag, PASSWORD_TAG_LEN))
		goto fail;
	return (1);

fail:
	memset(pp, 0, sizeof(*pp));
	return (0);
}

/* Plain decimal: no sign, no leading zeros, at most UINT32_MAX. */
static int
password_u32(const char **pp, uint32_t *out)
{
	const char	*p;
	uint64_t	 v;

	p = *pp;
	if (*p < '0' || *p > '9' || (p[0] == '0' && p[1] >= '0' &&
	    p[1] <= '9'))
		return (0);
	for (v = 0; *p >= '0' && *p <= '9'; p++) {
		v = v * 10 + (uint64_t)(*p - '0');
		if (v > UINT32_MAX)
			return (0);
	}
	*out = (uint32_t)v;
	*pp = p;
	return (1);
}

/* Writes 4n/3 rounded up characters, no padding and no NUL. */
static size_t
password_b64_encode(const unsigned char *in, size_t len, char *out)
{
	size_t		 i, n;
	uint32_t	 v;

	n = 0;
	for (i = 0; i + 2 < len; i += 3) {
		v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
		out[n++] = password_b64[v >> 18];
		out[n++] = password_b64[(v >> 12) & 0x3f];
		out[n++] = password_b64[(v >> 6) & 0x3f];
		out[n++] = password_b64[v & 0x3f];
	}
	if (len - i == 1) {
		v = (uint32_t)in[i] << 16;
		out[n++] = password_b64[v >> 18];
		out[n++] = password_b64[(v >> 12) & 0x3f];
	} else if (len - i == 2) {
		v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8;
		out[n++] = password_b64[v >> 18];
		out[n++] = password_b64[(v >> 12) & 0x3f];
		out[n++] = password_b64[(v >> 6) & 0x3f];
	}
	return (n);
}

/*
 * Decodes exactly outlen bytes from len characters. The unused low bits
 * of the last character must be zero, so each value has one spelling.
 */
static int
password_b64_decode(const char *in, size_t len, unsigned char *out,
    size_t outlen)
{
	size_t		 i, n;
	uint32_t	 acc;
	int		 bits, c;

	if (len != (outlen * 4 + 2) / 3)
		return (0);
	acc = 0;
	bits = 0;
	n = 0;
	for (i = 0; i < len; i++) {
		if ((c = password_b64_value(in[i])) == -1)
			return (0);
		acc = (acc << 6 | (uint32_t)c) & 0xfff;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[n++] = (unsigned char)(acc >> bits);
		}
	}
	return (n == outlen && (acc & ((1U << bits) - 1)) == 0);
}

static int
password_b64_value(char c)
{
	if (c >= 'A' && c <= 'Z')
		return (c - 'A');
	if (c >= 'a' && c <= 'z')
		return (c - 'a' + 26);
	if (c >= '0' && c <= '9')
		return (c - '0' + 52);
	if (c == '+')
		return (62);
	if (c == '/')
		return (63);
	return (-1);
}

/* Always returns 0, so a refusal is one statement. */
static int
password_why(char *why, size_t whylen, const char *msg)
{
	if (why != NULL && whylen > 0)
		(void)snprintf(why, whylen, "%s", msg);
	return (0);
}
