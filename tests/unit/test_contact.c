#include <criterion/criterion.h>

#include <string.h>

#include "contact.h"

static void	phone_is(const char *, const char *);
static void	phone_refuses(const char *, const char *);
static void	masks_email(const char *, const char *);
static void	masks_phone(const char *, const char *);

static void
phone_is(const char *in, const char *want)
{
	char	out[CONTACT_PHONE_MAX + 2], why[128];

	why[0] = '\0';
	cr_assert_eq(contact_phone_e164(in, out, sizeof(out), why,
	    sizeof(why)), 1, "\"%s\" refused: %s", in, why);
	cr_assert_str_eq(out, want, "\"%s\"", in);
}

static void
phone_refuses(const char *in, const char *want)
{
	char	out[CONTACT_PHONE_MAX + 2], why[128];

	memset(out, 'x', sizeof(out));
	why[0] = '\0';
	cr_assert_eq(contact_phone_e164(in, out, sizeof(out), why,
	    sizeof(why)), 0, "\"%s\" accepted as %s", in, out);
	cr_assert_str_eq(why, want, "\"%s\"", in);
	cr_assert_eq(out[0], '\0');
}

static void
masks_email(const char *in, const char *want)
{
	char	out[CONTACT_EMAIL_MAX + 2];

	cr_assert_eq(contact_mask_email(in, out, sizeof(out)), 1, "%s", in);
	cr_assert_str_eq(out, want);
	/* The documented bound is enough, and one less is not. */
	cr_assert_eq(contact_mask_email(in, out, strlen(want) + 1), 1);
	cr_assert_eq(contact_mask_email(in, out, strlen(want)), 0);
	cr_assert_eq(out[0], '\0');
	cr_assert_leq(strlen(want) + 1, strlen(in) + 2);
}

static void
masks_phone(const char *in, const char *want)
{
	char	out[CONTACT_PHONE_MAX + 2];

	cr_assert_eq(contact_mask_phone(in, out, sizeof(out)), 1, "%s", in);
	cr_assert_str_eq(out, want);
	cr_assert_eq(contact_mask_phone(in, out, strlen(want)), 0);
	cr_assert_eq(out[0], '\0');
}

Test(contact, email_valid)
{
	static const char	*good[] = {
		"accounts@northwind.example",
		"a@b.co",
		"first.last@sub.domain.example",
		"x+tag@example.com",
		"o'brien@example.ie",
		"!#$%&'*+-/=?^_`{|}~@example.com",
		"ap@xn--bcher-kva.example",
		"1@2.3",
		"a@a-b.c-d",
	};
	size_t		 i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		cr_assert_eq(contact_email_valid(good[i]), 1, "%s", good[i]);
}

Test(contact, email_invalid)
{
	static const char	*bad[] = {
		NULL, "", "@", "a@", "@example.com", "plain",
		"a@@example.com", "a@b@example.com", "a@localhost",
		"a@example.", "a@.example.com", "a@example..com",
		"a@-example.com", "a@example-.com", "a@example.-com",
		".a@example.com", "a.@example.com", "a..b@example.com",
		"a b@example.com", "a@exa mple.com", " a@example.com",
		"a@example.com ", "a@example.com\n", "a\r\n@example.com",
		"a\t@example.com", "\"a b\"@example.com", "a@[192.0.2.1]",
		"a(b)@example.com", "a,b@example.com", "a<b>@example.com",
		"a;b@example.com", "a:b@example.com", "a\\b@example.com",
		"a@exa_mple.com", "j\xc3\xb6rg@example.com",
		"a@b\xc3\xbc.example", "a\x7f@example.com",
	};
	size_t		 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_assert_eq(contact_email_valid(bad[i]), 0, "\"%s\"", bad[i]);
}

Test(contact, email_limits)
{
	char	buf[400];

	/* A 64-byte local part, and 65. */
	memset(buf, 'l', 64);
	strcpy(buf + 64, "@example.com");
	cr_assert_eq(contact_email_valid(buf), 1);
	memset(buf, 'l', 65);
	strcpy(buf + 65, "@example.com");
	cr_assert_eq(contact_email_valid(buf), 0);

	/* A 63-byte label, and 64. */
	strcpy(buf, "a@");
	memset(buf + 2, 'd', 63);
	strcpy(buf + 65, ".com");
	cr_assert_eq(contact_email_valid(buf), 1);
	memset(buf + 2, 'd', 64);
	strcpy(buf + 66, ".com");
	cr_assert_eq(contact_email_valid(buf), 0);

	/* 254 bytes in all, and 255: "a@" and labels of 50 and dots. */
	strcpy(buf, "a@");
	memset(buf + 2, 'd', 252);
	buf[2 + 50] = buf[2 + 101] = buf[2 + 152] = buf[2 + 203] = '.';
	buf[254] = '\0';
	cr_assert_eq(strlen(buf), 254);
	cr_assert_eq(contact_email_valid(buf), 1);
	buf[254] = 'd';
	buf[255] = '\0';
	cr_assert_eq(contact_email_valid(buf), 0);
}

Test(contact, phone_normalises)
{
	phone_is("+1 207 555 0188", "+12075550188");
	phone_is("+1 (207) 555-0188", "+12075550188");
	phone_is("+81 3 5555 0100", "+81355550100");
	phone_is("+44.20.7946.0958", "+442079460958");
	phone_is("+12075550188", "+12075550188");
	phone_is("  +49 30 901820", "+4930901820");
	phone_is("+1 207 555 0188  ", "+12075550188");
	phone_is("+12345678", "+12345678");
	phone_is("+123456789012345", "+123456789012345");
	phone_is("+1-(207)-555-0188", "+12075550188");
}

Test(contact, phone_refuses)
{
	phone_refuses("2075550188", "must start with + and the country code");
	phone_refuses("(207) 555-0188",
	    "must start with + and the country code");
	phone_refuses("+0 207 555 0188",
	    "must start with + and the country code");
	phone_refuses("+ 1 207 555 0188",
	    "must start with + and the country code");
	phone_refuses("001 207 555 0188",
	    "must start with + and the country code");
	phone_refuses("", "must start with + and the country code");
	phone_refuses("+", "must start with + and the country code");
	phone_refuses(NULL, "must start with + and the country code");
	phone_refuses("\t+12075550188",
	    "must start with + and the country code");
	phone_refuses("+1 207 555 0188 ext 5", "may contain only digits, "
	    "spaces, dots, dashes and parentheses");
	phone_refuses("+1/207/555/0188", "may contain only digits, "
	    "spaces, dots, dashes and parentheses");
	phone_refuses("+1 207 555 0188+", "may contain only digits, "
	    "spaces, dots, dashes and parentheses");
	phone_refuses("+1 207\n555 0188", "may contain only digits, "
	    "spaces, dots, dashes and parentheses");
	phone_refuses("+\xd9\xa1\xd9\xa2", "must start with + and the country "
	    "code");
	phone_refuses("+1 2\xd9\xa2", "may contain only digits, "
	    "spaces, dots, dashes and parentheses");
	phone_refuses("+1234567", "must have 8 to 15 digits after the +");
	phone_refuses("+1234567890123456",
	    "must have 8 to 15 digits after the +");
	phone_refuses("+1 234 567 890 123 456 789 012 345 678",
	    "must have 8 to 15 digits after the +");
}

Test(contact, phone_out_and_why)
{
	char	out[CONTACT_PHONE_MAX + 2];

	cr_assert_eq(contact_phone_e164("+12075550188", out, 13, NULL, 0), 1);
	cr_assert_str_eq(out, "+12075550188");
	cr_assert_eq(contact_phone_e164("+12075550188", out, 12, NULL, 0), 0);
	cr_assert_eq(out[0], '\0');
	cr_assert_eq(contact_phone_e164("12075550188", out, sizeof(out), NULL,
	    0), 0);
}

Test(contact, mask_email)
{
	masks_email("accounts@northwind.example", "a******s@northwind.example");
	masks_email("abc@example.com", "a*c@example.com");
	masks_email("ab@example.com", "a*@example.com");
	masks_email("j@example.com", "j*@example.com");
	masks_email("first.last@example.com", "f********t@example.com");
}

Test(contact, mask_email_refuses)
{
	char	out[64];

	cr_assert_eq(contact_mask_email("not an address", out, sizeof(out)),
	    0);
	cr_assert_eq(contact_mask_email("j\xc3\xb6rg@example.com", out,
	    sizeof(out)), 0);
	cr_assert_eq(contact_mask_email(NULL, out, sizeof(out)), 0);
	cr_assert_eq(out[0], '\0');
}

Test(contact, mask_phone)
{
	masks_phone("+12075550188", "+*******0188");
	masks_phone("+81355550100", "+*******0100");
	masks_phone("+12345678", "+****5678");
	masks_phone("+123456789012345", "+***********2345");
}

Test(contact, mask_phone_refuses)
{
	static const char	*bad[] = {
		NULL, "", "+", "12075550188", "+1 207 555 0188", "+1234567",
		"+1234567890123456", "+02075550188", "+12075550188 ",
		"+1207555018x",
	};
	char		 out[32];
	size_t		 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(out, 'x', sizeof(out));
		cr_assert_eq(contact_mask_phone(bad[i], out, sizeof(out)), 0,
		    "\"%s\"", bad[i]);
		cr_assert_eq(out[0], '\0');
	}
}
