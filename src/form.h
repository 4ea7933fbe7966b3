/*
 * application/x-www-form-urlencoded bodies and query strings, parsed with
 * hard limits into NUL-terminated, valid UTF-8 names and values.
 */
#ifndef PAYPORTAL_FORM_H
#define PAYPORTAL_FORM_H

#include <stddef.h>

#define FORM_MAX_BODY		65536	/* bytes, encoded */
#define FORM_MAX_FIELDS		512
#define FORM_MAX_NAME		128	/* bytes, decoded */
#define FORM_MAX_VALUE		2048	/* bytes, decoded */

struct form_field {
	char		*name;
	char		*value;
	size_t		 value_len;	/* strlen(value): NULs are refused */
};

struct form {
	struct form_field	*fields;
	size_t			 nfields;
};

void	form_init(struct form *);

/*
 * Parses into a form fresh from form_init() or form_free(). '+' is a space,
 * %XX is decoded, empty pairs ("a=1&&b=2") are skipped, a name without '='
 * has an empty value, repeated names are kept in order. Returns 1, or 0 with
 * the form left empty and a message in err naming the problem, e.g.
 * "field 3: invalid percent-encoding"; fields count from 1, empty pairs
 * not included. Refused: bad or short escapes, a NUL, invalid UTF-8, an
 * empty name, and anything over the limits above.
 */
int	form_parse(struct form *, const char *, size_t, char *, size_t);

/*
 * Adds one field whose name and value are raw bytes (a multipart body's
 * part, say), under the limits and checks of form_parse(); the form
 * grows by one. Returns 1, or 0 with the form emptied and err naming
 * the field and the problem, as form_parse() does.
 */
int	form_add(struct form *, const char *, size_t, const char *, size_t,
	    char *, size_t);

/* The first value of a name, or NULL; and how many values it has. */
const char	*form_get(const struct form *, const char *);
size_t		 form_count(const struct form *, const char *);
void		 form_free(struct form *);

#endif
