/*
 * Prints the page view's statements (src/public_sql.h) as a pgbench
 * script, their $n parameters turned into pgbench variables, so the
 * benchmark's database ceiling runs exactly what a page view runs: one
 * call that gives the link, its invoices and the fee rules.
 */
#include <stdio.h>
#include <string.h>

#include "public_sql.h"

int
main(void)
{
	static const char	*vars[] = { ":link", ":addr", ":ua", ":record",
				    "NULL" };
	const char		*p;

	for (p = q_public_view; *p != '\0'; p++) {
		if (p[0] == '$' && p[1] >= '1' && p[1] <= '5') {
			fputs(vars[p[1] - '1'], stdout);
			p++;
		} else
			putchar(*p);
	}
	printf(";\n");
	(void)q_public_invoice;
	return (0);
}
