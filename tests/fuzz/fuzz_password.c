/*
 * libFuzzer driver for the encoded-hash reader in password.c. Cheap by
 * design: argon2 runs only on strings whose parameters the reader has
 * already found small, so the fuzzer can afford millions of inputs, and
 * a reader that let costly parameters through would show up as a timeout
 * or an out-of-memory report. Checked:
 *   - a string the reader refuses is refused by password_verify (unhashed)
 *     and always needs rehashing;
 *   - a string it reads has parameters within the bounds, written in the
 *     one canonical spelling, and does not need rehashing with them;
 *   - only the seed hash, byte for byte, verifies FUZZ_PASSWORD.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "password.h"

#define FUZZ_PASSWORD	"fuzz password"
#define FUZZ_HASH	"$argon2id$v=19$m=8192,t=1,p=1$w69HZjTJmVsrMFJCqQxzow$" \
			"UNrtHpSj63yvDEgRUWUINKDuXOdQUPlcWcTvcJ6dfB4"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct password_params	 fast = { 1, 8192, 1 };
	struct password_params			 pp;
	char					 prefix[64];
	char					*enc;
	size_t					 n;

	/* Exactly size bytes and a NUL, so ASan sees any overread. */
	if ((enc = malloc(size + 1)) == NULL)
		return (0);
	memcpy(enc, data, size);
	enc[size] = '\0';

	if (!password_encoded_params(enc, &pp)) {
		if (pp.t_cost != 0 || pp.m_kib != 0 || pp.parallelism != 0)
			abort();
		if (password_verify(enc, FUZZ_PASSWORD,
		    sizeof(FUZZ_PASSWORD) - 1) != 0)
			abort();
		if (password_needs_rehash(enc, &fast) != 1)
			abort();
		free(enc);
		return (0);
	}

	if (!password_params_check(&pp, NULL, 0))
		abort();
	if (strlen(enc) >= PASSWORD_HASH_MAX)
		abort();
	n = (size_t)snprintf(prefix, sizeof(prefix),
	    "$argon2id$v=19$m=%u,t=%u,p=%u$", pp.m_kib, pp.t_cost,
	    pp.parallelism);
	if (strncmp(enc, prefix, n) != 0)
		abort();
	if (password_needs_rehash(enc, &pp) != 0)
		abort();

	if (pp.m_kib <= 16384 && pp.t_cost <= 2 &&
	    password_verify(enc, FUZZ_PASSWORD, sizeof(FUZZ_PASSWORD) - 1) &&
	    strcmp(enc, FUZZ_HASH) != 0)
		abort();
	free(enc);
	return (0);
}
