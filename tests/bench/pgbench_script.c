/*
 * Prints the portal's own statements (src/public_sql.h) as a pgbench
 * script, their $n parameters turned into pgbench variables or values, so
 * the benchmark's database ceilings run exactly what the portal runs.
 *
 *	pgbench-script		a page view: one call that gives the link,
 *				its invoices and the fee rules
 *	pgbench-script payment	a payment by card, call by call as the
 *				portal makes them: review, confirm (the
 *				page, reserve, settle), the gateway's
 *				webhook, then the "Payment successful" page.
 *				It needs :link, :invoice and :addr.
 */
#include <stdio.h>
#include <string.h>

#include "public_sql.h"

static void	emit(const char *, const char *const *, int);

/* q with $1..$n replaced by vars[0..n-1], as one statement. */
static void
emit(const char *q, const char *const *vars, int n)
{
	const char	*p;
	int		 i;

	for (p = q; *p != '\0'; p++) {
		if (p[0] == '$' && p[1] >= '1' && p[1] <= '9') {
			i = p[1] - '1';
			if (p[2] >= '0' && p[2] <= '9') {
				i = (i + 1) * 10 + (p[2] - '0') - 1;
				p++;
			}
			fputs(i < n ? vars[i] : "NULL", stdout);
			p++;
		} else
			putchar(*p);
	}
	printf(";\n");
}

int
main(int argc, char **argv)
{
	static const char *const page[] = { ":link", ":addr", ":ua",
				    ":record", "NULL" };
	static const char *const review[] = { ":link", ":addr", "NULL",
				    "false", "NULL" };
	static const char *const view[] = { ":link", ":addr", "NULL",
				    "false", ":att" };
	static const char *const begin[] = { ":att", ":link", "'card'",
				    "'pm_bench'", "ARRAY[:invoice]", "'{1}'",
				    ":addr", "'payportal-bench'" };
	static const char *const settle[] = { ":att", "true",
				    "'pi_' || :att", "'visa'", "'4242'", "NULL",
				    "NULL", "'customer'", "NULL" };
	static const char *const hook[] = { "'evt_' || :att",
				    "'payment_intent.succeeded'",
				    "'pi_' || :att", ":att", "true", "NULL" };
	static const char *const status[] = { ":link", ":att" };

	if (argc < 2) {
		emit(q_public_view, page, 5);
		(void)q_public_invoice;
		return (0);
	}
	if (argc != 2 || strcmp(argv[1], "payment") != 0) {
		fprintf(stderr, "usage: pgbench-script [payment]\n");
		return (2);
	}
	printf("SELECT gen_random_uuid() AS att \\gset\n");
	emit(q_public_view, review, 5);
	emit(q_public_view, view, 5);
	emit(q_payment_begin, begin, 8);
	emit(q_payment_settle, settle, 9);
	emit(q_hook_settle, hook, 6);
	emit(q_payment_status, status, 2);
	return (0);
}
