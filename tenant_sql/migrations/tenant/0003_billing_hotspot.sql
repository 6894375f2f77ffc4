-- Packages, payments and subscriptions, hotspot users and sessions, vouchers, PPPoE users.
-- Foreign keys the application points at public.packages point at this schema's packages.
-- Columns holding a public.users id (user_id, used_by, disconnected_by) have no foreign key: a
-- key per tenant table would put thousands of RI triggers on public.users. Their ON DELETE
-- action runs from public.users (system migration 0006, public.hotspot_user_references); each
-- has an index.

CREATE TABLE IF NOT EXISTS packages (
    id uuid NOT NULL DEFAULT gen_random_uuid(),
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
    CONSTRAINT packages_pkey PRIMARY KEY (id)
);
CREATE INDEX IF NOT EXISTS packages_type_index ON packages (type);
CREATE INDEX IF NOT EXISTS packages_status_index ON packages (status);
CREATE INDEX IF NOT EXISTS packages_is_active_index ON packages (is_active);
CREATE INDEX IF NOT EXISTS packages_scheduled_activation_time_index ON packages (scheduled_activation_time);
CREATE INDEX IF NOT EXISTS packages_scheduled_deactivation_time_index ON packages (scheduled_deactivation_time);
CREATE INDEX IF NOT EXISTS packages_is_global_index ON packages (is_global);

CREATE TABLE IF NOT EXISTS package_router (
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    package_id uuid NOT NULL,
    router_id uuid NOT NULL,
    created_at timestamp(0),
    updated_at timestamp(0),
    CONSTRAINT package_router_pkey PRIMARY KEY (id),
    CONSTRAINT package_router_package_id_router_id_unique UNIQUE (package_id, router_id),
    CONSTRAINT package_router_package_id_foreign FOREIGN KEY (package_id) REFERENCES packages (id) ON DELETE CASCADE,
    CONSTRAINT package_router_router_id_foreign FOREIGN KEY (router_id) REFERENCES routers (id) ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS package_router_router_id_index ON package_router (router_id);

-- Deleting a package must not delete payment history: SET NULL, not the application's CASCADE.
CREATE TABLE IF NOT EXISTS payments (
    id uuid NOT NULL DEFAULT gen_random_uuid(),
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
    CONSTRAINT payments_transaction_id_unique UNIQUE (transaction_id),
    CONSTRAINT payments_package_id_foreign FOREIGN KEY (package_id) REFERENCES packages (id) ON DELETE SET NULL,
    CONSTRAINT payments_router_id_foreign FOREIGN KEY (router_id) REFERENCES routers (id) ON DELETE SET NULL
);
CREATE INDEX IF NOT EXISTS payments_user_id_index ON payments (user_id);
CREATE INDEX IF NOT EXISTS payments_status_index ON payments (status);
CREATE INDEX IF NOT EXISTS payments_phone_number_index ON payments (phone_number);
CREATE INDEX IF NOT EXISTS payments_created_at_index ON payments (created_at);
CREATE INDEX IF NOT EXISTS payments_router_id_index ON payments (router_id);
CREATE INDEX IF NOT EXISTS payments_mac_address_index ON payments (mac_address);

CREATE TABLE IF NOT EXISTS user_subscriptions (
    id uuid NOT NULL DEFAULT gen_random_uuid(),
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
    CONSTRAINT user_subscriptions_package_id_foreign FOREIGN KEY (package_id) REFERENCES packages (id) ON DELETE CASCADE,
    CONSTRAINT user_subscriptions_payment_id_foreign FOREIGN KEY (payment_id) REFERENCES payments (id) ON DELETE SET NULL,
    CONSTRAINT user_subscriptions_status_check
        CHECK (status IN ('active', 'expired', 'suspended', 'grace_period', 'disconnected', 'cancelled'))
);
CREATE INDEX IF NOT EXISTS user_subscriptions_user_id_index ON user_subscriptions (user_id);
CREATE INDEX IF NOT EXISTS user_subscriptions_status_index ON user_subscriptions (status);
CREATE INDEX IF NOT EXISTS user_subscriptions_end_time_index ON user_subscriptions (end_time);
CREATE INDEX IF NOT EXISTS user_subscriptions_next_payment_date_index ON user_subscriptions (next_payment_date);
CREATE INDEX IF NOT EXISTS user_subscriptions_mac_address_index ON user_subscriptions (mac_address);
CREATE INDEX IF NOT EXISTS user_subscriptions_start_time_index ON user_subscriptions (start_time);

CREATE TABLE IF NOT EXISTS payment_reminders (
    id uuid NOT NULL DEFAULT gen_random_uuid(),
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
    CONSTRAINT payment_reminders_subscription_id_foreign
        FOREIGN KEY (subscription_id) REFERENCES user_subscriptions (id) ON DELETE CASCADE,
    CONSTRAINT payment_reminders_type_check
        CHECK (reminder_type IN ('due_soon', 'overdue', 'grace_period', 'disconnected', 'final_warning')),
    CONSTRAINT payment_reminders_channel_check CHECK (channel IN ('email', 'sms', 'in_app', 'push')),
    CONSTRAINT payment_reminders_status_check CHECK (status IN ('sent', 'failed', 'pending', 'delivered'))
);
CREATE INDEX IF NOT EXISTS payment_reminders_user_id_index ON payment_reminders (user_id);
CREATE INDEX IF NOT EXISTS payment_reminders_subscription_id_index ON payment_reminders (subscription_id);
CREATE INDEX IF NOT EXISTS payment_reminders_reminder_type_index ON payment_reminders (reminder_type);
CREATE INDEX IF NOT EXISTS payment_reminders_sent_at_index ON payment_reminders (sent_at);

CREATE TABLE IF NOT EXISTS service_control_logs (
    id uuid NOT NULL DEFAULT gen_random_uuid(),
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
    CONSTRAINT service_control_logs_subscription_id_foreign
        FOREIGN KEY (subscription_id) REFERENCES user_subscriptions (id) ON DELETE SET NULL,
    CONSTRAINT service_control_logs_action_check
        CHECK (action IN ('disconnect', 'reconnect', 'suspend', 'activate', 'terminate')),
    CONSTRAINT service_control_logs_status_check CHECK (status IN ('pending', 'completed', 'failed', 'retrying'))
);
CREATE INDEX IF NOT EXISTS service_control_logs_user_id_index ON service_control_logs (user_id);
CREATE INDEX IF NOT EXISTS service_control_logs_subscription_id_index ON service_control_logs (subscription_id);
CREATE INDEX IF NOT EXISTS service_control_logs_action_index ON service_control_logs (action);
CREATE INDEX IF NOT EXISTS service_control_logs_status_index ON service_control_logs (status);
CREATE INDEX IF NOT EXISTS service_control_logs_created_at_index ON service_control_logs (created_at);

-- updated_at maintenance, created in this schema (the application's trigger functions).
CREATE OR REPLACE FUNCTION update_hotspot_users_updated_at() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.updated_at := now();
    RETURN NEW;
END
$$;

CREATE OR REPLACE FUNCTION set_updated_at() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.updated_at := now();
    RETURN NEW;
END
$$;

CREATE TABLE IF NOT EXISTS hotspot_users (
    id uuid NOT NULL DEFAULT gen_random_uuid(),
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
    CONSTRAINT hotspot_users_username_unique UNIQUE (username),
    CONSTRAINT hotspot_users_phone_number_unique UNIQUE (phone_number),
    CONSTRAINT hotspot_users_package_id_foreign FOREIGN KEY (package_id) REFERENCES packages (id) ON DELETE SET NULL
);
CREATE INDEX IF NOT EXISTS hotspot_users_package_id_index ON hotspot_users (package_id);
CREATE OR REPLACE TRIGGER trigger_hotspot_users_updated_at BEFORE UPDATE ON hotspot_users
    FOR EACH ROW EXECUTE FUNCTION update_hotspot_users_updated_at();

CREATE TABLE IF NOT EXISTS hotspot_sessions (
    id uuid NOT NULL DEFAULT gen_random_uuid(),
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
    CONSTRAINT hotspot_sessions_hotspot_user_id_foreign
        FOREIGN KEY (hotspot_user_id) REFERENCES hotspot_users (id) ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS hotspot_sessions_hotspot_user_id_index ON hotspot_sessions (hotspot_user_id);
CREATE INDEX IF NOT EXISTS hotspot_sessions_is_active_index ON hotspot_sessions (is_active);
CREATE INDEX IF NOT EXISTS hotspot_sessions_session_start_index ON hotspot_sessions (session_start);
CREATE INDEX IF NOT EXISTS hotspot_sessions_session_end_index ON hotspot_sessions (session_end);
CREATE INDEX IF NOT EXISTS hotspot_sessions_last_activity_index ON hotspot_sessions (last_activity);
CREATE OR REPLACE TRIGGER trigger_hotspot_sessions_updated_at BEFORE UPDATE ON hotspot_sessions
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

CREATE TABLE IF NOT EXISTS hotspot_credentials (
    id uuid NOT NULL DEFAULT gen_random_uuid(),
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
    CONSTRAINT hotspot_credentials_hotspot_user_id_foreign
        FOREIGN KEY (hotspot_user_id) REFERENCES hotspot_users (id) ON DELETE CASCADE,
    CONSTRAINT hotspot_credentials_payment_id_foreign FOREIGN KEY (payment_id) REFERENCES payments (id) ON DELETE SET NULL
);
CREATE INDEX IF NOT EXISTS hotspot_credentials_hotspot_user_id_index ON hotspot_credentials (hotspot_user_id);
CREATE INDEX IF NOT EXISTS hotspot_credentials_phone_number_index ON hotspot_credentials (phone_number);
CREATE INDEX IF NOT EXISTS hotspot_credentials_sms_sent_index ON hotspot_credentials (sms_sent);

CREATE TABLE IF NOT EXISTS user_sessions (
    id uuid NOT NULL DEFAULT gen_random_uuid(),
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
    CONSTRAINT user_sessions_voucher_unique UNIQUE (voucher),
    CONSTRAINT user_sessions_payment_id_foreign FOREIGN KEY (payment_id) REFERENCES payments (id) ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS user_sessions_payment_id_index ON user_sessions (payment_id);
CREATE INDEX IF NOT EXISTS user_sessions_status_index ON user_sessions (status);
CREATE INDEX IF NOT EXISTS user_sessions_data_used_index ON user_sessions (data_used);
CREATE INDEX IF NOT EXISTS user_sessions_start_time_index ON user_sessions (start_time);
CREATE INDEX IF NOT EXISTS user_sessions_end_time_index ON user_sessions (end_time);
CREATE INDEX IF NOT EXISTS user_sessions_mac_address_index ON user_sessions (mac_address);

CREATE TABLE IF NOT EXISTS vouchers (
    id uuid NOT NULL DEFAULT gen_random_uuid(),
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
    CONSTRAINT vouchers_code_unique UNIQUE (code),
    CONSTRAINT vouchers_package_id_foreign FOREIGN KEY (package_id) REFERENCES packages (id) ON DELETE CASCADE,
    CONSTRAINT vouchers_router_id_foreign FOREIGN KEY (router_id) REFERENCES routers (id) ON DELETE SET NULL
);
CREATE INDEX IF NOT EXISTS vouchers_status_index ON vouchers (status);
CREATE INDEX IF NOT EXISTS vouchers_package_id_index ON vouchers (package_id);
CREATE INDEX IF NOT EXISTS vouchers_router_id_index ON vouchers (router_id);
CREATE INDEX IF NOT EXISTS vouchers_used_by_index ON vouchers (used_by);
CREATE INDEX IF NOT EXISTS vouchers_used_at_index ON vouchers (used_at);
CREATE INDEX IF NOT EXISTS vouchers_expires_at_index ON vouchers (expires_at);

-- radacct_id holds radacct.radacctid of the same schema.
CREATE TABLE IF NOT EXISTS radius_sessions (
    id uuid NOT NULL DEFAULT gen_random_uuid(),
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
    CONSTRAINT radius_sessions_hotspot_user_id_foreign
        FOREIGN KEY (hotspot_user_id) REFERENCES hotspot_users (id) ON DELETE CASCADE,
    CONSTRAINT radius_sessions_payment_id_foreign FOREIGN KEY (payment_id) REFERENCES payments (id) ON DELETE SET NULL,
    CONSTRAINT radius_sessions_package_id_foreign FOREIGN KEY (package_id) REFERENCES packages (id) ON DELETE SET NULL
);
CREATE INDEX IF NOT EXISTS radius_sessions_hotspot_user_id_index ON radius_sessions (hotspot_user_id);
CREATE INDEX IF NOT EXISTS radius_sessions_status_index ON radius_sessions (status);
CREATE INDEX IF NOT EXISTS radius_sessions_username_index ON radius_sessions (username);
CREATE INDEX IF NOT EXISTS radius_sessions_session_start_index ON radius_sessions (session_start);
CREATE INDEX IF NOT EXISTS radius_sessions_expected_end_index ON radius_sessions (expected_end);
CREATE INDEX IF NOT EXISTS radius_sessions_session_end_index ON radius_sessions (session_end);
CREATE OR REPLACE TRIGGER trigger_radius_sessions_updated_at BEFORE UPDATE ON radius_sessions
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

CREATE TABLE IF NOT EXISTS session_disconnections (
    id uuid NOT NULL DEFAULT gen_random_uuid(),
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
    CONSTRAINT session_disconnections_radius_session_id_foreign
        FOREIGN KEY (radius_session_id) REFERENCES radius_sessions (id) ON DELETE CASCADE,
    CONSTRAINT session_disconnections_hotspot_user_id_foreign
        FOREIGN KEY (hotspot_user_id) REFERENCES hotspot_users (id) ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS session_disconnections_hotspot_user_id_index ON session_disconnections (hotspot_user_id);
CREATE INDEX IF NOT EXISTS session_disconnections_disconnected_by_index ON session_disconnections (disconnected_by);
CREATE INDEX IF NOT EXISTS session_disconnections_disconnected_at_index ON session_disconnections (disconnected_at);
CREATE INDEX IF NOT EXISTS session_disconnections_disconnect_method_index ON session_disconnections (disconnect_method);

CREATE TABLE IF NOT EXISTS data_usage_logs (
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    hotspot_user_id uuid NOT NULL,
    radius_session_id uuid NOT NULL,
    bytes_in bigint NOT NULL,
    bytes_out bigint NOT NULL,
    total_bytes bigint NOT NULL,
    recorded_at timestamp(0) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    source varchar(50) NOT NULL DEFAULT 'radius_accounting',
    CONSTRAINT data_usage_logs_pkey PRIMARY KEY (id),
    CONSTRAINT data_usage_logs_hotspot_user_id_foreign
        FOREIGN KEY (hotspot_user_id) REFERENCES hotspot_users (id) ON DELETE CASCADE,
    CONSTRAINT data_usage_logs_radius_session_id_foreign
        FOREIGN KEY (radius_session_id) REFERENCES radius_sessions (id) ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS data_usage_logs_hotspot_user_id_index ON data_usage_logs (hotspot_user_id);
CREATE INDEX IF NOT EXISTS data_usage_logs_radius_session_id_index ON data_usage_logs (radius_session_id);
CREATE INDEX IF NOT EXISTS data_usage_logs_recorded_at_index ON data_usage_logs (recorded_at);

CREATE TABLE IF NOT EXISTS pppoe_users (
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    username varchar(255) NOT NULL,
    password varchar(255) NOT NULL,
    package_id uuid NOT NULL,
    router_id uuid NOT NULL,
    expires_at timestamp(0),
    rate_limit varchar(50),
    simultaneous_use integer NOT NULL DEFAULT 1,
    is_active boolean NOT NULL DEFAULT true,
    status varchar(20) NOT NULL DEFAULT 'active',
    created_at timestamp(0),
    updated_at timestamp(0),
    deleted_at timestamp(0),
    CONSTRAINT pppoe_users_pkey PRIMARY KEY (id),
    CONSTRAINT pppoe_users_username_unique UNIQUE (username),
    CONSTRAINT pppoe_users_package_id_foreign FOREIGN KEY (package_id) REFERENCES packages (id) ON DELETE RESTRICT,
    CONSTRAINT pppoe_users_router_id_foreign FOREIGN KEY (router_id) REFERENCES routers (id) ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS pppoe_users_router_id_index ON pppoe_users (router_id);
CREATE INDEX IF NOT EXISTS pppoe_users_package_id_index ON pppoe_users (package_id);
CREATE INDEX IF NOT EXISTS pppoe_users_status_index ON pppoe_users (status);
CREATE INDEX IF NOT EXISTS pppoe_users_is_active_index ON pppoe_users (is_active);
CREATE INDEX IF NOT EXISTS pppoe_users_expires_at_index ON pppoe_users (expires_at);
