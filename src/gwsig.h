/*
 * Stripe-Signature webhook signatures: "t=<unix>,v1=<hex>[,v1=<hex>...]",
 * where each v1 is the lower-case hex of HMAC-SHA256 keyed with the whole
 * webhook secret ("whsec_...") over "<t>.<raw body>".
 */
#ifndef PAYPORTAL_GWSIG_H
#define PAYPORTAL_GWSIG_H

#include <stddef.h>
#include <stdint.h>

#define GWSIG_TOLERANCE		300	/* seconds either side of now */
#define GWSIG_HEADER_MAX	1024	/* longer headers are refused unread */
#define GWSIG_MAX_V1		8	/* later v1 entries are ignored */
#define GWSIG_SIGN_MAX		96	/* gwsig_sign() output with its NUL */

enum gwsig_verdict {
	GWSIG_OK,
	GWSIG_MALFORMED,	/* no t, no v1, a bad or second t, too long */
	GWSIG_STALE,		/* a v1 matched but t is too far from now */
	GWSIG_MISMATCH		/* no v1 matched under any secret */
};

/*
 * Checks header against the raw body under each secret (several during a
 * rotation; NULL or "" ones are skipped). Entries are split on ',' and
 * their key matched exactly, as Stripe's own libraries do: unknown keys
 * (v0 included) are ignored, and since Stripe never sends spaces, " v1=..."
 * is an unknown key. t is 1 to 19 decimal digits, signed as written. A v1
 * that is not 64 lower-case hex digits matches nothing. The time is looked
 * at only once a MAC matched, so a forger learns nothing from the verdict;
 * a valid signature more than GWSIG_TOLERANCE seconds from now either way
 * is STALE.
 */
enum gwsig_verdict	gwsig_verify(const char *, const char *const *, size_t,
			    const char *, size_t, int64_t);

/*
 * Writes "t=<t>,v1=<hex>" for the body into out, as the gateway signs it.
 * Returns 0 for a NULL or empty secret, a negative t, or an out too small
 * (GWSIG_SIGN_MAX always suffices).
 */
int	gwsig_sign(const char *, int64_t, const char *, size_t, char *, size_t);

#endif
