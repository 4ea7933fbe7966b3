-- payportal schema, part 1: the business, customers, invoices, pay links and
-- their append-only activity log. Money is bigint minor units of the row's
-- ISO 4217 currency; the database enforces what must never break.

CREATE TABLE business (
	id		integer PRIMARY KEY DEFAULT 1 CHECK (id = 1),
	name		text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
	address		text NOT NULL DEFAULT '',
	email		text NOT NULL DEFAULT '',
	phone		text NOT NULL DEFAULT '',
	timezone	text NOT NULL DEFAULT 'UTC'
);
INSERT INTO business (name) VALUES ('payportal');

CREATE TABLE customers (
	id		bigserial PRIMARY KEY,
	external_ref	text NOT NULL UNIQUE CHECK (length(external_ref) BETWEEN 1 AND 64),
	name		text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
	email		text,
	phone		text,
	currency	char(3) NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
	created_at	timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE invoices (
	id		bigserial PRIMARY KEY,
	number		text NOT NULL UNIQUE
			CHECK (number ~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$'),
	customer_id	bigint NOT NULL REFERENCES customers (id),
	kind		text NOT NULL DEFAULT 'invoice'
			CHECK (kind IN ('invoice', 'credit_note')),
	status		text NOT NULL DEFAULT 'draft'
			CHECK (status IN ('draft', 'posted', 'cancelled')),
	currency	char(3) NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
	issue_date	date NOT NULL,
	due_date	date NOT NULL CHECK (due_date >= issue_date),
	subtotal	bigint NOT NULL CHECK (subtotal >= 0),
	tax		bigint NOT NULL DEFAULT 0 CHECK (tax >= 0),
	total		bigint NOT NULL CHECK (total >= 0),
	-- For an invoice: paid so far. For a credit note: credit used so far.
	paid		bigint NOT NULL DEFAULT 0,
	memo		text NOT NULL DEFAULT '',
	created_at	timestamptz NOT NULL DEFAULT now(),
	CHECK (total = subtotal + tax),
	CHECK (paid >= 0 AND paid <= total),
	-- 10^15 minor units: sums over many invoices cannot overflow bigint.
	CHECK (total <= 1000000000000000),
	UNIQUE (id, customer_id)
);
CREATE INDEX invoices_open ON invoices (customer_id, due_date)
	WHERE status = 'posted' AND paid < total;

CREATE TABLE invoice_lines (
	invoice_id	bigint NOT NULL REFERENCES invoices (id),
	position	integer NOT NULL CHECK (position > 0),
	description	text NOT NULL CHECK (length(description) BETWEEN 1 AND 500),
	-- Quantity in thousandths, so 1.5 hours is 1500; no floating point.
	quantity_milli	bigint NOT NULL CHECK (quantity_milli > 0),
	unit_price	bigint NOT NULL CHECK (unit_price >= 0),
	tax_rate_bp	integer NOT NULL DEFAULT 0 CHECK (tax_rate_bp BETWEEN 0 AND 10000),
	amount		bigint NOT NULL CHECK (amount >= 0),
	tax		bigint NOT NULL DEFAULT 0 CHECK (tax >= 0),
	PRIMARY KEY (invoice_id, position)
);

CREATE TABLE pay_links (
	id		uuid PRIMARY KEY,
	customer_id	bigint NOT NULL REFERENCES customers (id),
	scope		text NOT NULL CHECK (scope IN ('customer', 'invoices')),
	fixed_amount	bigint CHECK (fixed_amount > 0 AND
			    fixed_amount <= 1000000000000000),
	allow_partial	boolean NOT NULL DEFAULT true,
	key_id		text NOT NULL,
	expires_at	timestamptz NOT NULL,
	revoked_at	timestamptz,
	created_at	timestamptz NOT NULL DEFAULT now(),
	created_by	text NOT NULL,
	CHECK (expires_at > created_at),
	-- A fixed amount is only meaningful for a chosen set of invoices.
	CHECK (fixed_amount IS NULL OR scope = 'invoices'),
	UNIQUE (id, customer_id)
);
CREATE INDEX pay_links_customer ON pay_links (customer_id, created_at);

-- The invoices of a link with scope 'invoices'. The composite keys make it
-- impossible to list another customer's invoice on a link.
CREATE TABLE pay_link_invoices (
	link_id		uuid NOT NULL,
	customer_id	bigint NOT NULL,
	invoice_id	bigint NOT NULL,
	PRIMARY KEY (link_id, invoice_id),
	FOREIGN KEY (link_id, customer_id) REFERENCES pay_links (id, customer_id),
	FOREIGN KEY (invoice_id, customer_id) REFERENCES invoices (id, customer_id)
);

CREATE TABLE link_events (
	id		bigserial PRIMARY KEY,
	link_id		uuid NOT NULL REFERENCES pay_links (id),
	kind		text NOT NULL CHECK (kind IN ('created', 'copied', 'sent',
			    'send_failed', 'viewed', 'payment_started',
			    'payment_made', 'payment_failed', 'revoked',
			    'expired')),
	at		timestamptz NOT NULL DEFAULT now(),
	actor		text,		-- staff member, or NULL for the customer
	client_addr	inet,
	user_agent	text CHECK (length(user_agent) <= 512),
	detail		jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX link_events_link ON link_events (link_id, at);

-- The activity log is evidence: rows are added, never changed or removed.
CREATE FUNCTION link_events_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	RAISE EXCEPTION 'link_events is append-only (% refused)', TG_OP
	    USING ERRCODE = 'insufficient_privilege';
END;
$$;
-- Statement-level, so even an UPDATE or DELETE that matches no row fails.
CREATE TRIGGER link_events_append_only
	BEFORE UPDATE OR DELETE OR TRUNCATE ON link_events
	FOR EACH STATEMENT EXECUTE FUNCTION link_events_append_only();
