/*
 * libFuzzer driver for gwsig.c. The input is a Stripe-Signature header,
 * a newline, and the body it claims to sign, checked against two fixed
 * secrets at a fixed time: the verdict must be one of the four, the same
 * whatever the order of the secrets, and never OK without a secret. Then
 * the body is signed with one of the secrets at a time taken from the
 * input: that must verify (or be STALE, exactly when it is too old or too
 * new), and no single changed byte of the signature may still verify.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gwsig.h"

#define FUZZ_NOW	1700000000

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void	fuzz_arbitrary(const char *, const char *, size_t);
static void	fuzz_round_trip(const uint8_t *, size_t, const char *,
		    size_t);

static const char *const	fuzz_secrets[] = {
	"whsec_fuzz_one", "whsec_fuzz_two"
};
static const char *const	fuzz_swapped[] = {
	"whsec_fuzz_two", "whsec_fuzz_one"
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t	*nl;
	char		*header, *payload;
	size_t		 hlen, plen;

	if ((nl = memchr(data, '\n', size)) == NULL)
		nl = data + size;
	hlen = (size_t)(nl - data);
	plen = nl < data + size ? size - hlen - 1 : 0;

	/* Copies of exactly their size (and the header's NUL). */
	if ((header = malloc(hlen + 1)) == NULL ||
	    (payload = malloc(plen ? plen : 1)) == NULL)
		abort();
	memcpy(header, data, hlen);
	header[hlen] = '\0';
	memcpy(payload, nl + (plen ? 1 : 0), plen);

	fuzz_arbitrary(header, payload, plen);
	fuzz_round_trip(data, size, payload, plen);
	free(header);
	free(payload);
	return (0);
}

static void
fuzz_arbitrary(const char *header, const char *payload, size_t plen)
{
	enum gwsig_verdict	 v;

	v = gwsig_verify(header, fuzz_secrets, 2, payload, plen, FUZZ_NOW);
	if (v != GWSIG_OK && v != GWSIG_MALFORMED && v != GWSIG_STALE &&
	    v != GWSIG_MISMATCH)
		abort();
	if (strlen(header) > GWSIG_HEADER_MAX && v != GWSIG_MALFORMED)
		abort();
	if (gwsig_verify(header, fuzz_swapped, 2, payload, plen, FUZZ_NOW) !=
	    v)
		abort();
	/* Without a secret nothing is a match; malformed stays malformed. */
	if (gwsig_verify(header, fuzz_secrets, 0, payload, plen, FUZZ_NOW) !=
	    (v == GWSIG_MALFORMED ? GWSIG_MALFORMED : GWSIG_MISMATCH))
		abort();
}

static void
fuzz_round_trip(const uint8_t *data, size_t size, const char *payload,
    size_t plen)
{
	enum gwsig_verdict	 v, want;
	char			 sig[GWSIG_SIGN_MAX], bad[GWSIG_SIGN_MAX];
	int64_t			 t;
	size_t			 i, len;
	int			 which, skew;

	/* Up to ±512 s around now, to cross the tolerance both ways. */
	skew = size > 1 ? ((data[0] << 8 | data[1]) % 1025) - 512 : 0;
	which = size > 2 ? data[2] & 1 : 0;
	t = FUZZ_NOW + skew;
	if (!gwsig_sign(fuzz_secrets[which], t, payload, plen, sig,
	    sizeof(sig)))
		abort();
	want = (skew > GWSIG_TOLERANCE || skew < -GWSIG_TOLERANCE) ?
	    GWSIG_STALE : GWSIG_OK;
	if (gwsig_verify(sig, fuzz_secrets, 2, payload, plen, FUZZ_NOW) !=
	    want)
		abort();
	if (gwsig_verify(sig, &fuzz_secrets[!which], 1, payload, plen,
	    FUZZ_NOW) != GWSIG_MISMATCH)
		abort();

	/* Every byte, changed by a mask the input picks. */
	len = strlen(sig);
	for (i = 0; i < len; i++) {
		memcpy(bad, sig, len + 1);
		bad[i] ^= (char)(size > 3 && data[3] != 0 ? data[3] : 0x01);
		v = gwsig_verify(bad, fuzz_secrets, 2, payload, plen,
		    FUZZ_NOW);
		if (v == GWSIG_OK || v == GWSIG_STALE)
			abort();
	}
}
