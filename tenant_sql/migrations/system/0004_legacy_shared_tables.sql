-- Legacy shared tables (hybrid mode): the shapes tenants used before schemas, one row per tenant
-- through tenant_id (router_configs and wireguard_peers belong through router_id). The legacy move
-- into a tenant schema reads exactly these. The platform's defect fixes apply here too: uuid
-- defaults, numeric money, payments keep history when a package goes, router_configs unique.
-- Foreign keys point at the public copies (search_path = public).

-- Legacy shape (before schemas): narrower names, config_token unique, vpn_ip inet, no ssh/snmp.
CREATE TABLE IF NOT EXISTS routers (
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    tenant_id uuid NOT NULL,
    name varchar(100) NOT NULL,
    ip_address varchar(45),
    vpn_ip inet,
    vpn_status varchar(255) NOT NULL DEFAULT 'pending',
    vpn_enabled boolean NOT NULL DEFAULT true,
    vpn_last_handshake timestamp(0),
    model varchar(255),
    os_version varchar(50),
    last_seen timestamp(0),
    port integer NOT NULL DEFAULT 8728,
    username varchar(100) NOT NULL,
    password text NOT NULL,
    location varchar(255),
    status varchar(50) NOT NULL DEFAULT 'pending',
    provisioning_stage varchar(50),
    interface_assignments json,
    configurations json,
    config_token varchar(255),
    vendor varchar(50) NOT NULL DEFAULT 'mikrotik',
    device_type varchar(50) NOT NULL DEFAULT 'router',
    capabilities json,
    interface_list json,
    reserved_interfaces json,
    created_at timestamp(0),
    updated_at timestamp(0),
    deleted_at timestamp(0),
    CONSTRAINT routers_pkey PRIMARY KEY (id),
    CONSTRAINT routers_config_token_unique UNIQUE (config_token),
    CONSTRAINT routers_tenant_id_foreign FOREIGN KEY (tenant_id) REFERENCES tenants (id) ON DELETE CASCADE,
    CONSTRAINT routers_vpn_status_check CHECK (vpn_status IN ('pending', 'active', 'inactive', 'error'))
);
CREATE INDEX IF NOT EXISTS routers_tenant_id_index ON routers (tenant_id);
CREATE INDEX IF NOT EXISTS routers_vendor_index ON routers (vendor);
CREATE INDEX IF NOT EXISTS routers_device_type_index ON routers (device_type);
CREATE INDEX IF NOT EXISTS routers_status_index ON routers (status);
CREATE INDEX IF NOT EXISTS routers_vpn_ip_index ON routers (vpn_ip);
CREATE INDEX IF NOT EXISTS routers_vpn_status_index ON routers (vpn_status);

CREATE TABLE IF NOT EXISTS router_configs (
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    router_id uuid NOT NULL,
    config_type varchar(50) NOT NULL,
    config_data json,
    config_content text,
    created_at timestamp(0),
    updated_at timestamp(0),
    CONSTRAINT router_configs_pkey PRIMARY KEY (id),
    CONSTRAINT router_configs_router_id_config_type_unique UNIQUE (router_id, config_type),
    CONSTRAINT router_configs_router_id_foreign FOREIGN KEY (router_id) REFERENCES routers (id) ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS router_configs_config_type_index ON router_configs (config_type);

-- Legacy shape: without the zero-config columns.
CREATE TABLE IF NOT EXISTS router_services (
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    tenant_id uuid NOT NULL,
    router_id uuid NOT NULL,
    service_type varchar(50) NOT NULL,
    service_name varchar(100) NOT NULL,
    interfaces json NOT NULL DEFAULT '[]',
    configuration json NOT NULL DEFAULT '{}',
    status varchar(20) NOT NULL DEFAULT 'inactive',
    active_users integer NOT NULL DEFAULT 0,
    total_sessions integer NOT NULL DEFAULT 0,
    last_checked_at timestamp(0),
    enabled boolean NOT NULL DEFAULT true,
    created_at timestamp(0),
    updated_at timestamp(0),
    CONSTRAINT router_services_pkey PRIMARY KEY (id),
    CONSTRAINT router_services_tenant_id_foreign FOREIGN KEY (tenant_id) REFERENCES tenants (id) ON DELETE CASCADE,
    CONSTRAINT router_services_router_id_foreign FOREIGN KEY (router_id) REFERENCES routers (id) ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS router_services_tenant_id_index ON router_services (tenant_id);
CREATE INDEX IF NOT EXISTS router_services_router_id_index ON router_services (router_id);
CREATE INDEX IF NOT EXISTS router_services_service_type_index ON router_services (service_type);
CREATE INDEX IF NOT EXISTS router_services_status_index ON router_services (status);
CREATE INDEX IF NOT EXISTS router_services_enabled_index ON router_services (enabled);

CREATE TABLE IF NOT EXISTS router_vpn_configs (
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    tenant_id uuid NOT NULL,
    router_id uuid NOT NULL,
    wireguard_public_key varchar(255) NOT NULL,
    wireguard_private_key text,
    vpn_ip_address inet NOT NULL,
    listen_port integer NOT NULL DEFAULT 13231,
    vpn_connected boolean NOT NULL DEFAULT false,
    last_handshake timestamp(0),
    bytes_received bigint NOT NULL DEFAULT 0,
    bytes_sent bigint NOT NULL DEFAULT 0,
    radius_server_ip inet NOT NULL DEFAULT '10.10.10.1',
    radius_auth_port integer NOT NULL DEFAULT 1812,
    radius_acct_port integer NOT NULL DEFAULT 1813,
    radius_secret varchar(255) NOT NULL,
    created_at timestamp(0),
    updated_at timestamp(0),
    CONSTRAINT router_vpn_configs_pkey PRIMARY KEY (id),
    CONSTRAINT router_vpn_configs_tenant_id_foreign FOREIGN KEY (tenant_id) REFERENCES tenants (id) ON DELETE CASCADE,
    CONSTRAINT router_vpn_configs_router_id_unique UNIQUE (router_id),
    CONSTRAINT router_vpn_configs_wireguard_public_key_unique UNIQUE (wireguard_public_key),
    CONSTRAINT router_vpn_configs_vpn_ip_address_unique UNIQUE (vpn_ip_address),
    CONSTRAINT router_vpn_configs_router_id_foreign FOREIGN KEY (router_id) REFERENCES routers (id) ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS router_vpn_configs_tenant_id_index ON router_vpn_configs (tenant_id);

CREATE TABLE IF NOT EXISTS wireguard_peers (
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    router_id uuid NOT NULL,
    peer_name varchar(255),
    public_key text,
    endpoint varchar(255),
    allowed_ips text,
    last_handshake timestamp(0),
    created_at timestamp(0),
    updated_at timestamp(0),
    CONSTRAINT wireguard_peers_pkey PRIMARY KEY (id),
    CONSTRAINT wireguard_peers_router_id_foreign FOREIGN KEY (router_id) REFERENCES routers (id) ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS wireguard_peers_router_id_index ON wireguard_peers (router_id);
CREATE INDEX IF NOT EXISTS wireguard_peers_last_handshake_index ON wireguard_peers (last_handshake);

CREATE TABLE IF NOT EXISTS access_points (
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    tenant_id uuid NOT NULL,
    router_id uuid,
    name varchar(100) NOT NULL,
    vendor varchar(50) NOT NULL,
    model varchar(100),
    ip_address varchar(45) NOT NULL,
    mac_address varchar(17),
    serial_number varchar(100),
    management_protocol varchar(20) NOT NULL DEFAULT 'snmp',
    credentials json,
    location varchar(255),
    status varchar(20) NOT NULL DEFAULT 'unknown',
    active_users integer NOT NULL DEFAULT 0,
    total_capacity integer,
    signal_strength integer,
    uptime_seconds bigint NOT NULL DEFAULT 0,
    last_seen_at timestamp(0),
    created_at timestamp(0),
    updated_at timestamp(0),
    CONSTRAINT access_points_pkey PRIMARY KEY (id),
    CONSTRAINT access_points_tenant_id_foreign FOREIGN KEY (tenant_id) REFERENCES tenants (id) ON DELETE CASCADE,
    CONSTRAINT access_points_router_id_foreign FOREIGN KEY (router_id) REFERENCES routers (id) ON DELETE CASCADE,
    CONSTRAINT access_points_vendor_check
        CHECK (vendor IN ('ruijie', 'tenda', 'tplink', 'mikrotik', 'ubiquiti', 'other')),
    CONSTRAINT access_points_protocol_check
        CHECK (management_protocol IN ('snmp', 'ssh', 'api', 'telnet', 'http')),
    CONSTRAINT access_points_status_check CHECK (status IN ('online', 'offline', 'unknown', 'error'))
);
CREATE INDEX IF NOT EXISTS access_points_tenant_id_index ON access_points (tenant_id);
CREATE INDEX IF NOT EXISTS access_points_router_id_index ON access_points (router_id);
CREATE INDEX IF NOT EXISTS access_points_vendor_index ON access_points (vendor);
CREATE INDEX IF NOT EXISTS access_points_status_index ON access_points (status);
CREATE INDEX IF NOT EXISTS access_points_ip_address_index ON access_points (ip_address);
CREATE INDEX IF NOT EXISTS access_points_serial_number_index ON access_points (serial_number);
CREATE INDEX IF NOT EXISTS access_points_last_seen_at_index ON access_points (last_seen_at);

CREATE TABLE IF NOT EXISTS ap_active_sessions (
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    tenant_id uuid NOT NULL,
    access_point_id uuid NOT NULL,
    router_id uuid,
    username varchar(100),
    mac_address varchar(17) NOT NULL,
    ip_address varchar(45),
    session_id varchar(100),
    connected_at timestamp(0) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    last_activity_at timestamp(0),
    bytes_in bigint NOT NULL DEFAULT 0,
    bytes_out bigint NOT NULL DEFAULT 0,
    signal_strength integer,
    created_at timestamp(0),
    updated_at timestamp(0),
    CONSTRAINT ap_active_sessions_pkey PRIMARY KEY (id),
    CONSTRAINT ap_active_sessions_tenant_id_foreign FOREIGN KEY (tenant_id) REFERENCES tenants (id) ON DELETE CASCADE,
    CONSTRAINT ap_active_sessions_access_point_id_foreign
        FOREIGN KEY (access_point_id) REFERENCES access_points (id) ON DELETE CASCADE,
    CONSTRAINT ap_active_sessions_router_id_foreign FOREIGN KEY (router_id) REFERENCES routers (id) ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS ap_active_sessions_tenant_id_index ON ap_active_sessions (tenant_id);
CREATE INDEX IF NOT EXISTS ap_active_sessions_access_point_id_index ON ap_active_sessions (access_point_id);
CREATE INDEX IF NOT EXISTS ap_active_sessions_router_id_index ON ap_active_sessions (router_id);
CREATE INDEX IF NOT EXISTS ap_active_sessions_username_index ON ap_active_sessions (username);
CREATE INDEX IF NOT EXISTS ap_active_sessions_mac_address_index ON ap_active_sessions (mac_address);
CREATE INDEX IF NOT EXISTS ap_active_sessions_connected_at_index ON ap_active_sessions (connected_at);
CREATE INDEX IF NOT EXISTS ap_active_sessions_last_activity_at_index ON ap_active_sessions (last_activity_at);

CREATE TABLE IF NOT EXISTS package_router (
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    tenant_id uuid NOT NULL,
    package_id uuid NOT NULL,
    router_id uuid NOT NULL,
    created_at timestamp(0),
    updated_at timestamp(0),
    CONSTRAINT package_router_pkey PRIMARY KEY (id),
    CONSTRAINT package_router_tenant_id_foreign FOREIGN KEY (tenant_id) REFERENCES tenants (id) ON DELETE CASCADE,
    CONSTRAINT package_router_package_id_router_id_unique UNIQUE (package_id, router_id),
    CONSTRAINT package_router_package_id_foreign FOREIGN KEY (package_id) REFERENCES packages (id) ON DELETE CASCADE,
    CONSTRAINT package_router_router_id_foreign FOREIGN KEY (router_id) REFERENCES routers (id) ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS package_router_tenant_id_index ON package_router (tenant_id);
CREATE INDEX IF NOT EXISTS package_router_router_id_index ON package_router (router_id);

CREATE TABLE IF NOT EXISTS payments (
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    tenant_id uuid NOT NULL,
    user_id uuid,
    mac_address varchar(17) NOT NULL,
    phone_number varchar(15) NOT NULL,
    package_id uuid,
    router_id uuid,
    amount numeric(10,2) NOT NULL,
    transaction_id varchar(255) NOT NULL,
    mpesa_receipt varchar(255),
    status varchar(20) NOT NULL DEFAULT 'pending',
    payment_method varchar(50) NOT NULL DEFAULT 'mpesa',
    callback_response json,
    created_at timestamp(0),
    updated_at timestamp(0),
    CONSTRAINT payments_pkey PRIMARY KEY (id),
    CONSTRAINT payments_tenant_id_foreign FOREIGN KEY (tenant_id) REFERENCES tenants (id) ON DELETE CASCADE,
    CONSTRAINT payments_transaction_id_unique UNIQUE (transaction_id),
    CONSTRAINT payments_user_id_foreign FOREIGN KEY (user_id) REFERENCES public.users (id) ON DELETE SET NULL,
    CONSTRAINT payments_package_id_foreign FOREIGN KEY (package_id) REFERENCES packages (id) ON DELETE SET NULL,
    CONSTRAINT payments_router_id_foreign FOREIGN KEY (router_id) REFERENCES routers (id) ON DELETE SET NULL
);
CREATE INDEX IF NOT EXISTS payments_tenant_id_index ON payments (tenant_id);
CREATE INDEX IF NOT EXISTS payments_user_id_index ON payments (user_id);
CREATE INDEX IF NOT EXISTS payments_status_index ON payments (status);
CREATE INDEX IF NOT EXISTS payments_phone_number_index ON payments (phone_number);
CREATE INDEX IF NOT EXISTS payments_created_at_index ON payments (created_at);
CREATE INDEX IF NOT EXISTS payments_router_id_index ON payments (router_id);
CREATE INDEX IF NOT EXISTS payments_mac_address_index ON payments (mac_address);

CREATE TABLE IF NOT EXISTS user_subscriptions (
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    tenant_id uuid NOT NULL,
    user_id uuid NOT NULL,
    package_id uuid NOT NULL,
    payment_id uuid,
    mac_address varchar(17) NOT NULL,
    start_time timestamp(0) NOT NULL,
    end_time timestamp(0) NOT NULL,
    status varchar(20) NOT NULL DEFAULT 'active',
    mikrotik_username varchar(255),
    mikrotik_password varchar(255),
    data_used_mb bigint NOT NULL DEFAULT 0,
    time_used_minutes integer NOT NULL DEFAULT 0,
    next_payment_date date,
    grace_period_days integer NOT NULL DEFAULT 3,
    grace_period_ends_at timestamp(0),
    auto_renew boolean NOT NULL DEFAULT false,
    disconnected_at timestamp(0),
    disconnection_reason varchar(255),
    last_reminder_sent_at timestamp(0),
    reminder_count integer NOT NULL DEFAULT 0,
    created_at timestamp(0),
    updated_at timestamp(0),
    CONSTRAINT user_subscriptions_pkey PRIMARY KEY (id),
    CONSTRAINT user_subscriptions_tenant_id_foreign FOREIGN KEY (tenant_id) REFERENCES tenants (id) ON DELETE CASCADE,
    CONSTRAINT user_subscriptions_user_id_foreign FOREIGN KEY (user_id) REFERENCES public.users (id) ON DELETE CASCADE,
    CONSTRAINT user_subscriptions_package_id_foreign FOREIGN KEY (package_id) REFERENCES packages (id) ON DELETE CASCADE,
    CONSTRAINT user_subscriptions_payment_id_foreign FOREIGN KEY (payment_id) REFERENCES payments (id) ON DELETE SET NULL,
    CONSTRAINT user_subscriptions_status_check
        CHECK (status IN ('active', 'expired', 'suspended', 'grace_period', 'disconnected', 'cancelled'))
);
CREATE INDEX IF NOT EXISTS user_subscriptions_tenant_id_index ON user_subscriptions (tenant_id);
CREATE INDEX IF NOT EXISTS user_subscriptions_user_id_index ON user_subscriptions (user_id);
CREATE INDEX IF NOT EXISTS user_subscriptions_status_index ON user_subscriptions (status);
CREATE INDEX IF NOT EXISTS user_subscriptions_end_time_index ON user_subscriptions (end_time);
CREATE INDEX IF NOT EXISTS user_subscriptions_next_payment_date_index ON user_subscriptions (next_payment_date);
CREATE INDEX IF NOT EXISTS user_subscriptions_mac_address_index ON user_subscriptions (mac_address);
CREATE INDEX IF NOT EXISTS user_subscriptions_start_time_index ON user_subscriptions (start_time);

CREATE TABLE IF NOT EXISTS payment_reminders (
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    tenant_id uuid NOT NULL,
    user_id uuid NOT NULL,
    subscription_id uuid,
    reminder_type varchar(50) NOT NULL,
    days_before_due integer,
    sent_at timestamp(0) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    channel varchar(20) NOT NULL,
    status varchar(20) NOT NULL DEFAULT 'sent',
    response json,
    created_at timestamp(0),
    updated_at timestamp(0),
    CONSTRAINT payment_reminders_pkey PRIMARY KEY (id),
    CONSTRAINT payment_reminders_tenant_id_foreign FOREIGN KEY (tenant_id) REFERENCES tenants (id) ON DELETE CASCADE,
    CONSTRAINT payment_reminders_user_id_foreign FOREIGN KEY (user_id) REFERENCES public.users (id) ON DELETE CASCADE,
    CONSTRAINT payment_reminders_subscription_id_foreign
        FOREIGN KEY (subscription_id) REFERENCES user_subscriptions (id) ON DELETE CASCADE,
    CONSTRAINT payment_reminders_type_check
        CHECK (reminder_type IN ('due_soon', 'overdue', 'grace_period', 'disconnected', 'final_warning')),
    CONSTRAINT payment_reminders_channel_check CHECK (channel IN ('email', 'sms', 'in_app', 'push')),
    CONSTRAINT payment_reminders_status_check CHECK (status IN ('sent', 'failed', 'pending', 'delivered'))
);
CREATE INDEX IF NOT EXISTS payment_reminders_tenant_id_index ON payment_reminders (tenant_id);
CREATE INDEX IF NOT EXISTS payment_reminders_user_id_index ON payment_reminders (user_id);
CREATE INDEX IF NOT EXISTS payment_reminders_subscription_id_index ON payment_reminders (subscription_id);
CREATE INDEX IF NOT EXISTS payment_reminders_reminder_type_index ON payment_reminders (reminder_type);
CREATE INDEX IF NOT EXISTS payment_reminders_sent_at_index ON payment_reminders (sent_at);

CREATE TABLE IF NOT EXISTS service_control_logs (
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    tenant_id uuid NOT NULL,
    user_id uuid,
    subscription_id uuid,
    action varchar(50) NOT NULL,
    reason varchar(255),
    status varchar(20) NOT NULL DEFAULT 'pending',
    radius_response json,
    executed_at timestamp(0),
    created_at timestamp(0),
    updated_at timestamp(0),
    CONSTRAINT service_control_logs_pkey PRIMARY KEY (id),
    CONSTRAINT service_control_logs_tenant_id_foreign FOREIGN KEY (tenant_id) REFERENCES tenants (id) ON DELETE CASCADE,
    CONSTRAINT service_control_logs_user_id_foreign FOREIGN KEY (user_id) REFERENCES public.users (id) ON DELETE SET NULL,
    CONSTRAINT service_control_logs_subscription_id_foreign
        FOREIGN KEY (subscription_id) REFERENCES user_subscriptions (id) ON DELETE SET NULL,
    CONSTRAINT service_control_logs_action_check
        CHECK (action IN ('disconnect', 'reconnect', 'suspend', 'activate', 'terminate')),
    CONSTRAINT service_control_logs_status_check CHECK (status IN ('pending', 'completed', 'failed', 'retrying'))
);
CREATE INDEX IF NOT EXISTS service_control_logs_tenant_id_index ON service_control_logs (tenant_id);
CREATE INDEX IF NOT EXISTS service_control_logs_user_id_index ON service_control_logs (user_id);
CREATE INDEX IF NOT EXISTS service_control_logs_subscription_id_index ON service_control_logs (subscription_id);
CREATE INDEX IF NOT EXISTS service_control_logs_action_index ON service_control_logs (action);
CREATE INDEX IF NOT EXISTS service_control_logs_status_index ON service_control_logs (status);
CREATE INDEX IF NOT EXISTS service_control_logs_created_at_index ON service_control_logs (created_at);

CREATE TABLE IF NOT EXISTS hotspot_users (
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    tenant_id uuid NOT NULL,
    username varchar(255) NOT NULL,
    password varchar(255) NOT NULL,
    phone_number varchar(255) NOT NULL,
    mac_address varchar(17),
    has_active_subscription boolean NOT NULL DEFAULT false,
    package_name varchar(255),
    package_id uuid,
    subscription_starts_at timestamp(0),
    subscription_expires_at timestamp(0),
    data_limit bigint,
    data_used bigint NOT NULL DEFAULT 0,
    last_login_at timestamp(0),
    last_login_ip varchar(45),
    is_active boolean NOT NULL DEFAULT true,
    status varchar(20) NOT NULL DEFAULT 'active',
    created_at timestamp(0),
    updated_at timestamp(0),
    deleted_at timestamp(0),
    CONSTRAINT hotspot_users_pkey PRIMARY KEY (id),
    CONSTRAINT hotspot_users_tenant_id_foreign FOREIGN KEY (tenant_id) REFERENCES tenants (id) ON DELETE CASCADE,
    CONSTRAINT hotspot_users_username_unique UNIQUE (username),
    CONSTRAINT hotspot_users_phone_number_unique UNIQUE (phone_number),
    CONSTRAINT hotspot_users_package_id_foreign FOREIGN KEY (package_id) REFERENCES packages (id) ON DELETE SET NULL
);
CREATE INDEX IF NOT EXISTS hotspot_users_tenant_id_index ON hotspot_users (tenant_id);
CREATE INDEX IF NOT EXISTS hotspot_users_package_id_index ON hotspot_users (package_id);
CREATE INDEX IF NOT EXISTS hotspot_users_has_active_subscription_index ON hotspot_users (has_active_subscription);
CREATE INDEX IF NOT EXISTS hotspot_users_subscription_expires_at_index ON hotspot_users (subscription_expires_at);

CREATE TABLE IF NOT EXISTS hotspot_sessions (
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    tenant_id uuid NOT NULL,
    hotspot_user_id uuid NOT NULL,
    mac_address varchar(17),
    ip_address varchar(45),
    session_start timestamp(0) NOT NULL,
    session_end timestamp(0),
    last_activity timestamp(0),
    expires_at timestamp(0),
    is_active boolean NOT NULL DEFAULT true,
    bytes_uploaded bigint NOT NULL DEFAULT 0,
    bytes_downloaded bigint NOT NULL DEFAULT 0,
    total_bytes bigint NOT NULL DEFAULT 0,
    user_agent varchar(255),
    device_type varchar(50),
    created_at timestamp(0),
    updated_at timestamp(0),
    CONSTRAINT hotspot_sessions_pkey PRIMARY KEY (id),
    CONSTRAINT hotspot_sessions_tenant_id_foreign FOREIGN KEY (tenant_id) REFERENCES tenants (id) ON DELETE CASCADE,
    CONSTRAINT hotspot_sessions_hotspot_user_id_foreign
        FOREIGN KEY (hotspot_user_id) REFERENCES hotspot_users (id) ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS hotspot_sessions_tenant_id_index ON hotspot_sessions (tenant_id);
CREATE INDEX IF NOT EXISTS hotspot_sessions_hotspot_user_id_index ON hotspot_sessions (hotspot_user_id);
CREATE INDEX IF NOT EXISTS hotspot_sessions_is_active_index ON hotspot_sessions (is_active);
CREATE INDEX IF NOT EXISTS hotspot_sessions_session_start_index ON hotspot_sessions (session_start);
CREATE INDEX IF NOT EXISTS hotspot_sessions_session_end_index ON hotspot_sessions (session_end);
CREATE INDEX IF NOT EXISTS hotspot_sessions_last_activity_index ON hotspot_sessions (last_activity);

CREATE TABLE IF NOT EXISTS hotspot_credentials (
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    tenant_id uuid NOT NULL,
    hotspot_user_id uuid NOT NULL,
    payment_id uuid,
    username varchar(64) NOT NULL,
    plain_password varchar(64) NOT NULL,
    phone_number varchar(20) NOT NULL,
    sms_sent boolean NOT NULL DEFAULT false,
    sms_sent_at timestamp(0),
    sms_message_id varchar(100),
    sms_status varchar(50),
    credentials_expires_at timestamp(0),
    created_at timestamp(0) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT hotspot_credentials_pkey PRIMARY KEY (id),
    CONSTRAINT hotspot_credentials_tenant_id_foreign FOREIGN KEY (tenant_id) REFERENCES tenants (id) ON DELETE CASCADE,
    CONSTRAINT hotspot_credentials_hotspot_user_id_foreign
        FOREIGN KEY (hotspot_user_id) REFERENCES hotspot_users (id) ON DELETE CASCADE,
    CONSTRAINT hotspot_credentials_payment_id_foreign FOREIGN KEY (payment_id) REFERENCES payments (id) ON DELETE SET NULL
);
CREATE INDEX IF NOT EXISTS hotspot_credentials_tenant_id_index ON hotspot_credentials (tenant_id);
CREATE INDEX IF NOT EXISTS hotspot_credentials_hotspot_user_id_index ON hotspot_credentials (hotspot_user_id);
CREATE INDEX IF NOT EXISTS hotspot_credentials_phone_number_index ON hotspot_credentials (phone_number);
CREATE INDEX IF NOT EXISTS hotspot_credentials_sms_sent_index ON hotspot_credentials (sms_sent);

CREATE TABLE IF NOT EXISTS user_sessions (
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    tenant_id uuid NOT NULL,
    payment_id uuid,
    voucher varchar(255) NOT NULL,
    mac_address varchar(17) NOT NULL,
    start_time timestamp(0) NOT NULL,
    end_time timestamp(0) NOT NULL,
    status varchar(20) NOT NULL DEFAULT 'active',
    data_used bigint NOT NULL DEFAULT 0,
    data_upload bigint NOT NULL DEFAULT 0,
    data_download bigint NOT NULL DEFAULT 0,
    created_at timestamp(0),
    updated_at timestamp(0),
    CONSTRAINT user_sessions_pkey PRIMARY KEY (id),
    CONSTRAINT user_sessions_tenant_id_foreign FOREIGN KEY (tenant_id) REFERENCES tenants (id) ON DELETE CASCADE,
    CONSTRAINT user_sessions_voucher_unique UNIQUE (voucher),
    CONSTRAINT user_sessions_payment_id_foreign FOREIGN KEY (payment_id) REFERENCES payments (id) ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS user_sessions_tenant_id_data_used_index ON user_sessions (tenant_id, data_used);
CREATE INDEX IF NOT EXISTS user_sessions_payment_id_index ON user_sessions (payment_id);
CREATE INDEX IF NOT EXISTS user_sessions_status_index ON user_sessions (status);
CREATE INDEX IF NOT EXISTS user_sessions_start_time_index ON user_sessions (start_time);
CREATE INDEX IF NOT EXISTS user_sessions_end_time_index ON user_sessions (end_time);
CREATE INDEX IF NOT EXISTS user_sessions_mac_address_index ON user_sessions (mac_address);

CREATE TABLE IF NOT EXISTS vouchers (
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    tenant_id uuid NOT NULL,
    code varchar(255) NOT NULL,
    package_id uuid NOT NULL,
    router_id uuid,
    status varchar(20) NOT NULL DEFAULT 'active',
    used_by uuid,
    used_at timestamp(0),
    expires_at timestamp(0),
    created_at timestamp(0),
    updated_at timestamp(0),
    deleted_at timestamp(0),
    CONSTRAINT vouchers_pkey PRIMARY KEY (id),
    CONSTRAINT vouchers_tenant_id_foreign FOREIGN KEY (tenant_id) REFERENCES tenants (id) ON DELETE CASCADE,
    CONSTRAINT vouchers_code_unique UNIQUE (code),
    CONSTRAINT vouchers_package_id_foreign FOREIGN KEY (package_id) REFERENCES packages (id) ON DELETE CASCADE,
    CONSTRAINT vouchers_router_id_foreign FOREIGN KEY (router_id) REFERENCES routers (id) ON DELETE SET NULL,
    CONSTRAINT vouchers_used_by_foreign FOREIGN KEY (used_by) REFERENCES public.users (id) ON DELETE SET NULL
);
CREATE INDEX IF NOT EXISTS vouchers_tenant_id_index ON vouchers (tenant_id);
CREATE INDEX IF NOT EXISTS vouchers_status_index ON vouchers (status);
CREATE INDEX IF NOT EXISTS vouchers_package_id_index ON vouchers (package_id);
CREATE INDEX IF NOT EXISTS vouchers_router_id_index ON vouchers (router_id);
CREATE INDEX IF NOT EXISTS vouchers_used_at_index ON vouchers (used_at);
CREATE INDEX IF NOT EXISTS vouchers_expires_at_index ON vouchers (expires_at);

CREATE TABLE IF NOT EXISTS radius_sessions (
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    tenant_id uuid NOT NULL,
    hotspot_user_id uuid NOT NULL,
    payment_id uuid,
    package_id uuid,
    radacct_id bigint,
    username varchar(64) NOT NULL,
    mac_address varchar(17),
    ip_address inet,
    nas_ip_address inet,
    session_start timestamp(0) NOT NULL,
    session_end timestamp(0),
    expected_end timestamp(0) NOT NULL,
    duration_seconds bigint NOT NULL DEFAULT 0,
    bytes_in bigint NOT NULL DEFAULT 0,
    bytes_out bigint NOT NULL DEFAULT 0,
    total_bytes bigint NOT NULL DEFAULT 0,
    status varchar(20) NOT NULL DEFAULT 'active',
    disconnect_reason varchar(100),
    created_at timestamp(0),
    updated_at timestamp(0),
    CONSTRAINT radius_sessions_pkey PRIMARY KEY (id),
    CONSTRAINT radius_sessions_tenant_id_foreign FOREIGN KEY (tenant_id) REFERENCES tenants (id) ON DELETE CASCADE,
    CONSTRAINT radius_sessions_hotspot_user_id_foreign
        FOREIGN KEY (hotspot_user_id) REFERENCES hotspot_users (id) ON DELETE CASCADE,
    CONSTRAINT radius_sessions_payment_id_foreign FOREIGN KEY (payment_id) REFERENCES payments (id) ON DELETE SET NULL,
    CONSTRAINT radius_sessions_package_id_foreign FOREIGN KEY (package_id) REFERENCES packages (id) ON DELETE SET NULL
);
CREATE INDEX IF NOT EXISTS radius_sessions_tenant_id_index ON radius_sessions (tenant_id);
CREATE INDEX IF NOT EXISTS radius_sessions_hotspot_user_id_index ON radius_sessions (hotspot_user_id);
CREATE INDEX IF NOT EXISTS radius_sessions_status_index ON radius_sessions (status);
CREATE INDEX IF NOT EXISTS radius_sessions_username_index ON radius_sessions (username);
CREATE INDEX IF NOT EXISTS radius_sessions_session_start_index ON radius_sessions (session_start);
CREATE INDEX IF NOT EXISTS radius_sessions_expected_end_index ON radius_sessions (expected_end);
CREATE INDEX IF NOT EXISTS radius_sessions_session_end_index ON radius_sessions (session_end);

CREATE TABLE IF NOT EXISTS session_disconnections (
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    tenant_id uuid NOT NULL,
    radius_session_id uuid NOT NULL,
    hotspot_user_id uuid NOT NULL,
    disconnect_method varchar(50),
    disconnect_reason varchar(255),
    disconnected_at timestamp(0) NOT NULL,
    disconnected_by uuid,
    total_duration bigint,
    total_data_used bigint,
    created_at timestamp(0) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT session_disconnections_pkey PRIMARY KEY (id),
    CONSTRAINT session_disconnections_tenant_id_foreign FOREIGN KEY (tenant_id) REFERENCES tenants (id) ON DELETE CASCADE,
    CONSTRAINT session_disconnections_radius_session_id_foreign
        FOREIGN KEY (radius_session_id) REFERENCES radius_sessions (id) ON DELETE CASCADE,
    CONSTRAINT session_disconnections_hotspot_user_id_foreign
        FOREIGN KEY (hotspot_user_id) REFERENCES hotspot_users (id) ON DELETE CASCADE,
    CONSTRAINT session_disconnections_disconnected_by_foreign
        FOREIGN KEY (disconnected_by) REFERENCES public.users (id) ON DELETE SET NULL
);
CREATE INDEX IF NOT EXISTS session_disconnections_tenant_id_index ON session_disconnections (tenant_id);
CREATE INDEX IF NOT EXISTS session_disconnections_hotspot_user_id_index ON session_disconnections (hotspot_user_id);
CREATE INDEX IF NOT EXISTS session_disconnections_disconnected_at_index ON session_disconnections (disconnected_at);
CREATE INDEX IF NOT EXISTS session_disconnections_disconnect_method_index ON session_disconnections (disconnect_method);

CREATE TABLE IF NOT EXISTS data_usage_logs (
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    tenant_id uuid NOT NULL,
    hotspot_user_id uuid NOT NULL,
    radius_session_id uuid NOT NULL,
    bytes_in bigint NOT NULL,
    bytes_out bigint NOT NULL,
    total_bytes bigint NOT NULL,
    recorded_at timestamp(0) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    source varchar(50) NOT NULL DEFAULT 'radius_accounting',
    CONSTRAINT data_usage_logs_pkey PRIMARY KEY (id),
    CONSTRAINT data_usage_logs_tenant_id_foreign FOREIGN KEY (tenant_id) REFERENCES tenants (id) ON DELETE CASCADE,
    CONSTRAINT data_usage_logs_hotspot_user_id_foreign
        FOREIGN KEY (hotspot_user_id) REFERENCES hotspot_users (id) ON DELETE CASCADE,
    CONSTRAINT data_usage_logs_radius_session_id_foreign
        FOREIGN KEY (radius_session_id) REFERENCES radius_sessions (id) ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS data_usage_logs_tenant_id_index ON data_usage_logs (tenant_id);
CREATE INDEX IF NOT EXISTS data_usage_logs_hotspot_user_id_index ON data_usage_logs (hotspot_user_id);
CREATE INDEX IF NOT EXISTS data_usage_logs_radius_session_id_index ON data_usage_logs (radius_session_id);
CREATE INDEX IF NOT EXISTS data_usage_logs_recorded_at_index ON data_usage_logs (recorded_at);

-- Legacy shape: tenant_id nullable, enum checks, preshared_key varchar(255).
CREATE TABLE IF NOT EXISTS vpn_configurations (
    id bigserial NOT NULL,
    tenant_id uuid,
    router_id uuid,
    tenant_vpn_tunnel_id bigint,
    vpn_type varchar(20) NOT NULL DEFAULT 'wireguard',
    server_public_key text,
    server_private_key text,
    client_public_key text,
    client_private_key text,
    preshared_key varchar(255),
    server_ip inet NOT NULL,
    client_ip inet NOT NULL,
    subnet_cidr varchar(20) NOT NULL,
    listen_port integer NOT NULL DEFAULT 51820,
    server_endpoint varchar(255) NOT NULL,
    server_public_ip varchar(255),
    status varchar(20) NOT NULL DEFAULT 'pending',
    last_handshake_at timestamp(0),
    rx_bytes bigint NOT NULL DEFAULT 0,
    tx_bytes bigint NOT NULL DEFAULT 0,
    mikrotik_script text,
    linux_script text,
    interface_name varchar(50) NOT NULL DEFAULT 'wg0',
    keepalive_interval integer NOT NULL DEFAULT 25,
    allowed_ips json,
    dns_servers json,
    created_at timestamp(0),
    updated_at timestamp(0),
    deleted_at timestamp(0),
    CONSTRAINT vpn_configurations_pkey PRIMARY KEY (id),
    CONSTRAINT vpn_configurations_tenant_id_foreign FOREIGN KEY (tenant_id) REFERENCES tenants (id) ON DELETE CASCADE,
    CONSTRAINT vpn_configurations_client_ip_unique UNIQUE (client_ip),
    CONSTRAINT vpn_configurations_router_id_foreign FOREIGN KEY (router_id) REFERENCES routers (id) ON DELETE CASCADE,
    CONSTRAINT vpn_configurations_tenant_vpn_tunnel_id_foreign
        FOREIGN KEY (tenant_vpn_tunnel_id) REFERENCES tenant_vpn_tunnels (id) ON DELETE CASCADE,
    CONSTRAINT vpn_configurations_vpn_type_check CHECK (vpn_type IN ('wireguard', 'ipsec')),
    CONSTRAINT vpn_configurations_status_check CHECK (status IN ('pending', 'active', 'inactive', 'error'))
);
CREATE INDEX IF NOT EXISTS vpn_configurations_tenant_id_index ON vpn_configurations (tenant_id);
CREATE INDEX IF NOT EXISTS vpn_configurations_router_id_index ON vpn_configurations (router_id);
CREATE INDEX IF NOT EXISTS vpn_configurations_status_index ON vpn_configurations (status);
CREATE INDEX IF NOT EXISTS vpn_configurations_server_ip_index ON vpn_configurations (server_ip);
CREATE INDEX IF NOT EXISTS vpn_configurations_last_handshake_at_index ON vpn_configurations (last_handshake_at);
CREATE INDEX IF NOT EXISTS vpn_configurations_subnet_cidr_index ON vpn_configurations (subnet_cidr);
CREATE INDEX IF NOT EXISTS vpn_configurations_tenant_vpn_tunnel_id_status_index
    ON vpn_configurations (tenant_vpn_tunnel_id, status);

CREATE TABLE IF NOT EXISTS vpn_subnet_allocations (
    id bigserial NOT NULL,
    tenant_id uuid NOT NULL,
    subnet_cidr varchar(20) NOT NULL,
    subnet_octet_2 integer NOT NULL,
    gateway_ip inet NOT NULL,
    range_start inet NOT NULL,
    range_end inet NOT NULL,
    total_ips integer NOT NULL DEFAULT 65534,
    allocated_ips integer NOT NULL DEFAULT 0,
    available_ips integer NOT NULL DEFAULT 65534,
    status varchar(20) NOT NULL DEFAULT 'active',
    created_at timestamp(0),
    updated_at timestamp(0),
    CONSTRAINT vpn_subnet_allocations_pkey PRIMARY KEY (id),
    CONSTRAINT vpn_subnet_allocations_tenant_id_foreign FOREIGN KEY (tenant_id) REFERENCES tenants (id) ON DELETE CASCADE,
    CONSTRAINT vpn_subnet_allocations_subnet_octet_2_unique UNIQUE (subnet_octet_2),
    CONSTRAINT vpn_subnet_allocations_status_check CHECK (status IN ('active', 'exhausted', 'reserved'))
);
CREATE INDEX IF NOT EXISTS vpn_subnet_allocations_tenant_id_index ON vpn_subnet_allocations (tenant_id);
CREATE INDEX IF NOT EXISTS vpn_subnet_allocations_subnet_cidr_index ON vpn_subnet_allocations (subnet_cidr);
CREATE INDEX IF NOT EXISTS vpn_subnet_allocations_status_index ON vpn_subnet_allocations (status);
