/*
 * CSV rows. The formula guard follows OWASP's advice for CSV injection:
 * prefix a quote to any cell a spreadsheet would evaluate.
 */
#include <string.h>

#include "csv.h"
#include "strbuf.h"

static void	csv_field(struct strbuf *, const char *);
static int	csv_number(const char *);

void
csv_row(struct strbuf *sb, const char *const *fields, size_t n)
{
	size_t		 i;

	if (n == 1 && (fields[0] == NULL || fields[0][0] == '\0'))
		strbuf_appends(sb, "\"\"");
	for (i = 0; i < n; i++) {
		if (i > 0)
			strbuf_appendc(sb, ',');
		if (fields[i] != NULL)
			csv_field(sb, fields[i]);
	}
	strbuf_appends(sb, "\r\n");
}

/* The guard's quote goes inside the field's quotes, as part of its text. */
static void
csv_field(struct strbuf *sb, const char *f)
{
	size_t		 len;
	int		 guard, quote;
	const char	*q;

	len = strlen(f);
	guard = f[0] != '\0' && strchr("=+-@\t\r", f[0]) != NULL &&
	    !csv_number(f);
	quote = strpbrk(f, ",\"\r\n") != NULL || f[0] == ' ' ||
	    (len > 0 && f[len - 1] == ' ');

	if (quote)
		strbuf_appendc(sb, '"');
	if (guard)
		strbuf_appendc(sb, '\'');
	if (!quote) {
		strbuf_append(sb, f, len);
		return;
	}
	while ((q = strchr(f, '"')) != NULL) {
		strbuf_append(sb, f, (size_t)(q - f) + 1);
		strbuf_appendc(sb, '"');
		f = q + 1;
	}
	strbuf_appends(sb, f);
	strbuf_appendc(sb, '"');
}

/* An optional '-', digits, and optionally '.' and digits; nothing else. */
static int
csv_number(const char *f)
{
	if (*f == '-')
		f++;
	if (*f < '0' || *f > '9')
		return (0);
	while (*f >= '0' && *f <= '9')
		f++;
	if (*f == '.') {
		f++;
		if (*f < '0' || *f > '9')
			return (0);
		while (*f >= '0' && *f <= '9')
			f++;
	}
	return (*f == '\0');
}
