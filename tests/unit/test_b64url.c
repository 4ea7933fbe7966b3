#include <criterion/criterion.h>

#include <string.h>

#include "b64url.h"

static void	round_trip(const char *, size_t, const char *);
static void	refuses(const char *, size_t);

static void
round_trip(const char *raw, size_t len, const char *enc)
{
	unsigned char	 dec[64];
	char		 out[96];
	size_t		 n;

	cr_assert_eq(b64url_encode((const unsigned char *)raw, len, out,
	    sizeof(out)), strlen(enc));
	cr_assert_str_eq(out, enc);
	cr_assert_eq(B64URL_ENCLEN(len), strlen(enc));
	n = 99;
	cr_assert_eq(b64url_decode(enc, strlen(enc), dec, sizeof(dec), &n), 1,
	    "%s", enc);
	cr_assert_eq(n, len);
	cr_assert_arr_eq(dec, raw, len);
}

static void
refuses(const char *enc, size_t len)
{
	unsigned char	 dec[64];
	size_t		 n;

	n = 99;
	cr_assert_eq(b64url_decode(enc, len, dec, sizeof(dec), &n), 0,
	    "\"%.*s\" accepted", (int)len, enc);
	cr_assert_eq(n, 99);
}

Test(b64url, rfc4648_vectors)
{
	round_trip("", 0, "");
	round_trip("f", 1, "Zg");
	round_trip("fo", 2, "Zm8");
	round_trip("foo", 3, "Zm9v");
	round_trip("foob", 4, "Zm9vYg");
	round_trip("fooba", 5, "Zm9vYmE");
	round_trip("foobar", 6, "Zm9vYmFy");
}

Test(b64url, url_alphabet)
{
	round_trip("\xfb\xff", 2, "-_8");
	round_trip("\xff\xff\xff", 3, "____");
	round_trip("\x00\x00\x00", 3, "AAAA");
	round_trip("\xf8\x00", 2, "-AA");
	round_trip("\x03\xf0\x3f", 3, "A_A_");
}

Test(b64url, strict_decoding)
{
	refuses("Zg==", 4);
	refuses("Zg=", 3);
	refuses("Zm8=", 4);
	refuses("Z", 1);
	refuses("Zm9vY", 5);
	refuses("Zh", 2);	/* "f" with a stray low bit */
	refuses("Zm9", 3);	/* "fo" with stray low bits */
	refuses("Zm+v", 4);
	refuses("Zm/v", 4);
	refuses("Zm9v\n", 5);
	refuses("Zm 9v", 5);
	refuses(" Zm9v", 5);
	refuses("Zm9\0", 4);
	refuses("Zm9v.Yg", 7);
	refuses("Zm9\xc3\xa9", 5);
}

Test(b64url, buffer_sizes)
{
	unsigned char	 dec[6];
	char		 out[9];
	size_t		 n;

	cr_assert_eq(b64url_encode((const unsigned char *)"foobar", 6, out, 9),
	    8);
	cr_assert_eq(b64url_encode((const unsigned char *)"foobar", 6, out, 8),
	    0);
	cr_assert_eq(b64url_encode((const unsigned char *)"f", 1, out, 3), 2);
	cr_assert_str_eq(out, "Zg");
	cr_assert_eq(b64url_encode((const unsigned char *)"f", 1, out, 2), 0);
	cr_assert_eq(b64url_encode((const unsigned char *)"", 0, out, 1), 0);
	cr_assert_str_eq(out, "");
	cr_assert_eq(b64url_encode((const unsigned char *)"", 0, out, 0), 0);

	cr_assert_eq(b64url_decode("Zm9vYmFy", 8, dec, 6, &n), 1);
	cr_assert_eq(n, 6);
	cr_assert_eq(b64url_decode("Zm9vYmFy", 8, dec, 5, &n), 0);
	cr_assert_eq(b64url_decode("Zm9vYmE", 7, dec, 5, &n), 1);
	cr_assert_eq(n, 5);
	cr_assert_eq(b64url_decode("Zm9vYmE", 7, dec, 4, &n), 0);
}
