/*
 * multipart/form-data bodies (RFC 7578), as browsers send a form with a
 * file: the text fields become a struct form with the same limits and
 * checks as an urlencoded body; the files point into the body, which the
 * caller keeps until it is done with them.
 */
#ifndef PAYPORTAL_MULTIPART_H
#define PAYPORTAL_MULTIPART_H

#include <stddef.h>

#include "form.h"

#define MULTIPART_BOUNDARY_MAX	70	/* bytes, as RFC 2046 allows */
#define MULTIPART_MAX_PARTS	64
#define MULTIPART_MAX_FILES	4
#define MULTIPART_HEADER_MAX	2048	/* bytes of one part's headers */

struct multipart_file {
	char			*name;	/* the form field's */
	const unsigned char	*data;	/* into the body */
	size_t			 len;
};

struct multipart {
	struct form		 fields;
	struct multipart_file	 files[MULTIPART_MAX_FILES];
	size_t			 nfiles;
};

/*
 * The boundary of a Content-Type "multipart/form-data; boundary=...",
 * quoted or not, into out (MULTIPART_BOUNDARY_MAX + 1 bytes are always
 * enough). Returns 0 for another type or a boundary RFC 2046 refuses.
 */
int	multipart_boundary(const char *, char *, size_t);

void	multipart_init(struct multipart *);

/*
 * Parses body into a multipart fresh from multipart_init() or
 * multipart_free(). Each part needs a Content-Disposition of form-data
 * with a name; one with a filename parameter (even an empty one, which
 * browsers send when no file was chosen) is a file, any other a text
 * field. Other headers are ignored: a file's type is what its bytes say,
 * not what the browser claims. Returns 1, or 0 with the multipart left
 * empty and err saying what is wrong.
 */
int	multipart_parse(struct multipart *, const char *, size_t,
	    const char *, char *, size_t);

/* The first file of a field name, or NULL. */
const struct multipart_file	*multipart_file(const struct multipart *,
				    const char *);
void	multipart_free(struct multipart *);

#endif
