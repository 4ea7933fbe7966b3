/*
 * libFuzzer driver for sms.c's answer parser. The first byte picks the
 * HTTP status the rest is read under. Every field must be NUL-terminated
 * and made only of what it may hold, the outcome must agree with the
 * HTTP status (only a 2xx sends, only a 4xx or a failed message rejects,
 * no answer is always a retry), and reading the same bytes twice must
 * give the same result.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sms.h"

#define FUZZ_HEX	"0123456789abcdefABCDEF"
#define FUZZ_LETTERS	"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void	fuzz_check(const struct sms_result *, long);
static void	fuzz_field(const char *, size_t, const char *);

static const long	fuzz_statuses[] = {
	0, 200, 201, 204, 302, 400, 401, 403, 404, 408, 409, 429, 500, 502,
	503
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sms_result	 r, again;
	char			*body;
	size_t			 len;
	long			 status;

	if (size == 0)
		return (0);
	status = fuzz_statuses[data[0] % (sizeof(fuzz_statuses) /
	    sizeof(fuzz_statuses[0]))];
	len = size - 1;
	/* A copy of exactly len bytes, so ASan sees any overread. */
	if ((body = malloc(len ? len : 1)) == NULL)
		return (0);
	memcpy(body, data + 1, len);

	sms_parse_response(status, body, len, &r);
	fuzz_check(&r, status);
	sms_parse_response(status, body, len, &again);
	if (memcmp(&r, &again, sizeof(r)) != 0)
		abort();
	free(body);
	return (0);
}

static void
fuzz_check(const struct sms_result *r, long status)
{
	size_t		 i, len;
	int		 is2xx, is4xx;

	fuzz_field(r->sid, sizeof(r->sid), FUZZ_LETTERS "0123456789");
	fuzz_field(r->status, sizeof(r->status), FUZZ_LETTERS "-");
	if ((len = strnlen(r->message, sizeof(r->message))) ==
	    sizeof(r->message))
		abort();
	for (i = 0; i < len; i++) {
		if (r->message[i] < 0x20 || r->message[i] > 0x7e)
			abort();
	}
	if (r->code < 0 || r->code > 999999)
		abort();
	if (r->sid[0] != '\0' && (strlen(r->sid) != 34 ||
	    strncmp(r->sid, "SM", 2) != 0 ||
	    strspn(r->sid + 2, FUZZ_HEX) != 32))
		abort();
	/* Only a message resource has a sid or a status. */
	if (r->sid[0] == '\0' && r->status[0] != '\0')
		abort();

	is2xx = status >= 200 && status <= 299;
	is4xx = status >= 400 && status <= 499 && status != 408 &&
	    status != 429;
	switch (r->outcome) {
	case SMS_SENT:
		if (!is2xx || r->sid[0] == '\0' || r->code != 0 ||
		    r->message[0] != '\0')
			abort();
		if (strcmp(r->status, "failed") == 0 ||
		    strcmp(r->status, "undelivered") == 0)
			abort();
		break;
	case SMS_REJECTED:
		if (is2xx) {
			if (r->sid[0] == '\0' ||
			    (strcmp(r->status, "failed") != 0 &&
			    strcmp(r->status, "undelivered") != 0))
				abort();
		} else if (!is4xx || r->code == 0 || r->sid[0] != '\0')
			abort();
		break;
	case SMS_RETRY:
		if (r->sid[0] != '\0')
			abort();
		break;
	default:
		abort();
	}
	/* No answer is never anything but RETRY, with nothing read. */
	if (status == 0 && (r->outcome != SMS_RETRY || r->code != 0 ||
	    r->message[0] != '\0'))
		abort();
	if (strcmp(sms_outcome_name(r->outcome), "sent") != 0 &&
	    strcmp(sms_outcome_name(r->outcome), "rejected") != 0 &&
	    strcmp(sms_outcome_name(r->outcome), "retry") != 0)
		abort();
}

/* NUL-terminated within size, and made of chars only. */
static void
fuzz_field(const char *s, size_t size, const char *chars)
{
	size_t		 len;

	if ((len = strnlen(s, size)) == size)
		abort();
	if (strspn(s, chars) != len)
		abort();
}
