/*
 * libFuzzer driver for money.c. The first byte picks a currency and what to
 * exercise: money_parse on the rest (a parsed amount must survive both
 * formats and parse back identically), money_format at every buffer size,
 * or money_fee checked against 128-bit arithmetic.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "money.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void	fuzz_parse(const struct currency *, const uint8_t *, size_t);
static void	fuzz_format(const struct currency *, const uint8_t *, size_t);
static void	fuzz_fee(const uint8_t *, size_t);
static void	fuzz_reparse(const struct currency *, int64_t, int);
static uint64_t	fuzz_u64(const uint8_t *);

static const char	*fuzz_codes[] = {
	"USD", "JPY", "KWD", "EUR", "CAD", "CNY", "SEK", "CHF"
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct currency	*cur;

	if (size < 1)
		return (0);
	cur = money_currency(fuzz_codes[(data[0] >> 2) % 8]);
	switch (data[0] & 3) {
	case 0:
	case 1:
		fuzz_parse(cur, data + 1, size - 1);
		break;
	case 2:
		fuzz_format(cur, data + 1, size - 1);
		break;
	case 3:
		fuzz_fee(data + 1, size - 1);
		break;
	}
	return (0);
}

static void
fuzz_parse(const struct currency *cur, const uint8_t *data, size_t size)
{
	int64_t		 v;
	char		 why[128];
	char		*s;

	/* A copy of exactly size bytes, so ASan sees any overread. */
	if ((s = malloc(size ? size : 1)) == NULL)
		return;
	memcpy(s, data, size);
	why[0] = '\0';
	if (money_parse(s, size, cur, &v, why, sizeof(why))) {
		if (v < 0)
			abort();
		fuzz_reparse(cur, v, 0);
		fuzz_reparse(cur, v, 1);
	} else if (why[0] == '\0') {
		abort();
	}
	free(s);
}

static void
fuzz_format(const struct currency *cur, const uint8_t *data, size_t size)
{
	char		 buf[MONEY_FORMAT_MAX];
	int64_t		 v;
	size_t		 i, need;

	if (size < 8)
		return;
	v = (int64_t)fuzz_u64(data);
	if (!money_format(v, cur, buf, sizeof(buf)))
		abort();
	need = strlen(buf) + 1;
	for (i = 0; i < sizeof(buf); i++) {
		if (money_format(v, cur, buf, i) != (i >= need))
			abort();
	}
	if (v >= 0) {
		fuzz_reparse(cur, v, 0);
		fuzz_reparse(cur, v, 1);
	}
}

static void
fuzz_reparse(const struct currency *cur, int64_t v, int display)
{
	char		 buf[MONEY_FORMAT_MAX], why[128];
	int64_t		 back;
	int		 ok;

	if (display)
		ok = money_format(v, cur, buf, sizeof(buf));
	else
		ok = money_format_plain(v, cur, buf, sizeof(buf));
	if (!ok)
		abort();
	if (!money_parse(buf, strlen(buf), cur, &back, why, sizeof(why)))
		abort();
	if (back != v)
		abort();
}

static void
fuzz_fee(const uint8_t *data, size_t size)
{
	int64_t		 base, fixed, min, max, got;
	int32_t		 bp;
	__int128	 want;
	int		 ok, valid;

	if (size < 36)
		return;
	base = (int64_t)fuzz_u64(data);
	fixed = (int64_t)fuzz_u64(data + 8);
	min = (int64_t)fuzz_u64(data + 16);
	max = (int64_t)fuzz_u64(data + 24);
	bp = (int32_t)((uint32_t)data[32] << 24 | (uint32_t)data[33] << 16 |
	    (uint32_t)data[34] << 8 | data[35]);
	/* Small values are the interesting ones; use the low bits mostly. */
	if (data[0] & 1)
		base &= 0xffffff;
	if (data[0] & 2)
		fixed &= 0xfff;
	if (data[0] & 4)
		min &= 0xfff;
	if (data[0] & 8)
		max &= 0xffff;
	if (data[0] & 16)
		bp &= 0x3fff;

	got = -42;
	ok = money_fee(base, bp, fixed, min, max, &got);

	valid = base >= 0 && bp >= 0 && fixed >= 0 &&
	    !(min >= 0 && max >= 0 && min > max);
	want = 0;
	if (valid) {
		want = ((__int128)base * bp + 5000) / 10000 + fixed;
		if (want > INT64_MAX)
			valid = 0;
	}
	if (ok != valid)
		abort();
	if (!ok) {
		if (got != -42)
			abort();
		return;
	}
	if (min >= 0 && want < min)
		want = min;
	if (max >= 0 && want > max)
		want = max;
	if (got != (int64_t)want)
		abort();
}

static uint64_t
fuzz_u64(const uint8_t *p)
{
	uint64_t	 v;
	int		 i;

	v = 0;
	for (i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return (v);
}
