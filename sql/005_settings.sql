-- payportal schema, part 5: what admins change in Settings. The business
-- profile, fee rules, receipt layout, link expiry, message templates and
-- the keys that sign pay links, each change recorded with who made it.

CREATE EXTENSION IF NOT EXISTS pgcrypto;

-- The keys that sign pay links. The config's signing_key lines seed this
-- table on the first start; from then on keys are rotated in Settings and
-- every worker picks the change up within seconds. Exactly one is active.
CREATE TABLE signing_keys (
	id		text PRIMARY KEY CHECK (id ~ '^[a-z0-9_-]{1,16}$'),
	secret		bytea NOT NULL CHECK (length(secret) BETWEEN 32 AND 64),
	state		text NOT NULL CHECK (state IN ('active', 'verify',
			    'retired')),
	created_at	timestamptz NOT NULL DEFAULT now(),
	changed_at	timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX signing_keys_one_active ON signing_keys ((true))
	WHERE state = 'active';

CREATE TABLE settings_changes (
	id		bigserial PRIMARY KEY,
	at		timestamptz NOT NULL DEFAULT now(),
	actor_id	bigint NOT NULL REFERENCES staff (id),
	section		text NOT NULL,
	detail		jsonb NOT NULL DEFAULT '{}'
);
CREATE TRIGGER settings_changes_append_only
	BEFORE UPDATE OR DELETE OR TRUNCATE ON settings_changes
	FOR EACH STATEMENT EXECUTE FUNCTION link_events_append_only();

-- NULL: the config's receipt_layout and link_days.
ALTER TABLE business ADD COLUMN receipt_layout text
	CHECK (receipt_layout IN ('a4', 'thermal'));
ALTER TABLE business ADD COLUMN link_days integer
	CHECK (link_days BETWEEN 1 AND 365);

-- What every worker keeps in memory: the keys and the two settings.
CREATE FUNCTION runtime_settings()
RETURNS TABLE (o_key text, o_state text, o_secret text, o_layout text,
    o_link_days integer)
LANGUAGE sql STABLE AS $$
	SELECT k.id, k.state, encode(k.secret, 'hex'), b.receipt_layout,
	    b.link_days
	FROM business b LEFT JOIN signing_keys k ON true
	ORDER BY k.id;
$$;

-- The Settings page.
CREATE FUNCTION staff_settings(p jsonb, p_errors jsonb, p_section text)
RETURNS jsonb
LANGUAGE sql STABLE AS $$
	SELECT jsonb_build_object('status', CASE WHEN p_errors IS NULL THEN 200
	    ELSE 422 END, 'template', 'staff_settings', 'data',
	    jsonb_build_object(
	    'business', (SELECT jsonb_build_object('name', coalesce(p->>'name',
	        b.name), 'address', coalesce(p->>'address', b.address),
	        'email', coalesce(p->>'email', b.email),
	        'phone', coalesce(p->>'phone', b.phone),
	        'qr', b.invoice_qr, 'thermal', b.receipt_layout = 'thermal',
	        'a4', b.receipt_layout = 'a4', 'layout_default',
	        b.receipt_layout IS NULL, 'link_days', coalesce(p->>'link_days',
	        b.link_days::text)) FROM business b),
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
	    'templates', (SELECT jsonb_agg(jsonb_build_object('channel',
	        t.channel, 'sms', t.channel = 'sms', 'subject', t.subject,
	        'body', t.body) ORDER BY t.channel) FROM message_templates t),
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

CREATE FUNCTION staff_settings_change(p_actor bigint, p_section text,
    p_detail jsonb)
RETURNS jsonb
LANGUAGE sql AS $$
	INSERT INTO settings_changes (actor_id, section, detail)
	VALUES (p_actor, p_section, p_detail);
	SELECT jsonb_build_object('status', 303, 'location',
	    '/staff/settings?saved=' || p_section || '#' || p_section);
$$;

CREATE FUNCTION staff_settings_business(p_actor bigint, p jsonb)
RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
	errs	jsonb := '[]';
	nm	text := btrim(coalesce(p->>'name', ''));
	em	text := btrim(coalesce(p->>'email', ''));
	days	integer;
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
	IF jsonb_array_length(errs) > 0 THEN
		RETURN staff_settings(p, errs, 'business');
	END IF;
	UPDATE business SET name = nm, address = coalesce(p->>'address', ''),
	    email = em, phone = btrim(coalesce(p->>'phone', '')),
	    invoice_qr = coalesce(p->>'qr', '') = 'on',
	    receipt_layout = nullif(p->>'receipt_layout', ''),
	    link_days = days;
	RETURN staff_settings_change(p_actor, 'business', jsonb_build_object(
	    'name', nm, 'qr', coalesce(p->>'qr', '') = 'on', 'receipt_layout',
	    nullif(p->>'receipt_layout', ''), 'link_days', days));
END;
$$;

-- A fee rule, added or changed. p carries the C side's parse of the
-- amounts typed: fixed_amount_minor or fixed_amount_error, and so on.
CREATE FUNCTION staff_settings_fee(p_actor bigint, p jsonb)
RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
	errs	jsonb := '[]';
	bp	integer;
	f	text;
	label	text;
BEGIN
	IF coalesce(p->>'method', '') NOT IN ('card', 'bank_account') THEN
		errs := errs || jsonb_build_object('field', 'fee-method',
		    'message', 'Method must be card or bank account.');
	END IF;
	IF coalesce(p->>'currency', '') !~ '^[A-Z]{3}$' THEN
		errs := errs || jsonb_build_object('field', 'fee-currency',
		    'message', 'Currency must be a three-letter code like USD.');
	END IF;
	IF coalesce(p->>'percent', '') ~ '^[0-9]{1,3}(\.[0-9]{1,2})?$' AND
	    (p->>'percent')::numeric <= 100 THEN
		bp := ((p->>'percent')::numeric * 100)::integer;
	ELSE
		errs := errs || jsonb_build_object('field', 'fee-percent',
		    'message', 'Percentage must be 0 to 100 with at most two '
		    'decimals, like 2.9.');
	END IF;
	FOREACH f IN ARRAY ARRAY['fixed_amount', 'min_amount', 'max_amount'] LOOP
		label := CASE f WHEN 'fixed_amount' THEN 'Fixed fee'
		    WHEN 'min_amount' THEN 'Minimum' ELSE 'Maximum' END;
		IF p ? (f || '_error') THEN
			errs := errs || jsonb_build_object('field', 'fee-' || f,
			    'message', label || ' ' || (p->>(f || '_error')) ||
			    '.');
		END IF;
	END LOOP;
	IF (p->>'min_amount_minor')::bigint > (p->>'max_amount_minor')::bigint
	    THEN
		errs := errs || jsonb_build_object('field', 'fee-min_amount',
		    'message', 'Minimum must not be more than the maximum.');
	END IF;
	IF jsonb_array_length(errs) > 0 THEN
		RETURN staff_settings(p, errs, 'fees');
	END IF;
	INSERT INTO fee_rules (method, currency, percent_bp, fixed, min_fee,
	    max_fee, enabled)
	VALUES (p->>'method', p->>'currency', bp,
	    coalesce((p->>'fixed_amount_minor')::bigint, 0),
	    (p->>'min_amount_minor')::bigint, (p->>'max_amount_minor')::bigint,
	    coalesce(p->>'enabled', '') = 'on')
	ON CONFLICT (method, currency) DO UPDATE SET
	    percent_bp = EXCLUDED.percent_bp, fixed = EXCLUDED.fixed,
	    min_fee = EXCLUDED.min_fee, max_fee = EXCLUDED.max_fee,
	    enabled = EXCLUDED.enabled;
	RETURN staff_settings_change(p_actor, 'fees', jsonb_build_object(
	    'method', p->>'method', 'currency', p->>'currency', 'percent_bp',
	    bp, 'fixed', coalesce((p->>'fixed_amount_minor')::bigint, 0),
	    'min', (p->>'min_amount_minor')::bigint,
	    'max', (p->>'max_amount_minor')::bigint,
	    'enabled', coalesce(p->>'enabled', '') = 'on'));
END;
$$;

CREATE FUNCTION staff_settings_template(p_actor bigint, p jsonb)
RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
	errs	jsonb := '[]';
	ch	text := p->>'channel';
BEGIN
	IF ch IS NULL OR ch NOT IN ('email', 'sms') THEN
		errs := errs || jsonb_build_object('field', 'tpl-body',
		    'message', 'Template must be email or sms.');
	ELSIF length(btrim(coalesce(p->>'body', ''))) NOT BETWEEN 1 AND 4000
	    THEN
		errs := errs || jsonb_build_object('field', 'tpl-body-' || ch,
		    'message', 'Message is required (at most 4000 characters).');
	ELSIF position('{{link}}' IN p->>'body') = 0 THEN
		errs := errs || jsonb_build_object('field', 'tpl-body-' || ch,
		    'message', 'Message must contain {{link}}, or the customer '
		    'gets no link.');
	ELSIF ch = 'email' AND length(btrim(coalesce(p->>'subject', '')))
	    NOT BETWEEN 1 AND 200 THEN
		errs := errs || jsonb_build_object('field', 'tpl-subject',
		    'message', 'Subject is required (at most 200 characters).');
	END IF;
	IF jsonb_array_length(errs) > 0 THEN
		RETURN staff_settings(p, errs, 'templates');
	END IF;
	UPDATE message_templates SET subject = CASE ch WHEN 'email'
	    THEN btrim(p->>'subject') ELSE '' END,
	    body = replace(p->>'body', E'\r\n', E'\n')
	WHERE channel = ch;
	RETURN staff_settings_change(p_actor, 'templates',
	    jsonb_build_object('channel', ch));
END;
$$;

-- Key rotation. "add" makes a key with a random secret (state verify, so
-- it can be made active when every node has it); "activate" makes it the
-- signing key (the old one keeps verifying); "retire" stops a key at once,
-- after the admin has seen how many working links that ends.
CREATE FUNCTION staff_settings_key(p_actor bigint, p jsonb)
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
		ELSE
			INSERT INTO signing_keys (id, secret, state)
			VALUES (kid, gen_random_bytes(32), 'verify');
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
	END IF;
	IF err IS NOT NULL THEN
		RETURN staff_settings('{}', jsonb_build_array(jsonb_build_object(
		    'field', 'key', 'message', err)), 'keys');
	END IF;
	RETURN staff_settings_change(p_actor, 'keys', jsonb_build_object(
	    'action', act, 'key', kid, 'links_ended', n));
END;
$$;

-- Filters that are NULL when unused: a plan made for the values at hand
-- uses the index of the filter given, where a generic one would not.
ALTER FUNCTION staff_activity(jsonb, boolean)
	SET plan_cache_mode = force_custom_plan;
ALTER FUNCTION staff_customers(jsonb) SET plan_cache_mode = force_custom_plan;

-- "expired" in a link's activity: logged by the background work once a
-- link's time is up (at that time), unless it was revoked first.
ALTER TABLE pay_links ADD COLUMN expiry_logged boolean NOT NULL DEFAULT false;
CREATE INDEX pay_links_expiring ON pay_links (expires_at)
	WHERE NOT expiry_logged AND revoked_at IS NULL;

CREATE FUNCTION links_log_expired(p_limit integer) RETURNS integer
LANGUAGE sql AS $$
	WITH due AS (SELECT id FROM pay_links
	    WHERE NOT expiry_logged AND revoked_at IS NULL
	        AND expires_at <= now()
	    ORDER BY expires_at LIMIT p_limit FOR UPDATE SKIP LOCKED),
	up AS (UPDATE pay_links l SET expiry_logged = true FROM due
	    WHERE l.id = due.id RETURNING l.id, l.expires_at),
	ins AS (INSERT INTO link_events (link_id, kind, at)
	    SELECT id, 'expired', expires_at FROM up RETURNING 1)
	SELECT count(*)::integer FROM ins;
$$;
