-- mapping mode's condition for FreeRADIUS (authorize_check_query in queries.conf): does the user's
-- active mapping row name this schema? A PL/pgSQL function for the same reason as 0007: as a
-- subquery of the radcheck query, the mapping table and its five indexes were planned again on
-- every Access-Request; the function's plan is kept by each pooled connection (one plan, whatever
-- the number of tenants). The body names the system schema, never the caller's search_path.
DO $do$
BEGIN
    EXECUTE format(
        $f$CREATE OR REPLACE FUNCTION %1$I.radius_user_mapped_to(p_username text, p_schema text) RETURNS boolean
        LANGUAGE plpgsql STABLE SET plan_cache_mode = force_generic_plan AS $body$
        BEGIN
            RETURN EXISTS (SELECT 1 FROM %1$I.radius_user_schema_mapping m
                           WHERE m.username = p_username AND m.schema_name = p_schema AND m.is_active);
        END $body$$f$,
        current_schema());
END $do$;

-- The FreeRADIUS role gets EXECUTE from the access policy, nobody else.
REVOKE ALL ON FUNCTION radius_user_mapped_to(text, text) FROM PUBLIC;
