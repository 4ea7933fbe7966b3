-- Customer search: the first pages in name order without reading every
-- match. The words index (009) finds all the customers a search matches,
-- and all of them are then read and sorted to keep the first 26: "maple
-- bakery" among 100,000 customers reads 1,000. Here each word of a
-- customer's name, email and reference is listed with the customer's
-- name key, in name order, so a search walks the lists of its words side
-- by side and stops at the 26th customer on all of them: about as much
-- work among 100,000 customers as among 1,000.

CREATE TABLE customer_terms (
	word		text COLLATE "C" NOT NULL,
	name_key	text COLLATE "C" NOT NULL,	-- lower(name), as customers_name
	customer_id	bigint NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
	PRIMARY KEY (word, name_key, customer_id)
);
-- A customer's own words: a word of the search checked on one customer,
-- and the rows to replace when the customer changes.
CREATE INDEX customer_terms_customer ON customer_terms (customer_id, word);

-- The words of customers, as customer_words takes their prefixes.
CREATE FUNCTION customer_terms_rows(p_id bigint, p_name text,
    p_email text, p_ref text)
RETURNS TABLE (word text, name_key text, customer_id bigint)
LANGUAGE sql IMMUTABLE AS $$
	SELECT w, lower(p_name), p_id FROM unnest(search_words(p_name || ' ' ||
	    coalesce(p_email, '') || ' ' || p_ref)) w
$$;

-- Kept by statement, so that an import of many customers adds their words
-- in one insert.
CREATE FUNCTION customer_terms_sync() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP = 'UPDATE' THEN
		DELETE FROM customer_terms t USING changed_old o, changed_new n
		WHERE t.customer_id = o.id AND n.id = o.id
		    AND (o.name, o.email, o.external_ref) IS DISTINCT FROM
		    (n.name, n.email, n.external_ref);
		INSERT INTO customer_terms (word, name_key, customer_id)
		SELECT t.* FROM changed_new n JOIN changed_old o ON o.id = n.id,
		    customer_terms_rows(n.id, n.name, n.email,
		    n.external_ref) t
		WHERE (o.name, o.email, o.external_ref) IS DISTINCT FROM
		    (n.name, n.email, n.external_ref);
	ELSE
		INSERT INTO customer_terms (word, name_key, customer_id)
		SELECT t.* FROM changed_new n, customer_terms_rows(n.id, n.name,
		    n.email, n.external_ref) t;
	END IF;
	RETURN NULL;
END;
$$;
CREATE TRIGGER customer_terms_insert AFTER INSERT ON customers
	REFERENCING NEW TABLE AS changed_new
	FOR EACH STATEMENT EXECUTE FUNCTION customer_terms_sync();
CREATE TRIGGER customer_terms_update AFTER UPDATE ON customers
	REFERENCING OLD TABLE AS changed_old NEW TABLE AS changed_new
	FOR EACH STATEMENT EXECUTE FUNCTION customer_terms_sync();

INSERT INTO customer_terms (word, name_key, customer_id)
SELECT t.* FROM customers c,
	customer_terms_rows(c.id, c.name, c.email, c.external_ref) t;

-- The words that start with p, at most 9 of them (a loose scan: one index
-- probe for each). In PL/pgSQL for its plan to be kept.
CREATE FUNCTION customer_terms_starting(p text) RETURNS text[]
LANGUAGE plpgsql STABLE AS $$
BEGIN
	RETURN (WITH RECURSIVE w(word, n) AS (
		SELECT (SELECT min(t.word) FROM customer_terms t
		    WHERE t.word >= p AND t.word < p || chr(1114111)), 1
		UNION ALL
		SELECT (SELECT min(t.word) FROM customer_terms t
		    WHERE t.word > w.word AND t.word < p || chr(1114111)),
		    w.n + 1
		FROM w WHERE w.word IS NOT NULL AND w.n < 9)
	SELECT coalesce(array_agg(word), '{}') FROM w WHERE word IS NOT NULL);
END;
$$;

-- The ids of customers skip + 1 to skip + want, in name order, that have
-- a word starting with each of words; NULL when the lists cannot answer
-- in a few hundred steps, and staff_customers asks the words index.
--
-- Each word of three characters or more that starts at most 8 words of
-- customers is a list: those words' rows, merged, in (name_key, id)
-- order. The lists leapfrog: in turn each moves to its first row at or
-- after the candidate, which becomes the candidate; once all of them
-- have stopped on it, it is a match, and the next candidate is just past
-- it. Shorter words, and words that start many, are checked on each
-- match. A word of digits alone may be part of a phone number, which only
-- the words index knows.
CREATE FUNCTION customer_terms_page(words text[], skip integer,
    want integer) RETURNS bigint[]
LANGUAGE plpgsql STABLE AS $$
DECLARE
	lw	text[] := '{}';	-- the lists' words, list after list
	lfirst	integer[] := '{}';	-- where each list starts in lw
	llast	integer[] := '{}';
	checks	text[] := '{}';
	w	text;
	e	text[];
	m	integer;
	ids	bigint[];
	steps	integer;
	found_	integer;
BEGIN
	IF skip > 100 OR EXISTS (SELECT 1 FROM unnest(words) u
	    WHERE u ~ '^[0-9]+$') THEN
		RETURN NULL;
	END IF;
	FOREACH w IN ARRAY words LOOP
		IF length(w) >= 3 THEN
			e := customer_terms_starting(w);
			IF cardinality(e) = 0 THEN
				RETURN '{}';
			END IF;
			IF cardinality(e) <= 8 THEN
				lfirst := lfirst || (cardinality(lw) + 1);
				lw := lw || e;
				llast := llast || cardinality(lw);
				CONTINUE;
			END IF;
		END IF;
		checks := checks || w;
	END LOOP;
	m := cardinality(lfirst);
	IF m = 0 THEN
		RETURN NULL;
	END IF;
	-- One row a step: the candidate (k, id), the list to move next, how
	-- many lists stand on the candidate, and whether it is a match. A
	-- list of one word, the usual case, moves with one index probe; the
	-- second form, which merges several words' first rows, would answer
	-- it too, but takes twice as long a step (only one form runs a step).
	WITH RECURSIVE r(k, id, i, agree, hit, n, step) AS (
		SELECT ''::text COLLATE "C", 0::bigint, 1, 0, false, 0, 0
		UNION ALL
		SELECT x.k, x.id, r.i % m + 1, x.agree, h.hit,
		    r.n + h.hit::integer, r.step + 1
		FROM r, LATERAL (SELECT s.k, s.id, CASE WHEN s.k = r.k AND
		    s.id = r.id THEN r.agree + 1 ELSE 1 END AS agree
		    FROM ((SELECT t.name_key AS k, t.customer_id AS id
		        FROM customer_terms t
		        WHERE lfirst[r.i] = llast[r.i]
		        AND t.word = lw[lfirst[r.i]]
		        AND (t.name_key, t.customer_id) >= (r.k, r.id +
		            CASE WHEN r.agree = m THEN 1 ELSE 0 END)
		        ORDER BY t.name_key, t.customer_id LIMIT 1)
		    UNION ALL
		    (SELECT v.name_key, v.customer_id
		        FROM unnest(lw[lfirst[r.i]:llast[r.i]]) u(word),
		        LATERAL (SELECT t.name_key, t.customer_id
		        FROM customer_terms t WHERE t.word = u.word
		        AND (t.name_key, t.customer_id) >= (r.k, r.id +
		            CASE WHEN r.agree = m THEN 1 ELSE 0 END)
		        ORDER BY t.name_key, t.customer_id LIMIT 1) v
		        WHERE lfirst[r.i] < llast[r.i]
		        ORDER BY v.name_key, v.customer_id LIMIT 1)) s) x,
		    LATERAL (SELECT x.agree = m AND NOT EXISTS (SELECT 1
		        FROM unnest(checks) u(word) WHERE NOT EXISTS (SELECT 1
		        FROM customer_terms t WHERE t.customer_id = x.id
		        AND t.word >= u.word AND t.word < u.word || chr(1114111)))
		        AS hit) h
		WHERE r.n < skip + want AND r.step < 400)
	SELECT array_agg(r.id ORDER BY r.step) FILTER (WHERE r.hit),
	    max(r.step), max(r.n)
	INTO ids, steps, found_ FROM r;
	IF found_ < skip + want AND steps >= 400 THEN
		RETURN NULL;
	END IF;
	RETURN coalesce(ids[skip + 1:skip + want], '{}');
END;
$$;

-- staff_customers (009) with the lists first.
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
	-- A word of three characters or more: the lists of words, else the
	-- words index. Only shorter ones would each match a good part of
	-- all customers.
	IF (SELECT max(length(w)) FROM unnest(words) w) >= 3 THEN
		ids := customer_terms_page(words, (pg - 1) * 25, 26);
		IF ids IS NULL THEN
			SELECT array_agg(id ORDER BY k, id) INTO ids FROM (
			    SELECT m.id, lower(m.name) COLLATE "C" AS k
			    FROM (SELECT id, name FROM customers
			    WHERE customer_words(name, email, phone,
			    external_ref) @> words OFFSET 0) m
			    ORDER BY k, m.id LIMIT 26 OFFSET (pg - 1) * 25) x;
		END IF;
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
