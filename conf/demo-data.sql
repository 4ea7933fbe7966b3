-- Demo data for "make run" and the end-to-end tests. Dates are relative to
-- today so that "overdue" stays true whenever the demo is started. Line
-- amounts and taxes are computed in integer minor units (round half up).

BEGIN;

UPDATE business SET name = 'Harbor Street Hardware',
	address = E'118 Harbor Street\nPortland, ME 04101',
	email = 'billing@harborstreet.example', phone = '+1 207 555 0142';

INSERT INTO customers (external_ref, name, email, phone, currency) VALUES
	('C-1001', 'Northwind Café', 'accounts@northwind.example', '+1 207 555 0188', 'USD'),
	('C-2001', 'Sakura Trading KK', 'keiri@sakura.example', '+81 3 5555 0100', 'JPY'),
	('C-3001', 'Alpine Outfitters GmbH', 'buchhaltung@alpine.example', NULL, 'EUR'),
	('C-4001', 'Gulf Marine Supply', 'ap@gulfmarine.example', NULL, 'KWD');

-- number, customer, kind, status, currency, issued (days ago), due (days from issue), memo
CREATE TEMPORARY TABLE demo_invoice (number text, cref text, kind text,
	status text, currency char(3), issued int, terms int, memo text)
	ON COMMIT DROP;
INSERT INTO demo_invoice VALUES
	('INV-1001', 'C-1001', 'invoice', 'posted', 'USD', 62, 30, 'Thank you for your business.'),
	('INV-1002', 'C-1001', 'invoice', 'posted', 'USD', 41, 30, ''),
	('INV-1003', 'C-1001', 'invoice', 'posted', 'USD', 9, 30, ''),
	('INV-1004', 'C-1001', 'invoice', 'posted', 'USD', 20, 30, 'Paid in full.'),
	('INV-1005', 'C-1001', 'invoice', 'draft', 'USD', 1, 30, ''),
	('INV-1006', 'C-1001', 'invoice', 'cancelled', 'USD', 15, 30, ''),
	('INV-1007', 'C-1001', 'invoice', 'posted', 'USD', 3, 45, ''),
	('CN-1001', 'C-1001', 'credit_note', 'posted', 'USD', 12, 0, 'Returned: 2 x paint roller kit.'),
	('INV-2001', 'C-2001', 'invoice', 'posted', 'JPY', 14, 30, ''),
	('INV-2002', 'C-2001', 'invoice', 'posted', 'JPY', 50, 30, ''),
	('INV-3001', 'C-3001', 'invoice', 'posted', 'EUR', 5, 14, ''),
	('INV-3002', 'C-3001', 'invoice', 'posted', 'EUR', 35, 14, ''),
	('INV-4001', 'C-4001', 'invoice', 'posted', 'KWD', 7, 30, '');

INSERT INTO invoices (number, customer_id, kind, status, currency,
	issue_date, due_date, subtotal, tax, total, memo)
SELECT d.number, c.id, d.kind, d.status, d.currency,
	current_date - d.issued, current_date - d.issued + d.terms, 0, 0, 0,
	d.memo
FROM demo_invoice d JOIN customers c ON c.external_ref = d.cref;

-- number, position, description, quantity (thousandths), unit price, tax (bp)
CREATE TEMPORARY TABLE demo_line (number text, pos int, description text,
	qty bigint, price bigint, tax_bp int) ON COMMIT DROP;
INSERT INTO demo_line VALUES
	('INV-1001', 1, 'Commercial espresso machine service', 1000, 45000, 825),
	('INV-1001', 2, 'Grinder burr set, 83 mm', 2000, 32500, 825),
	('INV-1001', 3, 'Technician labour (hours)', 1500, 4000, 0),
	('INV-1002', 1, 'Stainless shelving unit, 48 in', 3000, 18990, 825),
	('INV-1002', 2, 'Delivery and assembly', 1000, 25000, 0),
	('INV-1003', 1, 'LED shop light, 4 ft', 12000, 2499, 825),
	('INV-1003', 2, 'Extension cord, 50 ft', 4000, 3175, 825),
	('INV-1004', 1, 'Mop bucket with wringer', 1000, 8312, 825),
	('INV-1005', 1, 'Door hinges (draft order)', 10000, 450, 825),
	('INV-1006', 1, 'Cancelled order: ladder', 1000, 21900, 825),
	('INV-1007', 1, 'Floor drain cleaning', 1000, 17500, 0),
	('INV-1007', 2, 'Drain cover, cast iron', 2000, 4625, 825),
	('CN-1001', 1, 'Return: paint roller kit', 2000, 2309, 825),
	('INV-2001', 1, '業務用棚 (shelving), 5 units', 5000, 22000, 1000),
	('INV-2001', 2, 'Installation', 1000, 18000, 1000),
	('INV-2002', 1, 'Hand tools set', 3000, 16500, 1000),
	('INV-3001', 1, 'Climbing rope, 60 m', 4000, 18950, 1900),
	('INV-3002', 1, 'Carabiner set', 10000, 1290, 1900),
	('INV-4001', 1, 'Marine rope, 100 m', 2000, 37500, 0);

INSERT INTO invoice_lines (invoice_id, position, description,
	quantity_milli, unit_price, tax_rate_bp, amount, tax)
SELECT i.id, l.pos, l.description, l.qty, l.price, l.tax_bp,
	(l.qty * l.price + 500) / 1000,
	((l.qty * l.price + 500) / 1000 * l.tax_bp + 5000) / 10000
FROM demo_line l JOIN invoices i ON i.number = l.number;

UPDATE invoices i SET subtotal = s.sub, tax = s.tax, total = s.sub + s.tax
FROM (SELECT invoice_id, sum(amount) AS sub, sum(tax) AS tax
	FROM invoice_lines GROUP BY invoice_id) s
WHERE s.invoice_id = i.id;

-- Earlier payments: one paid in full, some partly, part of the credit used.
UPDATE invoices SET paid = total WHERE number = 'INV-1004';
UPDATE invoices SET paid = 30000 WHERE number = 'INV-1002';
UPDATE invoices SET paid = 5000 WHERE number = 'INV-1007';
UPDATE invoices SET paid = 20000 WHERE number = 'INV-2002';
UPDATE invoices SET paid = 1000 WHERE number = 'CN-1001';

COMMIT;
