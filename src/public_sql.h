/*
 * The statements behind the customer's pages and payments, in a header of
 * their own so the benchmark can run exactly these through pgbench
 * (tests/bench).
 */
#ifndef PAYPORTAL_PUBLIC_SQL_H
#define PAYPORTAL_PUBLIC_SQL_H

/*
 * One call per page view, review or payment: the link, its customer and
 * business, the open invoices in its scope, the "viewed" event when $4 is
 * true, the state of attempt $5 if any, and the fee rules
 * (sql/006_payments_rework.sql).
 */
static const char	q_public_view[] =
	"SELECT * FROM public_link_page($1, $2, $3, $4, $5)";

/* One posted invoice in the link's scope, with its lines. */
static const char	q_public_invoice[] =
	"SELECT CASE WHEN pl.revoked_at IS NOT NULL THEN 'revoked'"
	"    WHEN pl.expires_at <= now() THEN 'expired' ELSE 'ok' END,"
	"  b.name, b.address, b.email, b.phone, c.name, c.external_ref,"
	"  coalesce(c.email, ''), i.number, i.kind, i.currency, i.issue_date,"
	"  i.due_date, i.subtotal, i.tax, i.total, i.paid, i.memo,"
	"  i.due_date < current_date,"
	"  li.description, li.quantity_milli, li.unit_price, li.tax_rate_bp,"
	"  li.amount, li.tax"
	" FROM pay_links pl JOIN customers c ON c.id = pl.customer_id"
	" CROSS JOIN business b"
	" LEFT JOIN invoices i ON pl.revoked_at IS NULL"
	"   AND pl.expires_at > now() AND i.customer_id = pl.customer_id"
	"   AND i.number = $2 AND i.status = 'posted'"
	"   AND (pl.scope = 'customer' OR EXISTS (SELECT 1"
	"     FROM pay_link_invoices pli"
	"     WHERE pli.link_id = pl.id AND pli.invoice_id = i.id))"
	" LEFT JOIN invoice_lines li ON li.invoice_id = i.id"
	" WHERE pl.id = $1::uuid"
	" ORDER BY li.position";

/* sql/003_payments.sql: reserve, settle; show (sql/008_refunds.sql). */
static const char	q_payment_begin[] =
	"SELECT * FROM payment_begin($1, $2, $3, $4, $5, $6, $7, $8,"
	" interval '30 minutes')";
static const char	q_payment_settle[] =
	"SELECT * FROM payment_settle($1, $2, $3, $4, $5, $6, $7, $8, $9)";
static const char	q_payment_status[] =
	"SELECT * FROM payment_receipt($1, $2)";

/* A gateway event about a payment (sql/006_payments_rework.sql). */
static const char	q_hook_settle[] =
	"SELECT * FROM gateway_event_settle($1, $2, $3, $4, $5, $6, $7, $8,"
	" $9, $10)";

#endif
