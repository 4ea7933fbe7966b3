#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "b64url.h"
#include "csrf.h"

/* HMAC-SHA256(secret, "csrf:" link ":" attempt), base64url. */
int
csrf_token(const unsigned char *secret, size_t len, const char *link,
    const char *attempt, char out[CSRF_TOKEN_LEN + 1])
{
	unsigned char	 mac[EVP_MAX_MD_SIZE];
	unsigned int	 maclen;
	char		 msg[128];
	int		 n, ok;

	n = snprintf(msg, sizeof(msg), "csrf:%s:%s", link, attempt);
	if (n < 0 || (size_t)n >= sizeof(msg))
		return (0);
	ok = HMAC(EVP_sha256(), secret, (int)len, (unsigned char *)msg,
	    (size_t)n, mac, &maclen) != NULL && maclen == 32 &&
	    b64url_encode(mac, maclen, out, CSRF_TOKEN_LEN + 1) ==
	    CSRF_TOKEN_LEN;
	OPENSSL_cleanse(mac, sizeof(mac));
	return (ok);
}

int
csrf_verify(const unsigned char *secret, size_t len, const char *link,
    const char *attempt, const char *given)
{
	char	want[CSRF_TOKEN_LEN + 1];
	int	ok;

	if (given == NULL || strlen(given) != CSRF_TOKEN_LEN ||
	    !csrf_token(secret, len, link, attempt, want))
		return (0);
	ok = CRYPTO_memcmp(want, given, CSRF_TOKEN_LEN) == 0;
	OPENSSL_cleanse(want, sizeof(want));
	return (ok);
}
