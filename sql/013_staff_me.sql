-- payportal schema, part 13: the signed-in staff member, planned once.
--
-- staff_me runs on every back-office page. As a SQL function with a FROM
-- clause it cannot be inlined, so PostgreSQL parsed and planned its query
-- on every call; in PL/pgSQL the plan is kept per connection.
CREATE OR REPLACE FUNCTION staff_me(p_id bigint, p_csrf text) RETURNS jsonb
LANGUAGE plpgsql STABLE AS $$
BEGIN
	RETURN (SELECT jsonb_build_object('name', s.name, 'email', s.email,
	    'role', s.role, 'admin', s.role = 'admin', 'csrf', p_csrf,
	    'business', (SELECT name FROM business))
	FROM staff s WHERE s.id = p_id);
END;
$$;
