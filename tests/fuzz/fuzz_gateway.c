/*
 * libFuzzer driver for gateway.c. The first byte picks the HTTP status the
 * rest is read under, as an intent's answer and as a refund's; the rest is
 * also read as a webhook event and as a charge event. Every field must be
 * NUL-terminated and made only of what it may hold, the outcome must be
 * one of the five and agree with the object's status and the HTTP status,
 * and reading the same bytes twice must give the same result.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gateway.h"

#define FUZZ_ID		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz" \
			"0123456789_"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void	fuzz_check(const struct gateway_result *, long);
static void	fuzz_check_refund(const struct gateway_refund *, long);
static void	fuzz_prefixed(const char *, const char *);
static void	fuzz_outcome(enum gateway_outcome, const char *, long,
		    const char *const *, const char *const *, const long *);
static void	fuzz_field(const char *, size_t, const char *);
static void	fuzz_text(const char *, size_t);
static int	fuzz_is(const char *, const char *const *);

static const long	fuzz_statuses[] = {
	0, 200, 201, 204, 302, 400, 401, 402, 403, 404, 408, 409, 424, 429,
	500, 503
};
static const char *const	fuzz_pending[] = { "processing",
	"requires_action", "requires_confirmation", "requires_capture", NULL };
static const char *const	fuzz_declined[] = { "requires_payment_method",
	"canceled", NULL };
static const long	fuzz_rejected[] = { 400, 401, 403, 404, 0 };
static const char *const	fuzz_refund_pending[] = { "pending",
	"requires_action", NULL };
static const char *const	fuzz_refund_failed[] = { "failed", "canceled",
	NULL };

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gateway_result	 r, again;
	struct gateway_refund	 rf, rf_again;
	char			 id[64], type[64], intent[64];
	char			*body;
	size_t			 len;
	long			 status;
	int			 ok;

	if (size == 0)
		return (0);
	status = fuzz_statuses[data[0] % (sizeof(fuzz_statuses) /
	    sizeof(fuzz_statuses[0]))];
	len = size - 1;
	/* A copy of exactly len bytes, so ASan sees any overread. */
	if ((body = malloc(len ? len : 1)) == NULL)
		return (0);
	memcpy(body, data + 1, len);

	gateway_parse_intent(status, body, len, &r);
	fuzz_check(&r, status);
	gateway_parse_intent(status, body, len, &again);
	if (memcmp(&r, &again, sizeof(r)) != 0)
		abort();

	gateway_parse_refund(status, body, len, &rf);
	fuzz_check_refund(&rf, status);
	gateway_parse_refund(status, body, len, &rf_again);
	if (memcmp(&rf, &rf_again, sizeof(rf)) != 0)
		abort();

	if (gateway_parse_charge_event(body, len, intent, sizeof(intent))) {
		fuzz_field(intent, sizeof(intent), FUZZ_ID);
		if (strncmp(intent, "pi_", 3) != 0 || intent[3] == '\0')
			abort();
	} else if (intent[0] != '\0')
		abort();

	ok = gateway_parse_event(body, len, id, sizeof(id), type, sizeof(type),
	    &r);
	fuzz_field(id, sizeof(id), FUZZ_ID);
	fuzz_field(type, sizeof(type), "abcdefghijklmnopqrstuvwxyz_.");
	if (ok) {
		if (strncmp(id, "evt_", 4) != 0 || id[4] == '\0')
			abort();
		/* An event's intent reads as a 2xx answer would. */
		fuzz_check(&r, 200);
	} else {
		if (ok != 0 || id[0] != '\0' || type[0] != '\0' ||
		    r.outcome != GATEWAY_UNKNOWN || r.intent_id[0] != '\0')
			abort();
	}
	free(body);
	return (0);
}

static void
fuzz_check(const struct gateway_result *r, long status)
{
	fuzz_field(r->intent_id, sizeof(r->intent_id), FUZZ_ID);
	fuzz_field(r->status, sizeof(r->status),
	    "abcdefghijklmnopqrstuvwxyz_");
	fuzz_field(r->currency, sizeof(r->currency),
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ");
	fuzz_field(r->brand, sizeof(r->brand), "abcdefghijklmnopqrstuvwxyz_");
	fuzz_field(r->last4, sizeof(r->last4), "0123456789");
	fuzz_field(r->attempt, sizeof(r->attempt), FUZZ_ID "-");
	fuzz_field(r->code, sizeof(r->code),
	    "abcdefghijklmnopqrstuvwxyz0123456789_");
	fuzz_text(r->message, sizeof(r->message));

	fuzz_prefixed(r->intent_id, "pi_");
	if ((r->intent_id[0] == '\0') != (r->status[0] == '\0'))
		abort();
	if (r->currency[0] != '\0' && strlen(r->currency) != 3)
		abort();
	if (r->last4[0] != '\0' && strlen(r->last4) != 4)
		abort();
	if (r->amount < -1)
		abort();
	fuzz_outcome(r->outcome, r->status, status, fuzz_pending,
	    fuzz_declined, fuzz_rejected);
	/* No answer is never anything but UNKNOWN, with nothing read. */
	if (status == 0 && (r->outcome != GATEWAY_UNKNOWN ||
	    r->intent_id[0] != '\0' || r->message[0] != '\0' ||
	    r->amount != -1))
		abort();
}

static void
fuzz_check_refund(const struct gateway_refund *r, long status)
{
	fuzz_field(r->refund_id, sizeof(r->refund_id), FUZZ_ID);
	fuzz_field(r->status, sizeof(r->status),
	    "abcdefghijklmnopqrstuvwxyz_");
	fuzz_field(r->intent_id, sizeof(r->intent_id), FUZZ_ID);
	fuzz_field(r->currency, sizeof(r->currency),
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ");
	fuzz_field(r->refund, sizeof(r->refund), FUZZ_ID "-");
	fuzz_field(r->code, sizeof(r->code),
	    "abcdefghijklmnopqrstuvwxyz0123456789_");
	fuzz_text(r->message, sizeof(r->message));

	fuzz_prefixed(r->refund_id, "re_");
	fuzz_prefixed(r->intent_id, "pi_");
	if ((r->refund_id[0] == '\0') != (r->status[0] == '\0'))
		abort();
	if (r->refund_id[0] != '\0' && (status < 200 || status > 299))
		abort();
	if (r->currency[0] != '\0' && strlen(r->currency) != 3)
		abort();
	if (r->amount < -1)
		abort();
	/* An idempotency error is REJECTED whatever its status. */
	fuzz_outcome(r->outcome, r->status, status, fuzz_refund_pending,
	    fuzz_refund_failed, NULL);
	if (status == 0 && (r->outcome != GATEWAY_UNKNOWN ||
	    r->refund_id[0] != '\0' || r->message[0] != '\0' ||
	    r->amount != -1))
		abort();
}

/* "" or prefix and then something. */
static void
fuzz_prefixed(const char *s, const char *prefix)
{
	size_t		 len;

	len = strlen(prefix);
	if (s[0] != '\0' && (strncmp(s, prefix, len) != 0 || s[len] == '\0'))
		abort();
}

/*
 * The outcome agrees with the object's status (state) and the HTTP
 * status. rejected lists the HTTP statuses REJECTED may come with, 0 at
 * the end, or is NULL for any but a 2xx.
 */
static void
fuzz_outcome(enum gateway_outcome o, const char *state, long status,
    const char *const *pending, const char *const *declined,
    const long *rejected)
{
	int	ok;

	ok = status >= 200 && status <= 299;
	switch (o) {
	case GATEWAY_SUCCEEDED:
		if (strcmp(state, "succeeded") != 0)
			abort();
		break;
	case GATEWAY_PENDING:
		if (!fuzz_is(state, pending))
			abort();
		break;
	case GATEWAY_DECLINED:
		if (ok ? !fuzz_is(state, declined) : status != 400 &&
		    status != 402)
			abort();
		break;
	case GATEWAY_REJECTED:
		if (ok)
			abort();
		for (; rejected != NULL && *rejected != status; rejected++) {
			if (*rejected == 0)
				abort();
		}
		break;
	case GATEWAY_UNKNOWN:
		break;
	default:
		abort();
	}
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

/* NUL-terminated, valid UTF-8, and no C0, DEL or C1 controls. */
static void
fuzz_text(const char *s, size_t size)
{
	const unsigned char	*p;
	size_t			 i, n, k, len;

	if ((len = strnlen(s, size)) == size)
		abort();
	p = (const unsigned char *)s;
	for (i = 0; i < len; i += n) {
		if (p[i] < 0x20 || p[i] == 0x7f)
			abort();
		if (p[i] < 0x80) {
			n = 1;
			continue;
		}
		if (p[i] >= 0xc2 && p[i] <= 0xdf)
			n = 2;
		else if (p[i] >= 0xe0 && p[i] <= 0xef)
			n = 3;
		else if (p[i] >= 0xf0 && p[i] <= 0xf4)
			n = 4;
		else
			abort();
		if (n > len - i)
			abort();
		for (k = 1; k < n; k++) {
			if ((p[i + k] & 0xc0) != 0x80)
				abort();
		}
		if (p[i] == 0xc2 && p[i + 1] < 0xa0)
			abort();
	}
}

static int
fuzz_is(const char *s, const char *const *set)
{
	for (; *set != NULL; set++) {
		if (strcmp(s, *set) == 0)
			return (1);
	}
	return (0);
}
