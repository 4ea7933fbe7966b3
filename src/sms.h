/*
 * Text messages through an HTTP API in the shape of Twilio's Messages
 * resource, as bytes: the request that sends one, and what its answer
 * means for the outbox. No I/O here; the delivery loop moves the bytes
 * with libcurl and decides when to try again.
 */
#ifndef PAYPORTAL_SMS_H
#define PAYPORTAL_SMS_H

#include <stddef.h>

#include "strbuf.h"

#define SMS_MAX_CHARS		1600	/* Twilio's limit for a Body */
#define SMS_MAX_BASE_URL	256
#define SMS_MAX_SID		64
#define SMS_MAX_TOKEN		128
#define SMS_MAX_RESPONSE	(64 * 1024)	/* larger ones are not read */

/* "/2010-04-01/Accounts/" sid "/Messages.json" after the base URL. */
#define SMS_MAX_URL		(SMS_MAX_BASE_URL + SMS_MAX_SID + 64)

enum sms_outcome {
	SMS_SENT,	/* accepted; sid names the message */
	SMS_REJECTED,	/* refused for good: log code and message, no retry */
	SMS_RETRY	/* no answer, or one that says to try again later */
};

/*
 * What to hand to libcurl: CURLOPT_URL, CURLOPT_USERPWD (HTTP Basic, the
 * default) and a POST of body with Content-Type
 * application/x-www-form-urlencoded. libcurl copies url and userpwd, and
 * kore_curl_http_setup() copies the body, so the request can be freed as
 * soon as the transfer is set up.
 */
struct sms_request {
	char		 url[SMS_MAX_URL];
	char		 userpwd[SMS_MAX_SID + 1 + SMS_MAX_TOKEN + 1];
	struct strbuf	 body;
};

/*
 * sid, status, code and message are all or nothing, except that message
 * is cut to fit; message is printable ASCII (any other byte is a '?'), so
 * it cannot break a log line.
 */
struct sms_result {
	enum sms_outcome	 outcome;
	char			 sid[35];	/* "SM" and 32 hex digits, or "" */
	char			 status[16];	/* "queued", "accepted" ... or "" */
	long			 code;		/* Twilio's error code, or 0 */
	char			 message[256];	/* Twilio's error message, or "" */
};

/*
 * Builds the request that sends text to to:
 *
 *	POST <base_url>/2010-04-01/Accounts/<account_sid>/Messages.json
 *	To=<to>&From=<from>&Body=<text>
 *
 * base_url is "https://host[:port][/prefix]" (http:// for the test
 * stand-in only), without '?' or '#'; one trailing '/' is dropped.
 * account_sid is "AC" and then letters, digits or '_'; auth_token is
 * printable ASCII without spaces. to is E.164: '+' and 8 to 15 digits.
 * from is an E.164 number, an alphanumeric sender id (1 to 11 letters,
 * digits and spaces, at least one letter), or a Messaging Service sid
 * ("MG" and 32 hex digits), which is sent as MessagingServiceSid instead
 * of From. text is 1 to SMS_MAX_CHARS characters of UTF-8, counted as
 * UTF-16 units as Twilio counts them (an emoji is two).
 *
 * Values are percent-encoded, RFC 3986 unreserved characters kept, as
 * src/gateway.c encodes them. Returns 1, or 0 with *errstr naming the
 * argument that is wrong (e.g. "to: expected + and 8 to 15 digits") and
 * the request empty. Either way sms_request_free() releases it and wipes
 * the auth token.
 */
int	sms_request_build(struct sms_request *, const char *, const char *,
	    const char *, const char *, const char *, const char *,
	    const char **);
void	sms_request_free(struct sms_request *);

/*
 * Reads the answer to that request. http_status 0 means there was none
 * (connection refused, reset, timed out).
 *
 * SENT: a 2xx with a message resource whose sid is "SM" and 32 hex
 * digits, unless its status is "failed" or "undelivered", which is
 * REJECTED with its error_code and error_message.
 *
 * REJECTED: any other 4xx but 408 and 429 with Twilio's error body
 * {"code":N,"message":"...",...}: a bad number (21211), no body (21602),
 * a body too long (21617), and also bad credentials (20003), which only
 * a change of configuration mends. Sending it again cannot help.
 *
 * RETRY: no answer, 5xx, 408, 429, any other status, a 2xx without a
 * message sid, a 4xx whose body is not Twilio's error, malformed JSON or
 * a body over SMS_MAX_RESPONSE. code and message are filled in when the
 * body is Twilio's error (20429, 20500 ...). A retry after an answer that
 * was lost on the way may send the text twice: Twilio has no idempotency
 * key for messages.
 */
void	sms_parse_response(long, const char *, size_t, struct sms_result *);

/* "sent", "rejected" or "retry", for logs and events. */
const char	*sms_outcome_name(enum sms_outcome);

#endif
