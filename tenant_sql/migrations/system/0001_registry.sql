-- System schema: tenant registry, platform users, RADIUS username -> schema mapping, bookkeeping.
-- Runs as the admin with search_path = public. Idempotent: the migrator replays it to repair drift.

CREATE EXTENSION IF NOT EXISTS pgcrypto;

CREATE TABLE IF NOT EXISTS tenants (
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    name varchar(255) NOT NULL,
    slug varchar(255) NOT NULL,
    email varchar(255) NOT NULL,
    phone varchar(50),
    address text,
    is_active boolean NOT NULL DEFAULT true,
    is_suspended boolean NOT NULL DEFAULT false,
    suspended_at timestamp(0),
    suspension_reason text,
    trial_ends_at timestamp(0),
    settings json NOT NULL DEFAULT '{}',
    created_at timestamp(0),
    updated_at timestamp(0),
    deleted_at timestamp(0),
    subscription_status varchar(255) NOT NULL DEFAULT 'trial',
    subscription_plan varchar(255),
    subscription_started_at timestamp(0),
    subscription_ends_at timestamp(0),
    last_payment_at timestamp(0),
    next_payment_due timestamp(0),
    schema_name varchar(63),
    schema_created boolean NOT NULL DEFAULT false,
    schema_created_at timestamp(0),
    subdomain varchar(255),
    custom_domain varchar(255),
    branding json,
    public_packages_enabled boolean NOT NULL DEFAULT true,
    public_registration_enabled boolean NOT NULL DEFAULT true,
    email_verified_at timestamp(0),
    CONSTRAINT tenants_pkey PRIMARY KEY (id),
    CONSTRAINT tenants_slug_unique UNIQUE (slug),
    CONSTRAINT tenants_email_unique UNIQUE (email),
    CONSTRAINT tenants_schema_name_unique UNIQUE (schema_name),
    CONSTRAINT tenants_subdomain_unique UNIQUE (subdomain),
    CONSTRAINT tenants_custom_domain_unique UNIQUE (custom_domain)
);
-- The application defines these two although the uniques already index the columns.
CREATE INDEX IF NOT EXISTS tenants_slug_index ON tenants (slug);
CREATE INDEX IF NOT EXISTS tenants_is_active_index ON tenants (is_active);
CREATE INDEX IF NOT EXISTS tenants_schema_name_index ON tenants (schema_name);
CREATE INDEX IF NOT EXISTS tenants_schema_created_index ON tenants (schema_created);

CREATE TABLE IF NOT EXISTS users (
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    tenant_id uuid,
    name varchar(255) NOT NULL,
    username varchar(255) NOT NULL,
    email varchar(255) NOT NULL,
    email_verified_at timestamp(0),
    password varchar(255) NOT NULL,
    role varchar(50) NOT NULL DEFAULT 'hotspot_user',
    phone_number varchar(20),
    account_number varchar(50),
    account_balance numeric(10,2) NOT NULL DEFAULT 0.00,
    is_active boolean NOT NULL DEFAULT true,
    last_login_at timestamp(0),
    failed_login_attempts integer NOT NULL DEFAULT 0,
    last_failed_login_at timestamp(0),
    suspended_at timestamp(0),
    suspended_until timestamp(0),
    suspension_reason varchar(255),
    remember_token varchar(100),
    created_at timestamp(0),
    updated_at timestamp(0),
    CONSTRAINT users_pkey PRIMARY KEY (id),
    CONSTRAINT users_username_unique UNIQUE (username),
    CONSTRAINT users_email_unique UNIQUE (email),
    CONSTRAINT users_phone_number_unique UNIQUE (phone_number),
    CONSTRAINT users_account_number_unique UNIQUE (account_number),
    CONSTRAINT users_tenant_id_foreign FOREIGN KEY (tenant_id) REFERENCES tenants (id) ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS users_tenant_id_index ON users (tenant_id);
CREATE INDEX IF NOT EXISTS users_phone_number_index ON users (phone_number);
CREATE INDEX IF NOT EXISTS users_account_number_index ON users (account_number);
CREATE INDEX IF NOT EXISTS users_role_index ON users (role);
CREATE INDEX IF NOT EXISTS users_is_active_index ON users (is_active);
CREATE INDEX IF NOT EXISTS users_suspended_until_index ON users (suspended_until);

CREATE TABLE IF NOT EXISTS password_reset_tokens (
    email varchar(255) NOT NULL,
    token varchar(255) NOT NULL,
    created_at timestamp(0),
    CONSTRAINT password_reset_tokens_pkey PRIMARY KEY (email)
);

CREATE TABLE IF NOT EXISTS sessions (
    id varchar(255) NOT NULL,
    user_id uuid,
    ip_address varchar(45),
    user_agent text,
    payload text NOT NULL,
    last_activity integer NOT NULL,
    CONSTRAINT sessions_pkey PRIMARY KEY (id),
    CONSTRAINT sessions_user_id_foreign FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS sessions_user_id_index ON sessions (user_id);
CREATE INDEX IF NOT EXISTS sessions_last_activity_index ON sessions (last_activity);

-- A username maps to exactly one schema platform-wide. FreeRADIUS splices schema_name into table
-- names, so the column admits only a plain lower-case identifier (or the shared schema 'public' for
-- legacy shared tenants): escaping alone does not make a table name safe.
CREATE TABLE IF NOT EXISTS radius_user_schema_mapping (
    id bigserial NOT NULL,
    username varchar(64) NOT NULL,
    schema_name varchar(64) NOT NULL,
    tenant_id uuid,
    user_role varchar(32),
    is_active boolean NOT NULL DEFAULT true,
    created_at timestamp(0),
    updated_at timestamp(0),
    CONSTRAINT radius_user_schema_mapping_pkey PRIMARY KEY (id),
    CONSTRAINT radius_user_schema_mapping_username_unique UNIQUE (username),
    CONSTRAINT radius_user_schema_mapping_tenant_id_foreign
        FOREIGN KEY (tenant_id) REFERENCES tenants (id) ON DELETE CASCADE,
    CONSTRAINT radius_user_schema_mapping_schema_name_check CHECK (
        schema_name = 'public'
        OR (schema_name ~ '^[a-z][a-z0-9_]*$'
            AND octet_length(schema_name) <= 63
            AND schema_name !~ '^pg_'
            AND schema_name <> 'information_schema')
    )
);
CREATE INDEX IF NOT EXISTS radius_user_schema_mapping_schema_name_index ON radius_user_schema_mapping (schema_name);
CREATE INDEX IF NOT EXISTS radius_user_schema_mapping_username_is_active_index
    ON radius_user_schema_mapping (username, is_active);
CREATE INDEX IF NOT EXISTS radius_user_schema_mapping_tenant_id_index ON radius_user_schema_mapping (tenant_id);
COMMENT ON TABLE radius_user_schema_mapping IS
    'RADIUS username to tenant schema routing; read by FreeRADIUS before any tenant context exists. '
    'Kept in step with each tenant''s radcheck by public.sync_radius_user_mapping().';

-- Laravel's own migration repository (public migrations only).
CREATE TABLE IF NOT EXISTS migrations (
    id serial NOT NULL,
    migration varchar(255) NOT NULL,
    batch integer NOT NULL,
    CONSTRAINT migrations_pkey PRIMARY KEY (id)
);

CREATE TABLE IF NOT EXISTS tenant_schema_migrations (
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    tenant_id uuid NOT NULL,
    migration varchar(255) NOT NULL,
    batch integer NOT NULL,
    executed_at timestamp(0) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT tenant_schema_migrations_pkey PRIMARY KEY (id),
    -- The application has no unique here, so a retried run recorded a migration twice.
    CONSTRAINT tenant_schema_migrations_tenant_id_migration_unique UNIQUE (tenant_id, migration)
);
CREATE INDEX IF NOT EXISTS tenant_schema_migrations_tenant_id_index ON tenant_schema_migrations (tenant_id);
CREATE INDEX IF NOT EXISTS tenant_schema_migrations_tenant_id_migration_index
    ON tenant_schema_migrations (tenant_id, migration);

-- Public packages belong to legacy shared tenants (tenant_id); schema tenants use their own copy.
CREATE TABLE IF NOT EXISTS packages (
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    tenant_id uuid NOT NULL,
    type varchar(255) NOT NULL,
    name varchar(255) NOT NULL,
    description text,
    duration varchar(50) NOT NULL,
    upload_speed varchar(50) NOT NULL,
    download_speed varchar(50) NOT NULL,
    speed varchar(50),
    price numeric(10,2) NOT NULL,
    devices integer NOT NULL,
    data_limit varchar(50),
    validity varchar(50),
    enable_burst boolean NOT NULL DEFAULT false,
    enable_schedule boolean NOT NULL DEFAULT false,
    scheduled_activation_time timestamp(0),
    scheduled_deactivation_time timestamp(0),
    hide_from_client boolean NOT NULL DEFAULT false,
    status varchar(20) NOT NULL DEFAULT 'active',
    is_active boolean NOT NULL DEFAULT true,
    users_count integer NOT NULL DEFAULT 0,
    created_at timestamp(0),
    updated_at timestamp(0),
    is_global boolean NOT NULL DEFAULT true,
    is_public boolean NOT NULL DEFAULT true,
    CONSTRAINT packages_pkey PRIMARY KEY (id),
    CONSTRAINT packages_tenant_id_foreign FOREIGN KEY (tenant_id) REFERENCES tenants (id) ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS packages_tenant_id_index ON packages (tenant_id);
CREATE INDEX IF NOT EXISTS packages_type_index ON packages (type);
CREATE INDEX IF NOT EXISTS packages_status_index ON packages (status);
CREATE INDEX IF NOT EXISTS packages_is_active_index ON packages (is_active);
CREATE INDEX IF NOT EXISTS packages_scheduled_activation_time_index ON packages (scheduled_activation_time);
CREATE INDEX IF NOT EXISTS packages_scheduled_deactivation_time_index ON packages (scheduled_deactivation_time);
CREATE INDEX IF NOT EXISTS packages_is_global_index ON packages (is_global);

CREATE TABLE IF NOT EXISTS tenant_vpn_tunnels (
    id bigserial NOT NULL,
    tenant_id uuid NOT NULL,
    interface_name varchar(10) NOT NULL,
    server_private_key text NOT NULL,
    server_public_key text NOT NULL,
    server_ip inet NOT NULL,
    subnet_cidr varchar(20) NOT NULL,
    listen_port integer NOT NULL,
    status varchar(255) NOT NULL DEFAULT 'active',
    last_handshake_at timestamp(0),
    connected_peers integer NOT NULL DEFAULT 0,
    bytes_received bigint NOT NULL DEFAULT 0,
    bytes_sent bigint NOT NULL DEFAULT 0,
    created_at timestamp(0),
    updated_at timestamp(0),
    CONSTRAINT tenant_vpn_tunnels_pkey PRIMARY KEY (id),
    CONSTRAINT tenant_vpn_tunnels_tenant_id_unique UNIQUE (tenant_id),
    CONSTRAINT tenant_vpn_tunnels_tenant_id_foreign FOREIGN KEY (tenant_id) REFERENCES tenants (id) ON DELETE CASCADE,
    CONSTRAINT tenant_vpn_tunnels_status_check CHECK (status IN ('active', 'inactive', 'error'))
);
CREATE INDEX IF NOT EXISTS tenant_vpn_tunnels_status_index ON tenant_vpn_tunnels (status);
CREATE INDEX IF NOT EXISTS tenant_vpn_tunnels_interface_name_index ON tenant_vpn_tunnels (interface_name);
CREATE INDEX IF NOT EXISTS tenant_vpn_tunnels_tenant_id_interface_name_index
    ON tenant_vpn_tunnels (tenant_id, interface_name);

CREATE TABLE IF NOT EXISTS system_logs (
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    tenant_id uuid NOT NULL,
    user_id uuid,
    action varchar(255) NOT NULL,
    entity_type varchar(255),
    entity_id uuid,
    description text,
    metadata json,
    ip_address varchar(45),
    user_agent text,
    level varchar(20) NOT NULL DEFAULT 'info',
    created_at timestamp(0),
    updated_at timestamp(0),
    category varchar(50),
    CONSTRAINT system_logs_pkey PRIMARY KEY (id),
    CONSTRAINT system_logs_tenant_id_foreign FOREIGN KEY (tenant_id) REFERENCES tenants (id) ON DELETE CASCADE,
    CONSTRAINT system_logs_user_id_foreign FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE SET NULL
);
CREATE INDEX IF NOT EXISTS system_logs_tenant_id_index ON system_logs (tenant_id);
CREATE INDEX IF NOT EXISTS system_logs_user_id_index ON system_logs (user_id);
CREATE INDEX IF NOT EXISTS system_logs_action_index ON system_logs (action);
CREATE INDEX IF NOT EXISTS system_logs_entity_type_index ON system_logs (entity_type);
CREATE INDEX IF NOT EXISTS system_logs_level_index ON system_logs (level);
CREATE INDEX IF NOT EXISTS system_logs_created_at_index ON system_logs (created_at);
CREATE INDEX IF NOT EXISTS system_logs_category_index ON system_logs (category);
CREATE INDEX IF NOT EXISTS system_logs_tenant_id_category_created_at_index
    ON system_logs (tenant_id, category, created_at);
CREATE INDEX IF NOT EXISTS system_logs_user_id_created_at_index ON system_logs (user_id, created_at);
CREATE INDEX IF NOT EXISTS system_logs_category_action_created_at_index
    ON system_logs (category, action, created_at);
