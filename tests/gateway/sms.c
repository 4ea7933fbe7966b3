/*
 * Twilio's Messages API, the part that sends a text: the back office's
 * pay links go out through it. It is on only when standin has -a
 * sid:token. Messages are kept in memory, in the order they came, for
 * tests to read through /_control/sms, which also holds the switches
 * that make the next sends fail, so that the portal's retries can be
 * seen. Nothing is ever delivered.
 */
/* memmem */
#define _GNU_SOURCE

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "standin.h"

#define SMS_API_PATH		"/2010-04-01/Accounts/"
#define SMS_RESOURCE		"/Messages.json"
#define SMS_MORE_INFO		"https://www.twilio.com/docs/errors/"
#define SMS_MAX_ACCOUNT		64
#define SMS_MAX_TOKEN		128
#define SMS_MAX_CHARS		1600	/* Twilio's limit for a Body */
#define SMS_MAX_MESSAGES	10000
#define SMS_MAX_COUNT		1000000L
#define SMS_SID_LEN		35	/* "SM", 32 hex digits, NUL */
#define SMS_DATE_LEN		32
#define SMS_LETTERS	"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
#define SMS_DIGITS	"0123456789"

struct sms_message {
	char		 sid[SMS_SID_LEN];
	char		*to;
	char		*from;		/* NULL with a Messaging Service */
	char		*service;	/* MessagingServiceSid, or NULL */
	char		*body;
	char		 date[SMS_DATE_LEN];
};

static int	sms_account_path(const char *, const char **, size_t *);
static int	sms_authorized(const struct http_request *);
static void	sms_send(struct http_request *, struct http_response *);
static int	sms_check(struct params *, struct http_response *,
		    const char **, const char **, const char **,
		    const char **);
static int	sms_keep(const char *, const char *, const char *,
		    const char *, struct sms_message *);
static void	sms_resource(struct strbuf *, const struct sms_message *);
static void	sms_error(struct http_response *, int, int, const char *,
		    ...) __attribute__((format(printf, 4, 5)));
static void	sms_list(struct http_response *);
static void	sms_set(struct http_request *, struct http_response *);
static int	sms_number(struct params *, const char *, long *,
		    struct http_response *);
static void	sms_switches(struct http_response *);
static void	sms_control_fail(struct http_response *, int, const char *,
		    const char *);
static int	sms_e164(const char *);
static int	sms_sender(const char *);
static int	sms_service_sid(const char *);
static size_t	sms_units(const char *);
static size_t	sms_segments(const char *);
static void	sms_message_free(struct sms_message *);

static pthread_mutex_t		 sms_lock = PTHREAD_MUTEX_INITIALIZER;
static char			*sms_account;	/* NULL: SMS is off */
static char			*sms_auth;	/* "Basic base64(sid:token)" */
static struct sms_message	*sms_messages;
static size_t			 sms_count;
static size_t			 sms_cap;
static long			 sms_fail_next;
static long			 sms_drop_next;

/*
 * creds is "AC...:token", or NULL to leave SMS off. Returns 0 if it is
 * malformed or memory runs out.
 */
int
sms_init(const char *creds)
{
	const char	*colon;
	size_t		 slen, tlen, alen;
	int		 n;

	if (creds == NULL)
		return (1);
	if ((colon = strchr(creds, ':')) == NULL)
		return (0);
	slen = (size_t)(colon - creds);
	tlen = strlen(colon + 1);
	if (slen < 3 || slen > SMS_MAX_ACCOUNT ||
	    strncmp(creds, "AC", 2) != 0 ||
	    strspn(creds, SMS_LETTERS SMS_DIGITS "_") != slen ||
	    tlen == 0 || tlen > SMS_MAX_TOKEN)
		return (0);

	if ((sms_account = strndup(creds, slen)) == NULL)
		return (0);
	/* Base64 of the whole "sid:token": 4 characters for every 3 bytes. */
	alen = 6 + 4 * ((slen + 1 + tlen + 2) / 3) + 1;
	if ((sms_auth = malloc(alen)) == NULL)
		return (0);
	memcpy(sms_auth, "Basic ", 6);
	n = EVP_EncodeBlock((unsigned char *)sms_auth + 6,
	    (const unsigned char *)creds, (int)(slen + 1 + tlen));
	return (n > 0 && (size_t)n + 6 < alen);
}

void
sms_cleanup(void)
{
	if (sms_auth != NULL)
		OPENSSL_cleanse(sms_auth, strlen(sms_auth));
	free(sms_auth);
	free(sms_account);
	sms_auth = sms_account = NULL;
	sms_reset();
	free(sms_messages);
	sms_messages = NULL;
	sms_cap = 0;
}

/* Forgets every message and clears the switches. */
void
sms_reset(void)
{
	size_t		 i;

	pthread_mutex_lock(&sms_lock);
	for (i = 0; i < sms_count; i++)
		sms_message_free(&sms_messages[i]);
	sms_count = 0;
	sms_fail_next = sms_drop_next = 0;
	pthread_mutex_unlock(&sms_lock);
}

/*
 * Everything under /2010-04-01/. The order is Twilio's: a 500 from the
 * switch comes before anything is looked at, then the credentials, then
 * the account in the path, then the parameters.
 */
void
sms_handle(struct http_request *req, struct http_response *resp)
{
	const char	*sid;
	size_t		 len;
	int		 fail;

	if (sms_account == NULL || !sms_account_path(req->path, &sid, &len)) {
		sms_error(resp, 404, 20404, "The requested resource %s was not "
		    "found", req->path);
		return;
	}
	if (strcmp(req->method, "POST") != 0) {
		sms_error(resp, 405, 20004, "Method not allowed");
		return;
	}

	pthread_mutex_lock(&sms_lock);
	if ((fail = sms_fail_next > 0))
		sms_fail_next--;
	pthread_mutex_unlock(&sms_lock);
	if (fail) {
		sms_error(resp, 500, 20500, "Internal Server Error "
		    "(sms fail_next)");
	} else if (!sms_authorized(req)) {
		sms_error(resp, 401, 20003, "Authenticate");
		http_response_header(resp, "WWW-Authenticate",
		    "Basic realm=\"Twilio API\"");
	} else if (len != strlen(sms_account) ||
	    strncmp(sid, sms_account, len) != 0) {
		sms_error(resp, 404, 20404, "The requested resource %s was not "
		    "found", req->path);
	} else
		sms_send(req, resp);
}

/* /2010-04-01/Accounts/{sid}/Messages.json; the sid is not checked here. */
static int
sms_account_path(const char *path, const char **sid, size_t *len)
{
	const char	*end;

	if (strncmp(path, SMS_API_PATH, sizeof(SMS_API_PATH) - 1) != 0)
		return (0);
	*sid = path + sizeof(SMS_API_PATH) - 1;
	if ((end = strchr(*sid, '/')) == NULL || end == *sid ||
	    strcmp(end, SMS_RESOURCE) != 0)
		return (0);
	*len = (size_t)(end - *sid);
	return (1);
}

static int
sms_authorized(const struct http_request *req)
{
	const char	*h;
	size_t		 len;

	if ((h = http_header(req, "Authorization")) == NULL)
		return (0);
	len = strlen(sms_auth);
	if (strlen(h) != len || strncasecmp(h, "Basic ", 6) != 0)
		return (0);
	return (CRYPTO_memcmp(h + 6, sms_auth + 6, len - 6) == 0);
}

static void
sms_send(struct http_request *req, struct http_response *resp)
{
	struct params		 p;
	struct sms_message	 m;
	const char		*to, *from, *service, *body;
	char			 err[128];
	int			 drop;

	params_init(&p);
	if (!params_parse(&p, req->body, req->bodylen, err, sizeof(err))) {
		sms_error(resp, 400, 20001, "Invalid request body: %s.", err);
		return;
	}
	if (!sms_check(&p, resp, &to, &from, &service, &body))
		goto out;
	if (!sms_keep(to, from, service, body, &m)) {
		sms_error(resp, 500, 20500, "Internal Server Error (the "
		    "stand-in keeps at most %d messages)", SMS_MAX_MESSAGES);
		goto out;
	}
	resp->status = 201;
	sms_resource(&resp->body, &m);

	/* The text is kept, as if sent; then the answer is lost. */
	pthread_mutex_lock(&sms_lock);
	if ((drop = sms_drop_next > 0))
		sms_drop_next--;
	pthread_mutex_unlock(&sms_lock);
	if (drop)
		resp->drop = 1;
out:
	params_free(&p);
}

/* To, then From or MessagingServiceSid, then Body; 0 with resp filled. */
static int
sms_check(struct params *p, struct http_response *resp, const char **to,
    const char **from, const char **service, const char **body)
{
	*to = params_get(p, "To");
	*from = params_get(p, "From");
	*service = params_get(p, "MessagingServiceSid");
	*body = params_get(p, "Body");

	if (*to == NULL || **to == '\0') {
		sms_error(resp, 400, 21604, "A 'To' phone number is required.");
		return (0);
	}
	if (!sms_e164(*to)) {
		sms_error(resp, 400, 21211, "The 'To' number %s is not a valid "
		    "phone number.", *to);
		return (0);
	}
	if (*from != NULL && **from == '\0')
		*from = NULL;
	if (*service != NULL && **service == '\0')
		*service = NULL;
	if (*from == NULL && *service == NULL) {
		sms_error(resp, 400, 21603, "A 'From' phone number is "
		    "required.");
		return (0);
	}
	if (*from != NULL && !sms_sender(*from)) {
		sms_error(resp, 400, 21212, "The 'From' number %s is not a "
		    "valid phone number, shortcode, or alphanumeric sender ID.",
		    *from);
		return (0);
	}
	if (*service != NULL && !sms_service_sid(*service)) {
		sms_error(resp, 400, 21701, "The Messaging Service Sid %s is "
		    "invalid.", *service);
		return (0);
	}
	if (*body == NULL || **body == '\0') {
		sms_error(resp, 400, 21602, "Message body is required.");
		return (0);
	}
	if (sms_units(*body) > SMS_MAX_CHARS) {
		sms_error(resp, 400, 21617, "The concatenated message body "
		    "exceeds the %d character limit.", SMS_MAX_CHARS);
		return (0);
	}
	return (1);
}

/* Records a message, with its sid and date in *m; 0 if full or no memory. */
static int
sms_keep(const char *to, const char *from, const char *service,
    const char *body, struct sms_message *m)
{
	static const char	 hex[] = "0123456789abcdef";
	struct sms_message	*grown;
	unsigned char		 rnd[16];
	struct tm		 tm;
	time_t			 now;
	size_t			 i, cap;
	int			 ok;

	memset(m, 0, sizeof(*m));
	if (RAND_bytes(rnd, sizeof(rnd)) != 1)
		abort();
	m->sid[0] = 'S';
	m->sid[1] = 'M';
	for (i = 0; i < sizeof(rnd); i++) {
		m->sid[2 + 2 * i] = hex[rnd[i] >> 4];
		m->sid[3 + 2 * i] = hex[rnd[i] & 0x0f];
	}
	m->sid[2 + 2 * sizeof(rnd)] = '\0';
	now = time(NULL);
	gmtime_r(&now, &tm);
	/* RFC 2822, in English whatever the locale: standin never sets one. */
	(void)strftime(m->date, sizeof(m->date), "%a, %d %b %Y %H:%M:%S +0000",
	    &tm);

	m->to = strdup(to);
	m->from = from != NULL ? strdup(from) : NULL;
	m->service = service != NULL ? strdup(service) : NULL;
	m->body = strdup(body);
	if (m->to == NULL || m->body == NULL || (from != NULL &&
	    m->from == NULL) || (service != NULL && m->service == NULL)) {
		sms_message_free(m);
		return (0);
	}

	ok = 0;
	pthread_mutex_lock(&sms_lock);
	if (sms_count == sms_cap && sms_cap < SMS_MAX_MESSAGES) {
		cap = sms_cap == 0 ? 64 : sms_cap * 2;
		if ((grown = reallocarray(sms_messages, cap,
		    sizeof(*grown))) != NULL) {
			sms_messages = grown;
			sms_cap = cap;
		}
	}
	if (sms_count < sms_cap && sms_count < SMS_MAX_MESSAGES) {
		sms_messages[sms_count++] = *m;
		ok = 1;
	}
	pthread_mutex_unlock(&sms_lock);
	if (!ok) {
		sms_message_free(m);
		return (0);
	}
	return (1);
}

/* The message resource as Twilio answers a create. */
static void
sms_resource(struct strbuf *b, const struct sms_message *m)
{
	strbuf_appends(b, "{\"account_sid\":");
	json_str(b, sms_account);
	strbuf_appends(b, ",\"api_version\":\"2010-04-01\",\"body\":");
	json_str(b, m->body);
	strbuf_appendf(b, ",\"date_created\":\"%s\",\"date_sent\":null,"
	    "\"date_updated\":\"%s\",\"direction\":\"outbound-api\","
	    "\"error_code\":null,\"error_message\":null,\"from\":",
	    m->date, m->date);
	json_str(b, m->from);
	strbuf_appends(b, ",\"messaging_service_sid\":");
	json_str(b, m->service);
	strbuf_appendf(b, ",\"num_media\":\"0\",\"num_segments\":\"%zu\","
	    "\"price\":null,\"price_unit\":\"USD\",\"sid\":\"%s\","
	    "\"status\":\"%s\",\"subresource_uris\":{\"media\":\""
	    SMS_API_PATH "%s/Messages/%s/Media.json\"},\"to\":",
	    sms_segments(m->body), m->sid,
	    m->service != NULL ? "accepted" : "queued", sms_account, m->sid);
	json_str(b, m->to);
	strbuf_appendf(b, ",\"uri\":\"" SMS_API_PATH "%s/Messages/%s.json\"}",
	    sms_account, m->sid);
}

/* Twilio's error body; the message is formatted, then JSON-escaped. */
static void
sms_error(struct http_response *resp, int status, int code,
    const char *fmt, ...)
{
	va_list		 ap;
	struct strbuf	 msg;

	strbuf_init(&msg);
	va_start(ap, fmt);
	strbuf_appendv(&msg, fmt, ap);
	va_end(ap);

	resp->status = status;
	strbuf_reset(&resp->body);
	strbuf_appendf(&resp->body, "{\"code\":%d,\"message\":", code);
	json_str(&resp->body, msg.failed ? "" : strbuf_cstr(&msg));
	strbuf_appendf(&resp->body, ",\"more_info\":\"" SMS_MORE_INFO "%d\","
	    "\"status\":%d}", code, status);
	strbuf_free(&msg);
}

/* /_control/sms: GET lists the messages, POST sets the switches. */
void
sms_control(struct http_request *req, struct http_response *resp)
{
	if (strcmp(req->method, "GET") == 0)
		sms_list(resp);
	else if (strcmp(req->method, "POST") == 0)
		sms_set(req, resp);
	else
		sms_control_fail(resp, 405, NULL, "Expected GET or POST.");
}

static void
sms_list(struct http_response *resp)
{
	const struct sms_message	*m;
	size_t				 i;

	resp->status = 200;
	strbuf_appendc(&resp->body, '[');
	pthread_mutex_lock(&sms_lock);
	for (i = 0; i < sms_count; i++) {
		m = &sms_messages[i];
		strbuf_appendf(&resp->body, "%s{\"sid\":\"%s\",\"to\":",
		    i > 0 ? "," : "", m->sid);
		json_str(&resp->body, m->to);
		strbuf_appends(&resp->body, ",\"from\":");
		json_str(&resp->body, m->from);
		strbuf_appends(&resp->body, ",\"messaging_service_sid\":");
		json_str(&resp->body, m->service);
		strbuf_appends(&resp->body, ",\"body\":");
		json_str(&resp->body, m->body);
		strbuf_appendf(&resp->body, ",\"date\":\"%s\"}", m->date);
	}
	pthread_mutex_unlock(&sms_lock);
	strbuf_appendc(&resp->body, ']');
}

/* Checked whole before anything changes, as POST /_control is. */
static void
sms_set(struct http_request *req, struct http_response *resp)
{
	struct params	 p;
	const char	*unknown;
	char		 err[128], msg[160];
	long		 fail, drop, clear;
	size_t		 i;

	params_init(&p);
	if (!params_parse(&p, req->body, req->bodylen, err, sizeof(err))) {
		(void)snprintf(msg, sizeof(msg), "Malformed form body: %s.",
		    err);
		sms_control_fail(resp, 400, NULL, msg);
		return;
	}
	fail = drop = clear = -1;
	if (!sms_number(&p, "fail_next", &fail, resp) ||
	    !sms_number(&p, "drop_next", &drop, resp) ||
	    !sms_number(&p, "clear", &clear, resp))
		goto out;
	if (clear > 1) {
		sms_control_fail(resp, 400, "clear", "Expected 0 or 1.");
		goto out;
	}
	if ((unknown = params_unused(&p)) != NULL) {
		sms_control_fail(resp, 400, unknown, "Unknown control field.");
		goto out;
	}

	pthread_mutex_lock(&sms_lock);
	if (clear == 1) {
		for (i = 0; i < sms_count; i++)
			sms_message_free(&sms_messages[i]);
		sms_count = 0;
	}
	if (fail != -1)
		sms_fail_next = fail;
	if (drop != -1)
		sms_drop_next = drop;
	pthread_mutex_unlock(&sms_lock);
	sms_switches(resp);
out:
	params_free(&p);
}

/* An optional field of digits, at most SMS_MAX_COUNT. */
static int
sms_number(struct params *p, const char *name, long *out,
    struct http_response *resp)
{
	const char	*v;

	if ((v = params_get(p, name)) == NULL)
		return (1);
	if (!stripe_digits(v, 1, 7) || strtol(v, NULL, 10) > SMS_MAX_COUNT) {
		sms_control_fail(resp, 400, name, "Expected a whole number in "
		    "range.");
		return (0);
	}
	*out = strtol(v, NULL, 10);
	return (1);
}

static void
sms_switches(struct http_response *resp)
{
	pthread_mutex_lock(&sms_lock);
	resp->status = 200;
	strbuf_appendf(&resp->body, "{\"fail_next\":%ld,\"drop_next\":%ld,"
	    "\"messages\":%zu}", sms_fail_next, sms_drop_next, sms_count);
	pthread_mutex_unlock(&sms_lock);
}

/* Errors of the control API are shaped as the rest of /_control's. */
static void
sms_control_fail(struct http_response *resp, int status, const char *param,
    const char *message)
{
	resp->status = status;
	strbuf_reset(&resp->body);
	stripe_error(&resp->body, "invalid_request_error", NULL, param,
	    message);
}

/* '+' and 8 to 15 digits. */
static int
sms_e164(const char *s)
{
	return (s[0] == '+' && stripe_digits(s + 1, 8, 15));
}

/*
 * A From: an E.164 number, a short code (5 or 6 digits), or an
 * alphanumeric sender id (1 to 11 letters, digits and spaces, at least
 * one letter).
 */
static int
sms_sender(const char *s)
{
	size_t		 n;

	if (sms_e164(s) || stripe_digits(s, 5, 6))
		return (1);
	n = strspn(s, SMS_LETTERS SMS_DIGITS " ");
	return (s[n] == '\0' && n >= 1 && n <= 11 &&
	    strpbrk(s, SMS_LETTERS) != NULL);
}

/* "MG" and 32 hex digits. */
static int
sms_service_sid(const char *s)
{
	return (strncmp(s, "MG", 2) == 0 && strlen(s) == 34 &&
	    strspn(s + 2, "0123456789abcdefABCDEF") == 32);
}

/*
 * Characters as Twilio counts them for the 1600 limit: UTF-16 units, so
 * an emoji is two. src/form.c has checked the UTF-8.
 */
static size_t
sms_units(const char *s)
{
	const unsigned char	*p;
	size_t			 units;

	units = 0;
	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		if ((*p & 0xc0) != 0x80)
			units += *p >= 0xf0 ? 2 : 1;
	}
	return (units);
}

/*
 * How many SMS a body takes: GSM-7 if every character is in its basic
 * set or extension table (which take two septets), 160 septets alone or
 * 153 a part; else UCS-2, 70 units alone or 67 a part.
 */
static size_t
sms_segments(const char *s)
{
	static const char	 basic[] = "@$_!\"#%&'()*+,-./:;<=>?"
	    " \n\rABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789\xc2\xa3\xc2\xa5\xc3\xa8\xc3\xa9\xc3\xb9\xc3\xac"
	    "\xc3\xb2\xc3\x87\xc3\x98\xc3\xb8\xc3\x85\xc3\xa5\xce\x94"
	    "\xce\xa6\xce\x93\xce\x9b\xce\xa9\xce\xa0\xce\xa8\xce\xa3"
	    "\xce\x98\xce\x9e\xc3\x86\xc3\xa6\xc3\x9f\xc3\x89\xc2\xa4"
	    "\xc2\xa1\xc3\x84\xc3\x96\xc3\x91\xc3\x9c\xc2\xa7\xc2\xbf"
	    "\xc3\xa4\xc3\xb6\xc3\xb1\xc3\xbc\xc3\xa0";
	static const char	 extension[] = "^{}\\[~]|\xe2\x82\xac";
	const unsigned char	*p;
	size_t			 n, septets, units;
	int			 gsm;

	septets = 0;
	gsm = 1;
	for (p = (const unsigned char *)s; *p != '\0' && gsm; p += n) {
		n = 1;
		while ((p[n] & 0xc0) == 0x80)
			n++;
		if (memmem(basic, sizeof(basic) - 1, p, n) != NULL)
			septets++;
		else if (memmem(extension, sizeof(extension) - 1, p, n) !=
		    NULL)
			septets += 2;
		else
			gsm = 0;
	}
	if (gsm)
		return (septets <= 160 ? 1 : (septets + 152) / 153);
	units = sms_units(s);
	return (units <= 70 ? 1 : (units + 66) / 67);
}

static void
sms_message_free(struct sms_message *m)
{
	free(m->to);
	free(m->from);
	free(m->service);
	free(m->body);
	m->to = m->from = m->service = m->body = NULL;
}
