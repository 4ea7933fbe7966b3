-- payportal schema, part 8: refunds. An admin gives back all or part of
-- one receipt: per invoice the receipt paid, an amount, and the
-- convenience fee or not. The refund is recorded as pending, holding its
-- amounts against the receipt, before the gateway is asked; the
-- background work sends it (the refund's id is the Idempotency-Key, so a
-- retry can never refund twice) and settles it exactly once.
--
-- What refunds hold, pending or done, is kept on the rows they hold it on
-- (as invoices.reserved is for payments) and moved by triggers under those
-- rows' locks, so the CHECKs below refuse an over-refund whatever wrote
-- the refund: refunded <= amount per receipt allocation, fee_refunded <=
-- fee per receipt.
ALTER TABLE receipt_allocations ADD COLUMN refunded bigint NOT NULL DEFAULT 0;
ALTER TABLE receipt_allocations ADD CONSTRAINT receipt_allocations_refunded
	CHECK (refunded >= 0 AND refunded <= amount);
ALTER TABLE receipts ADD COLUMN fee_refunded bigint NOT NULL DEFAULT 0;
ALTER TABLE receipts ADD CONSTRAINT receipts_fee_refunded
	CHECK (fee_refunded >= 0 AND fee_refunded <= fee);
-- A refund is in its receipt's currency: the composite key says so.
ALTER TABLE receipts ADD CONSTRAINT receipts_id_currency UNIQUE (id, currency);

CREATE TABLE refunds (
	id		uuid PRIMARY KEY,	-- the gateway's Idempotency-Key
	receipt_id	bigint NOT NULL,
	currency	char(3) NOT NULL,
	amount		bigint NOT NULL CHECK (amount > 0),
	fee		bigint NOT NULL CHECK (fee >= 0),
	reason		text NOT NULL DEFAULT '' CHECK (length(reason) <= 500),
	state		text NOT NULL DEFAULT 'pending'
			CHECK (state IN ('pending', 'succeeded', 'failed')),
	gateway_refund	text UNIQUE
			CHECK (gateway_refund ~ '^re_[A-Za-z0-9_]{1,60}$'),
	failure_code	text,
	failure_message	text,
	last_error	text,		-- why the last try settled nothing
	requested_by	bigint NOT NULL REFERENCES staff (id),
	tries		integer NOT NULL DEFAULT 0,
	check_after	timestamptz NOT NULL DEFAULT now(),
	created_at	timestamptz NOT NULL DEFAULT now(),
	settled_at	timestamptz,
	settled_by	text,
	FOREIGN KEY (receipt_id, currency) REFERENCES receipts (id, currency),
	UNIQUE (id, receipt_id),
	CHECK (fee <= amount),
	CHECK ((state = 'pending') = (settled_at IS NULL)),
	-- Money given back is a refund the gateway made and named.
	CHECK (state <> 'succeeded' OR gateway_refund IS NOT NULL),
	CHECK (state <> 'failed' OR failure_message IS NOT NULL)
);
CREATE INDEX refunds_pending ON refunds (check_after) WHERE state = 'pending';
CREATE INDEX refunds_receipt ON refunds (receipt_id, created_at);

-- What a refund gives back of each invoice. The composite keys make it
-- impossible to refund an invoice the refund's receipt did not pay.
CREATE TABLE refund_allocations (
	refund_id	uuid NOT NULL,
	receipt_id	bigint NOT NULL,
	invoice_id	bigint NOT NULL,
	amount		bigint NOT NULL CHECK (amount > 0),
	PRIMARY KEY (refund_id, invoice_id),
	FOREIGN KEY (refund_id, receipt_id) REFERENCES refunds (id, receipt_id),
	FOREIGN KEY (receipt_id, invoice_id)
	    REFERENCES receipt_allocations (receipt_id, invoice_id)
);
CREATE INDEX refund_allocations_receipt ON refund_allocations (receipt_id,
	invoice_id);

-- Refunds are evidence: never removed, and their allocations never change.
CREATE FUNCTION refunds_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	RAISE EXCEPTION '% is append-only (% refused)', TG_TABLE_NAME, TG_OP
	    USING ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE TRIGGER refunds_append_only
	BEFORE DELETE OR TRUNCATE ON refunds
	FOR EACH STATEMENT EXECUTE FUNCTION refunds_append_only();
CREATE TRIGGER refund_allocations_append_only
	BEFORE UPDATE OR DELETE OR TRUNCATE ON refund_allocations
	FOR EACH STATEMENT EXECUTE FUNCTION refunds_append_only();

-- A new refund holds its fee part on the receipt, each allocation its
-- amount on the receipt's allocation; only a pending refund holds more.
CREATE FUNCTION refunds_hold() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	IF TG_TABLE_NAME = 'refunds' THEN
		IF NEW.state <> 'pending' THEN
			RAISE EXCEPTION 'refund %: a new refund is pending', NEW.id
			    USING ERRCODE = 'check_violation';
		END IF;
		UPDATE receipts SET fee_refunded = fee_refunded + NEW.fee
		WHERE id = NEW.receipt_id;
	ELSE
		IF (SELECT state FROM refunds WHERE id = NEW.refund_id) <>
		    'pending' THEN
			RAISE EXCEPTION 'refund %: settled, it holds no more',
			    NEW.refund_id USING ERRCODE = 'check_violation';
		END IF;
		UPDATE receipt_allocations SET refunded = refunded + NEW.amount
		WHERE receipt_id = NEW.receipt_id AND invoice_id = NEW.invoice_id;
	END IF;
	RETURN NULL;
END;
$$;
CREATE TRIGGER refunds_hold AFTER INSERT ON refunds
	FOR EACH ROW EXECUTE FUNCTION refunds_hold();
CREATE TRIGGER refund_allocations_hold AFTER INSERT ON refund_allocations
	FOR EACH ROW EXECUTE FUNCTION refunds_hold();

-- Settling moves the money: a failed refund lets go of what it held; a
-- succeeded one keeps holding it (given back for good) and lowers what
-- each invoice has been paid, so the invoice is open again. What was
-- asked (receipt, amounts, reason, who) never changes, a settled refund
-- not at all, and the gateway's refund id once known stays.
CREATE FUNCTION refunds_settle() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	IF OLD.state <> 'pending' OR NEW.id <> OLD.id OR
	    NEW.receipt_id <> OLD.receipt_id OR NEW.currency <> OLD.currency OR
	    NEW.amount <> OLD.amount OR NEW.fee <> OLD.fee OR
	    NEW.reason <> OLD.reason OR NEW.requested_by <> OLD.requested_by OR
	    NEW.created_at <> OLD.created_at OR (OLD.gateway_refund IS NOT NULL
	    AND NEW.gateway_refund IS DISTINCT FROM OLD.gateway_refund) THEN
		RAISE EXCEPTION 'refund %: only a pending refund''s progress '
		    'and outcome can change', OLD.id
		    USING ERRCODE = 'check_violation';
	END IF;
	IF NEW.state = 'failed' THEN
		UPDATE receipt_allocations x SET refunded = x.refunded - a.amount
		FROM refund_allocations a
		WHERE a.refund_id = NEW.id AND x.receipt_id = a.receipt_id
		    AND x.invoice_id = a.invoice_id;
		UPDATE receipts SET fee_refunded = fee_refunded - NEW.fee
		WHERE id = NEW.receipt_id;
	ELSIF NEW.state = 'succeeded' THEN
		UPDATE invoices v SET paid = v.paid - a.amount
		FROM refund_allocations a
		WHERE a.refund_id = NEW.id AND v.id = a.invoice_id;
	END IF;
	RETURN NEW;
END;
$$;
CREATE TRIGGER refunds_settle BEFORE UPDATE ON refunds
	FOR EACH ROW EXECUTE FUNCTION refunds_settle();

-- A refund's allocations and its fee part add up to what the gateway is
-- asked to give back; checked at commit, once both are written.
CREATE FUNCTION refunds_add_up() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
	rid	uuid;
BEGIN
	IF TG_TABLE_NAME = 'refunds' THEN
		rid := NEW.id;
	ELSE
		rid := NEW.refund_id;
	END IF;
	IF (SELECT amount - fee FROM refunds WHERE id = rid) <>
	    (SELECT coalesce(sum(amount), 0) FROM refund_allocations
	    WHERE refund_id = rid) THEN
		RAISE EXCEPTION 'refund %: its allocations and fee part do '
		    'not add up to its amount', rid
		    USING ERRCODE = 'check_violation';
	END IF;
	RETURN NULL;
END;
$$;
CREATE CONSTRAINT TRIGGER refunds_add_up AFTER INSERT ON refunds
	DEFERRABLE INITIALLY DEFERRED
	FOR EACH ROW EXECUTE FUNCTION refunds_add_up();
CREATE CONSTRAINT TRIGGER refund_allocations_add_up
	AFTER INSERT ON refund_allocations
	DEFERRABLE INITIALLY DEFERRED
	FOR EACH ROW EXECUTE FUNCTION refunds_add_up();

-- A refund's life in the link's activity; the mail that tells the
-- customer.
ALTER TABLE link_events DROP CONSTRAINT link_events_kind_check;
ALTER TABLE link_events ADD CONSTRAINT link_events_kind_check
	CHECK (kind IN ('created', 'copied', 'sent', 'send_failed', 'viewed',
	    'payment_started', 'payment_made', 'payment_failed', 'revoked',
	    'expired', 'refund_requested', 'refunded', 'refund_failed'));

ALTER TABLE outbox ADD COLUMN refund_id uuid REFERENCES refunds (id);
ALTER TABLE outbox DROP CONSTRAINT outbox_kind_check;
ALTER TABLE outbox ADD CONSTRAINT outbox_kind_check
	CHECK (kind IN ('receipt_email', 'link_email', 'link_sms',
	    'refund_email'));
ALTER TABLE outbox DROP CONSTRAINT outbox_link_check;
ALTER TABLE outbox ADD CONSTRAINT outbox_link_check
	CHECK (kind IN ('receipt_email', 'refund_email') OR
	    (link_id IS NOT NULL AND recipient IS NOT NULL AND body IS NOT NULL));
ALTER TABLE outbox ADD CONSTRAINT outbox_refund_check
	CHECK ((kind = 'refund_email') = (refund_id IS NOT NULL));

-- Records a refund of receipt p_receipt as pending and holds its amounts,
-- after checking everything under the receipt's lock: who asks (an
-- enabled admin), each invoice (paid by this receipt, listed once), each
-- amount (not negative, not more than is left to refund of it), the fee
-- and the reason. p_numbers NULL: every invoice of the receipt. An amount
-- NULL: all that is left of that invoice; 0: none of it. p_fee NULL: the
-- fee is given back when the refund leaves nothing of the receipt, else
-- not.
--
-- o_result: 'new' (recorded: the background work sends it), 'existing'
-- (this refund id was recorded before with the same request: o_state says
-- how it went), 'error' (o_field and o_message name the problem; nothing
-- written).
CREATE FUNCTION refund_begin(p_refund uuid, p_receipt bigint,
    p_numbers text[], p_amounts bigint[], p_fee boolean, p_reason text,
    p_staff bigint)
RETURNS TABLE (o_result text, o_field text, o_message text, o_state text,
    o_currency char(3), o_amount bigint, o_fee bigint)
LANGUAGE plpgsql AS $$
DECLARE
	f		refunds%ROWTYPE;
	r		receipts%ROWTYPE;
	al		record;
	who		staff%ROWTYPE;
	nums		text[] := p_numbers;
	amts		bigint[] := p_amounts;
	why		text := btrim(coalesce(p_reason, ''));
	n		integer;
	i		integer;
	want		bigint;
	ids		bigint[] := '{}';
	wants		bigint[] := '{}';
	sum_amount	bigint := 0;
	left_after	bigint;
	fee_part	bigint := 0;
BEGIN
	-- Two submits of one form are one refund: the second waits here.
	PERFORM pg_advisory_xact_lock(hashtextextended(p_refund::text, 0));

	SELECT * INTO f FROM refunds WHERE id = p_refund;
	IF FOUND THEN
		-- The same request again is the same refund; anything else
		-- under its id is a reused form. An amount left NULL (all
		-- that is left) or a fee left to the default matches what
		-- was recorded.
		IF f.receipt_id <> p_receipt OR (p_fee IS NOT NULL AND
		    p_fee <> (f.fee > 0)) OR (p_numbers IS NOT NULL AND
		    EXISTS (SELECT 1 FROM (SELECT u.n, u.a, v.id
		        FROM unnest(p_numbers, p_amounts) AS u(n, a)
		        LEFT JOIN invoices v ON v.number = u.n
		        WHERE u.a IS DISTINCT FROM 0) g
		    FULL JOIN (SELECT invoice_id, amount FROM refund_allocations
		        WHERE refund_id = f.id) ra ON ra.invoice_id = g.id
		    WHERE g.n IS NULL OR ra.invoice_id IS NULL OR
		        g.a <> ra.amount)) THEN
			RETURN QUERY SELECT 'error'::text, 'refund'::text,
			    'This refund form was already used. Reload the receipt to start a new refund.'::text,
			    f.state, NULL::char(3), NULL::bigint, NULL::bigint;
			RETURN;
		END IF;
		RETURN QUERY SELECT 'existing'::text, NULL::text, NULL::text,
		    f.state, f.currency, f.amount, f.fee;
		RETURN;
	END IF;

	SELECT * INTO who FROM staff WHERE id = p_staff;
	IF NOT FOUND OR who.role <> 'admin' OR who.disabled_at IS NOT NULL THEN
		RETURN QUERY SELECT 'error'::text, 'refund'::text,
		    'Only an admin can refund a payment.'::text, NULL::text,
		    NULL::char(3), NULL::bigint, NULL::bigint;
		RETURN;
	END IF;

	-- The receipt's lock orders every refund of it, and the holds it
	-- reads below cannot move until this one commits.
	SELECT * INTO r FROM receipts WHERE id = p_receipt FOR UPDATE;
	IF NOT FOUND THEN
		RETURN QUERY SELECT 'error'::text, 'receipt'::text,
		    'There is no such receipt.'::text, NULL::text,
		    NULL::char(3), NULL::bigint, NULL::bigint;
		RETURN;
	END IF;
	PERFORM 1 FROM receipt_allocations WHERE receipt_id = r.id
	ORDER BY invoice_id FOR UPDATE;
	IF r.fee_refunded = r.fee AND NOT EXISTS (SELECT 1
	    FROM receipt_allocations WHERE receipt_id = r.id
	        AND refunded < amount) THEN
		RETURN QUERY SELECT 'error'::text, 'receipt'::text,
		    CASE WHEN EXISTS (SELECT 1 FROM refunds WHERE receipt_id = r.id
		        AND state = 'pending')
		    THEN format('Receipt %s is being refunded in full already.', r.number)
		    ELSE format('Receipt %s has been refunded in full already.', r.number)
		    END, NULL::text, NULL::char(3), NULL::bigint,
		    NULL::bigint;
		RETURN;
	END IF;
	IF length(why) > 500 THEN
		RETURN QUERY SELECT 'error'::text, 'reason'::text,
		    'Reason must be at most 500 characters.'::text, NULL::text,
		    NULL::char(3), NULL::bigint, NULL::bigint;
		RETURN;
	END IF;

	IF nums IS NULL THEN
		SELECT array_agg(v.number ORDER BY v.due_date, v.number),
		    array_agg(NULL::bigint)
		INTO nums, amts
		FROM receipt_allocations x JOIN invoices v ON v.id = x.invoice_id
		WHERE x.receipt_id = r.id;
	END IF;
	n := coalesce(cardinality(nums), 0);
	IF n > 500 OR coalesce(cardinality(amts), 0) <> n THEN
		RETURN QUERY SELECT 'error'::text, 'amount'::text,
		    'Give one amount for each invoice.'::text, NULL::text,
		    NULL::char(3), NULL::bigint, NULL::bigint;
		RETURN;
	END IF;
	IF (SELECT count(DISTINCT u) FROM unnest(nums) u) <> n THEN
		RETURN QUERY SELECT 'error'::text, 'amount'::text,
		    'An invoice was listed twice.'::text, NULL::text,
		    NULL::char(3), NULL::bigint, NULL::bigint;
		RETURN;
	END IF;

	FOR i IN 1 .. n LOOP
		SELECT ra.invoice_id, ra.amount, ra.refunded INTO al
		FROM receipt_allocations ra JOIN invoices v ON v.id = ra.invoice_id
		WHERE ra.receipt_id = r.id AND v.number = nums[i];
		IF NOT FOUND THEN
			RETURN QUERY SELECT 'error'::text, 'amount-' || nums[i],
			    format('Invoice %s was not paid by receipt %s.', nums[i], r.number),
			    NULL::text, NULL::char(3), NULL::bigint,
			    NULL::bigint;
			RETURN;
		END IF;
		want := coalesce(amts[i], al.amount - al.refunded);
		IF want < 0 OR want > al.amount - al.refunded THEN
			RETURN QUERY SELECT 'error'::text, 'amount-' || nums[i],
			    CASE WHEN want < 0 THEN format('Amount for %s must not be negative.', nums[i])
			    WHEN al.refunded >= al.amount THEN format('Invoice %s has nothing left to refund on this receipt.', nums[i])
			    ELSE format('Amount for %s is more than is left to refund of it.', nums[i]) END,
			    NULL::text, NULL::char(3), NULL::bigint,
			    NULL::bigint;
			RETURN;
		END IF;
		IF want > 0 THEN
			ids := ids || al.invoice_id;
			wants := wants || want;
			sum_amount := sum_amount + want;
		END IF;
	END LOOP;

	left_after := (SELECT sum(amount - refunded) FROM receipt_allocations
	    WHERE receipt_id = r.id) - sum_amount;
	IF p_fee IS NULL THEN
		IF left_after = 0 THEN
			fee_part := r.fee - r.fee_refunded;
		END IF;
	ELSIF p_fee THEN
		IF r.fee = 0 THEN
			RETURN QUERY SELECT 'error'::text, 'fee'::text,
			    format('Receipt %s has no convenience fee to refund.', r.number),
			    NULL::text, NULL::char(3), NULL::bigint,
			    NULL::bigint;
			RETURN;
		ELSIF r.fee_refunded = r.fee THEN
			RETURN QUERY SELECT 'error'::text, 'fee'::text,
			    format('The convenience fee of receipt %s was refunded already.', r.number),
			    NULL::text, NULL::char(3), NULL::bigint,
			    NULL::bigint;
			RETURN;
		END IF;
		fee_part := r.fee - r.fee_refunded;
	END IF;
	IF sum_amount + fee_part = 0 THEN
		RETURN QUERY SELECT 'error'::text, 'amount'::text,
		    'Enter an amount to refund for at least one invoice, or refund the convenience fee.'::text,
		    NULL::text, NULL::char(3), NULL::bigint, NULL::bigint;
		RETURN;
	END IF;

	INSERT INTO refunds (id, receipt_id, currency, amount, fee, reason,
	    requested_by)
	VALUES (p_refund, r.id, r.currency, sum_amount + fee_part, fee_part, why,
	    p_staff);
	INSERT INTO refund_allocations (refund_id, receipt_id, invoice_id,
	    amount)
	SELECT p_refund, r.id, u.id, u.want FROM unnest(ids, wants) AS u(id, want);
	INSERT INTO link_events (link_id, kind, actor, staff_id, detail)
	SELECT a.link_id, 'refund_requested', who.name, who.id,
	    jsonb_build_object('refund', p_refund, 'receipt', r.number,
	    'currency', r.currency, 'amount', sum_amount + fee_part, 'fee',
	    fee_part)
	FROM payment_attempts a WHERE a.id = r.attempt_id;

	RETURN QUERY SELECT 'new'::text, NULL::text, NULL::text,
	    'pending'::text, r.currency, sum_amount + fee_part, fee_part;
END;
$$;

-- Settles a refund exactly once, whoever learns the outcome: success
-- marks it succeeded with the gateway's refund id (the trigger lowers the
-- invoices' paid amounts), logs "refunded" and queues the customer's
-- mail; failure lets go of what it held and records why. Settling a
-- settled refund changes nothing and returns how it ended; nothing is
-- returned for an unknown refund or an outcome about another gateway
-- refund.
CREATE FUNCTION refund_settle(p_refund uuid, p_success boolean,
    p_gateway_refund text, p_code text, p_message text, p_by text)
RETURNS TABLE (o_state text)
LANGUAGE plpgsql AS $$
DECLARE
	f	refunds%ROWTYPE;
	r	receipts%ROWTYPE;
	mail	text;
BEGIN
	SELECT * INTO f FROM refunds WHERE id = p_refund FOR UPDATE;
	IF NOT FOUND THEN
		RETURN;
	END IF;
	IF f.state <> 'pending' THEN
		RETURN QUERY SELECT f.state;
		RETURN;
	END IF;
	IF (p_success AND p_gateway_refund IS NULL) OR
	    (f.gateway_refund IS NOT NULL AND p_gateway_refund IS NOT NULL AND
	    f.gateway_refund <> p_gateway_refund) THEN
		RAISE WARNING 'refund %: outcome for gateway refund % refused',
		    f.id, p_gateway_refund;
		RETURN;
	END IF;
	SELECT * INTO r FROM receipts WHERE id = f.receipt_id;

	-- The rows the trigger changes, in the order refund_begin and the
	-- payments lock them, so that nothing waits in a circle.
	IF p_success THEN
		PERFORM 1 FROM invoices v JOIN refund_allocations a
		    ON a.invoice_id = v.id
		WHERE a.refund_id = f.id ORDER BY v.id FOR UPDATE OF v;
	ELSE
		PERFORM 1 FROM receipts WHERE id = r.id FOR UPDATE;
		PERFORM 1 FROM receipt_allocations WHERE receipt_id = r.id
		ORDER BY invoice_id FOR UPDATE;
	END IF;
	UPDATE refunds SET state = CASE WHEN p_success THEN 'succeeded'
	        ELSE 'failed' END,
	    gateway_refund = coalesce(gateway_refund, p_gateway_refund),
	    failure_code = CASE WHEN NOT p_success THEN p_code END,
	    failure_message = CASE WHEN NOT p_success THEN coalesce(p_message,
	        'The payment processor refused the refund.') END,
	    last_error = NULL, settled_at = now(), settled_by = p_by
	WHERE id = f.id;

	INSERT INTO link_events (link_id, kind, actor, staff_id, detail)
	SELECT a.link_id, CASE WHEN p_success THEN 'refunded'
	        ELSE 'refund_failed' END,
	    (SELECT name FROM staff WHERE id = f.requested_by), f.requested_by,
	    jsonb_build_object('refund', f.id, 'receipt', r.number,
	    'currency', f.currency, 'amount', f.amount, 'fee', f.fee) ||
	    CASE WHEN p_success THEN '{}'::jsonb ELSE jsonb_build_object(
	    'code', p_code, 'reason', coalesce(p_message,
	    'The payment processor refused the refund.')) END
	FROM payment_attempts a WHERE a.id = r.attempt_id;
	IF p_success THEN
		SELECT c.email INTO mail FROM customers c
		WHERE c.id = r.customer_id;
		IF mail IS NOT NULL AND mail <> '' THEN
			INSERT INTO outbox (kind, receipt_id, refund_id,
			    recipient)
			VALUES ('refund_email', r.id, f.id, mail);
		END IF;
	END IF;
	RETURN QUERY SELECT CASE WHEN p_success THEN 'succeeded'
	    ELSE 'failed' END;
END;
$$;

-- The background work's batch: pending refunds due for a try, claimed
-- with SKIP LOCKED and leased for p_lease, so that nodes share them and a
-- refund is not sent by two at once. A refund the gateway has not named
-- is only sent again while its Idempotency-Key is surely remembered
-- (p_horizon: Stripe keeps keys for at least 24 hours); past that, a
-- second request could refund twice, so it waits for a person.
CREATE FUNCTION refund_claim(p_limit integer, p_lease interval,
    p_horizon interval)
RETURNS TABLE (o_refund uuid, o_intent text, o_amount bigint,
    o_currency char(3), o_gateway_refund text, o_tries integer)
LANGUAGE sql AS $$
	UPDATE refunds f SET check_after = now() + p_lease, tries = f.tries + 1
	FROM (SELECT id FROM refunds
	    WHERE state = 'pending' AND check_after <= now()
	        AND (gateway_refund IS NOT NULL OR
	        created_at > now() - p_horizon)
	    ORDER BY check_after LIMIT p_limit FOR UPDATE SKIP LOCKED) due,
	    receipts r
	WHERE f.id = due.id AND r.id = f.receipt_id
	RETURNING f.id, r.gateway_ref, f.amount, f.currency, f.gateway_refund,
	    f.tries;
$$;

-- A try that settled nothing: the gateway's refund id if it named one,
-- why, and when to try again.
CREATE FUNCTION refund_retry(p_refund uuid, p_gateway_refund text,
    p_error text, p_after interval)
RETURNS void
LANGUAGE sql AS $$
	UPDATE refunds SET
	    gateway_refund = coalesce(gateway_refund, p_gateway_refund),
	    last_error = left(p_error, 500), check_after = now() + p_after
	WHERE id = p_refund AND state = 'pending';
$$;

-- A charge.refunded webhook, once per event id. The Charge it carries
-- names its intent but not which refund, so it settles nothing itself:
-- the receipt's pending refunds are tried again now, and the gateway
-- answers each under its own key. o_result: 'duplicate', 'checking'
-- (pending refunds of that intent were due now), 'ignored'.
CREATE FUNCTION refund_event(p_event text, p_type text, p_intent text)
RETURNS text
LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO gateway_events (id, type, intent_id)
	VALUES (p_event, p_type, p_intent) ON CONFLICT (id) DO NOTHING;
	IF NOT FOUND THEN
		RETURN 'duplicate';
	END IF;
	UPDATE refunds f SET check_after = now()
	FROM receipts r
	WHERE r.gateway_ref = p_intent AND f.receipt_id = r.id
	    AND f.state = 'pending' AND f.check_after > now();
	RETURN CASE WHEN FOUND THEN 'checking' ELSE 'ignored' END;
END;
$$;

-- One attempt of a link as its customer sees it: payment_status's rows
-- (one per invoice it paid), then one row per refund of its receipt that
-- is done or under way, with only the refund's columns filled.
CREATE FUNCTION payment_receipt(p_link uuid, p_attempt uuid)
RETURNS TABLE (o_state text, o_currency char(3), o_amount bigint,
    o_fee bigint, o_total bigint, o_method text, o_brand text, o_last4 text,
    o_failure text, o_receipt text, o_paid_at text, o_customer text,
    o_business text, o_business_address text, o_business_email text,
    o_gateway_ref text, o_invoice text, o_allocated bigint,
    o_refund_at text, o_refund_amount bigint, o_refund_state text)
LANGUAGE plpgsql STABLE AS $$
BEGIN
	RETURN QUERY SELECT s.o_state, s.o_currency, s.o_amount, s.o_fee,
	    s.o_total, s.o_method, s.o_brand, s.o_last4, s.o_failure,
	    s.o_receipt, s.o_paid_at, s.o_customer, s.o_business,
	    s.o_business_address, s.o_business_email, s.o_gateway_ref,
	    s.o_invoice, s.o_allocated, NULL::text, NULL::bigint, NULL::text
	FROM payment_status(p_link, p_attempt) WITH ORDINALITY AS s
	ORDER BY s.ordinality;
	IF NOT FOUND THEN
		RETURN;
	END IF;
	RETURN QUERY SELECT NULL::text, NULL::char(3), NULL::bigint,
	    NULL::bigint, NULL::bigint, NULL::text, NULL::text, NULL::text,
	    NULL::text, NULL::text, NULL::text, NULL::text, NULL::text,
	    NULL::text, NULL::text, NULL::text, NULL::text, NULL::bigint,
	    to_char(coalesce(f.settled_at, f.created_at) AT TIME ZONE
	        b.timezone, 'Mon FMDD, YYYY'),
	    f.amount, f.state
	FROM payment_attempts a
	JOIN receipts r ON r.attempt_id = a.id
	JOIN refunds f ON f.receipt_id = r.id AND f.state <> 'failed'
	CROSS JOIN business b
	WHERE a.id = p_attempt AND a.link_id = p_link
	ORDER BY f.created_at, f.id;
END;
$$;

-- The back office. Every kind of activity, in the order the filter lists
-- them: one list for the filter and the check of what it is given.
CREATE FUNCTION staff_event_kinds() RETURNS text[]
LANGUAGE sql IMMUTABLE AS $$
	SELECT ARRAY['created', 'copied', 'sent', 'send_failed', 'viewed',
	    'payment_started', 'payment_made', 'payment_failed',
	    'refund_requested', 'refunded', 'refund_failed', 'revoked',
	    'expired'];
$$;

CREATE OR REPLACE FUNCTION staff_event_json(e link_events) RETURNS jsonb
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
	        WHEN 'refund_requested' THEN 'Refund requested'
	        WHEN 'refunded' THEN 'Refunded'
	        WHEN 'refund_failed' THEN 'Refund failed'
	        WHEN 'revoked' THEN 'Revoked'
	        WHEN 'expired' THEN 'Expired' END,
	    'bad', e.kind IN ('payment_failed', 'send_failed', 'revoked',
	        'refund_failed'),
	    'good', e.kind IN ('payment_made', 'refunded'),
	    'at', staff_time(e.at),
	    'who', coalesce(e.actor, CASE WHEN e.kind IN ('viewed',
	        'payment_started', 'payment_made', 'payment_failed')
	        THEN 'Customer' ELSE 'System' END),
	    'customer_id', e.customer_id,
	    'customer', (SELECT name FROM customers WHERE id = e.customer_id),
	    'addr', host(e.client_addr), 'agent', e.user_agent,
	    'detail', concat_ws(' · ',
	        e.detail->>'receipt',
	        e.detail->>'reason', e.detail->>'message',
	        e.detail->>'destination', e.detail->>'error'),
	    'amount', CASE WHEN e.detail ? 'amount' AND e.detail ? 'currency'
	        THEN staff_money((e.detail->>'amount')::bigint,
	        e.detail->>'currency') END);
$$;

CREATE OR REPLACE FUNCTION staff_activity_form(p jsonb) RETURNS jsonb
LANGUAGE sql STABLE AS $$
	SELECT jsonb_build_object('customer', p->>'customer',
	    'from', p->>'from', 'to', p->>'to',
	    'kinds', (SELECT jsonb_agg(jsonb_build_object('value', k,
	        'label', initcap(replace(k, '_', ' ')),
	        'selected', k = p->>'kind') ORDER BY o)
	        FROM unnest(staff_event_kinds()) WITH ORDINALITY AS u(k, o)),
	    'staff_members', (SELECT jsonb_agg(jsonb_build_object('id', s.id,
	        'name', s.name, 'selected', s.id::text = p->>'staff')
	        ORDER BY s.name) FROM staff s));
$$;

-- 007's activity page, the kinds it takes from staff_event_kinds().
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
	IF f_kind IS NOT NULL AND NOT f_kind = ANY (staff_event_kinds()) THEN
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

-- Whether anything of a receipt is left to refund.
CREATE FUNCTION staff_refundable(r receipts) RETURNS boolean
LANGUAGE sql STABLE AS $$
	SELECT r.fee_refunded < r.fee OR EXISTS (SELECT 1
	    FROM receipt_allocations x WHERE x.receipt_id = r.id
	        AND x.refunded < x.amount);
$$;

-- One refund as admins see it: how it went, and who asked.
CREATE FUNCTION staff_refund_json(f refunds) RETURNS jsonb
LANGUAGE sql STABLE AS $$
	SELECT jsonb_build_object('id', f.id, 'receipt_id', f.receipt_id,
	    'receipt', (SELECT number FROM receipts WHERE id = f.receipt_id),
	    'at', staff_time(f.created_at), 'settled', staff_time(f.settled_at),
	    'amount', staff_money(f.amount, f.currency),
	    'fee', CASE WHEN f.fee > 0 THEN staff_money(f.fee, f.currency) END,
	    'state', CASE f.state WHEN 'pending' THEN 'pending'
	        WHEN 'succeeded' THEN 'refunded' ELSE 'failed' END,
	    'pending', f.state = 'pending', 'succeeded', f.state = 'succeeded',
	    'failed', f.state = 'failed',
	    'reason', nullif(f.reason, ''), 'failure', f.failure_message,
	    'last_error', CASE WHEN f.state = 'pending' THEN f.last_error END,
	    'gateway_refund', f.gateway_refund,
	    'who', (SELECT name FROM staff WHERE id = f.requested_by));
$$;

-- A customer's Financial tab (004), with each receipt's refunds and a way
-- to refund it, and the customer's recent refunds.
CREATE OR REPLACE FUNCTION staff_customer(p_id bigint) RETURNS jsonb
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
	        'id', r.id, 'number', r.number, 'at', staff_time(r.created_at),
	        'total', staff_money(r.total, r.currency),
	        'fee', staff_money(r.fee, r.currency),
	        'method', CASE r.method WHEN 'card' THEN
	            coalesce(initcap(r.card_brand), 'Card') ||
	            coalesce(' ···· ' || r.card_last4, '')
	            ELSE 'Bank account' END,
	        'invoices', (SELECT string_agg(i.number, ', ' ORDER BY i.number)
	            FROM receipt_allocations ra JOIN invoices i
	            ON i.id = ra.invoice_id WHERE ra.receipt_id = r.id),
	        'refunded', (SELECT staff_money(sum(f.amount)::bigint,
	            r.currency) FROM refunds f WHERE f.receipt_id = r.id
	            AND f.state = 'succeeded' HAVING count(*) > 0),
	        'refund_pending', EXISTS (SELECT 1 FROM refunds f
	            WHERE f.receipt_id = r.id AND f.state = 'pending'),
	        'refundable', staff_refundable(r))
	        ORDER BY r.created_at DESC) FROM (SELECT * FROM receipts
	        WHERE customer_id = c.id ORDER BY created_at DESC LIMIT 10) r),
	        '[]'),
	    'refunds', coalesce((SELECT jsonb_agg(staff_refund_json(f)
	        ORDER BY f.created_at DESC, f.id) FROM (SELECT f.* FROM refunds f
	        JOIN receipts r ON r.id = f.receipt_id WHERE r.customer_id = c.id
	        ORDER BY f.created_at DESC LIMIT 10) f), '[]'),
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


-- A receipt and its refunds as admins see them, with the refund form: per
-- invoice what was paid, what refunds hold and what is left, the amount
-- to give back (all that is left until the admin types otherwise) and the
-- fee. With p_errors the form comes back as typed (p), each invoice's
-- error on its row. The form's refund id is made here, so that a second
-- submit of the same form is the same refund.
CREATE FUNCTION staff_refund_page(p_receipt bigint, p jsonb, p_errors jsonb)
RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
	r	receipts%ROWTYPE;
	c	customers%ROWTYPE;
	back	boolean := p_errors IS NOT NULL;
	done	bigint;
	data	jsonb;
BEGIN
	SELECT * INTO r FROM receipts WHERE id = p_receipt;
	IF NOT FOUND THEN
		RETURN '{"status": 404}';
	END IF;
	SELECT * INTO c FROM customers WHERE id = r.customer_id;
	SELECT coalesce(sum(amount), 0) INTO done FROM refunds
	WHERE receipt_id = r.id AND state = 'succeeded';
	data := jsonb_build_object(
	    'customer', jsonb_build_object('id', c.id, 'name', c.name),
	    'receipt', jsonb_build_object('id', r.id, 'number', r.number,
	        'at', staff_time(r.created_at), 'currency', r.currency,
	        'method', CASE r.method WHEN 'card' THEN
	            coalesce(initcap(r.card_brand), 'Card') ||
	            coalesce(' ···· ' || r.card_last4, '')
	            ELSE 'Bank account' END,
	        'gateway_ref', r.gateway_ref,
	        'fee', staff_money(r.fee, r.currency),
	        'total', staff_money(r.total, r.currency),
	        'refunded', staff_money(done, r.currency),
	        'net', staff_money(r.total - done, r.currency)),
	    'invoices', (SELECT jsonb_agg(jsonb_build_object(
	        'number', v.number, 'field', 'i' || v.id || '_amount',
	        'paid', staff_money(x.amount, r.currency),
	        'held', staff_money(x.refunded, r.currency),
	        'left', staff_money(x.amount - x.refunded, r.currency),
	        'value', CASE WHEN back THEN to_jsonb(coalesce(p->>('i' ||
	            v.id || '_amount'), '')) ELSE jsonb_build_object('plain',
	            x.amount - x.refunded, 'currency', r.currency) END,
	        'row_error', (SELECT jsonb_build_object('id', e->>'field' ||
	            '-error', 'message', e->>'message')
	            FROM jsonb_array_elements(p_errors) e
	            WHERE e->>'field' = 'i' || v.id || '_amount' LIMIT 1))
	        ORDER BY v.due_date, v.number)
	        FROM receipt_allocations x JOIN invoices v ON v.id = x.invoice_id
	        WHERE x.receipt_id = r.id),
	    'has_fee', r.fee > r.fee_refunded,
	    'fee_left', staff_money(r.fee - r.fee_refunded, r.currency),
	    'fee_checked', CASE WHEN back THEN coalesce(p->>'fee', '') = 'on'
	        ELSE r.fee > r.fee_refunded END,
	    'reason', CASE WHEN back THEN p->>'reason' END,
	    'refund', CASE WHEN back AND coalesce(p->>'refund', '') ~
	        '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
	        THEN p->>'refund' ELSE gen_random_uuid()::text END,
	    'refundable', staff_refundable(r),
	    'requested', EXISTS (SELECT 1 FROM refunds WHERE receipt_id = r.id
	        AND id::text = p->>'requested'),
	    'pending', EXISTS (SELECT 1 FROM refunds WHERE receipt_id = r.id
	        AND state = 'pending'),
	    'refunds', coalesce((SELECT jsonb_agg(staff_refund_json(f)
	        ORDER BY f.created_at DESC, f.id) FROM refunds f
	        WHERE f.receipt_id = r.id), '[]'));
	IF back THEN
		RETURN staff_invalid('staff_refund', data, p_errors);
	END IF;
	RETURN jsonb_build_object('status', 200, 'template', 'staff_refund',
	    'data', data);
END;
$$;

-- The refund form, submitted: p carries what the C side made of each
-- amount typed (i<invoice id>_amount: _minor, or _error naming what is
-- wrong); an empty amount gives nothing back of that invoice. refund_begin
-- checks the rest under lock. Recorded, the page shows the refund pending
-- ("Refund requested") until the background work has sent it.
CREATE FUNCTION staff_refund(p_actor bigint, p_receipt bigint, p jsonb)
RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
	r	receipts%ROWTYPE;
	al	record;
	b	record;
	fld	text;
	errs	jsonb := '[]';
	nums	text[] := '{}';
	amts	bigint[] := '{}';
BEGIN
	SELECT * INTO r FROM receipts WHERE id = p_receipt;
	IF NOT FOUND THEN
		RETURN '{"status": 404}';
	END IF;
	IF coalesce(p->>'refund', '') !~
	    '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' THEN
		errs := errs || jsonb_build_object('field', 'amounts', 'message',
		    'This form is out of date. Reload the page and try again.');
	END IF;
	FOR al IN SELECT v.id, v.number FROM receipt_allocations x
	    JOIN invoices v ON v.id = x.invoice_id WHERE x.receipt_id = r.id
	    ORDER BY v.due_date, v.number LOOP
		fld := 'i' || al.id || '_amount';
		IF p ? (fld || '_error') THEN
			errs := errs || jsonb_build_object('field', fld,
			    'message', 'Amount for ' || al.number || ' ' ||
			    (p->>(fld || '_error')) || '.');
		ELSIF p ? (fld || '_minor') THEN
			IF p->>(fld || '_currency') IS DISTINCT FROM r.currency
			    THEN
				errs := errs || jsonb_build_object('field', fld,
				    'message', 'Amount for ' || al.number ||
				    ' must be in ' || r.currency || '.');
			ELSE
				nums := nums || al.number;
				amts := amts || (p->>(fld || '_minor'))::bigint;
			END IF;
		END IF;
	END LOOP;
	IF jsonb_array_length(errs) > 0 THEN
		RETURN staff_refund_page(r.id, p, errs);
	END IF;

	SELECT * INTO b FROM refund_begin((p->>'refund')::uuid, r.id, nums,
	    amts, coalesce(p->>'fee', '') = 'on', p->>'reason', p_actor);
	IF b.o_result = 'error' THEN
		RETURN staff_refund_page(r.id, p, jsonb_build_array(
		    jsonb_build_object('field', CASE
		    WHEN b.o_field LIKE 'amount-%' THEN coalesce((SELECT 'i' ||
		        v.id || '_amount' FROM invoices v
		        WHERE v.number = substr(b.o_field, 8)), 'amounts')
		    WHEN b.o_field IN ('fee', 'reason') THEN b.o_field
		    ELSE 'amounts' END, 'message', b.o_message)));
	END IF;
	-- No fragment: the page reloads itself while the refund is pending,
	-- and a browser keeps a fragment's page instead of loading it again.
	RETURN jsonb_build_object('status', 303, 'location', '/staff/receipts/'
	    || r.id || '/refund?requested=' || (p->>'refund'));
END;
$$;

-- Every staff request (004), and admins' refunds: the refund page of a
-- receipt, and its form.
CREATE OR REPLACE FUNCTION staff_request(p_sid text, p_method text, p_path text,
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
	    'settings/keys', 'receipts/:id/refund') THEN
		RETURN '{"status": 404}';
	END IF;
	IF (route IN ('activity', 'team', 'team/:id', 'receipts/:id/refund') OR
	    route LIKE 'settings%') AND me.role <> 'admin' THEN
		RETURN '{"status": 403}';
	END IF;
	IF post <> (route IN ('signout', 'customers/:id/copy',
	    'invoices/:id/link', 'links/:id/copy', 'links/:id/revoke',
	    'links/:id/send', 'team/:id') OR route LIKE 'settings/%' OR
	    (route IN ('team', 'receipts/:id/refund') AND post)) THEN
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
	WHEN 'receipts/:id/refund' THEN
		r := CASE WHEN post THEN staff_refund(me.id, m[2]::bigint, p)
		    ELSE staff_refund_page(m[2]::bigint, p, NULL) END;
	END CASE;
	IF r ? 'template' THEN
		r := jsonb_set(r, '{data,me}', staff_me(me.id, me.csrf));
	END IF;
	RETURN r;
END;
$$;

