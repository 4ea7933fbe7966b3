/*
 * CSV export rows (RFC 4180) that a spreadsheet opens as text, not as
 * formulas: the invoice and payment fields come from customers.
 */
#ifndef PAYPORTAL_CSV_H
#define PAYPORTAL_CSV_H

#include <stddef.h>

#include "strbuf.h"

/*
 * Appends one row of n fields and its "\r\n"; a NULL field is empty.
 * A field that begins with '=', '+', '-', '@', TAB or CR gets a leading
 * "'" so a spreadsheet shows it as text, unless it is a plain decimal
 * number (an optional '-', digits, an optional '.' and digits), which is
 * how amounts are exported: "-12.50" stays a number. A field is then
 * quoted, its quotes doubled, if it holds a comma, quote, CR or LF or
 * begins or ends with a space. A row of one empty field is written as ""
 * so that it is not a blank line, which readers skip.
 */
void	csv_row(struct strbuf *, const char *const *, size_t);

#endif
