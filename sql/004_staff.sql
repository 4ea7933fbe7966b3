-- payportal schema, part 4: the back office. Staff accounts, sessions and
-- sign-in lockout; the pages staff and admins use, each one function that
-- checks the session and answers a JSON document the C side renders:
--
--	{"status": 200, "template": "staff_customers", "data": {...}}
--	{"status": 303, "location": "/staff/..."}
--	{"status": 401}  no session: sign in	{"status": 403}  not allowed
--
-- Money in "data" is {"minor": n, "currency": "USD"} and a pay link to show
-- is {"pay_link": uuid, "expires": unix seconds, "key": kid}: the C side
-- formats the one and signs the other, so neither lives in two languages.

CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE TABLE staff (
	id		bigserial PRIMARY KEY,
	email		text NOT NULL UNIQUE CHECK (email = lower(email)
			    AND length(email) <= 254
			    AND email ~ '^[^@[:space:]]+@[^@[:space:]]+\.[^@[:space:]]+$'),
	name		text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
	role		text NOT NULL CHECK (role IN ('staff', 'admin')),
	password_hash	text NOT NULL CHECK (password_hash LIKE '$argon2id$%'),
	disabled_at	timestamptz,
	created_at	timestamptz NOT NULL DEFAULT now()
);

-- Who changed which account, and how: evidence, so append-only.
CREATE TABLE staff_changes (
	id		bigserial PRIMARY KEY,
	at		timestamptz NOT NULL DEFAULT now(),
	actor_id	bigint REFERENCES staff (id),	-- NULL: the command line
	staff_id	bigint NOT NULL REFERENCES staff (id),
	action		text NOT NULL CHECK (action IN ('created', 'role_changed',
			    'disabled', 'enabled', 'password_set')),
	detail		jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX staff_changes_staff ON staff_changes (staff_id, at);
CREATE TRIGGER staff_changes_append_only
	BEFORE UPDATE OR DELETE OR TRUNCATE ON staff_changes
	FOR EACH STATEMENT EXECUTE FUNCTION link_events_append_only();

-- Failed sign-ins by the address typed, whether or not it is an account,
-- so a lockout says nothing about which addresses exist.
CREATE TABLE signin_failures (
	email		text PRIMARY KEY CHECK (length(email) <= 254),
	failures	integer NOT NULL CHECK (failures > 0),
	first_at	timestamptz NOT NULL,
	locked_until	timestamptz
);

-- The cookie holds a random id; the table only its SHA-256, so a copy of
-- the database opens no session.
CREATE TABLE staff_sessions (
	id_hash		bytea PRIMARY KEY CHECK (length(id_hash) = 32),
	staff_id	bigint NOT NULL REFERENCES staff (id),
	csrf		text NOT NULL CHECK (length(csrf) >= 32),
	created_at	timestamptz NOT NULL DEFAULT now(),
	last_seen	timestamptz NOT NULL DEFAULT now(),
	client_addr	inet,
	user_agent	text CHECK (length(user_agent) <= 512)
);
CREATE INDEX staff_sessions_staff ON staff_sessions (staff_id);

-- Activity by customer and by staff member, newest first, without a join:
-- the admin view filters a million events through these indexes.
ALTER TABLE link_events ADD COLUMN customer_id bigint REFERENCES customers (id);
ALTER TABLE link_events ADD COLUMN staff_id bigint REFERENCES staff (id);
CREATE FUNCTION link_events_customer() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	SELECT customer_id INTO NEW.customer_id FROM pay_links
	WHERE id = NEW.link_id;
	RETURN NEW;
END;
$$;
CREATE TRIGGER link_events_customer BEFORE INSERT ON link_events
	FOR EACH ROW EXECUTE FUNCTION link_events_customer();
CREATE INDEX link_events_at ON link_events (at, id);
CREATE INDEX link_events_by_customer ON link_events (customer_id, at, id);
CREATE INDEX link_events_by_kind ON link_events (kind, at, id);
CREATE INDEX link_events_by_staff ON link_events (staff_id, at, id)
	WHERE staff_id IS NOT NULL;

-- Customer search: any part of the name, email, phone digits or reference,
-- kept lower-cased in a column of its own so a trigram index finds it.
ALTER TABLE customers ADD COLUMN search text GENERATED ALWAYS AS (
	lower(name || ' ' || coalesce(email, '') || ' ' ||
	coalesce(regexp_replace(phone, '[^0-9+]', '', 'g'), '') || ' ' ||
	external_ref)) STORED;
CREATE INDEX customers_search ON customers USING gin (search gin_trgm_ops);
CREATE INDEX customers_name ON customers (lower(name), id);

-- Whether printed invoices carry the pay link as a QR code.
ALTER TABLE business ADD COLUMN invoice_qr boolean NOT NULL DEFAULT false;

-- Messages staff send with a link; {{placeholders}} are filled at delivery.
CREATE TABLE message_templates (
	channel		text PRIMARY KEY CHECK (channel IN ('email', 'sms')),
	subject		text NOT NULL DEFAULT '' CHECK (length(subject) <= 200),
	body		text NOT NULL CHECK (length(body) BETWEEN 1 AND 4000)
);
INSERT INTO message_templates (channel, subject, body) VALUES
	('email', 'Your invoices from {{business}}',
	 E'Hello {{customer}},\n\nYou can review and pay your open invoices '
	 'from {{business}} here:\n\n{{link}}\n\nThe link is private to you '
	 'and works until {{expires}}.\n\nThank you,\n{{business}}'),
	('sms', '', '{{business}}: review and pay your invoices at {{link}}');

-- Pay links sent by email or text message, delivered by the outbox.
ALTER TABLE outbox DROP CONSTRAINT outbox_kind_check;
ALTER TABLE outbox ADD CONSTRAINT outbox_kind_check
	CHECK (kind IN ('receipt_email', 'link_email', 'link_sms'));
ALTER TABLE outbox ADD COLUMN link_id uuid REFERENCES pay_links (id);
ALTER TABLE outbox ADD COLUMN staff_id bigint REFERENCES staff (id);
ALTER TABLE outbox ADD COLUMN subject text;
ALTER TABLE outbox ADD COLUMN body text;
ALTER TABLE outbox ADD CONSTRAINT outbox_link_check
	CHECK (kind = 'receipt_email' OR (link_id IS NOT NULL
	    AND recipient IS NOT NULL AND body IS NOT NULL));

-- Money as the C side formats it.
CREATE FUNCTION staff_money(p_minor bigint, p_currency char(3))
RETURNS jsonb
LANGUAGE sql IMMUTABLE AS $$
	SELECT jsonb_build_object('minor', p_minor, 'currency', p_currency);
$$;

CREATE FUNCTION staff_time(p_at timestamptz) RETURNS text
LANGUAGE sql STABLE AS $$
	SELECT to_char(p_at AT TIME ZONE (SELECT timezone FROM business),
	    'YYYY-MM-DD HH24:MI');
$$;

-- A link's state as staff see it.
CREATE FUNCTION staff_link_state(l pay_links) RETURNS text
LANGUAGE sql STABLE AS $$
	SELECT CASE WHEN l.revoked_at IS NOT NULL THEN 'revoked'
	    WHEN l.expires_at <= now() THEN 'expired' ELSE 'active' END;
$$;

-- "Bad input" answers: the form again, values kept, errors by field.
CREATE FUNCTION staff_invalid(p_template text, p_data jsonb, p_errors jsonb)
RETURNS jsonb
LANGUAGE sql IMMUTABLE AS $$
	SELECT jsonb_build_object('status', 422, 'template', p_template,
	    'data', p_data || jsonb_build_object('errors', p_errors,
	    'has_errors', true));
$$;

-- Sign-in, step one: what the C side needs to check a password (it runs
-- argon2id outside the event loop). No row: unknown or disabled address;
-- the C side still hashes, so the answer takes as long either way.
CREATE FUNCTION staff_signin_lookup(p_email text)
RETURNS TABLE (o_staff bigint, o_hash text, o_locked boolean)
LANGUAGE sql STABLE AS $$
	SELECT s.id, s.password_hash, coalesce(f.locked_until > now(), false)
	FROM (SELECT lower(p_email) AS email) e
	LEFT JOIN staff s ON s.email = e.email AND s.disabled_at IS NULL
	LEFT JOIN signin_failures f ON f.email = e.email;
$$;

-- Sign-in, step two: the password's verdict. On success a new session
-- (any session id the browser had is not reused); on failure one more
-- strike, and the lock after p_max of them in p_window.
CREATE FUNCTION staff_signin_finish(p_email text, p_staff bigint,
    p_ok boolean, p_sid text, p_csrf text, p_addr inet, p_agent text,
    p_max integer, p_window interval, p_lock interval, p_idle interval,
    p_absolute interval)
RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
	f	signin_failures%ROWTYPE;
	em	text := lower(left(p_email, 254));
BEGIN
	SELECT * INTO f FROM signin_failures WHERE email = em FOR UPDATE;
	IF FOUND AND f.locked_until > now() THEN
		RETURN 'locked';
	END IF;
	IF p_ok AND p_staff IS NOT NULL AND EXISTS (SELECT 1 FROM staff
	    WHERE id = p_staff AND email = em AND disabled_at IS NULL) THEN
		DELETE FROM signin_failures WHERE email = em;
		DELETE FROM staff_sessions WHERE last_seen < now() - p_idle
		    OR created_at < now() - p_absolute;
		INSERT INTO staff_sessions (id_hash, staff_id, csrf,
		    client_addr, user_agent)
		VALUES (sha256(convert_to(p_sid, 'UTF8')), p_staff, p_csrf,
		    p_addr, left(p_agent, 512));
		RETURN 'ok';
	END IF;
	IF NOT FOUND OR f.first_at < now() - p_window THEN
		INSERT INTO signin_failures (email, failures, first_at)
		VALUES (em, 1, now())
		ON CONFLICT (email) DO UPDATE SET failures = 1,
		    first_at = now(), locked_until = NULL;
		f.failures := 1;
	ELSE
		UPDATE signin_failures SET failures = failures + 1
		WHERE email = em RETURNING * INTO f;
	END IF;
	IF f.failures >= p_max THEN
		UPDATE signin_failures SET locked_until = now() + p_lock
		WHERE email = em;
		RETURN 'locked';
	END IF;
	RETURN 'wrong';
END;
$$;

-- Creates or changes an account from the command line (no actor).
CREATE FUNCTION staff_cli_set(p_email text, p_name text, p_role text,
    p_hash text, p_create boolean)
RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
	sid	bigint;
BEGIN
	SELECT id INTO sid FROM staff WHERE email = lower(p_email) FOR UPDATE;
	IF p_create THEN
		IF FOUND THEN
			RETURN 'exists';
		END IF;
		INSERT INTO staff (email, name, role, password_hash)
		VALUES (lower(p_email), p_name, p_role, p_hash)
		RETURNING id INTO sid;
		INSERT INTO staff_changes (staff_id, action, detail)
		VALUES (sid, 'created', jsonb_build_object('role', p_role,
		    'via', 'command line'));
		RETURN 'created';
	END IF;
	IF NOT FOUND THEN
		RETURN 'unknown';
	END IF;
	UPDATE staff SET password_hash = p_hash WHERE id = sid;
	-- A new password ends every session of the account.
	DELETE FROM staff_sessions WHERE staff_id = sid;
	DELETE FROM signin_failures WHERE email = lower(p_email);
	INSERT INTO staff_changes (staff_id, action, detail)
	VALUES (sid, 'password_set', '{"via": "command line"}');
	RETURN 'updated';
END;
$$;

-- The staff member's own header on every page.
CREATE FUNCTION staff_me(p_id bigint, p_csrf text) RETURNS jsonb
LANGUAGE sql STABLE AS $$
	SELECT jsonb_build_object('name', s.name, 'email', s.email,
	    'role', s.role, 'admin', s.role = 'admin', 'csrf', p_csrf,
	    'business', (SELECT name FROM business))
	FROM staff s WHERE s.id = p_id;
$$;

-- One row of a link list or link page.
CREATE FUNCTION staff_link_json(l pay_links) RETURNS jsonb
LANGUAGE sql STABLE AS $$
	SELECT jsonb_build_object('id', l.id, 'state', staff_link_state(l),
	    'active', staff_link_state(l) = 'active',
	    'scope', CASE l.scope WHEN 'customer' THEN 'All open invoices'
	        ELSE (SELECT string_agg(i.number, ', ' ORDER BY i.number)
	        FROM pay_link_invoices pli JOIN invoices i
	        ON i.id = pli.invoice_id WHERE pli.link_id = l.id) END,
	    'fixed', CASE WHEN l.fixed_amount IS NOT NULL THEN
	        staff_money(l.fixed_amount, (SELECT currency FROM customers
	        WHERE id = l.customer_id)) END,
	    'created', staff_time(l.created_at),
	    'created_by', l.created_by,
	    'expires', staff_time(l.expires_at),
	    'revoked', staff_time(l.revoked_at),
	    'last_activity', (SELECT staff_time(max(e.at)) FROM link_events e
	        WHERE e.link_id = l.id),
	    'url', CASE WHEN staff_link_state(l) = 'active' THEN
	        jsonb_build_object('pay_link', l.id, 'key', l.key_id,
	        'expires', extract(epoch FROM l.expires_at)::bigint) END);
$$;

-- Customers, searched and paginated, 25 a page.
CREATE FUNCTION staff_customers(p jsonb) RETURNS jsonb
LANGUAGE plpgsql STABLE AS $$
DECLARE
	q	text := btrim(coalesce(p->>'q', ''));
	pg	integer := 1;
	pat	text;
	ids	bigint[];
	rows	jsonb;
	n	integer;
BEGIN
	IF length(q) > 100 THEN
		RETURN staff_invalid('staff_customers', jsonb_build_object('q',
		    q, 'customers', '[]'::jsonb), jsonb_build_array(
		    jsonb_build_object('field', 'q', 'message',
		    'Search is longer than 100 characters.')));
	END IF;
	IF p->>'page' ~ '^[0-9]{1,4}$' AND (p->>'page')::integer > 0 THEN
		pg := (p->>'page')::integer;
	END IF;
	pat := '%' || replace(replace(replace(lower(q), '\', '\\'), '%', '\%'),
	    '_', '\_') || '%';
	-- Three or more characters: the trigram index finds the matches,
	-- then they are sorted; fewer, or none: the name index, in order.
	IF length(q) >= 3 THEN
		SELECT array_agg(id ORDER BY o) INTO ids FROM (SELECT m.id,
		    row_number() OVER (ORDER BY lower(m.name), m.id) AS o
		    FROM (SELECT id, name FROM customers WHERE search LIKE pat
		    OFFSET 0) m ORDER BY lower(m.name), m.id
		    LIMIT 26 OFFSET (pg - 1) * 25) x;
	ELSE
		SELECT array_agg(id ORDER BY o) INTO ids FROM (SELECT c.id,
		    row_number() OVER (ORDER BY lower(c.name), c.id) AS o
		    FROM customers c WHERE q = '' OR c.search LIKE pat
		    ORDER BY lower(c.name), c.id
		    LIMIT 26 OFFSET (pg - 1) * 25) x;
	END IF;
	n := coalesce(cardinality(ids), 0);
	SELECT jsonb_agg(jsonb_build_object('id', c.id, 'name', c.name,
	    'ref', c.external_ref, 'email', c.email, 'phone', c.phone,
	    'currency', c.currency,
	    'open', (SELECT count(*) FROM invoices i WHERE i.customer_id = c.id
	        AND i.status = 'posted' AND i.paid < i.total
	        AND i.kind = 'invoice')) ORDER BY u.o)
	INTO rows
	FROM unnest(ids[1:25]) WITH ORDINALITY AS u(id, o)
	JOIN customers c ON c.id = u.id;
	RETURN jsonb_build_object('status', 200, 'template', 'staff_customers',
	    'data', jsonb_build_object('q', q, 'page', pg,
	    'customers', coalesce(rows, '[]'),
	    'none', n = 0,
	    'prev', CASE WHEN pg > 1 THEN pg - 1 END,
	    'next', CASE WHEN n > 25 THEN pg + 1 END));
END;
$$;

-- A customer's Financial tab.
CREATE FUNCTION staff_customer(p_id bigint) RETURNS jsonb
LANGUAGE plpgsql STABLE AS $$
DECLARE
	c	customers%ROWTYPE;
BEGIN
	SELECT * INTO c FROM customers WHERE id = p_id;
	IF NOT FOUND THEN
		RETURN '{"status": 404}';
	END IF;
	RETURN jsonb_build_object('status', 200, 'template', 'staff_customer',
	    'data', jsonb_build_object(
	    'customer', jsonb_build_object('id', c.id, 'name', c.name,
	        'ref', c.external_ref, 'email', c.email, 'phone', c.phone,
	        'currency', c.currency),
	    'invoices', coalesce((SELECT jsonb_agg(jsonb_build_object(
	        'id', i.id, 'number', i.number,
	        'credit', i.kind = 'credit_note',
	        'issued', i.issue_date, 'due', i.due_date,
	        'overdue', i.kind = 'invoice' AND i.due_date < current_date,
	        'total', staff_money(i.total, i.currency),
	        'open', staff_money(i.total - i.paid, i.currency),
	        'open_plain', i.total - i.paid, 'currency', i.currency)
	        ORDER BY i.kind, i.due_date, i.number)
	        FROM invoices i WHERE i.customer_id = c.id
	        AND i.status = 'posted' AND i.paid < i.total), '[]'),
	    'totals', coalesce((SELECT jsonb_agg(jsonb_build_object(
	        'amount', staff_money(t.due::bigint, t.currency)) ORDER BY t.currency)
	        FROM (SELECT i.currency, sum(CASE i.kind WHEN 'invoice'
	        THEN i.total - i.paid ELSE i.paid - i.total END) AS due
	        FROM invoices i WHERE i.customer_id = c.id
	        AND i.status = 'posted' AND i.paid < i.total
	        GROUP BY i.currency) t), '[]'),
	    'receipts', coalesce((SELECT jsonb_agg(jsonb_build_object(
	        'number', r.number, 'at', staff_time(r.created_at),
	        'total', staff_money(r.total, r.currency),
	        'fee', staff_money(r.fee, r.currency),
	        'method', CASE r.method WHEN 'card' THEN
	            coalesce(initcap(r.card_brand), 'Card') ||
	            coalesce(' ···· ' || r.card_last4, '')
	            ELSE 'Bank account' END,
	        'invoices', (SELECT string_agg(i.number, ', ' ORDER BY i.number)
	            FROM receipt_allocations ra JOIN invoices i
	            ON i.id = ra.invoice_id WHERE ra.receipt_id = r.id))
	        ORDER BY r.created_at DESC) FROM (SELECT * FROM receipts
	        WHERE customer_id = c.id ORDER BY created_at DESC LIMIT 10) r),
	        '[]'),
	    'attempts', coalesce((SELECT jsonb_agg(jsonb_build_object(
	        'at', staff_time(a.created_at), 'state', a.state,
	        'failed', a.state = 'failed', 'pending', a.state = 'pending',
	        'total', staff_money(a.total, a.currency),
	        'method', CASE a.method WHEN 'card' THEN 'Card'
	            ELSE 'Bank account' END,
	        'reason', a.failure_message) ORDER BY a.created_at DESC)
	        FROM (SELECT * FROM payment_attempts WHERE customer_id = c.id
	        ORDER BY created_at DESC LIMIT 10) a), '[]'),
	    'links', coalesce((SELECT jsonb_agg(staff_link_json(l)
	        ORDER BY l.created_at DESC) FROM (SELECT * FROM pay_links
	        WHERE customer_id = c.id ORDER BY created_at DESC LIMIT 20) l),
	        '[]')));
END;
$$;

-- Inserts a link and its "created" event; returns its id.
CREATE FUNCTION staff_link_create(p_customer bigint, p_invoice bigint,
    p_fixed bigint, p_key text, p_days integer, p_staff bigint)
RETURNS uuid
LANGUAGE plpgsql AS $$
DECLARE
	lid	uuid := gen_random_uuid();
	who	text;
BEGIN
	SELECT name INTO who FROM staff WHERE id = p_staff;
	INSERT INTO pay_links (id, customer_id, scope, fixed_amount, key_id,
	    expires_at, created_by)
	VALUES (lid, p_customer, CASE WHEN p_invoice IS NULL THEN 'customer'
	    ELSE 'invoices' END, p_fixed, p_key,
	    date_trunc('second', now()) + make_interval(days => p_days), who);
	IF p_invoice IS NOT NULL THEN
		INSERT INTO pay_link_invoices (link_id, customer_id, invoice_id)
		VALUES (lid, p_customer, p_invoice);
	END IF;
	INSERT INTO link_events (link_id, kind, actor, staff_id, detail)
	VALUES (lid, 'created', who, p_staff, jsonb_build_object('scope',
	    CASE WHEN p_invoice IS NULL THEN 'customer' ELSE 'invoice' END));
	RETURN lid;
END;
$$;

-- Logs that a staff member copied a link; the link, for the clipboard.
CREATE FUNCTION staff_copied(p_staff bigint, p_link uuid) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
	l	pay_links%ROWTYPE;
BEGIN
	INSERT INTO link_events (link_id, kind, actor, staff_id)
	VALUES (p_link, 'copied', (SELECT name FROM staff WHERE id = p_staff),
	    p_staff);
	SELECT * INTO l FROM pay_links WHERE id = p_link;
	RETURN jsonb_build_object('status', 200, 'template', 'staff_copied',
	    'data', staff_link_json(l) || jsonb_build_object('customer',
	    (SELECT jsonb_build_object('id', id, 'name', name) FROM customers
	    WHERE id = l.customer_id)));
END;
$$;

-- "Copy Public Invoice Pay Link": the customer's active link (signed with
-- the active key and good for at least another day), or a new one; the
-- copy is logged either way.
CREATE FUNCTION staff_link_copy(p_staff bigint, p_customer bigint,
    p_link uuid, p_key text, p_days integer)
RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
	l	pay_links%ROWTYPE;
	lid	uuid;
BEGIN
	IF p_link IS NOT NULL THEN
		SELECT * INTO l FROM pay_links WHERE id = p_link;
		IF NOT FOUND THEN
			RETURN '{"status": 404}';
		END IF;
		IF staff_link_state(l) <> 'active' THEN
			RETURN jsonb_build_object('status', 409, 'message',
			    'This link is ' || staff_link_state(l) ||
			    '; issue a new one from the customer''s page.');
		END IF;
		lid := l.id;
	ELSE
		PERFORM 1 FROM customers WHERE id = p_customer FOR UPDATE;
		IF NOT FOUND THEN
			RETURN '{"status": 404}';
		END IF;
		SELECT id INTO lid FROM pay_links WHERE customer_id = p_customer
		    AND scope = 'customer' AND revoked_at IS NULL
		    AND key_id = p_key AND expires_at > now() + interval '1 day'
		ORDER BY created_at DESC LIMIT 1;
		IF NOT FOUND THEN
			lid := staff_link_create(p_customer, NULL, NULL, p_key,
			    p_days, p_staff);
		END IF;
	END IF;
	RETURN staff_copied(p_staff, lid);
END;
$$;

-- A link for one invoice, optionally for a set amount and a chosen expiry.
-- p carries "days" and what the C side made of "amount": amount_minor, or
-- amount_error naming what is wrong, and the currency it parsed for.
CREATE FUNCTION staff_invoice_link(p_staff bigint, p_invoice bigint,
    p jsonb, p_key text, p_days integer)
RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
	i	invoices%ROWTYPE;
	errs	jsonb := '[]';
	days	integer := p_days;
	fixed	bigint;
	lid	uuid;
BEGIN
	SELECT * INTO i FROM invoices WHERE id = p_invoice FOR SHARE;
	IF NOT FOUND THEN
		RETURN '{"status": 404}';
	END IF;
	IF i.kind <> 'invoice' OR i.status <> 'posted' OR i.paid >= i.total THEN
		errs := errs || jsonb_build_object('field', 'amount', 'message',
		    'Invoice ' || i.number || ' has nothing open to pay.');
	ELSIF p ? 'amount_error' THEN
		errs := errs || jsonb_build_object('field', 'amount', 'message',
		    'Amount ' || (p->>'amount_error') || '.');
	ELSIF p ? 'amount_minor' THEN
		IF p->>'amount_currency' IS DISTINCT FROM i.currency THEN
			errs := errs || jsonb_build_object('field', 'amount',
			    'message', 'Amount must be in ' || i.currency || '.');
		ELSE
			fixed := (p->>'amount_minor')::bigint;
			IF fixed <= 0 THEN
				errs := errs || jsonb_build_object('field',
				    'amount', 'message',
				    'Amount must be more than zero.');
			ELSIF fixed > i.total - i.paid THEN
				errs := errs || jsonb_build_object('field',
				    'amount', 'message', 'Amount is more than '
				    'the open balance of ' || i.number || '.');
			END IF;
		END IF;
	END IF;
	IF coalesce(p->>'days', '') <> '' THEN
		IF p->>'days' !~ '^[0-9]{1,3}$' OR (p->>'days')::integer
		    NOT BETWEEN 1 AND 365 THEN
			errs := errs || jsonb_build_object('field', 'days',
			    'message', 'Expires in must be 1 to 365 days.');
		ELSE
			days := (p->>'days')::integer;
		END IF;
	END IF;
	IF jsonb_array_length(errs) > 0 THEN
		RETURN staff_invalid('staff_invoice', staff_invoice_data(i.id) ||
		    jsonb_build_object('amount', p->>'amount', 'days',
		    p->>'days'), errs);
	END IF;
	lid := staff_link_create(i.customer_id, i.id, fixed, p_key, days,
	    p_staff);
	RETURN staff_copied(p_staff, lid);
END;
$$;

-- An invoice as staff see it, with its lines and the links that cover it.
CREATE FUNCTION staff_invoice_data(p_invoice bigint) RETURNS jsonb
LANGUAGE sql STABLE AS $$
	SELECT jsonb_build_object(
	    'invoice', jsonb_build_object('id', i.id, 'number', i.number,
	        'credit', i.kind = 'credit_note', 'status', i.status,
	        'payable', i.kind = 'invoice' AND i.status = 'posted'
	            AND i.paid < i.total,
	        'issued', i.issue_date, 'due', i.due_date, 'memo', i.memo,
	        'currency', i.currency,
	        'subtotal', staff_money(i.subtotal, i.currency),
	        'tax', staff_money(i.tax, i.currency),
	        'total', staff_money(i.total, i.currency),
	        'paid', staff_money(i.paid, i.currency),
	        'open', staff_money(i.total - i.paid, i.currency),
	        'lines', (SELECT jsonb_agg(jsonb_build_object(
	            'description', il.description,
	            'quantity', trim_scale(il.quantity_milli / 1000.0),
	            'unit_price', staff_money(il.unit_price, i.currency),
	            'amount', staff_money(il.amount, i.currency))
	            ORDER BY il.position) FROM invoice_lines il
	            WHERE il.invoice_id = i.id)),
	    'customer', jsonb_build_object('id', c.id, 'name', c.name,
	        'ref', c.external_ref, 'email', c.email),
	    'business', (SELECT jsonb_build_object('name', b.name,
	        'address', b.address, 'email', b.email, 'phone', b.phone,
	        'qr', b.invoice_qr) FROM business b),
	    'links', coalesce((SELECT jsonb_agg(staff_link_json(l)
	        ORDER BY l.created_at DESC) FROM pay_links l
	        WHERE l.customer_id = i.customer_id AND (l.scope = 'customer'
	        OR EXISTS (SELECT 1 FROM pay_link_invoices pli
	        WHERE pli.link_id = l.id AND pli.invoice_id = i.id))
	        AND l.revoked_at IS NULL AND l.expires_at > now()), '[]'))
	    -- The printed invoice's QR code: the newest link that covers it.
	    || coalesce((SELECT jsonb_build_object('qr', jsonb_build_object(
	        'qr_code', q.u), 'qr_url', q.u) FROM (SELECT staff_link_json(l)->'url'
	        AS u FROM pay_links l WHERE l.customer_id = i.customer_id
	        AND (l.scope = 'customer' OR EXISTS (SELECT 1
	        FROM pay_link_invoices pli WHERE pli.link_id = l.id
	        AND pli.invoice_id = i.id)) AND l.revoked_at IS NULL
	        AND l.expires_at > now() ORDER BY l.created_at DESC LIMIT 1) q
	        WHERE (SELECT invoice_qr FROM business)), '{}')
	FROM invoices i JOIN customers c ON c.id = i.customer_id
	WHERE i.id = p_invoice;
$$;

-- A link and its whole life, oldest first.
CREATE FUNCTION staff_link(p_link uuid) RETURNS jsonb
LANGUAGE plpgsql STABLE AS $$
DECLARE
	l	pay_links%ROWTYPE;
	c	customers%ROWTYPE;
BEGIN
	SELECT * INTO l FROM pay_links WHERE id = p_link;
	IF NOT FOUND THEN
		RETURN '{"status": 404}';
	END IF;
	SELECT * INTO c FROM customers WHERE id = l.customer_id;
	RETURN jsonb_build_object('status', 200, 'template', 'staff_link',
	    'data', jsonb_build_object('link', staff_link_json(l),
	    'customer', jsonb_build_object('id', c.id, 'name', c.name,
	        'email', c.email, 'phone', c.phone),
	    'events', coalesce((SELECT jsonb_agg(staff_event_json(e)
	        ORDER BY e.at, e.id) FROM link_events e
	        WHERE e.link_id = l.id), '[]')));
END;
$$;

-- One event as the activity views show it.
CREATE FUNCTION staff_event_json(e link_events) RETURNS jsonb
LANGUAGE sql STABLE AS $$
	SELECT jsonb_build_object('id', e.id, 'link', e.link_id,
	    'link_short', left(e.link_id::text, 8),
	    'kind', e.kind,
	    'label', CASE e.kind
	        WHEN 'created' THEN 'Created'
	        WHEN 'copied' THEN 'Copied'
	        WHEN 'sent' THEN 'Sent by ' || CASE e.detail->>'channel'
	            WHEN 'sms' THEN 'text message' ELSE 'email' END
	        WHEN 'send_failed' THEN 'Sending failed'
	        WHEN 'viewed' THEN 'Viewed'
	        WHEN 'payment_started' THEN 'Payment started'
	        WHEN 'payment_made' THEN 'Payment made'
	        WHEN 'payment_failed' THEN 'Payment failed'
	        WHEN 'revoked' THEN 'Revoked'
	        WHEN 'expired' THEN 'Expired' END,
	    'bad', e.kind IN ('payment_failed', 'send_failed', 'revoked'),
	    'good', e.kind = 'payment_made',
	    'at', staff_time(e.at),
	    'who', coalesce(e.actor, CASE WHEN e.kind IN ('viewed',
	        'payment_started', 'payment_made', 'payment_failed')
	        THEN 'Customer' ELSE 'System' END),
	    'customer_id', e.customer_id,
	    'customer', (SELECT name FROM customers WHERE id = e.customer_id),
	    'addr', host(e.client_addr), 'agent', e.user_agent,
	    'detail', concat_ws(' · ',
	        e.detail->>'receipt',
	        CASE WHEN e.detail ? 'amount' AND e.detail ? 'currency' THEN
	            NULL END,
	        e.detail->>'reason', e.detail->>'message',
	        e.detail->>'destination', e.detail->>'error'),
	    'amount', CASE WHEN e.detail ? 'amount' AND e.detail ? 'currency'
	        THEN staff_money((e.detail->>'amount')::bigint,
	        e.detail->>'currency') END);
$$;

CREATE FUNCTION staff_link_revoke(p_staff bigint, p_link uuid)
RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
	l	pay_links%ROWTYPE;
BEGIN
	SELECT * INTO l FROM pay_links WHERE id = p_link FOR UPDATE;
	IF NOT FOUND THEN
		RETURN '{"status": 404}';
	END IF;
	IF l.revoked_at IS NULL THEN
		UPDATE pay_links SET revoked_at = now() WHERE id = l.id;
		INSERT INTO link_events (link_id, kind, actor, staff_id)
		VALUES (l.id, 'revoked', (SELECT name FROM staff
		    WHERE id = p_staff), p_staff);
	END IF;
	RETURN jsonb_build_object('status', 303, 'location',
	    '/staff/links/' || l.id);
END;
$$;

-- Queues a link by email or text message. p carries "channel" and what
-- the C side made of "to": to_norm (checked and normalised) or to_error.
CREATE FUNCTION staff_link_send(p_staff bigint, p_link uuid, p jsonb)
RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
	l	pay_links%ROWTYPE;
	t	message_templates%ROWTYPE;
	ch	text := p->>'channel';
	errs	jsonb := '[]';
BEGIN
	SELECT * INTO l FROM pay_links WHERE id = p_link FOR UPDATE;
	IF NOT FOUND THEN
		RETURN '{"status": 404}';
	END IF;
	IF staff_link_state(l) <> 'active' THEN
		errs := errs || jsonb_build_object('field', 'to', 'message',
		    'This link is ' || staff_link_state(l) ||
		    ' and cannot be sent.');
	ELSIF ch IS NULL OR ch NOT IN ('email', 'sms') THEN
		errs := errs || jsonb_build_object('field', 'channel',
		    'message', 'Send by must be email or text message.');
	ELSIF p ? 'to_error' THEN
		errs := errs || jsonb_build_object('field', 'to', 'message',
		    CASE ch WHEN 'email' THEN 'Email ' ELSE 'Mobile number ' END
		    || (p->>'to_error') || '.');
	ELSIF NOT p ? 'to_norm' THEN
		errs := errs || jsonb_build_object('field', 'to', 'message',
		    CASE ch WHEN 'email' THEN 'Email' ELSE 'Mobile number' END
		    || ' is required.');
	END IF;
	IF jsonb_array_length(errs) > 0 THEN
		RETURN staff_invalid('staff_link', (staff_link(l.id)->'data') ||
		    jsonb_build_object('send', jsonb_build_object('channel', ch,
		    'to', p->>'to', 'sms', ch = 'sms')), errs);
	END IF;
	SELECT * INTO t FROM message_templates WHERE channel = ch;
	INSERT INTO outbox (kind, link_id, staff_id, recipient, subject, body)
	VALUES (CASE ch WHEN 'email' THEN 'link_email' ELSE 'link_sms' END,
	    l.id, p_staff, p->>'to_norm', t.subject, t.body);
	RETURN jsonb_build_object('status', 303, 'location',
	    '/staff/links/' || l.id || '?queued=' || ch);
END;
$$;

-- Every link's activity, filtered, newest first, 50 a page by keyset
-- ("before" is the last row's "at|id"), or up to 50,000 rows as CSV.
CREATE FUNCTION staff_activity(p jsonb, p_csv boolean) RETURNS jsonb
LANGUAGE plpgsql STABLE AS $$
DECLARE
	errs	jsonb := '[]';
	f_cust	bigint;
	f_kind	text := nullif(p->>'kind', '');
	f_staff	bigint;
	f_from	timestamptz;
	f_to	timestamptz;
	b_at	timestamptz;
	b_id	bigint;
	lim	integer := CASE WHEN p_csv THEN 50000 ELSE 51 END;
	tz	text := (SELECT timezone FROM business);
	rows	jsonb;
	n	integer;
BEGIN
	IF coalesce(p->>'customer', '') <> '' THEN
		SELECT id INTO f_cust FROM customers WHERE external_ref =
		    p->>'customer' OR (p->>'customer' ~ '^[0-9]{1,18}$'
		    AND id = (p->>'customer')::bigint) ORDER BY
		    external_ref = p->>'customer' DESC LIMIT 1;
		IF NOT FOUND THEN
			errs := errs || jsonb_build_object('field', 'customer',
			    'message', 'Customer ' || (p->>'customer') ||
			    ' is not a customer id or reference.');
		END IF;
	END IF;
	IF f_kind IS NOT NULL AND f_kind NOT IN ('created', 'copied', 'sent',
	    'send_failed', 'viewed', 'payment_started', 'payment_made',
	    'payment_failed', 'revoked', 'expired') THEN
		errs := errs || jsonb_build_object('field', 'kind', 'message',
		    'Event is not one of the listed kinds.');
	END IF;
	IF coalesce(p->>'staff', '') <> '' THEN
		IF p->>'staff' ~ '^[0-9]{1,18}$' THEN
			SELECT id INTO f_staff FROM staff
			WHERE id = (p->>'staff')::bigint;
		END IF;
		IF f_staff IS NULL THEN
			errs := errs || jsonb_build_object('field', 'staff',
			    'message', 'Staff member is not one of the listed.');
		END IF;
	END IF;
	IF coalesce(p->>'from', '') <> '' THEN
		IF p->>'from' ~ '^\d{4}-\d{2}-\d{2}$' AND
		    staff_valid_date(p->>'from') THEN
			f_from := ((p->>'from')::date)::timestamp AT TIME ZONE tz;
		ELSE
			errs := errs || jsonb_build_object('field', 'from',
			    'message', 'From must be a date like 2026-01-31.');
		END IF;
	END IF;
	IF coalesce(p->>'to', '') <> '' THEN
		IF p->>'to' ~ '^\d{4}-\d{2}-\d{2}$' AND
		    staff_valid_date(p->>'to') THEN
			f_to := ((p->>'to')::date + 1)::timestamp AT TIME ZONE tz;
		ELSE
			errs := errs || jsonb_build_object('field', 'to',
			    'message', 'To must be a date like 2026-01-31.');
		END IF;
	END IF;
	IF f_from IS NOT NULL AND f_to IS NOT NULL AND f_to <= f_from THEN
		errs := errs || jsonb_build_object('field', 'to', 'message',
		    'To must not be before From.');
	END IF;
	IF coalesce(p->>'before', '') <> '' THEN
		IF p->>'before' ~ '^[0-9]{1,16}\|[0-9]{1,18}$' THEN
			b_at := to_timestamp(split_part(p->>'before', '|', 1)
			    ::bigint / 1000000.0);
			b_id := split_part(p->>'before', '|', 2)::bigint;
		ELSE
			errs := errs || jsonb_build_object('field', 'before',
			    'message', 'The page cursor is not valid.');
		END IF;
	END IF;
	IF jsonb_array_length(errs) > 0 THEN
		RETURN staff_invalid('staff_activity', staff_activity_form(p) ||
		    jsonb_build_object('events', '[]'::jsonb), errs);
	END IF;

	SELECT jsonb_agg(staff_event_json(e) || jsonb_build_object('cursor',
	    (extract(epoch FROM e.at) * 1000000)::bigint || '|' || e.id)
	    ORDER BY e.at DESC, e.id DESC), count(*)
	INTO rows, n
	FROM (SELECT * FROM link_events e
	    WHERE (f_cust IS NULL OR e.customer_id = f_cust)
	    AND (f_kind IS NULL OR e.kind = f_kind)
	    AND (f_staff IS NULL OR e.staff_id = f_staff)
	    AND (f_from IS NULL OR e.at >= f_from)
	    AND (f_to IS NULL OR e.at < f_to)
	    AND (b_at IS NULL OR (e.at, e.id) < (b_at, b_id))
	    ORDER BY e.at DESC, e.id DESC LIMIT lim) e;
	rows := coalesce(rows, '[]');
	IF p_csv THEN
		RETURN jsonb_build_object('status', 200, 'csv', jsonb_build_object(
		    'filename', 'payportal-activity.csv',
		    'columns', jsonb_build_array('time', 'event', 'customer',
		        'link', 'who', 'client address', 'user agent', 'amount',
		        'detail'),
		    'fields', jsonb_build_array('at', 'label', 'customer', 'link',
		        'who', 'addr', 'agent', 'amount', 'detail'),
		    'rows', rows));
	END IF;
	RETURN jsonb_build_object('status', 200, 'template', 'staff_activity',
	    'data', staff_activity_form(p) || jsonb_build_object(
	    'events', (SELECT coalesce(jsonb_agg(x), '[]') FROM (SELECT x
	        FROM jsonb_array_elements(rows) x LIMIT 50) y),
	    'none', n = 0,
	    'next', CASE WHEN n > 50 THEN rows->49->>'cursor' END));
END;
$$;

CREATE FUNCTION staff_valid_date(p text) RETURNS boolean
LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
	PERFORM p::date;
	RETURN true;
EXCEPTION WHEN others THEN
	RETURN false;
END;
$$;

-- The filter form, values kept, with its choices.
CREATE FUNCTION staff_activity_form(p jsonb) RETURNS jsonb
LANGUAGE sql STABLE AS $$
	SELECT jsonb_build_object('customer', p->>'customer',
	    'from', p->>'from', 'to', p->>'to',
	    'kinds', (SELECT jsonb_agg(jsonb_build_object('value', k,
	        'label', initcap(replace(k, '_', ' ')),
	        'selected', k = p->>'kind') ORDER BY o)
	        FROM unnest(ARRAY['created', 'copied', 'sent', 'send_failed',
	        'viewed', 'payment_started', 'payment_made', 'payment_failed',
	        'revoked', 'expired']) WITH ORDINALITY AS u(k, o)),
	    'staff_members', (SELECT jsonb_agg(jsonb_build_object('id', s.id,
	        'name', s.name, 'selected', s.id::text = p->>'staff')
	        ORDER BY s.name) FROM staff s));
$$;

-- Admins: the team, and changes to it. An admin cannot lock themselves
-- out, and the last enabled admin stays one.
CREATE FUNCTION staff_team(p jsonb, p_errors jsonb) RETURNS jsonb
LANGUAGE sql STABLE AS $$
	SELECT jsonb_build_object('status', CASE WHEN p_errors IS NULL THEN 200
	    ELSE 422 END, 'template', 'staff_team', 'data', jsonb_build_object(
	    'members', (SELECT jsonb_agg(jsonb_build_object('id', s.id,
	        'name', s.name, 'email', s.email, 'role', s.role,
	        'admin', s.role = 'admin', 'disabled', s.disabled_at IS NOT NULL,
	        'created', staff_time(s.created_at),
	        'last_change', (SELECT staff_time(max(at)) FROM staff_changes
	            WHERE staff_id = s.id)) ORDER BY s.name) FROM staff s),
	    'changes', (SELECT coalesce(jsonb_agg(jsonb_build_object(
	        'at', staff_time(x.at), 'who', coalesce(a.name, 'command line'),
	        'staff', s.name, 'action', replace(x.action, '_', ' '),
	        'detail', x.detail->>'role') ORDER BY x.at DESC, x.id DESC), '[]')
	        FROM (SELECT * FROM staff_changes ORDER BY at DESC, id DESC
	        LIMIT 20) x JOIN staff s ON s.id = x.staff_id
	        LEFT JOIN staff a ON a.id = x.actor_id),
	    'new', jsonb_build_object('email', p->>'email', 'name', p->>'name',
	        'admin', p->>'role' = 'admin'),
	    'errors', p_errors, 'has_errors', p_errors IS NOT NULL));
$$;

-- Adds an account. p carries what the C side made of "password":
-- password_hash, or password_error naming what is wrong.
CREATE FUNCTION staff_team_add(p_actor bigint, p jsonb) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
	em	text := lower(btrim(coalesce(p->>'email', '')));
	nm	text := btrim(coalesce(p->>'name', ''));
	errs	jsonb := '[]';
	sid	bigint;
BEGIN
	IF em !~ '^[^@[:space:]]+@[^@[:space:]]+\.[^@[:space:]]+$'
	    OR length(em) > 254 THEN
		errs := errs || jsonb_build_object('field', 'email', 'message',
		    'Email must be an address like name@example.com.');
	ELSIF EXISTS (SELECT 1 FROM staff WHERE email = em) THEN
		errs := errs || jsonb_build_object('field', 'email', 'message',
		    'Email ' || em || ' already has an account.');
	END IF;
	IF length(nm) NOT BETWEEN 1 AND 200 THEN
		errs := errs || jsonb_build_object('field', 'name', 'message',
		    'Name is required (at most 200 characters).');
	END IF;
	IF coalesce(p->>'role', '') NOT IN ('staff', 'admin') THEN
		errs := errs || jsonb_build_object('field', 'role', 'message',
		    'Role must be staff or admin.');
	END IF;
	IF p ? 'password_error' THEN
		errs := errs || jsonb_build_object('field', 'password',
		    'message', 'Password ' || (p->>'password_error') || '.');
	ELSIF NOT p ? 'password_hash' THEN
		errs := errs || jsonb_build_object('field', 'password',
		    'message', 'Password is required.');
	END IF;
	IF jsonb_array_length(errs) > 0 THEN
		RETURN staff_team(p, errs);
	END IF;
	INSERT INTO staff (email, name, role, password_hash)
	VALUES (em, nm, p->>'role', p->>'password_hash') RETURNING id INTO sid;
	INSERT INTO staff_changes (actor_id, staff_id, action, detail)
	VALUES (p_actor, sid, 'created', jsonb_build_object('role',
	    p->>'role'));
	RETURN '{"status": 303, "location": "/staff/team"}';
END;
$$;

CREATE FUNCTION staff_team_change(p_actor bigint, p_staff bigint, p jsonb)
RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
	s	staff%ROWTYPE;
	act	text := p->>'action';
	err	text;
BEGIN
	-- One change at a time to the admins, so two cannot demote each other.
	PERFORM 1 FROM staff WHERE role = 'admin' FOR UPDATE;
	SELECT * INTO s FROM staff WHERE id = p_staff FOR UPDATE;
	IF NOT FOUND THEN
		RETURN '{"status": 404}';
	END IF;
	IF act NOT IN ('disable', 'enable', 'make_admin', 'make_staff') THEN
		err := 'Action must be disable, enable, make_admin or make_staff.';
	ELSIF s.id = p_actor AND act IN ('disable', 'make_staff') THEN
		err := 'You cannot disable your own account or remove your own '
		    'admin role.';
	ELSIF act IN ('disable', 'make_staff') AND s.role = 'admin' AND
	    s.disabled_at IS NULL AND (SELECT count(*) FROM staff
	    WHERE role = 'admin' AND disabled_at IS NULL) = 1 THEN
		err := 'The last admin must stay an enabled admin.';
	END IF;
	IF err IS NOT NULL THEN
		RETURN staff_team('{}', jsonb_build_array(jsonb_build_object(
		    'field', 'action', 'message', err)));
	END IF;
	IF act = 'disable' AND s.disabled_at IS NULL THEN
		UPDATE staff SET disabled_at = now() WHERE id = s.id;
		DELETE FROM staff_sessions WHERE staff_id = s.id;
		INSERT INTO staff_changes (actor_id, staff_id, action)
		VALUES (p_actor, s.id, 'disabled');
	ELSIF act = 'enable' AND s.disabled_at IS NOT NULL THEN
		UPDATE staff SET disabled_at = NULL WHERE id = s.id;
		INSERT INTO staff_changes (actor_id, staff_id, action)
		VALUES (p_actor, s.id, 'enabled');
	ELSIF act IN ('make_admin', 'make_staff') AND s.role <>
	    substr(act, 6) THEN
		UPDATE staff SET role = substr(act, 6) WHERE id = s.id;
		INSERT INTO staff_changes (actor_id, staff_id, action, detail)
		VALUES (p_actor, s.id, 'role_changed', jsonb_build_object('role',
		    substr(act, 6)));
	END IF;
	RETURN '{"status": 303, "location": "/staff/team"}';
END;
$$;

-- Every staff request: the session, its CSRF token for a POST, the route,
-- and the page's answer with the staff member's header added. p_key is
-- the key new links are signed with; p_days their default lifetime.
CREATE FUNCTION staff_request(p_sid text, p_method text, p_path text,
    p jsonb, p_idle interval, p_absolute interval, p_key text,
    p_days integer)
RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
	me	record;
	post	boolean := p_method = 'POST';
	m	text[];
	route	text;
	r	jsonb;
BEGIN
	SELECT s.id, s.role, x.csrf, x.id_hash, x.last_seen INTO me
	FROM staff_sessions x JOIN staff s ON s.id = x.staff_id
	WHERE x.id_hash = sha256(convert_to(coalesce(p_sid, ''), 'UTF8'))
	    AND x.last_seen > now() - p_idle
	    AND x.created_at > now() - p_absolute
	    AND s.disabled_at IS NULL;
	IF NOT FOUND THEN
		RETURN '{"status": 401}';
	END IF;
	IF me.last_seen < now() - interval '30 seconds' THEN
		UPDATE staff_sessions SET last_seen = now()
		WHERE id_hash = me.id_hash;
	END IF;
	-- Digests, so the comparison takes the same time wherever they differ.
	IF post AND sha256(convert_to(coalesce(p->>'csrf', ''), 'UTF8')) <>
	    sha256(convert_to(me.csrf, 'UTF8')) THEN
		RETURN '{"status": 403, "reason": "csrf"}';
	END IF;

	-- "/resource[/id[/action]]", the id checked before it is used.
	m := regexp_match(p_path, '^/([a-z]+)(?:/([^/]+))?(?:/([a-z]+))?/?$');
	IF p_path IN ('', '/') THEN
		RETURN '{"status": 303, "location": "/staff/customers"}';
	ELSIF m IS NULL OR (m[2] IS NOT NULL AND CASE m[1]
	    WHEN 'links' THEN m[2] !~ '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
	    WHEN 'settings' THEN m[2] NOT IN ('business', 'fees', 'templates',
	        'keys') OR m[3] IS NOT NULL
	    ELSE m[2] !~ '^[0-9]{1,18}$' END) THEN
		RETURN '{"status": 404}';
	END IF;
	route := m[1] || CASE WHEN m[2] IS NULL THEN ''
	    WHEN m[1] = 'settings' THEN '/' || m[2] ELSE '/:id' END ||
	    coalesce('/' || m[3], '');
	p_days := coalesce((SELECT link_days FROM business), p_days);
	IF route NOT IN ('signout', 'customers', 'customers/:id',
	    'customers/:id/copy', 'invoices/:id', 'invoices/:id/link',
	    'links/:id', 'links/:id/copy', 'links/:id/revoke',
	    'links/:id/send', 'activity', 'team', 'team/:id', 'settings',
	    'settings/business', 'settings/fees', 'settings/templates',
	    'settings/keys') THEN
		RETURN '{"status": 404}';
	END IF;
	IF (route IN ('activity', 'team', 'team/:id') OR route LIKE 'settings%')
	    AND me.role <> 'admin' THEN
		RETURN '{"status": 403}';
	END IF;
	IF post <> (route IN ('signout', 'customers/:id/copy',
	    'invoices/:id/link', 'links/:id/copy', 'links/:id/revoke',
	    'links/:id/send', 'team/:id') OR route LIKE 'settings/%' OR
	    (route = 'team' AND post)) THEN
		RETURN '{"status": 405}';
	END IF;

	CASE route
	WHEN 'signout' THEN
		DELETE FROM staff_sessions WHERE id_hash = me.id_hash;
		RETURN '{"status": 303, "location": "/staff/signin?out=1", '
		    '"clear_session": true}';
	WHEN 'customers' THEN
		r := staff_customers(p);
	WHEN 'customers/:id' THEN
		r := staff_customer(m[2]::bigint);
	WHEN 'customers/:id/copy' THEN
		r := staff_link_copy(me.id, m[2]::bigint, NULL, p_key, p_days);
	WHEN 'invoices/:id' THEN
		r := jsonb_build_object('status', 200, 'template',
		    'staff_invoice', 'data', staff_invoice_data(m[2]::bigint));
		IF jsonb_typeof(r->'data') IS DISTINCT FROM 'object' THEN
			r := '{"status": 404}';
		END IF;
	WHEN 'invoices/:id/link' THEN
		r := staff_invoice_link(me.id, m[2]::bigint, p, p_key, p_days);
	WHEN 'links/:id' THEN
		r := staff_link(m[2]::uuid);
		IF r->>'status' = '200' AND p->>'queued' IN ('email', 'sms') THEN
			r := jsonb_set(r, '{data,queued}', to_jsonb(CASE
			    p->>'queued' WHEN 'sms' THEN 'text message'
			    ELSE 'email' END));
		END IF;
	WHEN 'links/:id/copy' THEN
		r := staff_link_copy(me.id, NULL, m[2]::uuid, p_key, p_days);
	WHEN 'links/:id/revoke' THEN
		r := staff_link_revoke(me.id, m[2]::uuid);
	WHEN 'links/:id/send' THEN
		r := staff_link_send(me.id, m[2]::uuid, p);
	WHEN 'activity' THEN
		r := staff_activity(p, p->>'format' = 'csv');
	WHEN 'team' THEN
		r := CASE WHEN post THEN staff_team_add(me.id, p)
		    ELSE staff_team('{}', NULL) END;
	WHEN 'team/:id' THEN
		r := staff_team_change(me.id, m[2]::bigint, p);
	WHEN 'settings' THEN
		r := staff_settings('{}', NULL, NULL);
		IF p->>'saved' IN ('business', 'fees', 'templates', 'keys') THEN
			r := jsonb_set(r, '{data,saved}', to_jsonb(true));
		END IF;
	WHEN 'settings/business' THEN
		r := staff_settings_business(me.id, p);
	WHEN 'settings/fees' THEN
		r := staff_settings_fee(me.id, p);
	WHEN 'settings/templates' THEN
		r := staff_settings_template(me.id, p);
	WHEN 'settings/keys' THEN
		r := staff_settings_key(me.id, p);
	END CASE;
	IF r ? 'template' THEN
		r := jsonb_set(r, '{data,me}', staff_me(me.id, me.csrf));
	END IF;
	RETURN r;
END;
$$;

-- Link messages are given up after a number of tries or a permanent
-- refusal; receipts never are.
ALTER TABLE outbox ADD COLUMN gave_up_at timestamptz;
DROP INDEX outbox_due;
CREATE INDEX outbox_due ON outbox (next_at)
	WHERE sent_at IS NULL AND gave_up_at IS NULL;

CREATE OR REPLACE FUNCTION outbox_claim(p_limit integer)
RETURNS TABLE (o_id bigint, o_kind text, o_recipient text, o_tries integer,
    o_receipt bigint)
LANGUAGE sql AS $$
	UPDATE outbox o SET claimed_until = now() + interval '1 minute',
	    tries = o.tries + 1
	FROM (SELECT id FROM outbox
	    WHERE sent_at IS NULL AND gave_up_at IS NULL AND next_at <= now()
	        AND (claimed_until IS NULL OR claimed_until < now())
	    ORDER BY next_at LIMIT p_limit FOR UPDATE SKIP LOCKED) due
	WHERE o.id = due.id
	RETURNING o.id, o.kind, o.recipient, o.tries, o.receipt_id;
$$;

-- What delivering a link message needs.
CREATE FUNCTION outbox_link(p_id bigint)
RETURNS TABLE (o_subject text, o_body text, o_link uuid, o_key text,
    o_expires bigint, o_state text, o_customer text, o_business text,
    o_business_email text, o_expires_text text, o_date text)
LANGUAGE sql STABLE AS $$
	SELECT o.subject, o.body, l.id, l.key_id,
	    extract(epoch FROM l.expires_at)::bigint, staff_link_state(l),
	    c.name, b.name, b.email,
	    to_char(l.expires_at AT TIME ZONE b.timezone, 'Mon FMDD, YYYY'),
	    to_char(now() AT TIME ZONE 'UTC', 'Dy, DD Mon YYYY HH24:MI:SS')
	FROM outbox o JOIN pay_links l ON l.id = o.link_id
	JOIN customers c ON c.id = l.customer_id CROSS JOIN business b
	WHERE o.id = p_id;
$$;

-- A link message's try, in one transaction with its activity: "sent"
-- with the channel and the masked destination, or "send_failed" with the
-- reason and whether it will be tried again.
CREATE FUNCTION outbox_link_done(p_id bigint, p_ok boolean, p_masked text,
    p_error text, p_final boolean, p_backoff interval)
RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
	o	outbox%ROWTYPE;
BEGIN
	SELECT * INTO o FROM outbox WHERE id = p_id FOR UPDATE;
	IF NOT FOUND OR o.sent_at IS NOT NULL OR o.gave_up_at IS NOT NULL THEN
		RETURN;
	END IF;
	IF p_ok THEN
		UPDATE outbox SET sent_at = now(), claimed_until = NULL,
		    last_error = NULL WHERE id = p_id;
	ELSIF p_final THEN
		UPDATE outbox SET gave_up_at = now(), claimed_until = NULL,
		    last_error = p_error WHERE id = p_id;
	ELSE
		UPDATE outbox SET claimed_until = NULL, last_error = p_error,
		    next_at = now() + p_backoff WHERE id = p_id;
	END IF;
	INSERT INTO link_events (link_id, kind, actor, staff_id, detail)
	VALUES (o.link_id, CASE WHEN p_ok THEN 'sent' ELSE 'send_failed' END,
	    (SELECT name FROM staff WHERE id = o.staff_id), o.staff_id,
	    jsonb_build_object('channel', CASE o.kind WHEN 'link_sms' THEN 'sms'
	    ELSE 'email' END, 'destination', p_masked)
	    || CASE WHEN p_ok THEN '{}'::jsonb ELSE jsonb_build_object('error',
	    p_error || CASE WHEN p_final THEN '; given up'
	    ELSE '; will retry' END) END);
END;
$$;
