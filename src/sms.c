/*
 * Twilio-shaped text messages: the request that sends one, and what its
 * answer means. Values are percent-encoded by libcurl, which encodes
 * exactly as src/gateway.c does. Answers are parsed by jansson with
 * duplicate keys refused, as in src/gateway.c; what cannot be read is
 * tried again, since only an answer Twilio wrote can say a text is
 * refused for good.
 */
#include <stdio.h>
#include <string.h>

#include <curl/curl.h>
#include <jansson.h>
#include <openssl/crypto.h>

#include "sms.h"
#include "strbuf.h"

#define SMS_DIGITS	"0123456789"
#define SMS_HEX		SMS_DIGITS "abcdefABCDEF"
#define SMS_LETTERS	"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
#define SMS_PATH	"/2010-04-01/Accounts/"
#define SMS_RESOURCE	"/Messages.json"
#define SMS_CODE_MAX	999999L

static int	sms_base_url(const char *, size_t *);
static int	sms_printable(const char *, int);
static int	sms_e164(const char *);
static int	sms_sender_id(const char *);
static int	sms_sid(const char *, const char *, size_t, size_t,
		    const char *);
static int	sms_text(const char *);
static int	sms_param(struct strbuf *, const char *, const char *);
static json_t	*sms_load(const char *, size_t);
static int	sms_error(const json_t *, struct sms_result *);
static long	sms_code(const json_t *);
static int	sms_copy(char *, size_t, const json_t *, const char *);
static void	sms_copy_text(char *, size_t, const json_t *);
static void	sms_result_init(struct sms_result *);

int
sms_request_build(struct sms_request *req, const char *base_url,
    const char *account_sid, const char *auth_token, const char *to,
    const char *from, const char *text, const char **errstr)
{
	const char	*from_name;
	size_t		 blen;
	int		 n;

	req->url[0] = '\0';
	req->userpwd[0] = '\0';
	strbuf_init(&req->body);

	if (base_url == NULL || !sms_base_url(base_url, &blen)) {
		*errstr = "base_url: expected https://host[:port][/path]";
		return (0);
	}
	if (account_sid == NULL ||
	    !sms_sid(account_sid, "AC", 3, SMS_MAX_SID,
	    SMS_LETTERS SMS_DIGITS "_")) {
		*errstr = "account_sid: expected AC and letters or digits";
		return (0);
	}
	if (auth_token == NULL || !sms_printable(auth_token, 0) ||
	    strlen(auth_token) > SMS_MAX_TOKEN) {
		*errstr = "auth_token: expected 1 to 128 printable characters";
		return (0);
	}
	if (to == NULL || !sms_e164(to)) {
		*errstr = "to: expected + and 8 to 15 digits";
		return (0);
	}
	if (from != NULL && sms_sid(from, "MG", 34, 34, SMS_HEX))
		from_name = "MessagingServiceSid";
	else if (from != NULL && (sms_e164(from) || sms_sender_id(from)))
		from_name = "From";
	else {
		*errstr = "from: expected a number, a sender id or MG...";
		return (0);
	}
	if (text == NULL || !sms_text(text)) {
		*errstr = "text: expected 1 to 1600 characters of UTF-8";
		return (0);
	}

	n = snprintf(req->url, sizeof(req->url), "%.*s" SMS_PATH "%s"
	    SMS_RESOURCE, (int)blen, base_url, account_sid);
	if (n < 0 || (size_t)n >= sizeof(req->url))
		goto fail;
	n = snprintf(req->userpwd, sizeof(req->userpwd), "%s:%s",
	    account_sid, auth_token);
	if (n < 0 || (size_t)n >= sizeof(req->userpwd))
		goto fail;
	if (!sms_param(&req->body, "To", to) ||
	    !sms_param(&req->body, from_name, from) ||
	    !sms_param(&req->body, "Body", text) || req->body.failed)
		goto fail;
	return (1);

fail:
	sms_request_free(req);
	*errstr = "out of memory";
	return (0);
}

void
sms_request_free(struct sms_request *req)
{
	OPENSSL_cleanse(req->userpwd, sizeof(req->userpwd));
	req->url[0] = '\0';
	strbuf_free(&req->body);
}

void
sms_parse_response(long http_status, const char *body, size_t len,
    struct sms_result *r)
{
	json_t		*root;

	sms_result_init(r);
	if (http_status == 0 || (root = sms_load(body, len)) == NULL)
		return;

	if (http_status >= 200 && http_status <= 299) {
		if (!sms_copy(r->sid, sizeof(r->sid),
		    json_object_get(root, "sid"), SMS_LETTERS SMS_DIGITS) ||
		    !sms_sid(r->sid, "SM", 34, 34, SMS_HEX)) {
			r->sid[0] = '\0';
			json_decref(root);
			return;
		}
		(void)sms_copy(r->status, sizeof(r->status),
		    json_object_get(root, "status"), SMS_LETTERS "-");
		r->outcome = SMS_SENT;
		/* Refused on the spot, though a message resource exists. */
		if (strcmp(r->status, "failed") == 0 ||
		    strcmp(r->status, "undelivered") == 0) {
			r->outcome = SMS_REJECTED;
			r->code = sms_code(json_object_get(root, "error_code"));
			sms_copy_text(r->message, sizeof(r->message),
			    json_object_get(root, "error_message"));
		}
		json_decref(root);
		return;
	}

	if (sms_error(root, r) && http_status >= 400 && http_status <= 499 &&
	    http_status != 408 && http_status != 429)
		r->outcome = SMS_REJECTED;
	json_decref(root);
}

const char *
sms_outcome_name(enum sms_outcome outcome)
{
	switch (outcome) {
	case SMS_SENT:
		return ("sent");
	case SMS_REJECTED:
		return ("rejected");
	default:
		return ("retry");
	}
}

/*
 * "http://" or "https://", a host, and no spaces, controls, '?' or '#';
 * *len is its length without one trailing '/'.
 */
static int
sms_base_url(const char *url, size_t *len)
{
	size_t		 n, skip;

	if (strncmp(url, "https://", 8) == 0)
		skip = 8;
	else if (strncmp(url, "http://", 7) == 0)
		skip = 7;
	else
		return (0);
	if (!sms_printable(url, 0) || strpbrk(url, "?#") != NULL)
		return (0);
	if ((n = strlen(url)) > SMS_MAX_BASE_URL)
		return (0);
	if (url[n - 1] == '/')
		n--;
	if (n <= skip || url[skip] == '/')
		return (0);
	*len = n;
	return (1);
}

/* Not empty, printable ASCII; spaces only if allowed. */
static int
sms_printable(const char *s, int spaces)
{
	if (*s == '\0')
		return (0);
	for (; *s != '\0'; s++) {
		if (*s < (spaces ? 0x20 : 0x21) || *s > 0x7e)
			return (0);
	}
	return (1);
}

/* '+' and 8 to 15 digits. */
static int
sms_e164(const char *s)
{
	size_t		 n;

	if (s[0] != '+')
		return (0);
	n = strspn(s + 1, SMS_DIGITS);
	return (s[1 + n] == '\0' && n >= 8 && n <= 15);
}

/* 1 to 11 letters, digits and spaces, at least one letter. */
static int
sms_sender_id(const char *s)
{
	size_t		 n;

	n = strspn(s, SMS_LETTERS SMS_DIGITS " ");
	return (s[n] == '\0' && n >= 1 && n <= 11 &&
	    strpbrk(s, SMS_LETTERS) != NULL);
}

/* prefix and then only chars, min to max characters in all. */
static int
sms_sid(const char *s, const char *prefix, size_t min, size_t max,
    const char *chars)
{
	size_t		 plen, n;

	plen = strlen(prefix);
	if (strncmp(s, prefix, plen) != 0)
		return (0);
	n = strspn(s + plen, chars);
	return (s[plen + n] == '\0' && plen + n >= min && plen + n <= max);
}

/*
 * 1 to SMS_MAX_CHARS UTF-16 units of well-formed UTF-8: what Twilio
 * could not read or would refuse is refused here, where it names the
 * argument.
 */
static int
sms_text(const char *text)
{
	const unsigned char	*s;
	size_t			 units, n, k;
	unsigned int		 cp;

	s = (const unsigned char *)text;
	units = 0;
	while (*s != '\0') {
		if (*s < 0x80) {
			n = 1;
			cp = *s;
		} else if (*s >= 0xc2 && *s <= 0xdf) {
			n = 2;
			cp = *s & 0x1f;
		} else if (*s >= 0xe0 && *s <= 0xef) {
			n = 3;
			cp = *s & 0x0f;
		} else if (*s >= 0xf0 && *s <= 0xf4) {
			n = 4;
			cp = *s & 0x07;
		} else
			return (0);
		for (k = 1; k < n; k++) {
			if ((s[k] & 0xc0) != 0x80)
				return (0);
			cp = (cp << 6) | (s[k] & 0x3f);
		}
		/* Overlong forms, surrogates, beyond U+10FFFF. */
		if ((n == 3 && (cp < 0x800 || (cp >= 0xd800 &&
		    cp <= 0xdfff))) || (n == 4 && (cp < 0x10000 ||
		    cp > 0x10ffff)))
			return (0);
		units += n == 4 ? 2 : 1;
		if (units > SMS_MAX_CHARS)
			return (0);
		s += n;
	}
	return (units > 0);
}

/* "[&]name=value"; names are ours and need no encoding. */
static int
sms_param(struct strbuf *b, const char *name, const char *value)
{
	char		*enc;

	if ((enc = curl_easy_escape(NULL, value, 0)) == NULL)
		return (0);
	if (b->len > 0)
		strbuf_appendc(b, '&');
	strbuf_appendf(b, "%s=%s", name, enc);
	curl_free(enc);
	return (!b->failed);
}

static json_t *
sms_load(const char *body, size_t len)
{
	json_t		*root;

	if (body == NULL || len > SMS_MAX_RESPONSE)
		return (NULL);
	root = json_loadb(body, len, JSON_REJECT_DUPLICATES, NULL);
	if (root != NULL && !json_is_object(root)) {
		json_decref(root);
		root = NULL;
	}
	return (root);
}

/* Twilio's error body: an integer code (and a message); 0 if not one. */
static int
sms_error(const json_t *root, struct sms_result *r)
{
	if ((r->code = sms_code(json_object_get(root, "code"))) == 0)
		return (0);
	sms_copy_text(r->message, sizeof(r->message),
	    json_object_get(root, "message"));
	return (1);
}

/* Twilio's codes are positive and have five digits; anything else is 0. */
static long
sms_code(const json_t *v)
{
	json_int_t	 code;

	if (!json_is_integer(v))
		return (0);
	code = json_integer_value(v);
	return (code > 0 && code <= SMS_CODE_MAX ? (long)code : 0);
}

/*
 * All of a string made of chars, or "" and 0. jansson refuses "\u0000"
 * unless asked, so a string's length is its strlen.
 */
static int
sms_copy(char *dst, size_t dstlen, const json_t *v, const char *chars)
{
	const char	*s;
	size_t		 len;

	dst[0] = '\0';
	if ((s = json_string_value(v)) == NULL)
		return (0);
	len = json_string_length(v);
	if (len == 0 || len >= dstlen || strspn(s, chars) != len)
		return (0);
	memcpy(dst, s, len + 1);
	return (1);
}

/* As much as fits, printable ASCII kept and any other byte a '?'. */
static void
sms_copy_text(char *dst, size_t dstlen, const json_t *v)
{
	const char	*s;
	size_t		 i, len;

	dst[0] = '\0';
	if ((s = json_string_value(v)) == NULL)
		return;
	len = json_string_length(v);
	if (len > dstlen - 1)
		len = dstlen - 1;
	for (i = 0; i < len; i++)
		dst[i] = s[i] >= 0x20 && s[i] <= 0x7e ? s[i] : '?';
	dst[len] = '\0';
}

static void
sms_result_init(struct sms_result *r)
{
	memset(r, 0, sizeof(*r));
	r->outcome = SMS_RETRY;
}
