#include <criterion/criterion.h>

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <argon2.h>

#include "password.h"

/*
 * Made outside this code base by argon2-cffi (its README's example) for
 * "correct horse battery staple": a known answer, and a hash with the
 * library's default parameters that this code did not write.
 */
#define KAT_HASH	"$argon2id$v=19$m=65536,t=3,p=4$" \
			"MIIRqgvgQbgj220jfp0MPA$" \
			"YfwJSVjtjSU0zzV/P3S9nnQ/USre2wvJMjfCIjrTQbg"
#define KAT_PASSWORD	"correct horse battery staple"

/* Small parameters keep the tests fast; they are the lowest allowed. */
static const struct password_params	fast = { 1, 8192, 1 };

static void	hash(const char *, const struct password_params *,
		    char [PASSWORD_HASH_MAX]);
static void	refused(const char *);
static void	policy_ok(const char *, size_t);
static void	policy_refuses(const char *, size_t, const char *);

static void
hash(const char *pw, const struct password_params *pp,
    char out[PASSWORD_HASH_MAX])
{
	cr_assert_eq(password_hash(pw, strlen(pw), pp, out, PASSWORD_HASH_MAX),
	    1, "hashing \"%s\"", pw);
}

/* Refused unread: no hashing, no parameters, and it needs replacing. */
static void
refused(const char *enc)
{
	struct password_params	 pp;

	memset(&pp, 0xa5, sizeof(pp));
	cr_assert_eq(password_encoded_params(enc, &pp), 0, "\"%s\" read", enc);
	cr_assert_eq(pp.t_cost, 0);
	cr_assert_eq(pp.m_kib, 0);
	cr_assert_eq(pp.parallelism, 0);
	cr_assert_eq(password_verify(enc, KAT_PASSWORD,
	    strlen(KAT_PASSWORD)), 0, "\"%s\" verified", enc);
	cr_assert_eq(password_needs_rehash(enc, &fast), 1, "\"%s\"", enc);
}

static void
policy_ok(const char *pw, size_t len)
{
	char	why[128];

	why[0] = '\0';
	cr_assert_eq(password_policy(pw, len, why, sizeof(why)), 1,
	    "\"%.*s\" refused: %s", (int)len, pw, why);
}

static void
policy_refuses(const char *pw, size_t len, const char *want)
{
	char	why[128];

	why[0] = '\0';
	cr_assert_eq(password_policy(pw, len, why, sizeof(why)), 0,
	    "\"%.*s\" accepted", (int)len, pw);
	cr_assert_str_eq(why, want, "\"%.*s\"", (int)len, pw);
}

Test(password, known_answer)
{
	struct password_params	 pp;

	cr_assert_eq(password_verify(KAT_HASH, KAT_PASSWORD,
	    strlen(KAT_PASSWORD)), 1);
	cr_assert_eq(password_verify(KAT_HASH, "Tr0ub4dor&3", 11), 0);
	cr_assert_eq(password_verify(KAT_HASH, KAT_PASSWORD,
	    strlen(KAT_PASSWORD) - 1), 0);

	cr_assert_eq(password_encoded_params(KAT_HASH, &pp), 1);
	cr_assert_eq(pp.m_kib, 65536);
	cr_assert_eq(pp.t_cost, 3);
	cr_assert_eq(pp.parallelism, 4);
}

Test(password, round_trip)
{
	char	h[PASSWORD_HASH_MAX];

	hash("staff password 1", &fast, h);
	cr_assert_eq(strncmp(h, "$argon2id$v=19$m=8192,t=1,p=1$", 30), 0,
	    "%s", h);
	cr_assert_eq(strlen(h), 30 + 22 + 1 + 43, "%s", h);
	cr_assert_eq(h[30 + 22], '$');

	cr_assert_eq(password_verify(h, "staff password 1", 16), 1);
	cr_assert_eq(password_verify(h, "staff password 2", 16), 0);
	cr_assert_eq(password_verify(h, "Staff password 1", 16), 0);
	cr_assert_eq(password_verify(h, "staff password 1 ", 17), 0);
	cr_assert_eq(password_verify(h, "staff password ", 15), 0);
	cr_assert_eq(password_verify(h, "", 0), 0);
	cr_assert_eq(password_verify(h, NULL, 0), 0);
	cr_assert_eq(password_verify(h, NULL, 16), 0);
	cr_assert_eq(password_needs_rehash(h, &fast), 0);
}

Test(password, fresh_salt)
{
	char	a[PASSWORD_HASH_MAX], b[PASSWORD_HASH_MAX];

	hash("same password here", &fast, a);
	hash("same password here", &fast, b);
	cr_assert_str_neq(a, b);
	cr_assert_neq(memcmp(a + 30, b + 30, 22), 0, "same salt");
	cr_assert_eq(password_verify(a, "same password here", 18), 1);
	cr_assert_eq(password_verify(b, "same password here", 18), 1);
}

/* Passwords are bytes: NULs and any high bytes are hashed as given. */
Test(password, binary_password)
{
	static const char	 pw[] = "a\0b\xff\x80 c";
	char			 h[PASSWORD_HASH_MAX];

	cr_assert_eq(password_hash(pw, sizeof(pw) - 1, &fast, h, sizeof(h)),
	    1);
	cr_assert_eq(password_verify(h, pw, sizeof(pw) - 1), 1);
	cr_assert_eq(password_verify(h, pw, 1), 0);
	cr_assert_eq(password_verify(h, "a", 1), 0);
}

/* libargon2's own decoder reads what password_hash writes. */
Test(password, libargon2_reads_ours)
{
	static const struct password_params	 lanes = { 2, 8192, 4 };
	char					 h[PASSWORD_HASH_MAX];

	hash("checked elsewhere", &lanes, h);
	cr_assert_eq(argon2id_verify(h, "checked elsewhere", 17), ARGON2_OK,
	    "%s", h);
	cr_assert_eq(argon2id_verify(h, "checked elsewhere!", 18),
	    ARGON2_VERIFY_MISMATCH);
}

/*
 * And the other way round, with several lanes computed by several
 * threads there and by one thread here.
 */
Test(password, reads_libargon2)
{
	static const char	 salt[] = "0123456789abcdef";
	char			 h[PASSWORD_HASH_MAX];

	cr_assert_eq(argon2_hash(2, 8192, 4, "from libargon2", 14, salt, 16,
	    NULL, 32, h, sizeof(h), Argon2_id, ARGON2_VERSION_13), ARGON2_OK);
	cr_assert_eq(password_verify(h, "from libargon2", 14), 1, "%s", h);
	cr_assert_eq(password_verify(h, "from libargon3", 14), 0);
}

Test(password, hash_refuses)
{
	struct password_params	 pp;
	char			 h[PASSWORD_HASH_MAX];
	size_t			 len;

	pp = fast;
	pp.m_kib = 4096;
	memset(h, 'x', sizeof(h));
	cr_assert_eq(password_hash("long enough pw", 14, &pp, h, sizeof(h)), 0);
	cr_assert_eq(h[0], '\0');
	cr_assert_eq(password_hash(NULL, 3, &fast, h, sizeof(h)), 0);

	hash("long enough pw", &fast, h);
	len = strlen(h);
	cr_assert_eq(password_hash("long enough pw", 14, &fast, h, len), 0);
	cr_assert_eq(h[0], '\0');
	cr_assert_eq(password_hash("long enough pw", 14, &fast, h, len + 1),
	    1);
	cr_assert_eq(strlen(h), len);
}

/* The longest hash password_hash can write fits PASSWORD_HASH_MAX. */
Test(password, longest_hash_fits)
{
	char	enc[PASSWORD_HASH_MAX + 32];

	snprintf(enc, sizeof(enc), "$argon2id$v=19$m=%u,t=%u,p=%u$%s$%s",
	    PASSWORD_M_MAX, PASSWORD_T_MAX, PASSWORD_P_MAX,
	    "AAAAAAAAAAAAAAAAAAAAAA",
	    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
	cr_assert_lt(strlen(enc), PASSWORD_HASH_MAX);
	cr_assert_eq(strlen(enc), 100);
	cr_assert_eq(password_needs_rehash(enc, &fast), 1);
}

Test(password, malformed)
{
	static const char	*bad[] = {
		NULL,
		"",
		"$",
		"$argon2id$",
		"$argon2id$v=19$m=8192,t=1,p=1$",
		/* other variants and versions */
		"$argon2i$v=19$m=8192,t=1,p=1$MDEyMzQ1Njc4OWFiY2RlZg$"
		    "qqwtZpizbrY+4TtW5DsTyiXtj2sIFhFjtNGoHqr1/tQ",
		"$argon2d$v=19$m=8192,t=1,p=1$MDEyMzQ1Njc4OWFiY2RlZg$"
		    "qqwtZpizbrY+4TtW5DsTyiXtj2sIFhFjtNGoHqr1/tQ",
		"$argon2ID$v=19$m=8192,t=1,p=1$MDEyMzQ1Njc4OWFiY2RlZg$"
		    "qqwtZpizbrY+4TtW5DsTyiXtj2sIFhFjtNGoHqr1/tQ",
		"$argon2id$v=16$m=8192,t=1,p=1$MDEyMzQ1Njc4OWFiY2RlZg$"
		    "qqwtZpizbrY+4TtW5DsTyiXtj2sIFhFjtNGoHqr1/tQ",
		"$argon2id$m=8192,t=1,p=1$MDEyMzQ1Njc4OWFiY2RlZg$"
		    "qqwtZpizbrY+4TtW5DsTyiXtj2sIFhFjtNGoHqr1/tQ",
		/* parameters: order, spelling, bounds */
		"$argon2id$v=19$t=1,m=8192,p=1$MDEyMzQ1Njc4OWFiY2RlZg$"
		    "qqwtZpizbrY+4TtW5DsTyiXtj2sIFhFjtNGoHqr1/tQ",
		"$argon2id$v=19$m=08192,t=1,p=1$MDEyMzQ1Njc4OWFiY2RlZg$"
		    "qqwtZpizbrY+4TtW5DsTyiXtj2sIFhFjtNGoHqr1/tQ",
		"$argon2id$v=19$m=+8192,t=1,p=1$MDEyMzQ1Njc4OWFiY2RlZg$"
		    "qqwtZpizbrY+4TtW5DsTyiXtj2sIFhFjtNGoHqr1/tQ",
		"$argon2id$v=19$m=8192,t=1,p=1,keyid=x$MDEyMzQ1Njc4OWFiY2RlZg$"
		    "qqwtZpizbrY+4TtW5DsTyiXtj2sIFhFjtNGoHqr1/tQ",
		"$argon2id$v=19$m=8192, t=1,p=1$MDEyMzQ1Njc4OWFiY2RlZg$"
		    "qqwtZpizbrY+4TtW5DsTyiXtj2sIFhFjtNGoHqr1/tQ",
		"$argon2id$v=19$m=8191,t=1,p=1$MDEyMzQ1Njc4OWFiY2RlZg$"
		    "qqwtZpizbrY+4TtW5DsTyiXtj2sIFhFjtNGoHqr1/tQ",
		"$argon2id$v=19$m=1048577,t=1,p=1$MDEyMzQ1Njc4OWFiY2RlZg$"
		    "qqwtZpizbrY+4TtW5DsTyiXtj2sIFhFjtNGoHqr1/tQ",
		"$argon2id$v=19$m=4294967296,t=1,p=1$MDEyMzQ1Njc4OWFiY2RlZg$"
		    "qqwtZpizbrY+4TtW5DsTyiXtj2sIFhFjtNGoHqr1/tQ",
		"$argon2id$v=19$m=8192,t=0,p=1$MDEyMzQ1Njc4OWFiY2RlZg$"
		    "qqwtZpizbrY+4TtW5DsTyiXtj2sIFhFjtNGoHqr1/tQ",
		"$argon2id$v=19$m=8192,t=11,p=1$MDEyMzQ1Njc4OWFiY2RlZg$"
		    "qqwtZpizbrY+4TtW5DsTyiXtj2sIFhFjtNGoHqr1/tQ",
		"$argon2id$v=19$m=8192,t=1,p=0$MDEyMzQ1Njc4OWFiY2RlZg$"
		    "qqwtZpizbrY+4TtW5DsTyiXtj2sIFhFjtNGoHqr1/tQ",
		"$argon2id$v=19$m=8192,t=1,p=9$MDEyMzQ1Njc4OWFiY2RlZg$"
		    "qqwtZpizbrY+4TtW5DsTyiXtj2sIFhFjtNGoHqr1/tQ",
		/* salt and tag: length, alphabet, padding, spare bits */
		"$argon2id$v=19$m=8192,t=1,p=1$MDEyMzQ1Njc4OWFiY2Rl$"
		    "qqwtZpizbrY+4TtW5DsTyiXtj2sIFhFjtNGoHqr1/tQ",
		"$argon2id$v=19$m=8192,t=1,p=1$MDEyMzQ1Njc4OWFiY2RlZg$"
		    "qqwtZpizbrY+4TtW5DsTyiXtj2sIFhFjtNGoHqr1/t",
		"$argon2id$v=19$m=8192,t=1,p=1$MDEyMzQ1Njc4OWFiY2RlZg==$"
		    "qqwtZpizbrY+4TtW5DsTyiXtj2sIFhFjtNGoHqr1/tQ",
		"$argon2id$v=19$m=8192,t=1,p=1$MDEyMzQ1Njc4OWFiY2RlZg$"
		    "qqwtZpizbrY+4TtW5DsTyiXtj2sIFhFjtNGoHqr1/tQ=",
		"$argon2id$v=19$m=8192,t=1,p=1$MDEyMzQ1Njc4OWFiY2RlZh$"
		    "qqwtZpizbrY+4TtW5DsTyiXtj2sIFhFjtNGoHqr1/tQ",
		"$argon2id$v=19$m=8192,t=1,p=1$MDEyMzQ1Njc4OWFiY2RlZg$"
		    "qqwtZpizbrY+4TtW5DsTyiXtj2sIFhFjtNGoHqr1/tR",
		"$argon2id$v=19$m=8192,t=1,p=1$MDEyMzQ1Njc4OWFiY2RlZg$"
		    "qqwtZpizbrY-4TtW5DsTyiXtj2sIFhFjtNGoHqr1_tQ",
		"$argon2id$v=19$m=8192,t=1,p=1$MDEyMzQ1Njc4OWFiY2RlZg$"
		    "qqwtZpizbrY+4TtW5DsTyiXtj2sIFhFjtNGoHqr1/tQ\n",
		"$argon2id$v=19$m=8192,t=1,p=1$MDEyMzQ1Njc4OWFiY2RlZg$"
		    "qqwtZpizbrY+4TtW5DsTyiXtj2sIFhFjtNGoHqr1/tQ$",
		" $argon2id$v=19$m=8192,t=1,p=1$MDEyMzQ1Njc4OWFiY2RlZg$"
		    "qqwtZpizbrY+4TtW5DsTyiXtj2sIFhFjtNGoHqr1/tQ",
		"$argon2id$v=19$m=8192,t=1,p=1$MDEyMzQ1Njc4OWFiY2RlZg"
		    "qqwtZpizbrY+4TtW5DsTyiXtj2sIFhFjtNGoHqr1/tQ",
		"$argon2id$v=19$m=8192,t=1,p=1$MDEyMzQ1Njc4OWFiY2RlZg$$"
		    "qqwtZpizbrY+4TtW5DsTyiXtj2sIFhFjtNGoHqr1/t",
		"bcrypt",
		"$2b$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW",
	};
	size_t		 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		refused(bad[i]);
}

/* The spelling the malformed cases vary is itself accepted. */
Test(password, malformed_baseline)
{
	static const char	 good[] = "$argon2id$v=19$m=8192,t=1,p=1$"
	    "MDEyMzQ1Njc4OWFiY2RlZg$qqwtZpizbrY+4TtW5DsTyiXtj2sIFhFjtNGoHqr1/tQ";

	cr_assert_eq(password_verify(good, "x", 1), 1);
	cr_assert_eq(password_verify(good, "y", 1), 0);
}

/*
 * Parameters past the bounds are refused before argon2 runs: hashing
 * these would ask for 4 GiB (which ASan refuses with a crash) or run
 * for hours, and the timeout would fail the test.
 */
Test(password, costly_refused_unhashed, .timeout = 10)
{
	refused("$argon2id$v=19$m=4194304,t=1,p=1$MDEyMzQ1Njc4OWFiY2RlZg$"
	    "qqwtZpizbrY+4TtW5DsTyiXtj2sIFhFjtNGoHqr1/tQ");
	refused("$argon2id$v=19$m=8192,t=4294967295,p=1$MDEyMzQ1Njc4OWFiY2RlZg$"
	    "qqwtZpizbrY+4TtW5DsTyiXtj2sIFhFjtNGoHqr1/tQ");
	refused("$argon2id$v=19$m=8192,t=1,p=16777215$MDEyMzQ1Njc4OWFiY2RlZg$"
	    "qqwtZpizbrY+4TtW5DsTyiXtj2sIFhFjtNGoHqr1/tQ");
}

/*
 * Nothing past PASSWORD_HASH_MAX bytes is read: this buffer has no NUL,
 * and ASan would report the first byte read beyond it.
 */
Test(password, reads_at_most_hash_max)
{
	char	buf[PASSWORD_HASH_MAX];

	memset(buf, '9', sizeof(buf));
	memcpy(buf, "$argon2id$v=19$m=", 17);
	refused(buf);
}

Test(password, needs_rehash)
{
	struct password_params	 pp;
	char			 h[PASSWORD_HASH_MAX];

	hash("rehash me please", &fast, h);
	cr_assert_eq(password_needs_rehash(h, &fast), 0);
	pp = fast;
	pp.t_cost = 2;
	cr_assert_eq(password_needs_rehash(h, &pp), 1);
	pp = fast;
	pp.m_kib = 16384;
	cr_assert_eq(password_needs_rehash(h, &pp), 1);
	pp = fast;
	pp.parallelism = 2;
	cr_assert_eq(password_needs_rehash(h, &pp), 1);

	pp.t_cost = 3;
	pp.m_kib = 65536;
	pp.parallelism = 4;
	cr_assert_eq(password_needs_rehash(KAT_HASH, &pp), 0);
	cr_assert_eq(password_needs_rehash(KAT_HASH, &fast), 1);
}

Test(password, params_check)
{
	static const struct {
		struct password_params	 pp;
		const char		*why;
	} tab[] = {
		{ { 1, 8192, 1 }, NULL },
		{ { 10, 1048576, 8 }, NULL },
		{ { 3, 65536, 4 }, NULL },
		{ { 0, 8192, 1 }, "t_cost must be between 1 and 10" },
		{ { 11, 8192, 1 }, "t_cost must be between 1 and 10" },
		{ { 1, 8191, 1 }, "m_kib must be between 8192 and 1048576" },
		{ { 1, 1048577, 1 }, "m_kib must be between 8192 and 1048576" },
		{ { 1, 0, 1 }, "m_kib must be between 8192 and 1048576" },
		{ { 1, 8192, 0 }, "parallelism must be between 1 and 8" },
		{ { 1, 8192, 9 }, "parallelism must be between 1 and 8" },
		{ { UINT32_MAX, UINT32_MAX, UINT32_MAX },
		    "t_cost must be between 1 and 10" },
	};
	char		 why[128];
	size_t		 i;

	for (i = 0; i < sizeof(tab) / sizeof(tab[0]); i++) {
		why[0] = '\0';
		cr_assert_eq(password_params_check(&tab[i].pp, why,
		    sizeof(why)), tab[i].why == NULL, "row %zu", i);
		if (tab[i].why != NULL)
			cr_assert_str_eq(why, tab[i].why, "row %zu", i);
	}
	cr_assert_eq(password_params_check(&tab[3].pp, NULL, 0), 0);
}

Test(password, policy_length)
{
	char	buf[300];

	policy_ok("0123456789", 10);
	policy_refuses("012345678", 9, "must be at least 10 characters");
	policy_refuses("", 0, "must be at least 10 characters");
	policy_refuses(NULL, 0, "must be at least 10 characters");

	memset(buf, 'a', sizeof(buf));
	policy_ok(buf, 256);
	policy_refuses(buf, 257, "must be at most 256 bytes long");
	policy_refuses(buf, sizeof(buf), "must be at most 256 bytes long");
}

/* Characters are code points, not bytes. */
Test(password, policy_counts_code_points)
{
	/* 10 two-byte, 10 three-byte and 10 four-byte characters. */
	policy_ok("\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
	    "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9", 20);
	policy_ok("\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac"
	    "\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac"
	    "\xe2\x82\xac\xe2\x82\xac", 30);
	policy_ok("\xf0\x9f\x94\x91\xf0\x9f\x94\x91\xf0\x9f\x94\x91"
	    "\xf0\x9f\x94\x91\xf0\x9f\x94\x91\xf0\x9f\x94\x91"
	    "\xf0\x9f\x94\x91\xf0\x9f\x94\x91\xf0\x9f\x94\x91"
	    "\xf0\x9f\x94\x91", 40);
	/* 9 characters in 27 and 36 bytes. */
	policy_refuses("\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac"
	    "\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac"
	    "\xe2\x82\xac", 27, "must be at least 10 characters");
	policy_refuses("\xf0\x9f\x94\x91\xf0\x9f\x94\x91\xf0\x9f\x94\x91"
	    "\xf0\x9f\x94\x91\xf0\x9f\x94\x91\xf0\x9f\x94\x91"
	    "\xf0\x9f\x94\x91\xf0\x9f\x94\x91\xf0\x9f\x94\x91", 36,
	    "must be at least 10 characters");
	/* The largest code point, U+10FFFF, and U+E000 after the gap. */
	policy_ok("abcdefgh\xf4\x8f\xbf\xbf\xee\x80\x80", 15);
}

Test(password, policy_refuses_bad_bytes)
{
	static const struct {
		const char	*s;
		size_t		 len;
	} bad[] = {
		{ "abcdefghij\x80", 11 },		/* lone continuation */
		{ "abcdefghij\xc0\xaf", 12 },		/* overlong '/' */
		{ "abcdefghij\xc1\xbf", 12 },		/* overlong */
		{ "abcdefghij\xe0\x80\xaf", 13 },	/* overlong */
		{ "abcdefghij\xf0\x80\x80\xaf", 14 },	/* overlong */
		{ "abcdefghij\xe0\x82\xa9", 13 },	/* overlong U+00A9 */
		{ "abcdefghij\xf0\x82\x82\xac", 14 },	/* overlong U+20AC */
		{ "abcdefghij\xed\xa0\x80", 13 },	/* surrogate */
		{ "abcdefghij\xed\xbf\xbf", 13 },	/* surrogate */
		{ "abcdefghij\xf4\x90\x80\x80", 14 },	/* past U+10FFFF */
		{ "abcdefghij\xf5\x80\x80\x80", 14 },
		{ "abcdefghij\xff", 11 },
		{ "abcdefghij\xe2\x82", 12 },		/* cut short */
		{ "abcdefghij\xf0\x9f\x94", 13 },	/* cut short */
		{ "abcdefghij\xe2\x28\xa1", 13 },	/* bad continuation */
		{ "\xc3", 1 },
	};
	size_t		 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		policy_refuses(bad[i].s, bad[i].len, "must be valid UTF-8");
	policy_refuses("abcde\0fghij", 11, "must not contain NUL bytes");
	policy_refuses("abcdefghij\0", 11, "must not contain NUL bytes");
	/* The length given is the length used, NUL-terminated or not. */
	policy_refuses("abcdefghij\xe2\x82\xac", 12, "must be valid UTF-8");
	policy_ok("abcdefghij\xe2\x82\xac", 13);
}

Test(password, policy_why_optional)
{
	char	why[8];

	cr_assert_eq(password_policy("short", 5, NULL, 0), 0);
	cr_assert_eq(password_policy("short", 5, why, sizeof(why)), 0);
	cr_assert_str_eq(why, "must be");
}
