/*
 * Where receipts and pay links are delivered: e-mail addresses and phone
 * numbers as customers type them, checked before they are stored, and
 * masked before they are shown to anyone who only needs to recognise them.
 */
#ifndef PAYPORTAL_CONTACT_H
#define PAYPORTAL_CONTACT_H

#include <stddef.h>

#define CONTACT_EMAIL_MAX	254	/* bytes, as SMTP allows in a path */
#define CONTACT_LOCAL_MAX	64
#define CONTACT_LABEL_MAX	63
#define CONTACT_PHONE_MIN	8	/* digits after the '+' */
#define CONTACT_PHONE_MAX	15	/* digits after the '+', as E.164 */

/*
 * 1 for an ASCII address a mail server will take without quoting: a
 * dot-atom local part of 1 to 64 bytes, one '@', and a domain of at least
 * two labels of letters, digits and inner hyphens, 254 bytes in all.
 */
int	contact_email_valid(const char *);

/*
 * Normalises a phone number to E.164 ("+12075550188") in out, which
 * CONTACT_PHONE_MAX + 2 bytes always fit. Leading spaces are skipped;
 * then a '+', a country code (not starting with 0) and 8 to 15 digits in
 * all, separated by nothing but spaces, dots, dashes and parentheses.
 * Returns 1, or 0 and a phrase in why for the caller to prefix with the
 * field name, e.g. "must start with + and the country code".
 */
int	contact_phone_e164(const char *, char *, size_t, char *, size_t);

/*
 * Masked copies for display. An e-mail keeps the first and last byte of
 * a local part of 3 or more bytes, the first alone of a shorter one, and
 * the domain: "a******s@northwind.example", "j*@example.com". A phone
 * number in E.164 keeps the '+' and the last 4 digits: "+*******0188".
 * Return 0 for input the functions above would not produce or accept, or
 * for an out too small (the input's length plus 2 is always enough).
 */
int	contact_mask_email(const char *, char *, size_t);
int	contact_mask_phone(const char *, char *, size_t);

#endif
