-- Tenant columns that hold a public.users id, and the one trigger that applies their ON DELETE action.
-- They have no foreign key: one key per tenant table puts two RI triggers on public.users per key
-- (28,000 at 1,000 tenants), every new key rebuilds public.users' relcache over all of them, and a
-- user delete would check every tenant's tables. Instead, deleting a user visits only that user's
-- tenant schema (every registered tenant schema for a system admin, tenant_id NULL).
-- This table is the one list of those columns and their former foreign-key actions; indexes on
-- them are in the tenant files.

CREATE TABLE IF NOT EXISTS hotspot_user_references (
    table_name varchar(63) NOT NULL,
    column_name varchar(63) NOT NULL,
    on_delete varchar(8) NOT NULL,
    CONSTRAINT hotspot_user_references_pkey PRIMARY KEY (table_name, column_name),
    CONSTRAINT hotspot_user_references_on_delete_check CHECK (on_delete IN ('SET NULL', 'CASCADE'))
);
REVOKE ALL ON TABLE hotspot_user_references FROM PUBLIC;
COMMENT ON TABLE hotspot_user_references IS
    'Tenant columns holding a public.users id and their ON DELETE action (system migration 0006); do not edit';

INSERT INTO hotspot_user_references (table_name, column_name, on_delete) VALUES
    ('payments', 'user_id', 'SET NULL'),
    ('user_subscriptions', 'user_id', 'CASCADE'),
    ('payment_reminders', 'user_id', 'CASCADE'),
    ('service_control_logs', 'user_id', 'SET NULL'),
    ('vouchers', 'used_by', 'SET NULL'),
    ('session_disconnections', 'disconnected_by', 'SET NULL'),
    ('todos', 'user_id', 'SET NULL'),
    ('todos', 'created_by', 'CASCADE'),
    ('todo_activities', 'user_id', 'CASCADE'),
    ('employees', 'user_id', 'SET NULL'),
    ('expenses', 'submitted_by', 'CASCADE'),
    ('expenses', 'approved_by', 'SET NULL'),
    ('revenues', 'customer_id', 'SET NULL'),
    ('revenues', 'recorded_by', 'CASCADE')
ON CONFLICT (table_name, column_name) DO UPDATE SET on_delete = EXCLUDED.on_delete
    WHERE hotspot_user_references.on_delete IS DISTINCT FROM EXCLUDED.on_delete;

-- SECURITY DEFINER (owned by the admin, who may write every tenant schema); pinned search_path so
-- nothing it calls can be shadowed. Identifiers reach the dynamic SQL through format('%I').
CREATE OR REPLACE FUNCTION public.hotspot_user_deleted() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
    v_schema text;
    r record;
BEGIN
    FOR v_schema IN
        SELECT t.schema_name FROM public.tenants t
        WHERE t.schema_created AND t.schema_name IS NOT NULL AND t.schema_name <> 'public'
          AND (OLD.tenant_id IS NULL OR t.id = OLD.tenant_id)
          AND EXISTS (SELECT 1 FROM pg_catalog.pg_namespace n WHERE n.nspname = t.schema_name)
        ORDER BY t.schema_name
    LOOP
        FOR r IN
            SELECT u.table_name, u.column_name, u.on_delete FROM public.hotspot_user_references u
            ORDER BY u.table_name, u.column_name
        LOOP
            IF pg_catalog.to_regclass(pg_catalog.format('%I.%I', v_schema, r.table_name)) IS NULL THEN
                CONTINUE;  -- a table dropped by hand: nothing there to point at the user
            END IF;
            IF r.on_delete = 'CASCADE' THEN
                EXECUTE pg_catalog.format('DELETE FROM %I.%I WHERE %I = $1', v_schema, r.table_name, r.column_name)
                    USING OLD.id;
            ELSE
                EXECUTE pg_catalog.format('UPDATE %I.%I SET %I = NULL WHERE %I = $1',
                                          v_schema, r.table_name, r.column_name, r.column_name)
                    USING OLD.id;
            END IF;
        END LOOP;
    END LOOP;
    RETURN OLD;
END
$$;
REVOKE ALL ON FUNCTION public.hotspot_user_deleted() FROM PUBLIC;

CREATE OR REPLACE TRIGGER trigger_hotspot_user_deleted AFTER DELETE ON users
    FOR EACH ROW EXECUTE FUNCTION public.hotspot_user_deleted();
