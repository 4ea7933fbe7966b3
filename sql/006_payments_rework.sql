-- payportal schema, part 6: payments reworked.
--
-- What pending attempts hold on an invoice, kept on the invoice itself and
-- changed under the invoice's row lock: checking a new payment reads one
-- row instead of summing every allocation the invoice ever had, and the
-- database refuses a reservation that would take more than is open.
ALTER TABLE invoices ADD COLUMN reserved bigint NOT NULL DEFAULT 0;
UPDATE invoices v SET reserved = s.held
FROM (SELECT x.invoice_id, sum(x.amount) AS held
    FROM attempt_allocations x JOIN payment_attempts p ON p.id = x.attempt_id
    WHERE p.state = 'pending' GROUP BY x.invoice_id) s
WHERE v.id = s.invoice_id;
ALTER TABLE invoices ADD CONSTRAINT invoices_reserved_open
	CHECK (reserved >= 0 AND paid + reserved <= total);

CREATE OR REPLACE FUNCTION payment_begin(p_attempt uuid, p_link uuid,
    p_method text, p_pm text, p_numbers text[], p_amounts bigint[],
    p_addr inet, p_agent text, p_deadline interval)
RETURNS TABLE (o_result text, o_field text, o_message text, o_state text,
    o_currency char(3), o_amount bigint, o_fee bigint, o_total bigint,
    o_intent text)
LANGUAGE plpgsql AS $$
DECLARE
	l		pay_links%ROWTYPE;
	a		payment_attempts%ROWTYPE;
	inv		record;
	n		integer;
	i		integer;
	cur		char(3);
	want		bigint;
	avail		bigint;
	ids		bigint[] := '{}';
	wants		bigint[] := '{}';
	sum_amount	bigint := 0;
	fee		bigint;
	fails		integer;
BEGIN
	-- Two submits of one form are one attempt: the second waits here.
	PERFORM pg_advisory_xact_lock(hashtextextended(p_attempt::text, 0));

	SELECT * INTO l FROM pay_links WHERE id = p_link FOR SHARE;
	IF NOT FOUND OR l.revoked_at IS NOT NULL OR l.expires_at <= now() THEN
		RETURN QUERY SELECT 'gone'::text, NULL::text, NULL::text,
		    NULL::text, NULL::char(3), NULL::bigint, NULL::bigint,
		    NULL::bigint, NULL::text;
		RETURN;
	END IF;

	SELECT * INTO a FROM payment_attempts WHERE id = p_attempt;
	IF FOUND THEN
		-- The same form again is the same attempt; anything else in
		-- it (link, method, card, invoices, amounts) is a reused form.
		IF a.link_id <> p_link OR a.method <> p_method OR
		    a.payment_method <> p_pm OR (SELECT array_agg(v.number ||
		    ':' || x.amount ORDER BY v.number) FROM
		    attempt_allocations x JOIN invoices v ON v.id = x.invoice_id
		    WHERE x.attempt_id = a.id) IS DISTINCT FROM (SELECT
		    array_agg(u.n || ':' || coalesce(u.a::text, '?') ORDER BY
		    u.n) FROM unnest(p_numbers, p_amounts) AS u(n, a)) THEN
			RETURN QUERY SELECT 'error'::text, 'attempt'::text,
			    'This payment form was already used. Reload the page to start a new payment.'::text,
			    a.state, NULL::char(3), NULL::bigint, NULL::bigint,
			    NULL::bigint, NULL::text;
			RETURN;
		END IF;
		RETURN QUERY SELECT 'existing'::text, NULL::text, NULL::text,
		    a.state, a.currency, a.amount, a.fee, a.total, a.intent_id;
		RETURN;
	END IF;

	-- Card testing: a link or an address with many recent failures waits.
	SELECT count(*) INTO fails FROM payment_attempts
	WHERE link_id = p_link AND state = 'failed'
	    AND created_at > now() - interval '15 minutes';
	IF fails < 5 AND p_addr IS NOT NULL THEN
		SELECT count(*) INTO fails FROM payment_attempts
		WHERE client_addr = p_addr AND state = 'failed'
		    AND created_at > now() - interval '15 minutes';
		fails := CASE WHEN fails >= 10 THEN 5 ELSE 0 END;
	END IF;
	IF fails >= 5 THEN
		INSERT INTO link_events (link_id, kind, client_addr, user_agent,
		    detail)
		VALUES (p_link, 'payment_failed', p_addr, p_agent,
		    jsonb_build_object('reason', 'too many failed attempts',
		    'code', 'rate_limited'));
		RETURN QUERY SELECT 'limited'::text, NULL::text,
		    'Too many payments were declined in the last few minutes. Please wait 15 minutes and try again, or contact the business.'::text,
		    NULL::text, NULL::char(3), NULL::bigint, NULL::bigint,
		    NULL::bigint, NULL::text;
		RETURN;
	END IF;

	IF p_method NOT IN ('card', 'bank_account') THEN
		RETURN QUERY SELECT 'error'::text, 'method'::text,
		    'Choose how you would like to pay: card or bank account.'::text,
		    NULL::text, NULL::char(3), NULL::bigint, NULL::bigint,
		    NULL::bigint, NULL::text;
		RETURN;
	END IF;
	IF p_pm = '' THEN
		RETURN QUERY SELECT 'error'::text, 'payment_method'::text,
		    'Enter your card or bank account details to pay.'::text,
		    NULL::text, NULL::char(3), NULL::bigint, NULL::bigint,
		    NULL::bigint, NULL::text;
		RETURN;
	END IF;

	n := coalesce(cardinality(p_numbers), 0);
	IF n = 0 OR n > 500 OR cardinality(p_amounts) <> n THEN
		RETURN QUERY SELECT 'error'::text, 'pay'::text,
		    'Select at least one invoice to pay.'::text, NULL::text,
		    NULL::char(3), NULL::bigint, NULL::bigint, NULL::bigint,
		    NULL::text;
		RETURN;
	END IF;
	IF (SELECT count(DISTINCT x) FROM unnest(p_numbers) x) <> n THEN
		RETURN QUERY SELECT 'error'::text, 'pay'::text,
		    'An invoice was selected twice.'::text, NULL::text,
		    NULL::char(3), NULL::bigint, NULL::bigint, NULL::bigint,
		    NULL::text;
		RETURN;
	END IF;

	-- Lock in id order, as payment_settle does, so two payments over the
	-- same invoices cannot deadlock.
	PERFORM 1 FROM invoices
	WHERE customer_id = l.customer_id AND number = ANY (p_numbers)
	ORDER BY id FOR UPDATE;

	FOR i IN 1 .. n LOOP
		SELECT v.* INTO inv FROM invoices v
		WHERE v.number = p_numbers[i] AND v.customer_id = l.customer_id
		    AND v.status = 'posted' AND v.kind = 'invoice'
		    AND (l.scope = 'customer' OR EXISTS (SELECT 1
		        FROM pay_link_invoices x
		        WHERE x.link_id = l.id AND x.invoice_id = v.id));
		IF NOT FOUND OR inv.paid >= inv.total THEN
			RETURN QUERY SELECT 'error'::text,
			    'amount-' || p_numbers[i],
			    format('Invoice %s is not open for payment on this link.', p_numbers[i]),
			    NULL::text, NULL::char(3), NULL::bigint,
			    NULL::bigint, NULL::bigint, NULL::text;
			RETURN;
		END IF;
		IF cur IS NULL THEN
			cur := inv.currency;
		ELSIF cur <> inv.currency THEN
			RETURN QUERY SELECT 'error'::text, 'pay'::text,
			    format('Invoices in %s and %s must be paid separately: select invoices of one currency.', cur, inv.currency),
			    NULL::text, NULL::char(3), NULL::bigint,
			    NULL::bigint, NULL::bigint, NULL::text;
			RETURN;
		END IF;
		avail := inv.total - inv.paid - inv.reserved;
		want := coalesce(p_amounts[i], avail);
		IF want <= 0 OR want > avail OR
		    (NOT l.allow_partial AND want <> inv.total - inv.paid) THEN
			RETURN QUERY SELECT 'error'::text,
			    'amount-' || p_numbers[i],
			    CASE WHEN inv.reserved > 0 THEN format('Invoice %s has a payment in progress. Please wait a minute and reload the page.', p_numbers[i])
			    WHEN want <= 0 THEN format('Amount for %s must be more than zero.', p_numbers[i])
			    WHEN NOT l.allow_partial AND want < inv.total - inv.paid THEN format('Invoice %s must be paid in full on this link.', p_numbers[i])
			    ELSE format('Amount for %s is more than what is still open.', p_numbers[i]) END,
			    NULL::text, NULL::char(3), NULL::bigint,
			    NULL::bigint, NULL::bigint, NULL::text;
			RETURN;
		END IF;
		ids := ids || inv.id;
		wants := wants || want;
		sum_amount := sum_amount + want;
	END LOOP;

	IF l.fixed_amount IS NOT NULL AND sum_amount > l.fixed_amount THEN
		RETURN QUERY SELECT 'error'::text, 'pay'::text,
		    'The amount is more than this link asks for.'::text,
		    NULL::text, NULL::char(3), NULL::bigint, NULL::bigint,
		    NULL::bigint, NULL::text;
		RETURN;
	END IF;

	fee := payment_fee(p_method, cur, sum_amount);
	IF fee IS NULL THEN
		RETURN QUERY SELECT 'error'::text, 'method'::text,
		    format('Paying by %s is not available for %s. Please choose another payment method.',
		    CASE p_method WHEN 'card' THEN 'card' ELSE 'bank account' END, cur),
		    NULL::text, NULL::char(3), NULL::bigint, NULL::bigint,
		    NULL::bigint, NULL::text;
		RETURN;
	END IF;

	INSERT INTO payment_attempts (id, link_id, customer_id, method,
	    payment_method, currency, amount, fee, total, client_addr,
	    user_agent, deadline, check_after)
	VALUES (p_attempt, l.id, l.customer_id, p_method, p_pm, cur,
	    sum_amount, fee, sum_amount + fee, p_addr, p_agent,
	    now() + p_deadline, now());
	INSERT INTO attempt_allocations (attempt_id, invoice_id, amount)
	SELECT p_attempt, u.id, u.want FROM unnest(ids, wants) AS u(id, want);
	UPDATE invoices v SET reserved = v.reserved + u.want
	FROM unnest(ids, wants) AS u(id, want) WHERE v.id = u.id;
	INSERT INTO link_events (link_id, kind, client_addr, user_agent, detail)
	VALUES (l.id, 'payment_started', p_addr, p_agent,
	    jsonb_build_object('attempt', p_attempt, 'method', p_method,
	    'currency', cur, 'amount', sum_amount, 'fee', fee));

	RETURN QUERY SELECT 'new'::text, NULL::text, NULL::text,
	    'pending'::text, cur, sum_amount, fee, sum_amount + fee,
	    NULL::text;
END;
$$;

CREATE OR REPLACE FUNCTION payment_settle(p_attempt uuid, p_success boolean,
    p_intent text, p_brand text, p_last4 text, p_code text,
    p_message text, p_by text, p_amount bigint)
RETURNS TABLE (o_state text, o_receipt text)
LANGUAGE plpgsql AS $$
DECLARE
	a	payment_attempts%ROWTYPE;
	yr	integer;
	seq	integer;
	num	text;
	rid	bigint;
	mail	text;
BEGIN
	SELECT * INTO a FROM payment_attempts WHERE id = p_attempt FOR UPDATE;
	IF NOT FOUND THEN
		RETURN;
	END IF;
	IF a.state <> 'pending' THEN
		-- A webhook settles without the card (events carry no
		-- expanded charge); whoever learns it later fills it in.
		IF a.state = 'succeeded' AND p_success AND
		    a.card_last4 IS NULL AND p_last4 IS NOT NULL AND
		    p_intent IS NOT DISTINCT FROM a.intent_id THEN
			UPDATE payment_attempts SET card_brand = p_brand,
			    card_last4 = p_last4
			WHERE id = a.id;
			UPDATE receipts SET card_brand = p_brand,
			    card_last4 = p_last4
			WHERE attempt_id = a.id;
		END IF;
		RETURN QUERY SELECT a.state, (SELECT r.number FROM receipts r
		    WHERE r.attempt_id = a.id);
		RETURN;
	END IF;
	-- An outcome about another charge, or another amount, is not this
	-- attempt's: leave it pending for the reconciler and say nothing.
	IF (a.intent_id IS NOT NULL AND p_intent IS NOT NULL AND
	    a.intent_id <> p_intent) OR (p_success AND p_amount IS NOT NULL AND
	    p_amount <> a.total) THEN
		RAISE WARNING 'attempt %: outcome for intent % amount % refused',
		    a.id, p_intent, p_amount;
		RETURN;
	END IF;

	-- Either way the reservation ends; success turns it into payment.
	-- CHECK (paid + reserved <= total) makes an overpayment abort the
	-- whole transaction; the reservations make it impossible in the
	-- first place.
	PERFORM 1 FROM invoices v JOIN attempt_allocations x
	    ON x.invoice_id = v.id
	WHERE x.attempt_id = a.id ORDER BY v.id FOR UPDATE OF v;
	UPDATE invoices v SET reserved = v.reserved - x.amount,
	    paid = v.paid + CASE WHEN p_success THEN x.amount ELSE 0 END
	FROM attempt_allocations x
	WHERE x.attempt_id = a.id AND x.invoice_id = v.id;

	IF NOT p_success THEN
		UPDATE payment_attempts SET state = 'failed',
		    intent_id = coalesce(intent_id, p_intent),
		    failure_code = p_code, failure_message = p_message,
		    settled_at = now(), settled_by = p_by
		WHERE id = a.id;
		INSERT INTO link_events (link_id, kind, client_addr, user_agent,
		    detail)
		VALUES (a.link_id, 'payment_failed', a.client_addr, a.user_agent,
		    jsonb_build_object('attempt', a.id, 'code', p_code,
		    'reason', p_message, 'method', a.method));
		RETURN QUERY SELECT 'failed'::text, NULL::text;
		RETURN;
	END IF;

	yr := extract(year FROM now() AT TIME ZONE (SELECT timezone
	    FROM business))::integer;
	INSERT INTO receipt_counters AS c (year, last) VALUES (yr, 1)
	ON CONFLICT (year) DO UPDATE SET last = c.last + 1
	RETURNING c.last INTO seq;
	num := format('R%s-%s', yr, lpad(seq::text, 6, '0'));
	INSERT INTO receipts (number, year, seq, attempt_id, customer_id,
	    currency, amount, fee, total, method, card_brand, card_last4,
	    gateway_ref)
	VALUES (num, yr, seq, a.id, a.customer_id, a.currency, a.amount,
	    a.fee, a.total, a.method, p_brand, p_last4,
	    coalesce(p_intent, a.intent_id))
	RETURNING id INTO rid;
	INSERT INTO receipt_allocations (receipt_id, invoice_id, amount)
	SELECT rid, x.invoice_id, x.amount FROM attempt_allocations x
	WHERE x.attempt_id = a.id;
	UPDATE payment_attempts SET state = 'succeeded',
	    intent_id = coalesce(intent_id, p_intent), card_brand = p_brand,
	    card_last4 = p_last4, settled_at = now(), settled_by = p_by
	WHERE id = a.id;
	INSERT INTO link_events (link_id, kind, client_addr, user_agent, detail)
	VALUES (a.link_id, 'payment_made', a.client_addr, a.user_agent,
	    jsonb_build_object('attempt', a.id, 'receipt', num,
	    'currency', a.currency, 'amount', a.total, 'method', a.method));
	SELECT c.email INTO mail FROM customers c WHERE c.id = a.customer_id;
	IF mail IS NOT NULL AND mail <> '' THEN
		INSERT INTO outbox (kind, receipt_id, recipient)
		VALUES ('receipt_email', rid, mail);
	END IF;
	RETURN QUERY SELECT 'succeeded'::text, num;
END;
$$;

DROP FUNCTION invoice_reserved(bigint, uuid);

-- The reconciler's batch, as before, and whether the attempt is past its
-- deadline by p_quiet as well: by then no request of ours for it can
-- still reach the gateway, so the gateway's "no such intent" is final.
DROP FUNCTION payment_claim(integer, interval);
CREATE FUNCTION payment_claim(p_limit integer, p_age interval,
    p_quiet interval)
RETURNS TABLE (o_attempt uuid, o_intent text, o_past_deadline boolean,
    o_total bigint, o_currency char(3), o_payment_method text,
    o_link uuid, o_quiet boolean)
LANGUAGE sql AS $$
	UPDATE payment_attempts p SET check_after = now() + interval '30 seconds'
	FROM (SELECT id FROM payment_attempts
	    WHERE state = 'pending' AND check_after <= now()
	        AND created_at <= now() - p_age
	    ORDER BY check_after LIMIT p_limit FOR UPDATE SKIP LOCKED) due
	WHERE p.id = due.id
	RETURNING p.id, p.intent_id, p.deadline <= now(), p.total, p.currency,
	    p.payment_method, p.link_id, p.deadline + p_quiet <= now();
$$;

-- Everything a customer's page needs in one call: public_link_view's rows;
-- the state of the attempt a submitted payment form names, on every row
-- (a form already paid or declined shows how it went, whatever has
-- happened to the link since); then one row per enabled fee rule, with the
-- link and invoice columns NULL, for the fee of each payment method.
CREATE FUNCTION public_link_page(p_link uuid, p_addr inet, p_agent text,
    p_record boolean, p_attempt uuid)
RETURNS TABLE (o_state text, o_allow_partial boolean, o_fixed_amount bigint,
    o_customer text, o_business text, o_number text, o_kind text,
    o_currency char(3), o_issue_date date, o_due_date date, o_total bigint,
    o_paid bigint, o_overdue boolean, o_attempt_state text,
    o_fee_method text, o_fee_currency char(3), o_fee_percent_bp integer,
    o_fee_fixed bigint, o_fee_min bigint, o_fee_max bigint)
LANGUAGE plpgsql AS $$
DECLARE
	known	text;
BEGIN
	IF p_attempt IS NOT NULL THEN
		SELECT a.state INTO known FROM payment_attempts a
		WHERE a.id = p_attempt AND a.link_id = p_link;
	END IF;
	RETURN QUERY SELECT v.*, known, NULL::text, NULL::char(3),
	    NULL::integer, NULL::bigint, NULL::bigint, NULL::bigint
	FROM public_link_view(p_link, p_addr, p_agent, p_record) v;
	IF NOT FOUND THEN
		RETURN;
	END IF;
	RETURN QUERY SELECT NULL::text, NULL::boolean, NULL::bigint,
	    NULL::text, NULL::text, NULL::text, NULL::text, NULL::char(3),
	    NULL::date, NULL::date, NULL::bigint, NULL::bigint,
	    NULL::boolean, known, f.method, f.currency, f.percent_bp,
	    f.fixed, f.min_fee, f.max_fee
	FROM fee_rules f WHERE f.enabled
	ORDER BY f.currency, f.method <> 'card', f.method;
END;
$$;

-- As before; and when the event's attempt was settled already (the
-- customer's own request usually learns the outcome first), nothing moves,
-- so the commit need not wait for the disk: should the record of the
-- event id be lost in a crash, the gateway's retry settles nothing again.
CREATE OR REPLACE FUNCTION gateway_event_settle(p_event text, p_type text,
    p_intent text, p_attempt uuid, p_success boolean, p_amount bigint,
    p_brand text, p_last4 text, p_code text, p_message text)
RETURNS TABLE (o_result text, o_state text, o_receipt text)
LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO gateway_events (id, type, intent_id)
	VALUES (p_event, p_type, p_intent) ON CONFLICT (id) DO NOTHING;
	IF NOT FOUND THEN
		PERFORM set_config('synchronous_commit', 'off', true);
		RETURN QUERY SELECT 'duplicate'::text, NULL::text, NULL::text;
		RETURN;
	END IF;
	IF p_attempt IS NULL OR p_success IS NULL THEN
		PERFORM set_config('synchronous_commit', 'off', true);
		RETURN QUERY SELECT 'ignored'::text, NULL::text, NULL::text;
		RETURN;
	END IF;
	IF EXISTS (SELECT 1 FROM payment_attempts
	    WHERE id = p_attempt AND state <> 'pending') THEN
		PERFORM set_config('synchronous_commit', 'off', true);
	END IF;
	RETURN QUERY SELECT 'settled'::text, s.o_state, s.o_receipt
	FROM payment_settle(p_attempt, p_success, p_intent, p_brand, p_last4,
	    p_code, p_message, 'webhook', p_amount) s;
	IF NOT FOUND THEN
		RETURN QUERY SELECT 'ignored'::text, NULL::text, NULL::text;
	END IF;
END;
$$;
