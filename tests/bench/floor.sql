-- make bench: the least a card payment must write, for pgbench. DESIGN.md
-- asks for two durable transactions around the charge: the attempt, its
-- allocation, the invoice's reservation and the "payment started" event
-- before the gateway is called; then the invoice's new paid amount, the
-- attempt's outcome, the receipt with its gapless number, its allocation,
-- the email in the outbox and the "payment made" event. Here each is one
-- statement (one round trip, one commit) with none of the portal's reads
-- or checks, no page, no receipt page and no webhook: what is left is the
-- database's floor for one payment, on the real tables with their keys,
-- indexes and constraints. pgbench sets :link, :cust and :inv per client.
SELECT gen_random_uuid() AS att \gset
WITH a AS (
	INSERT INTO payment_attempts (id, link_id, customer_id, method,
	    payment_method, currency, amount, fee, total, deadline)
	VALUES (:att, :link, :cust, 'card', 'pm_bench', 'USD', 1, 0, 1,
	    now() + interval '30 minutes')
	RETURNING id),
x AS (
	INSERT INTO attempt_allocations (attempt_id, invoice_id, amount)
	SELECT id, :inv, 1 FROM a),
v AS (
	UPDATE invoices SET reserved = reserved + 1 WHERE id = :inv),
e AS (
	INSERT INTO link_events (link_id, kind, customer_id)
	VALUES (:link, 'payment_started', :cust))
SELECT id FROM a;
WITH r AS (
	SELECT nextval('receipts_id_seq') AS id),
y AS (
	SELECT extract(year FROM now() AT TIME ZONE timezone)::integer AS year
	FROM business),
v AS (
	UPDATE invoices SET reserved = reserved - 1, paid = paid + 1
	WHERE id = :inv),
a AS (
	UPDATE payment_attempts SET state = 'succeeded',
	    intent_id = 'pi_' || :att, settled_at = now()
	WHERE id = :att),
x AS (
	INSERT INTO receipt_allocations (receipt_id, invoice_id, amount)
	SELECT id, :inv, 1 FROM r),
o AS (
	INSERT INTO outbox (kind, receipt_id, recipient)
	SELECT 'receipt_email', id, 'bench@example.com' FROM r),
n AS (
	INSERT INTO receipt_counters AS c (year, last) SELECT year, 1 FROM y
	ON CONFLICT (year) DO UPDATE SET last = c.last + 1
	RETURNING last),
w AS (
	INSERT INTO receipts (id, number, year, seq, attempt_id, customer_id,
	    currency, amount, fee, total, method, gateway_ref)
	SELECT r.id, receipt_number(y.year, n.last),
	    y.year, n.last, :att, :cust, 'USD', 1, 0, 1, 'card', 'pi_' || :att
	FROM r, y, n),
e AS (
	INSERT INTO link_events (link_id, kind, customer_id)
	VALUES (:link, 'payment_made', :cust))
SELECT 1;
