/*
 * Staff passwords: argon2id hashes in the PHC string format
 * "$argon2id$v=19$m=<kib>,t=<passes>,p=<lanes>$<salt>$<tag>", with a
 * 16-byte random salt and a 32-byte tag, both in unpadded standard base64.
 */
#ifndef PAYPORTAL_PASSWORD_H
#define PAYPORTAL_PASSWORD_H

#include <stddef.h>
#include <stdint.h>

#define PASSWORD_SALT_LEN	16
#define PASSWORD_TAG_LEN	32
#define PASSWORD_HASH_MAX	128	/* encoded hash and NUL; longest is 100 */

#define PASSWORD_MIN_CHARS	10	/* code points */
#define PASSWORD_MAX_BYTES	256

#define PASSWORD_T_MIN		1
#define PASSWORD_T_MAX		10
#define PASSWORD_M_MIN		8192	/* KiB */
#define PASSWORD_M_MAX		1048576	/* KiB: 1 GiB */
#define PASSWORD_P_MIN		1
#define PASSWORD_P_MAX		8

struct password_params {
	uint32_t	 t_cost;	/* passes */
	uint32_t	 m_kib;		/* memory */
	uint32_t	 parallelism;	/* lanes, all hashed in one thread */
};

/*
 * Hashes with a fresh salt into out (PASSWORD_HASH_MAX is always enough).
 * Returns 0 for parameters password_params_check refuses, a NULL password
 * with a length, an out too small, or a failure of the RNG or of argon2.
 */
int	password_hash(const char *, size_t, const struct password_params *,
	    char *, size_t);

/*
 * 1 only if the password matches. Anything but the one spelling
 * password_hash writes is refused before any hashing, and so are
 * parameters outside the password_params_check bounds: a stored or
 * forged hash cannot make a login allocate more than PASSWORD_M_MAX KiB
 * or run more than PASSWORD_T_MAX passes.
 */
int	password_verify(const char *, const char *, size_t);

/*
 * Reads the parameters of an encoded hash without hashing: 1 if
 * password_verify would hash with them, 0 (and params zeroed) if it would
 * refuse the string unhashed.
 */
int	password_encoded_params(const char *, struct password_params *);

/* 1 when the hash was made with other parameters, or cannot be read. */
int	password_needs_rehash(const char *, const struct password_params *);

/*
 * 1 if a new password is acceptable. Otherwise 0 and a phrase in why for
 * the caller to prefix with the field name, e.g. "must be at least 10
 * characters". Refused: invalid UTF-8, NUL bytes, fewer than
 * PASSWORD_MIN_CHARS code points, more than PASSWORD_MAX_BYTES bytes.
 */
int	password_policy(const char *, size_t, char *, size_t);

/* 1 if the parameters are within the bounds above; else 0 and why. */
int	password_params_check(const struct password_params *, char *, size_t);

#endif
