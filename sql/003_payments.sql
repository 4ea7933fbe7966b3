-- payportal schema, part 3: convenience fees, payment attempts and their
-- reservations, receipts with gapless numbers, the outbox, and gateway
-- webhook events. Every change of money state happens inside one of the
-- functions below, each one transaction, because Kore's asynchronous
-- PostgreSQL API cannot hold a transaction open across queries.

CREATE TABLE fee_rules (
	method		text NOT NULL CHECK (method IN ('card', 'bank_account')),
	currency	char(3) NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
	percent_bp	integer NOT NULL DEFAULT 0 CHECK (percent_bp BETWEEN 0 AND 10000),
	fixed		bigint NOT NULL DEFAULT 0 CHECK (fixed >= 0 AND fixed <= 1000000000000),
	min_fee		bigint CHECK (min_fee >= 0),
	max_fee		bigint CHECK (max_fee >= 0),
	enabled		boolean NOT NULL DEFAULT true,
	PRIMARY KEY (method, currency),
	CHECK (min_fee IS NULL OR max_fee IS NULL OR min_fee <= max_fee)
);

-- One try to pay: its id is rendered into the form and is the gateway's
-- idempotency key, so a second submit of the same form is the same try.
-- While pending, its allocations reserve their amounts on the invoices.
CREATE TABLE payment_attempts (
	id		uuid PRIMARY KEY,
	link_id		uuid NOT NULL REFERENCES pay_links (id),
	customer_id	bigint NOT NULL REFERENCES customers (id),
	method		text NOT NULL CHECK (method IN ('card', 'bank_account')),
	payment_method	text NOT NULL CHECK (length(payment_method) BETWEEN 1 AND 255),
	currency	char(3) NOT NULL,
	amount		bigint NOT NULL CHECK (amount > 0),
	fee		bigint NOT NULL CHECK (fee >= 0),
	total		bigint NOT NULL,
	state		text NOT NULL DEFAULT 'pending'
			CHECK (state IN ('pending', 'succeeded', 'failed')),
	intent_id	text UNIQUE,
	card_brand	text,
	card_last4	text CHECK (card_last4 ~ '^[0-9]{4}$'),
	failure_code	text,
	failure_message	text,
	client_addr	inet,
	user_agent	text CHECK (length(user_agent) <= 512),
	created_at	timestamptz NOT NULL DEFAULT now(),
	deadline	timestamptz NOT NULL,
	check_after	timestamptz NOT NULL DEFAULT now(),
	settled_at	timestamptz,
	settled_by	text,
	CHECK (total = amount + fee),
	CHECK ((state = 'pending') = (settled_at IS NULL))
);
CREATE INDEX payment_attempts_pending ON payment_attempts (check_after)
	WHERE state = 'pending';
CREATE INDEX payment_attempts_failures ON payment_attempts (link_id, created_at)
	WHERE state = 'failed';
CREATE INDEX payment_attempts_addr ON payment_attempts (client_addr, created_at)
	WHERE state = 'failed';

CREATE TABLE attempt_allocations (
	attempt_id	uuid NOT NULL REFERENCES payment_attempts (id),
	invoice_id	bigint NOT NULL REFERENCES invoices (id),
	amount		bigint NOT NULL CHECK (amount > 0),
	PRIMARY KEY (attempt_id, invoice_id)
);
CREATE INDEX attempt_allocations_invoice ON attempt_allocations (invoice_id);

CREATE TABLE receipt_counters (
	year		integer PRIMARY KEY,
	last		integer NOT NULL CHECK (last >= 0)
);

CREATE TABLE receipts (
	id		bigserial PRIMARY KEY,
	number		text NOT NULL UNIQUE,
	year		integer NOT NULL,
	seq		integer NOT NULL,
	attempt_id	uuid NOT NULL UNIQUE REFERENCES payment_attempts (id),
	customer_id	bigint NOT NULL REFERENCES customers (id),
	currency	char(3) NOT NULL,
	amount		bigint NOT NULL CHECK (amount > 0),
	fee		bigint NOT NULL CHECK (fee >= 0),
	total		bigint NOT NULL,
	method		text NOT NULL,
	card_brand	text,
	card_last4	text,
	gateway_ref	text NOT NULL UNIQUE,
	created_at	timestamptz NOT NULL DEFAULT now(),
	UNIQUE (year, seq),
	CHECK (total = amount + fee)
);

CREATE TABLE receipt_allocations (
	receipt_id	bigint NOT NULL REFERENCES receipts (id),
	invoice_id	bigint NOT NULL REFERENCES invoices (id),
	amount		bigint NOT NULL CHECK (amount > 0),
	PRIMARY KEY (receipt_id, invoice_id)
);

-- Work to do after a commit (mail, outgoing webhooks): written in the same
-- transaction as what caused it, delivered later with retries.
CREATE TABLE outbox (
	id		bigserial PRIMARY KEY,
	kind		text NOT NULL CHECK (kind IN ('receipt_email')),
	receipt_id	bigint REFERENCES receipts (id),
	recipient	text,
	tries		integer NOT NULL DEFAULT 0,
	next_at		timestamptz NOT NULL DEFAULT now(),
	claimed_until	timestamptz,
	sent_at		timestamptz,
	last_error	text,
	created_at	timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX outbox_due ON outbox (next_at) WHERE sent_at IS NULL;

-- Every gateway event seen, once: replays are recognised by id.
CREATE TABLE gateway_events (
	id		text PRIMARY KEY,
	type		text NOT NULL,
	intent_id	text,
	received_at	timestamptz NOT NULL DEFAULT now()
);

-- The convenience fee: round_half_up(base * percent_bp / 10000) + fixed,
-- clamped to the rule's minimum and maximum; NULL when the method has no
-- enabled rule for the currency. numeric is exact, so no rounding drift.
CREATE FUNCTION payment_fee(p_method text, p_currency char(3), p_base bigint)
RETURNS bigint
LANGUAGE plpgsql STABLE AS $$
DECLARE
	r	fee_rules%ROWTYPE;
	fee	bigint;
BEGIN
	SELECT * INTO r FROM fee_rules
	WHERE method = p_method AND currency = p_currency AND enabled;
	IF NOT FOUND THEN
		RETURN NULL;
	END IF;
	fee := floor((p_base::numeric * r.percent_bp + 5000) / 10000)::bigint
	    + r.fixed;
	IF r.min_fee IS NOT NULL AND fee < r.min_fee THEN
		fee := r.min_fee;
	END IF;
	IF r.max_fee IS NOT NULL AND fee > r.max_fee THEN
		fee := r.max_fee;
	END IF;
	RETURN fee;
END;
$$;

-- What pending attempts hold on an invoice, other than p_except.
CREATE FUNCTION invoice_reserved(p_invoice bigint, p_except uuid)
RETURNS bigint
LANGUAGE sql STABLE AS $$
	SELECT coalesce(sum(a.amount), 0)::bigint
	FROM attempt_allocations a JOIN payment_attempts p ON p.id = a.attempt_id
	WHERE a.invoice_id = p_invoice AND p.state = 'pending'
	    AND p.id IS DISTINCT FROM p_except;
$$;

-- Records an attempt and reserves its amounts, after checking everything
-- again under lock: the link, each invoice (in scope, posted, open, one
-- currency), each amount (above zero, within what is still open after
-- other pending attempts), the fee rule and the failure limits.
--
-- o_result: 'new' (recorded: call the gateway), 'existing' (this attempt
-- id was submitted before: o_state says how it went), 'error' (o_field
-- and o_message name the problem; nothing written), 'gone' (the link is
-- revoked or expired), 'limited' (too many failed attempts).
CREATE FUNCTION payment_begin(p_attempt uuid, p_link uuid, p_method text,
    p_pm text, p_numbers text[], p_amounts bigint[], p_addr inet,
    p_agent text, p_deadline interval)
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
	held		bigint;
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
		held := invoice_reserved(inv.id, NULL);
		avail := inv.total - inv.paid - held;
		want := coalesce(p_amounts[i], avail);
		IF want <= 0 OR want > avail OR
		    (NOT l.allow_partial AND want <> inv.total - inv.paid) THEN
			RETURN QUERY SELECT 'error'::text,
			    'amount-' || p_numbers[i],
			    CASE WHEN held > 0 THEN format('Invoice %s has a payment in progress. Please wait a minute and reload the page.', p_numbers[i])
			    WHEN want <= 0 THEN format('Amount for %s must be more than zero.', p_numbers[i])
			    WHEN NOT l.allow_partial AND want < inv.total - inv.paid THEN format('Invoice %s must be paid in full on this link.', p_numbers[i])
			    ELSE format('Amount for %s is more than what is still open.', p_numbers[i]) END,
			    NULL::text, NULL::char(3), NULL::bigint,
			    NULL::bigint, NULL::bigint, NULL::text;
			RETURN;
		END IF;
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
	FOR i IN 1 .. n LOOP
		INSERT INTO attempt_allocations (attempt_id, invoice_id, amount)
		SELECT p_attempt, v.id, coalesce(p_amounts[i],
		    v.total - v.paid - invoice_reserved(v.id, p_attempt))
		FROM invoices v
		WHERE v.number = p_numbers[i] AND v.customer_id = l.customer_id;
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

-- The gateway's id for an attempt, once known.
CREATE FUNCTION payment_intent(p_attempt uuid, p_intent text)
RETURNS boolean
LANGUAGE sql AS $$
	UPDATE payment_attempts SET intent_id = p_intent
	WHERE id = p_attempt AND (intent_id IS NULL OR intent_id = p_intent)
	RETURNING true;
$$;

-- Settles an attempt exactly once, whoever learns the outcome first: the
-- customer's request, the gateway's webhook or the reconciler. Success
-- writes the receipt (gapless number per year), its allocations, the new
-- paid amounts, the "payment made" event and the receipt mail in one
-- transaction; failure releases the reservation and logs the reason.
-- Settling a settled attempt changes nothing and returns how it ended.
CREATE FUNCTION payment_settle(p_attempt uuid, p_success boolean,
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

	PERFORM 1 FROM invoices v JOIN attempt_allocations x
	    ON x.invoice_id = v.id
	WHERE x.attempt_id = a.id ORDER BY v.id FOR UPDATE OF v;
	-- CHECK (paid <= total) makes an overpayment abort the whole
	-- transaction; the reservations make it impossible in the first place.
	UPDATE invoices v SET paid = v.paid + x.amount
	FROM attempt_allocations x
	WHERE x.attempt_id = a.id AND x.invoice_id = v.id;

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

-- The reconciler's batch: pending attempts at least p_age old and due for
-- a check, claimed with SKIP LOCKED and pushed back 30 seconds, so nodes
-- running it at once share the work and a slow gateway is not hammered.
-- Returns what is needed to send the gateway exactly the same request.
CREATE FUNCTION payment_claim(p_limit integer, p_age interval)
RETURNS TABLE (o_attempt uuid, o_intent text, o_past_deadline boolean,
    o_total bigint, o_currency char(3), o_payment_method text,
    o_link uuid)
LANGUAGE sql AS $$
	UPDATE payment_attempts p SET check_after = now() + interval '30 seconds'
	FROM (SELECT id FROM payment_attempts
	    WHERE state = 'pending' AND check_after <= now()
	        AND created_at <= now() - p_age
	    ORDER BY check_after LIMIT p_limit FOR UPDATE SKIP LOCKED) due
	WHERE p.id = due.id
	RETURNING p.id, p.intent_id, p.deadline <= now(), p.total, p.currency,
	    p.payment_method, p.link_id;
$$;

-- The mail that is due: claimed for a minute with SKIP LOCKED.
CREATE FUNCTION outbox_claim(p_limit integer)
RETURNS TABLE (o_id bigint, o_kind text, o_recipient text, o_tries integer,
    o_receipt bigint)
LANGUAGE sql AS $$
	UPDATE outbox o SET claimed_until = now() + interval '1 minute',
	    tries = o.tries + 1
	FROM (SELECT id FROM outbox
	    WHERE sent_at IS NULL AND next_at <= now()
	        AND (claimed_until IS NULL OR claimed_until < now())
	    ORDER BY next_at LIMIT p_limit FOR UPDATE SKIP LOCKED) due
	WHERE o.id = due.id
	RETURNING o.id, o.kind, o.recipient, o.tries, o.receipt_id;
$$;

-- A gateway webhook event, applied exactly once: the event id is recorded
-- in the same transaction that settles its attempt, so a replay is seen
-- as one and a failure leaves nothing half-done for the retry.
-- o_result: 'duplicate', 'ignored' (not about one of our attempts, or not
-- an outcome), or 'settled' with the attempt's state.
CREATE FUNCTION gateway_event_settle(p_event text, p_type text,
    p_intent text, p_attempt uuid, p_success boolean, p_amount bigint,
    p_brand text, p_last4 text, p_code text, p_message text)
RETURNS TABLE (o_result text, o_state text, o_receipt text)
LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO gateway_events (id, type, intent_id)
	VALUES (p_event, p_type, p_intent) ON CONFLICT (id) DO NOTHING;
	IF NOT FOUND THEN
		RETURN QUERY SELECT 'duplicate'::text, NULL::text, NULL::text;
		RETURN;
	END IF;
	IF p_attempt IS NULL OR p_success IS NULL THEN
		RETURN QUERY SELECT 'ignored'::text, NULL::text, NULL::text;
		RETURN;
	END IF;
	RETURN QUERY SELECT 'settled'::text, s.o_state, s.o_receipt
	FROM payment_settle(p_attempt, p_success, p_intent, p_brand, p_last4,
	    p_code, p_message, 'webhook', p_amount) s;
	IF NOT FOUND THEN
		RETURN QUERY SELECT 'ignored'::text, NULL::text, NULL::text;
	END IF;
END;
$$;

-- One attempt of a link as its customer sees it: the outcome, the receipt
-- and the invoices it paid, one row per invoice. Nothing for an attempt of
-- another link.
CREATE FUNCTION payment_status(p_link uuid, p_attempt uuid)
RETURNS TABLE (o_state text, o_currency char(3), o_amount bigint,
    o_fee bigint, o_total bigint, o_method text, o_brand text, o_last4 text,
    o_failure text, o_receipt text, o_paid_at text, o_customer text,
    o_business text, o_business_address text, o_business_email text,
    o_gateway_ref text, o_invoice text, o_allocated bigint)
LANGUAGE sql STABLE AS $$
	SELECT a.state, a.currency, a.amount, a.fee, a.total, a.method,
	    a.card_brand, a.card_last4, a.failure_message, r.number,
	    to_char(r.created_at AT TIME ZONE b.timezone,
	        'Mon FMDD, YYYY HH24:MI'),
	    c.name, b.name, b.address, b.email, r.gateway_ref, v.number,
	    x.amount
	FROM payment_attempts a
	JOIN customers c ON c.id = a.customer_id
	CROSS JOIN business b
	JOIN attempt_allocations x ON x.attempt_id = a.id
	JOIN invoices v ON v.id = x.invoice_id
	LEFT JOIN receipts r ON r.attempt_id = a.id
	WHERE a.id = p_attempt AND a.link_id = p_link
	ORDER BY v.due_date, v.number;
$$;
