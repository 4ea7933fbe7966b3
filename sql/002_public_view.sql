-- What a pay link shows, as one function call per page view. PL/pgSQL keeps
-- the plans of the statements inside for the life of the connection; the
-- same statements sent as one unnamed query (Kore's pgsql API has no
-- prepared statements) were planned on every view and cost five times as
-- much database time.
--
-- Returns one row per open invoice or credit note in the link's scope, with
-- the link's state, terms and names repeated; one row with NULL invoice
-- columns when nothing is open or the link is not usable; no row for an
-- unknown link. Adds a "viewed" event when asked, unless the same client
-- (address and user agent) viewed the link in the last 30 minutes: one
-- event per visit, not per reload.
CREATE FUNCTION public_link_view(p_link uuid, p_addr inet, p_agent text,
    p_record boolean)
RETURNS TABLE (o_state text, o_allow_partial boolean, o_fixed_amount bigint,
    o_customer text, o_business text, o_number text, o_kind text,
    o_currency char(3), o_issue_date date, o_due_date date, o_total bigint,
    o_paid bigint, o_overdue boolean)
LANGUAGE plpgsql AS $$
DECLARE
	l	pay_links%ROWTYPE;
	st	text;
BEGIN
	SELECT * INTO l FROM pay_links WHERE id = p_link;
	IF NOT FOUND THEN
		RETURN;
	END IF;
	st := CASE WHEN l.revoked_at IS NOT NULL THEN 'revoked'
	    WHEN l.expires_at <= now() THEN 'expired' ELSE 'ok' END;

	IF p_record AND st = 'ok' AND NOT EXISTS (SELECT 1 FROM link_events e
	    WHERE e.link_id = l.id AND e.kind = 'viewed'
	    AND e.at > now() - interval '30 minutes'
	    AND e.client_addr IS NOT DISTINCT FROM p_addr
	    AND e.user_agent IS NOT DISTINCT FROM p_agent) THEN
		INSERT INTO link_events (link_id, kind, client_addr, user_agent)
		VALUES (l.id, 'viewed', p_addr, p_agent);
	END IF;

	RETURN QUERY
	SELECT st, l.allow_partial, l.fixed_amount, c.name, b.name,
	    i.number, i.kind, i.currency, i.issue_date, i.due_date, i.total,
	    i.paid, i.due_date < current_date
	FROM customers c
	CROSS JOIN business b
	LEFT JOIN invoices i ON st = 'ok' AND i.customer_id = l.customer_id
	    AND i.status = 'posted' AND i.paid < i.total
	    AND (l.scope = 'customer' OR EXISTS (SELECT 1
	        FROM pay_link_invoices pli
	        WHERE pli.link_id = l.id AND pli.invoice_id = i.id))
	WHERE c.id = l.customer_id
	ORDER BY i.kind, i.due_date, i.number;
END;
$$;
