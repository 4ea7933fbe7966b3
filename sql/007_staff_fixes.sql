-- payportal schema, part 7: fixes to the back office, and the business's
-- logo.

-- The logo admins upload in Settings, PNG or JPEG (the C side checks the
-- bytes). Pages link to it by its content hash, so a new logo is a new
-- address and browsers may cache each one for good.
ALTER TABLE business
	ADD COLUMN logo bytea CHECK (length(logo) BETWEEN 1 AND 262144),
	ADD COLUMN logo_type text CHECK (logo_type IN ('image/png',
	    'image/jpeg')),
	ADD COLUMN logo_hash text GENERATED ALWAYS AS
	    (encode(sha256(logo), 'hex')) STORED,
	ADD CONSTRAINT business_logo_typed
	    CHECK ((logo IS NULL) = (logo_type IS NULL));

-- What every worker keeps in memory, now with the logo's hash. Only keys
-- that can still verify are loaded: a retired key opens nothing, so the
-- table may keep any number of them, and a node loads at most
-- CONF_MAX_KEYS (src/conf.h) of the others.
DROP FUNCTION runtime_settings();
CREATE FUNCTION runtime_settings()
RETURNS TABLE (o_key text, o_state text, o_secret text, o_layout text,
    o_link_days integer, o_logo text)
LANGUAGE sql STABLE AS $$
	SELECT k.id, k.state, encode(k.secret, 'hex'), b.receipt_layout,
	    b.link_days, b.logo_hash
	FROM business b LEFT JOIN signing_keys k ON k.state <> 'retired'
	ORDER BY k.id;
$$;

-- Key rotation, as in 005, with two changes: a key is added only while
-- fewer than 16 keys (CONF_MAX_KEYS) are not retired, since every node
-- loads those; and a refused form keeps the name typed, with errors about
-- an existing key next to the key list rather than the new key's name.
CREATE OR REPLACE FUNCTION staff_settings_key(p_actor bigint, p jsonb)
RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
	k	signing_keys%ROWTYPE;
	act	text := p->>'action';
	kid	text := lower(btrim(coalesce(p->>'key', '')));
	n	bigint;
	err	text;
BEGIN
	LOCK TABLE signing_keys IN SHARE ROW EXCLUSIVE MODE;
	IF act = 'add' THEN
		IF kid !~ '^[a-z0-9_-]{1,16}$' THEN
			err := 'Key name must be 1 to 16 of a-z, 0-9, - and _.';
		ELSIF EXISTS (SELECT 1 FROM signing_keys WHERE id = kid) THEN
			err := 'Key ' || kid || ' already exists.';
		ELSIF (SELECT count(*) FROM signing_keys
		    WHERE state <> 'retired') >= 16 THEN
			err := 'There are already 16 keys that are not retired, '
			    'the most the portal can use: retire one first.';
		ELSE
			INSERT INTO signing_keys (id, secret, state)
			VALUES (kid, gen_random_bytes(32), 'verify');
		END IF;
		IF err IS NOT NULL THEN
			RETURN staff_settings(p, jsonb_build_array(
			    jsonb_build_object('field', 'key', 'message', err)),
			    'keys');
		END IF;
	ELSE
		SELECT * INTO k FROM signing_keys WHERE id = kid;
		IF NOT FOUND THEN
			err := 'Key ' || kid || ' does not exist.';
		ELSIF act = 'activate' THEN
			IF k.state = 'retired' THEN
				err := 'A retired key cannot sign again; add a '
				    'new one.';
			ELSIF k.state <> 'active' THEN
				UPDATE signing_keys SET state = 'verify',
				    changed_at = now() WHERE state = 'active';
				UPDATE signing_keys SET state = 'active',
				    changed_at = now() WHERE id = kid;
			END IF;
		ELSIF act = 'retire' THEN
			n := (SELECT count(*) FROM pay_links WHERE key_id = kid
			    AND revoked_at IS NULL AND expires_at > now());
			IF k.state = 'active' THEN
				err := 'The active key cannot be retired; make '
				    'another key active first.';
			ELSIF k.state = 'retired' THEN
				err := 'Key ' || kid || ' is already retired.';
			ELSIF coalesce(p->>'confirm', '') <> kid THEN
				RETURN staff_settings(jsonb_build_object(
				    'confirm', jsonb_build_object('key', kid,
				    'links', n, 'one', n = 1)), NULL, 'keys');
			ELSE
				UPDATE signing_keys SET state = 'retired',
				    changed_at = now() WHERE id = kid;
			END IF;
		ELSE
			err := 'Action must be add, activate or retire.';
		END IF;
		IF err IS NOT NULL THEN
			RETURN staff_settings('{}', jsonb_build_array(
			    jsonb_build_object('field', 'key-list', 'message',
			    err)), 'keys');
		END IF;
	END IF;
	RETURN staff_settings_change(p_actor, 'keys', jsonb_build_object(
	    'action', act, 'key', kid, 'links_ended', n));
END;
$$;

-- A link whose key is retired (or gone) opens nothing any more: staff see
-- "key retired", with no copy or send, and a copy for the customer makes
-- a new link with the active key.
CREATE OR REPLACE FUNCTION staff_link_state(l pay_links) RETURNS text
LANGUAGE sql STABLE AS $$
	SELECT CASE WHEN l.revoked_at IS NOT NULL THEN 'revoked'
	    WHEN l.expires_at <= now() THEN 'expired'
	    WHEN NOT EXISTS (SELECT 1 FROM signing_keys k WHERE k.id = l.key_id
	        AND k.state <> 'retired') THEN 'key retired'
	    ELSE 'active' END;
$$;

-- One row of a link list or link page. A fixed amount is in its
-- invoice's currency, which need not be the customer's.
CREATE OR REPLACE FUNCTION staff_link_json(l pay_links) RETURNS jsonb
LANGUAGE sql STABLE AS $$
	SELECT jsonb_build_object('id', l.id, 'state', s.state,
	    'state_class', replace(s.state, ' ', '-'),
	    'active', s.state = 'active',
	    'scope', CASE l.scope WHEN 'customer' THEN 'All open invoices'
	        ELSE (SELECT string_agg(i.number, ', ' ORDER BY i.number)
	        FROM pay_link_invoices pli JOIN invoices i
	        ON i.id = pli.invoice_id WHERE pli.link_id = l.id) END,
	    'fixed', CASE WHEN l.fixed_amount IS NOT NULL THEN
	        staff_money(l.fixed_amount, coalesce((SELECT min(i.currency)
	        FROM pay_link_invoices pli JOIN invoices i
	        ON i.id = pli.invoice_id WHERE pli.link_id = l.id),
	        (SELECT currency FROM customers WHERE id = l.customer_id))) END,
	    'created', staff_time(l.created_at),
	    'created_by', l.created_by,
	    'expires', staff_time(l.expires_at),
	    'revoked', staff_time(l.revoked_at),
	    'last_activity', (SELECT staff_time(max(e.at)) FROM link_events e
	        WHERE e.link_id = l.id),
	    'url', CASE WHEN s.state = 'active' THEN
	        jsonb_build_object('pay_link', l.id, 'key', l.key_id,
	        'expires', extract(epoch FROM l.expires_at)::bigint) END)
	FROM (SELECT staff_link_state(l) AS state) s;
$$;

-- The working links that cover an invoice: its customer's, or its own.
CREATE FUNCTION staff_invoice_links(i invoices) RETURNS SETOF pay_links
LANGUAGE sql STABLE AS $$
	SELECT l.* FROM pay_links l
	WHERE l.customer_id = i.customer_id AND (l.scope = 'customer'
	    OR EXISTS (SELECT 1 FROM pay_link_invoices pli
	    WHERE pli.link_id = l.id AND pli.invoice_id = i.id))
	    AND staff_link_state(l) = 'active';
$$;

-- An invoice as staff see it; as in 004, but the links that cover it and
-- the printed QR code are working ones only, never one whose key is
-- retired.
CREATE OR REPLACE FUNCTION staff_invoice_data(p_invoice bigint) RETURNS jsonb
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
	        ORDER BY l.created_at DESC) FROM staff_invoice_links(i) l),
	        '[]'))
	    -- The printed invoice's QR code: the newest link that covers it.
	    || coalesce((SELECT jsonb_build_object('qr', jsonb_build_object(
	        'qr_code', q.u), 'qr_url', q.u) FROM (SELECT staff_link_json(l)->'url'
	        AS u FROM staff_invoice_links(i) l ORDER BY l.created_at DESC
	        LIMIT 1) q WHERE (SELECT invoice_qr FROM business)), '{}')
	FROM invoices i JOIN customers c ON c.id = i.customer_id
	WHERE i.id = p_invoice;
$$;

-- Sign-in, step two, from a browser that may still hold a session (p_old,
-- the id in its cookie): when the password is right the new session
-- replaces it, in the same transaction, so an id planted in the browser
-- before sign-in, or left there by another account, opens nothing after.
CREATE FUNCTION staff_signin_rotate(p_old text, p_email text, p_staff bigint,
    p_ok boolean, p_sid text, p_csrf text, p_addr inet, p_agent text,
    p_max integer, p_window interval, p_lock interval, p_idle interval,
    p_absolute interval)
RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
	verdict	text;
BEGIN
	verdict := staff_signin_finish(p_email, p_staff, p_ok, p_sid, p_csrf,
	    p_addr, p_agent, p_max, p_window, p_lock, p_idle, p_absolute);
	IF verdict = 'ok' AND p_old IS NOT NULL THEN
		DELETE FROM staff_sessions
		WHERE id_hash = sha256(convert_to(p_old, 'UTF8'));
	END IF;
	RETURN verdict;
END;
$$;

-- The Settings page. As in 005, with the logo, and a refused form shows
-- what was typed in it: the business profile (its checkbox and layout
-- too), the fee rule, the message template of that channel and the new
-- key's name. Templates come by channel, one form each.
CREATE OR REPLACE FUNCTION staff_settings(p jsonb, p_errors jsonb,
    p_section text)
RETURNS jsonb
LANGUAGE sql STABLE AS $$
	SELECT jsonb_build_object('status', CASE WHEN p_errors IS NULL THEN 200
	    ELSE 422 END, 'template', 'staff_settings', 'data',
	    jsonb_build_object(
	    'business', (SELECT jsonb_build_object('name', coalesce(p->>'name',
	        b.name), 'address', coalesce(p->>'address', b.address),
	        'email', coalesce(p->>'email', b.email),
	        'phone', coalesce(p->>'phone', b.phone),
	        'qr', x.qr, 'thermal', x.layout = 'thermal',
	        'a4', x.layout = 'a4', 'layout_default', x.layout IS NULL,
	        'link_days', coalesce(p->>'link_days', b.link_days::text),
	        'logo', '/logo/' || b.logo_hash)
	        FROM business b CROSS JOIN LATERAL (SELECT
	            CASE WHEN p_section = 'business' THEN
	                coalesce(p->>'qr', '') = 'on' ELSE b.invoice_qr END
	                AS qr,
	            CASE WHEN p_section = 'business' THEN
	                nullif(p->>'receipt_layout', '')
	                ELSE b.receipt_layout END AS layout) x),
	    'fees', (SELECT coalesce(jsonb_agg(jsonb_build_object(
	        'method', f.method, 'card', f.method = 'card',
	        'method_label', CASE f.method WHEN 'card' THEN 'Card'
	            ELSE 'Bank account' END, 'currency', f.currency,
	        'percent', trim_scale(f.percent_bp / 100.0),
	        'fixed', staff_money(f.fixed, f.currency),
	        'fixed_plain', f.fixed, 'min', CASE WHEN f.min_fee IS NOT NULL
	            THEN staff_money(f.min_fee, f.currency) END,
	        'max', CASE WHEN f.max_fee IS NOT NULL
	            THEN staff_money(f.max_fee, f.currency) END,
	        'enabled', f.enabled) ORDER BY f.currency, f.method), '[]')
	        FROM fee_rules f),
	    'fee_form', CASE WHEN p_section = 'fees' THEN jsonb_build_object(
	        'bank', p->>'method' = 'bank_account',
	        'currency', p->>'currency', 'percent', p->>'percent',
	        'fixed_amount', p->>'fixed_amount',
	        'min_amount', p->>'min_amount', 'max_amount', p->>'max_amount',
	        'enabled', coalesce(p->>'enabled', '') = 'on')
	        ELSE '{"bank": false, "currency": "USD", "percent": "0",
	            "fixed_amount": null, "min_amount": null,
	            "max_amount": null, "enabled": true}' END,
	    'templates', (SELECT jsonb_object_agg(t.channel,
	        CASE WHEN p_section = 'templates' AND p->>'channel' = t.channel
	        THEN jsonb_build_object('subject', coalesce(p->>'subject', ''),
	            'body', coalesce(p->>'body', ''))
	        ELSE jsonb_build_object('subject', t.subject, 'body', t.body)
	        END) FROM message_templates t),
	    'new_key', CASE WHEN p_section = 'keys' THEN p->>'key' END,
	    'keys', (SELECT coalesce(jsonb_agg(jsonb_build_object('id', k.id,
	        'state', k.state, 'active', k.state = 'active',
	        'retired', k.state = 'retired',
	        'created', staff_time(k.created_at),
	        'changed', staff_time(k.changed_at),
	        'links', (SELECT count(*) FROM pay_links l WHERE l.key_id = k.id
	            AND l.revoked_at IS NULL AND l.expires_at > now()))
	        ORDER BY k.created_at DESC, k.id), '[]') FROM signing_keys k),
	    'changes', (SELECT coalesce(jsonb_agg(jsonb_build_object(
	        'at', staff_time(x.at), 'who', s.name, 'section', x.section,
	        'detail', x.detail::text) ORDER BY x.at DESC, x.id DESC), '[]')
	        FROM (SELECT * FROM settings_changes ORDER BY at DESC, id DESC
	        LIMIT 15) x JOIN staff s ON s.id = x.actor_id),
	    'confirm', p->'confirm', 'section', p_section,
	    'errors', p_errors, 'has_errors', p_errors IS NOT NULL));
$$;

-- The business profile, as in 005, and its logo. p carries what the C
-- side made of the file chosen: logo_base64 and logo_mime, or
-- logo_error; none when no file was chosen, which keeps the logo unless
-- "remove_logo" is ticked.
CREATE OR REPLACE FUNCTION staff_settings_business(p_actor bigint, p jsonb)
RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
	errs	jsonb := '[]';
	nm	text := btrim(coalesce(p->>'name', ''));
	em	text := btrim(coalesce(p->>'email', ''));
	days	integer;
	unset	boolean := coalesce(p->>'remove_logo', '') = 'on';
	new_logo	text;
BEGIN
	IF length(nm) NOT BETWEEN 1 AND 200 THEN
		errs := errs || jsonb_build_object('field', 'name', 'message',
		    'Business name is required (at most 200 characters).');
	END IF;
	IF em <> '' AND em !~ '^[^@[:space:]]+@[^@[:space:]]+\.[^@[:space:]]+$'
	    THEN
		errs := errs || jsonb_build_object('field', 'email', 'message',
		    'Contact email must be an address like name@example.com.');
	END IF;
	IF length(coalesce(p->>'address', '')) > 500 OR
	    length(coalesce(p->>'phone', '')) > 40 THEN
		errs := errs || jsonb_build_object('field', 'address', 'message',
		    'Address must be at most 500 characters and phone 40.');
	END IF;
	IF coalesce(p->>'receipt_layout', '') NOT IN ('', 'a4', 'thermal') THEN
		errs := errs || jsonb_build_object('field', 'receipt_layout',
		    'message', 'Receipt layout must be A4 or thermal.');
	END IF;
	IF coalesce(p->>'link_days', '') <> '' THEN
		IF p->>'link_days' ~ '^[0-9]{1,3}$' AND (p->>'link_days')::integer
		    BETWEEN 1 AND 365 THEN
			days := (p->>'link_days')::integer;
		ELSE
			errs := errs || jsonb_build_object('field', 'link_days',
			    'message', 'Links expire after must be 1 to 365 days.');
		END IF;
	END IF;
	IF p ? 'logo_error' THEN
		errs := errs || jsonb_build_object('field', 'logo', 'message',
		    'Logo ' || (p->>'logo_error') || '.');
	END IF;
	IF jsonb_array_length(errs) > 0 THEN
		RETURN staff_settings(p, errs, 'business');
	END IF;
	UPDATE business SET name = nm, address = coalesce(p->>'address', ''),
	    email = em, phone = btrim(coalesce(p->>'phone', '')),
	    invoice_qr = coalesce(p->>'qr', '') = 'on',
	    receipt_layout = nullif(p->>'receipt_layout', ''),
	    link_days = days;
	IF p ? 'logo_base64' THEN
		UPDATE business SET logo = decode(p->>'logo_base64', 'base64'),
		    logo_type = p->>'logo_mime'
		RETURNING logo_hash INTO new_logo;
	ELSIF unset THEN
		UPDATE business SET logo = NULL, logo_type = NULL;
	END IF;
	RETURN staff_settings_change(p_actor, 'business', jsonb_build_object(
	    'name', nm, 'qr', coalesce(p->>'qr', '') = 'on', 'receipt_layout',
	    nullif(p->>'receipt_layout', ''), 'link_days', days)
	    || CASE WHEN new_logo IS NOT NULL THEN jsonb_build_object('logo',
	    new_logo)
	    WHEN unset THEN '{"logo": null}' ELSE '{}' END);
END;
$$;

-- Failed sign-ins that no longer count (the window has passed and no lock
-- holds) are deleted by the background work, a batch at a time, so every
-- address ever typed does not stay in the table.
CREATE INDEX signin_failures_first_at ON signin_failures (first_at);
CREATE FUNCTION signin_failures_expire(p_window interval, p_limit integer)
RETURNS integer
LANGUAGE sql AS $$
	WITH gone AS (DELETE FROM signin_failures WHERE email IN (
	    SELECT email FROM signin_failures
	    WHERE first_at < now() - p_window
	        AND (locked_until IS NULL OR locked_until <= now())
	    ORDER BY first_at LIMIT p_limit FOR UPDATE SKIP LOCKED)
	    RETURNING 1)
	SELECT count(*)::integer FROM gone;
$$;

-- Every link's activity, as in 004, but the CSV export is no longer cut
-- at 50,000 rows: it comes in pages of 1,000 by the same keyset as the
-- page's 50, each with the cursor of the next ("next"), and the C side
-- streams page after page to the browser. The cursor is read back to the
-- microsecond. The plan is made for the filters at hand (see 005).
CREATE OR REPLACE FUNCTION staff_activity(p jsonb, p_csv boolean)
RETURNS jsonb
LANGUAGE plpgsql STABLE SET plan_cache_mode = force_custom_plan AS $$
DECLARE
	errs	jsonb := '[]';
	f_cust	bigint;
	f_kind	text := nullif(p->>'kind', '');
	f_staff	bigint;
	f_from	timestamptz;
	f_to	timestamptz;
	b_at	timestamptz;
	b_id	bigint;
	lim	integer := CASE WHEN p_csv THEN 1001 ELSE 51 END;
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
			-- Exact to the microsecond, as the cursor was made: a
			-- float would repeat or skip rows at a page's edge.
			b_at := timestamptz 'epoch' + split_part(p->>'before',
			    '|', 1)::bigint * interval '1 microsecond';
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
		    'rows', (SELECT coalesce(jsonb_agg(x), '[]') FROM (SELECT x
		        FROM jsonb_array_elements(rows) x LIMIT 1000) y),
		    'next', CASE WHEN n > 1000 THEN rows->999->>'cursor' END));
	END IF;
	RETURN jsonb_build_object('status', 200, 'template', 'staff_activity',
	    'data', staff_activity_form(p) || jsonb_build_object(
	    'events', (SELECT coalesce(jsonb_agg(x), '[]') FROM (SELECT x
	        FROM jsonb_array_elements(rows) x LIMIT 50) y),
	    'none', n = 0,
	    'next', CASE WHEN n > 50 THEN rows->49->>'cursor' END));
END;
$$;
