/*
 * Page data the database answers as JSON (sql/004_staff.sql), turned into
 * a Mustache data tree. Two shapes are special, so that formatting money
 * and signing links each stay in one place, the C modules that own them:
 *
 *	{"minor": 1234, "currency": "USD"}	becomes "$12.34"
 *	{"plain": 1234, "currency": "USD"}	becomes "12.34", a form's value
 *	{"pay_link": uuid, "expires": unix, "key": kid}
 *						becomes the link's signed URL,
 *						or null if its key can no
 *						longer sign
 *	{"qr_code": <a pay link as above>}	becomes an SVG QR code of
 *						its URL, for raw output
 *
 * A list "x" in an object also gets "has_x", true when it is not empty,
 * so a template can wrap a table around the rows. Numbers become their
 * decimal text; true, false and null keep their
 * meaning for sections.
 */
#ifndef PAYPORTAL_JSONCTX_H
#define PAYPORTAL_JSONCTX_H

#include <stddef.h>

#include <jansson.h>

#include "linktoken.h"
#include "mustache.h"

struct jsonctx {
	const struct link_key	*keys;
	size_t			 nkeys;
	const char		*public_url;	/* no trailing slash */
};

struct mustache_value	*jsonctx_value(const struct jsonctx *,
			    json_t *);

/* The same data as JSON, the special shapes replaced by their text. */
json_t	*jsonctx_resolve(const struct jsonctx *, json_t *);

/*
 * The text a value shows as: a string, a number's digits, formatted money
 * or a signed URL. Writes "" for anything else. Returns 0 if out is too
 * small.
 */
int	jsonctx_text(const struct jsonctx *, json_t *, char *, size_t);

/* The signed URL of a pay link object; 0 if it cannot be made. */
int	jsonctx_link_url(const struct jsonctx *, json_t *, char *,
	    size_t);

#endif
