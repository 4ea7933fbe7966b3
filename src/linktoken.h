/*
 * Signed pay link tokens: "p1.<kid>.<payload>.<mac>", where payload is
 * base64url of the 16-byte random link id and the 8-byte big-endian expiry
 * (unix seconds), and mac is base64url of HMAC-SHA256 under key kid over
 * the ASCII text "p1.<kid>.<payload>". No padding anywhere.
 */
#ifndef PAYPORTAL_LINKTOKEN_H
#define PAYPORTAL_LINKTOKEN_H

#include <stddef.h>
#include <stdint.h>

#define LINK_ID_LEN		16
#define LINK_KEYID_MAX		16
#define LINK_SECRET_MIN		32
#define LINK_SECRET_MAX		64
#define LINK_TOKEN_MAX		128	/* longer tokens are refused unread */

enum link_key_state {
	LINK_KEY_ACTIVE,	/* signs and verifies */
	LINK_KEY_VERIFY,	/* verifies links signed before a rotation */
	LINK_KEY_RETIRED,	/* neither */
};

struct link_key {
	char			 id[LINK_KEYID_MAX + 1];
	unsigned char		 secret[LINK_SECRET_MAX];
	size_t			 secret_len;	/* at least LINK_SECRET_MIN */
	enum link_key_state	 state;
};

struct link_claims {
	unsigned char	 link_id[LINK_ID_LEN];
	int64_t		 expires;	/* unix seconds */
	char		 key_id[LINK_KEYID_MAX + 1];
};

enum link_verdict {
	LINK_TOKEN_OK,
	LINK_TOKEN_INVALID,
	LINK_TOKEN_EXPIRED,
};

/*
 * Writes the token and its NUL into out (LINK_TOKEN_MAX + 1 is always
 * enough). Returns 0 for a retired key, a key with a bad id or secret
 * length, a negative expiry, or an out too small.
 */
int	link_token_sign(const struct link_key *,
	    const unsigned char [LINK_ID_LEN], int64_t, char *, size_t);

/*
 * Checks the structure, finds the key (ACTIVE or VERIFY), compares the MAC
 * in constant time, and only then the expiry: EXPIRED (expires <= now)
 * implies the token is authentic. The claims, if not NULL, are filled for
 * OK and EXPIRED and zeroed for INVALID.
 */
enum link_verdict	link_token_verify(const char *, size_t,
			    const struct link_key *, size_t, int64_t,
			    struct link_claims *);

/* 1 if the text is 1 to LINK_KEYID_MAX characters of [a-z0-9_-]. */
int	link_key_valid_id(const char *);

#endif
