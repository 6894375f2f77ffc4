-- Simultaneous-Use for FreeRADIUS (simul_count_query in queries.conf): the user's open sessions in
-- this schema's radacct. A PL/pgSQL function, so each pooled connection plans the count once and
-- then reuses the plan; sent as a plain query it was planned on every Access-Request, and planning
-- opens every one of radacct's nine indexes, which with 1,000 tenants sit cold in each backend
-- (bench/radius.py measured the gain; figures in the README).
-- force_generic_plan: the plan is kept from the first call on (by default a connection plans the
-- first five calls anew, for each tenant).
-- The body names this schema (format() of the migration's search_path) instead of resolving
-- radacct through the caller's search_path, which would be public for FreeRADIUS.
-- Same definition as tenant/0007; here for the shared tenants' public radacct.
DO $do$
BEGIN
    EXECUTE format(
        $f$CREATE OR REPLACE FUNCTION %1$I.radius_open_sessions(p_username text) RETURNS bigint
        LANGUAGE plpgsql STABLE SET plan_cache_mode = force_generic_plan AS $body$
        BEGIN
            RETURN (SELECT count(a.radacctid) FROM %1$I.radacct a
                    WHERE a.username = p_username AND a.acctstoptime IS NULL);
        END $body$$f$,
        current_schema());
END $do$;

-- The FreeRADIUS role gets EXECUTE from the access policy (hybrid mode only), nobody else.
REVOKE ALL ON FUNCTION radius_open_sessions(text) FROM PUBLIC;
