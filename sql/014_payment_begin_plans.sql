-- payportal schema, part 14: payment_begin planned once per connection.
--
-- Two of payment_begin's statements took an array: the one that locks the
-- selected invoices (customer_id = ... AND number = ANY (p_numbers)) and
-- the one that reserves their amounts (UPDATE ... FROM unnest(ids,
-- wants)). PL/pgSQL keeps a generic plan for a statement only when it
-- costs about as much as one made for the values at hand, and with an
-- array whose length it cannot know, these never did: both were planned
-- again on every payment, about 0.1 ms each. One invoice at a time, by
-- its unique number and then by its key, each statement is planned once
-- per connection. The locks are still taken in id order, as
-- payment_settle takes them, so two payments over the same invoices
-- cannot deadlock; a payment is usually of one to three invoices. The
-- checks then read each invoice by the key that was locked.

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
	found_ids	bigint[] := '{}';
	locks		bigint[] := '{}';
	inv_id		bigint;
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

	-- The customer's invoices by number, in the form's order (NULL for
	-- a number that is not theirs), then locked in id order, as
	-- payment_settle locks them, so two payments over the same invoices
	-- cannot deadlock.
	FOR i IN 1 .. n LOOP
		SELECT v.id INTO inv_id FROM invoices v
		WHERE v.number = p_numbers[i] AND v.customer_id = l.customer_id;
		found_ids[i] := inv_id;
		IF inv_id IS NOT NULL THEN
			locks := locks || inv_id;
		END IF;
	END LOOP;
	IF cardinality(locks) > 1 THEN
		locks := ARRAY(SELECT u FROM unnest(locks) u ORDER BY u);
	END IF;
	FOREACH inv_id IN ARRAY locks LOOP
		PERFORM 1 FROM invoices WHERE id = inv_id FOR UPDATE;
	END LOOP;

	-- Each locked invoice as it is now, in the form's order.
	FOR i IN 1 .. n LOOP
		SELECT v.* INTO inv FROM invoices v
		WHERE v.id = found_ids[i]
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
	FOR i IN 1 .. cardinality(ids) LOOP
		UPDATE invoices SET reserved = reserved + wants[i]
		WHERE id = ids[i];
	END LOOP;
	INSERT INTO link_events (link_id, kind, client_addr, user_agent, detail)
	VALUES (l.id, 'payment_started', p_addr, p_agent,
	    jsonb_build_object('attempt', p_attempt, 'method', p_method,
	    'currency', cur, 'amount', sum_amount, 'fee', fee));

	RETURN QUERY SELECT 'new'::text, NULL::text, NULL::text,
	    'pending'::text, cur, sum_amount, fee, sum_amount + fee,
	    NULL::text;
END;
$$;
