-- Keep public.radius_user_schema_mapping in step with this schema's radcheck, so a user created at
-- runtime is routable by FreeRADIUS the moment its radcheck row commits, and a username already
-- owned by another tenant is refused inside the same transaction.
CREATE OR REPLACE TRIGGER radcheck_sync_mapping
    AFTER INSERT OR UPDATE OF username OR DELETE ON radcheck
    FOR EACH ROW EXECUTE FUNCTION public.sync_radius_user_mapping();

-- TRUNCATE fires no row trigger: drop this schema's mappings with it.
CREATE OR REPLACE TRIGGER radcheck_sync_mapping_truncate
    AFTER TRUNCATE ON radcheck
    FOR EACH STATEMENT EXECUTE FUNCTION public.sync_radius_user_mapping();
