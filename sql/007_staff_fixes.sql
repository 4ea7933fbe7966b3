-- payportal schema, part 7: fixes to the back office.

-- Only keys that can still verify are loaded: a retired key opens nothing,
-- so the table may keep any number of them, and a node loads at most
-- CONF_MAX_KEYS (src/conf.h) of the others.
DROP FUNCTION runtime_settings();
CREATE FUNCTION runtime_settings()
RETURNS TABLE (o_key text, o_state text, o_secret text, o_layout text,
    o_link_days integer)
LANGUAGE sql STABLE AS $$
	SELECT k.id, k.state, encode(k.secret, 'hex'), b.receipt_layout,
	    b.link_days
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
