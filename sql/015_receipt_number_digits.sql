-- payportal schema, part 15: receipt numbers keep every digit.
--
-- A receipt's number was format('R%s-%s', year, lpad(seq, 6, '0')), and
-- lpad cuts a longer string to the length it is given: the millionth
-- receipt of a year would have been numbered R<year>-100000, the number
-- of the hundred-thousandth. Its INSERT would then have failed on the
-- numbers' unique index, and with it the payment's settle, every time:
-- the customer charged and no receipt. Numbers keep at least six digits,
-- and all of them past 999999.
CREATE FUNCTION receipt_number(p_year integer, p_seq integer) RETURNS text
LANGUAGE sql IMMUTABLE STRICT AS $$
	SELECT format('R%s-%s', p_year,
	    lpad(p_seq::text, greatest(6, length(p_seq::text)), '0'))
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

	rid := nextval('receipts_id_seq');
	INSERT INTO receipt_allocations (receipt_id, invoice_id, amount)
	SELECT rid, x.invoice_id, x.amount FROM attempt_allocations x
	WHERE x.attempt_id = a.id;
	UPDATE payment_attempts SET state = 'succeeded',
	    intent_id = coalesce(intent_id, p_intent), card_brand = p_brand,
	    card_last4 = p_last4, settled_at = now(), settled_by = p_by
	WHERE id = a.id;
	INSERT INTO outbox (kind, receipt_id, recipient)
	SELECT 'receipt_email', rid, c.email FROM customers c
	WHERE c.id = a.customer_id AND c.email <> '';
	yr := extract(year FROM now() AT TIME ZONE (SELECT timezone
	    FROM business))::integer;

	-- From here to the commit, every other payment waits for its number.
	INSERT INTO receipt_counters AS c (year, last) VALUES (yr, 1)
	ON CONFLICT (year) DO UPDATE SET last = c.last + 1
	RETURNING c.last INTO seq;
	num := receipt_number(yr, seq);
	INSERT INTO receipts (id, number, year, seq, attempt_id, customer_id,
	    currency, amount, fee, total, method, card_brand, card_last4,
	    gateway_ref)
	VALUES (rid, num, yr, seq, a.id, a.customer_id, a.currency, a.amount,
	    a.fee, a.total, a.method, p_brand, p_last4,
	    coalesce(p_intent, a.intent_id));
	INSERT INTO link_events (link_id, kind, client_addr, user_agent, detail)
	VALUES (a.link_id, 'payment_made', a.client_addr, a.user_agent,
	    jsonb_build_object('attempt', a.id, 'receipt', num,
	    'currency', a.currency, 'amount', a.total, 'method', a.method));
	RETURN QUERY SELECT 'succeeded'::text, num;
END;
$$;

