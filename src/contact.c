/*
 * Delivery destinations. The e-mail rules are narrower than RFC 5321
 * allows (no quoted local parts, no address literals, ASCII only) so an
 * accepted address can go into a mail header as it is.
 */
#include <stdio.h>
#include <string.h>

#include "contact.h"

static int	contact_atext(char);
static int	contact_alnum(char);
static int	contact_why(char *, size_t, const char *);

int
contact_email_valid(const char *s)
{
	const char	*at, *p, *label;
	size_t		 labels;

	if (s == NULL || strnlen(s, CONTACT_EMAIL_MAX + 1) > CONTACT_EMAIL_MAX)
		return (0);
	if ((at = strchr(s, '@')) == NULL || strchr(at + 1, '@') != NULL)
		return (0);
	if (at == s || (size_t)(at - s) > CONTACT_LOCAL_MAX)
		return (0);

	/* Dots only between atoms: not first, not last, never two. */
	for (p = s; p < at; p++) {
		if (*p == '.') {
			if (p == s || p + 1 == at || p[1] == '.')
				return (0);
		} else if (!contact_atext(*p))
			return (0);
	}

	labels = 0;
	for (label = p = at + 1;; p++) {
		if (*p != '.' && *p != '\0') {
			if (!contact_alnum(*p) && *p != '-')
				return (0);
			continue;
		}
		if (p == label || (size_t)(p - label) > CONTACT_LABEL_MAX ||
		    label[0] == '-' || p[-1] == '-')
			return (0);
		labels++;
		if (*p == '\0')
			break;
		label = p + 1;
	}
	return (labels >= 2);
}

int
contact_phone_e164(const char *in, char *out, size_t outlen, char *why,
    size_t whylen)
{
	char		 num[CONTACT_PHONE_MAX + 2];
	const char	*p;
	size_t		 n;

	if (outlen > 0)
		out[0] = '\0';
	if (in == NULL)
		in = "";
	for (p = in; *p == ' '; p++)
		;
	if (p[0] != '+' || p[1] < '1' || p[1] > '9') {
		return (contact_why(why, whylen,
		    "must start with + and the country code"));
	}

	num[0] = '+';
	for (n = 0, p++; *p != '\0'; p++) {
		if (*p >= '0' && *p <= '9') {
			/* Count past the limit to say which limit it was. */
			if (n < CONTACT_PHONE_MAX)
				num[n + 1] = *p;
			n++;
		} else if (strchr(" .-()", *p) == NULL) {
			return (contact_why(why, whylen, "may contain only "
			    "digits, spaces, dots, dashes and parentheses"));
		}
	}
	if (n < CONTACT_PHONE_MIN || n > CONTACT_PHONE_MAX) {
		return (contact_why(why, whylen,
		    "must have 8 to 15 digits after the +"));
	}
	num[n + 1] = '\0';
	if (n + 2 > outlen)
		return (contact_why(why, whylen, "could not be stored"));
	memcpy(out, num, n + 2);
	return (1);
}

int
contact_mask_email(const char *in, char *out, size_t outlen)
{
	const char	*at;
	size_t		 local, stars, dlen, n;

	if (outlen > 0)
		out[0] = '\0';
	if (!contact_email_valid(in))
		return (0);
	at = strchr(in, '@');
	local = (size_t)(at - in);
	stars = local >= 3 ? local - 2 : 1;
	dlen = strlen(at);
	if (1 + stars + (local >= 3) + dlen + 1 > outlen)
		return (0);

	n = 0;
	out[n++] = in[0];
	memset(out + n, '*', stars);
	n += stars;
	if (local >= 3)
		out[n++] = at[-1];
	memcpy(out + n, at, dlen + 1);
	return (1);
}

int
contact_mask_phone(const char *in, char *out, size_t outlen)
{
	size_t		 n;

	if (outlen > 0)
		out[0] = '\0';
	if (in == NULL || in[0] != '+' || in[1] == '0')
		return (0);
	n = strspn(in + 1, "0123456789");
	if (in[1 + n] != '\0' || n < CONTACT_PHONE_MIN ||
	    n > CONTACT_PHONE_MAX || n + 2 > outlen)
		return (0);

	out[0] = '+';
	memset(out + 1, '*', n - 4);
	memcpy(out + 1 + n - 4, in + 1 + n - 4, 5);
	return (1);
}

/* RFC 5322 atext: the characters of a dot-atom other than the dot. */
static int
contact_atext(char c)
{
	return (contact_alnum(c) || (c != '\0' &&
	    strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL));
}

static int
contact_alnum(char c)
{
	return ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9'));
}

/* Always returns 0, so a refusal is one statement. */
static int
contact_why(char *why, size_t whylen, const char *msg)
{
	if (why != NULL && whylen > 0)
		(void)snprintf(why, whylen, "%s", msg);
	return (0);
}
