-- Username -> schema lookup, and the trigger function that keeps the mapping in step with every
-- tenant's radcheck.

CREATE OR REPLACE FUNCTION public.get_user_schema(p_username text) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT m.schema_name::text
    FROM public.radius_user_schema_mapping m
    WHERE m.username = p_username AND m.is_active
    LIMIT 1
$$;

-- Fired AFTER INSERT / UPDATE OF username / DELETE (row level) and AFTER TRUNCATE (statement
-- level) on <tenant schema>.radcheck. SECURITY DEFINER (owned by the admin) because tenant
-- owners hold no privilege on the mapping table; pinned search_path so a tenant cannot shadow
-- anything it calls. It writes only mapping rows of the firing table's own schema.
CREATE OR REPLACE FUNCTION public.sync_radius_user_mapping() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
    v_schema text := TG_TABLE_SCHEMA;
    v_tenant uuid;
    v_mapped text;
    v_remaining boolean;
BEGIN
    IF TG_TABLE_NAME <> 'radcheck' THEN
        RAISE EXCEPTION 'sync_radius_user_mapping is only for radcheck tables, not %.%', v_schema, TG_TABLE_NAME
            USING ERRCODE = 'feature_not_supported';
    END IF;
    SELECT t.id INTO v_tenant FROM public.tenants t WHERE t.schema_name = v_schema;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'schema % is not a registered tenant (public.tenants.schema_name)', v_schema
            USING ERRCODE = 'invalid_schema_name';
    END IF;

    IF TG_OP = 'TRUNCATE' THEN
        DELETE FROM public.radius_user_schema_mapping m WHERE m.schema_name = v_schema;
        RETURN NULL;
    END IF;

    -- The old username: unmap it once no radcheck row of this schema carries it.
    IF TG_OP = 'DELETE' OR (TG_OP = 'UPDATE' AND OLD.username IS DISTINCT FROM NEW.username) THEN
        EXECUTE format('SELECT EXISTS (SELECT 1 FROM %I.%I WHERE username = $1)', v_schema, TG_TABLE_NAME)
            INTO v_remaining USING OLD.username;
        IF NOT v_remaining THEN
            DELETE FROM public.radius_user_schema_mapping m
            WHERE m.username = OLD.username AND m.schema_name = v_schema;
        END IF;
    END IF;

    -- The new username: map it here, unless another schema owns it.
    IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND OLD.username IS DISTINCT FROM NEW.username) THEN
        -- ON CONFLICT waits for a concurrent inserter of the same username, then sees its row.
        INSERT INTO public.radius_user_schema_mapping
            (username, schema_name, tenant_id, user_role, is_active, created_at, updated_at)
        VALUES (NEW.username, v_schema, v_tenant, 'hotspot_user', true, now(), now())
        ON CONFLICT (username) DO NOTHING;
        IF NOT FOUND THEN
            SELECT m.schema_name INTO v_mapped
            FROM public.radius_user_schema_mapping m WHERE m.username = NEW.username;
            IF v_mapped IS DISTINCT FROM v_schema THEN
                RAISE EXCEPTION 'username "%" is already mapped to %; cannot map it to %',
                    NEW.username, v_mapped, v_schema
                    USING ERRCODE = 'unique_violation',
                          CONSTRAINT = 'radius_user_schema_mapping_username_unique';
            END IF;
        END IF;
    END IF;
    RETURN NULL;
END
$$;
