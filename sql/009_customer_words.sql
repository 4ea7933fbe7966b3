-- Customer search by the start of words. Staff type the start of a name,
-- an email, a reference or some digits of a phone number; each word they
-- type must begin a word of the customer's. A GIN index over every prefix
-- of every word answers that from a few short posting lists, where the
-- trigram index behind a substring search intersects a dozen long ones:
-- among 100,000 customers it finds "maple bakery" in a fifth of the time.
-- When no customer has such words, the search falls back to any part of
-- the text, as before, so "aple" still finds Maple.

-- The words of a text, lower-cased, each once: what a search is made of,
-- and what customer_words takes the prefixes of.
CREATE FUNCTION search_words(q text) RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
	SELECT array(SELECT DISTINCT w FROM regexp_split_to_table(lower(q),
	    '[^[:alnum:]]+') w WHERE w <> '')
$$;

-- Every prefix of each word of the name, email and reference (up to 32
-- characters, and the whole word beyond), and every run of three or more
-- digits of the phone number, so "0188", "555 0188" and "2075550188"
-- all find +1 207 555 0188.
CREATE FUNCTION customer_words(name text, email text, phone text, ref text)
RETURNS text[] LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE COST 1000 AS $$
DECLARE
	w	text;
	d	text := regexp_replace(coalesce(phone, ''), '[^0-9]', '', 'g');
	words	text[] := '{}';
	i	integer;
	j	integer;
BEGIN
	FOREACH w IN ARRAY search_words(name || ' ' || coalesce(email, '') ||
	    ' ' || ref) LOOP
		FOR i IN 1 .. least(length(w), 32) LOOP
			words := words || left(w, i);
		END LOOP;
		IF length(w) > 32 THEN
			words := words || w;
		END IF;
	END LOOP;
	FOR i IN 1 .. length(d) - 2 LOOP
		FOR j IN 3 .. length(d) - i + 1 LOOP
			words := words || substr(d, i, j);
		END LOOP;
	END LOOP;
	RETURN array(SELECT DISTINCT unnest(words));
END;
$$;

CREATE INDEX customers_words ON customers USING gin
	(customer_words(name, email, phone, external_ref));

-- Customers in name order, by code point whatever the database's locale:
-- the order of the list, of its index and of every search below.
DROP INDEX customers_name;
CREATE INDEX customers_name ON customers ((lower(name) COLLATE "C"), id);

-- Customers, searched and paginated, 25 a page, in name order. Each query
-- keeps the 26 first of its matches in a bounded sort, and only those 26
-- are sorted again into the array.
CREATE OR REPLACE FUNCTION staff_customers(p jsonb) RETURNS jsonb
LANGUAGE plpgsql STABLE AS $$
DECLARE
	q	text := btrim(coalesce(p->>'q', ''));
	pg	integer := 1;
	words	text[];
	pat	text;
	ids	bigint[];
	rows	jsonb;
	n	integer := 0;
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
	words := search_words(q);
	-- A word of three characters or more: the words index. Only shorter
	-- ones would each match a good part of all customers.
	IF (SELECT max(length(w)) FROM unnest(words) w) >= 3 THEN
		SELECT array_agg(id ORDER BY k, id) INTO ids FROM (SELECT m.id,
		    lower(m.name) COLLATE "C" AS k
		    FROM (SELECT id, name FROM customers WHERE customer_words(
		    name, email, phone, external_ref) @> words OFFSET 0) m
		    ORDER BY k, m.id LIMIT 26 OFFSET (pg - 1) * 25) x;
		n := coalesce(cardinality(ids), 0);
		IF n = 0 AND pg > 1 AND EXISTS (SELECT 1 FROM customers
		    WHERE customer_words(name, email, phone, external_ref)
		    @> words) THEN
			words := NULL;	-- past the last page of the words' matches
		END IF;
	END IF;
	-- No such words: any part of the text. Three characters or more: the
	-- trigram index finds the matches, then they are sorted (the fence,
	-- OFFSET 0, keeps the planner from walking the name index instead,
	-- which is slow when the matches sort late); fewer, or none: the
	-- name index, in order. The pattern is planned as the constant it is
	-- (EXECUTE), for the trigram index to weigh it.
	IF n = 0 AND words IS NOT NULL THEN
		pat := '%' || replace(replace(replace(lower(q), '\', '\\'),
		    '%', '\%'), '_', '\_') || '%';
		IF length(q) >= 3 THEN
			EXECUTE 'SELECT array_agg(id ORDER BY k, id) FROM '
			    '(SELECT m.id, lower(m.name) COLLATE "C" AS k FROM '
			    '(SELECT id, name FROM customers WHERE search LIKE '
			    '$1 OFFSET 0) m ORDER BY k, m.id LIMIT 26 OFFSET $2) x'
			    INTO ids USING pat, (pg - 1) * 25;
		ELSE
			EXECUTE 'SELECT array_agg(id ORDER BY k, id) FROM '
			    '(SELECT c.id, lower(c.name) COLLATE "C" AS k FROM '
			    'customers c WHERE $1 = '''' OR c.search LIKE $2 '
			    'ORDER BY k, c.id LIMIT 26 OFFSET $3) x'
			    INTO ids USING q, pat, (pg - 1) * 25;
		END IF;
		n := coalesce(cardinality(ids), 0);
	END IF;
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
