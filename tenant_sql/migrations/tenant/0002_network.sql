-- Routers, their services and configs, access points, address pools, VPN.
-- Runs as the tenant owner with search_path = the tenant schema only.

CREATE TABLE IF NOT EXISTS routers (
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    name varchar(255) NOT NULL,
    ip_address varchar(45) NOT NULL,
    vpn_ip varchar(45),
    vpn_status varchar(20) NOT NULL DEFAULT 'inactive',
    vpn_enabled boolean NOT NULL DEFAULT false,
    vpn_last_handshake timestamp(0),
    model varchar(255),
    os_version varchar(255),
    last_seen timestamp(0),
    last_checked timestamp(0),
    port integer NOT NULL DEFAULT 8728,
    username varchar(255) NOT NULL,
    password varchar(255) NOT NULL,
    location varchar(255),
    status varchar(20) NOT NULL DEFAULT 'unknown',
    provisioning_stage varchar(50) NOT NULL DEFAULT 'pending',
    interface_assignments json,
    configurations json,
    config_token varchar(64),
    vendor varchar(50) NOT NULL DEFAULT 'mikrotik',
    device_type varchar(50) NOT NULL DEFAULT 'router',
    capabilities json,
    interface_list json,
    reserved_interfaces json,
    created_at timestamp(0),
    updated_at timestamp(0),
    deleted_at timestamp(0),
    ssh_key text,
    ssh_key_created_at timestamp(0),
    ssh_key_rotated_at timestamp(0),
    snmp_enabled boolean NOT NULL DEFAULT true,
    snmp_version varchar(10) NOT NULL DEFAULT 'v3',
    snmp_v3_user varchar(64),
    snmp_v3_auth_protocol varchar(16) NOT NULL DEFAULT 'SHA1',
    snmp_v3_auth_password text,
    snmp_v3_priv_protocol varchar(16) NOT NULL DEFAULT 'AES',
    snmp_v3_priv_password text,
    snmp_trap_enabled boolean NOT NULL DEFAULT true,
    snmp_trap_version varchar(10) NOT NULL DEFAULT 'v3',
    snmp_trap_community text,
    snmp_trap_target varchar(64),
    CONSTRAINT routers_pkey PRIMARY KEY (id)
);
CREATE INDEX IF NOT EXISTS routers_status_index ON routers (status);
CREATE INDEX IF NOT EXISTS routers_ip_address_index ON routers (ip_address);
CREATE INDEX IF NOT EXISTS routers_vpn_ip_index ON routers (vpn_ip);
CREATE INDEX IF NOT EXISTS routers_vpn_status_index ON routers (vpn_status);
CREATE INDEX IF NOT EXISTS routers_provisioning_stage_index ON routers (provisioning_stage);
CREATE INDEX IF NOT EXISTS routers_last_seen_index ON routers (last_seen);
CREATE INDEX IF NOT EXISTS routers_last_checked_index ON routers (last_checked);
CREATE INDEX IF NOT EXISTS routers_config_token_index ON routers (config_token);

-- The application upserts on (router_id, config_type): the unique makes that well-defined.
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

CREATE TABLE IF NOT EXISTS tenant_ip_pools (
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    tenant_id uuid NOT NULL,
    service_type varchar(255) NOT NULL,
    pool_name varchar(255) NOT NULL,
    network_cidr varchar(50) NOT NULL,
    gateway_ip varchar(45) NOT NULL,
    range_start varchar(45) NOT NULL,
    range_end varchar(45) NOT NULL,
    dns_primary varchar(45),
    dns_secondary varchar(45),
    total_ips integer NOT NULL,
    allocated_ips integer NOT NULL DEFAULT 0,
    available_ips integer NOT NULL,
    auto_generated boolean NOT NULL DEFAULT true,
    status varchar(255) NOT NULL DEFAULT 'active',
    metadata jsonb,
    created_at timestamp(0),
    updated_at timestamp(0),
    CONSTRAINT tenant_ip_pools_pkey PRIMARY KEY (id),
    CONSTRAINT tenant_ip_pools_tenant_id_service_type_network_cidr_unique UNIQUE (tenant_id, service_type, network_cidr),
    CONSTRAINT tenant_ip_pools_service_type_check CHECK (service_type IN ('hotspot', 'pppoe', 'management')),
    CONSTRAINT tenant_ip_pools_status_check CHECK (status IN ('active', 'exhausted', 'disabled'))
);
CREATE INDEX IF NOT EXISTS tenant_ip_pools_service_type_index ON tenant_ip_pools (service_type);
CREATE INDEX IF NOT EXISTS tenant_ip_pools_status_index ON tenant_ip_pools (status);
CREATE INDEX IF NOT EXISTS tenant_ip_pools_tenant_id_service_type_status_index
    ON tenant_ip_pools (tenant_id, service_type, status);

CREATE TABLE IF NOT EXISTS router_services (
    id uuid NOT NULL DEFAULT gen_random_uuid(),
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
    interface_name varchar(100) NOT NULL,
    ip_pool_id uuid,
    vlan_id integer,
    vlan_required boolean NOT NULL DEFAULT false,
    radius_profile varchar(255),
    advanced_config jsonb,
    deployment_status varchar(255) NOT NULL DEFAULT 'pending',
    deployed_at timestamp(0),
    CONSTRAINT router_services_pkey PRIMARY KEY (id),
    CONSTRAINT router_services_router_id_foreign FOREIGN KEY (router_id) REFERENCES routers (id) ON DELETE CASCADE,
    -- Every schema gets this FK (the application's cross-schema name check gave it to the first only).
    CONSTRAINT router_services_ip_pool_id_foreign FOREIGN KEY (ip_pool_id) REFERENCES tenant_ip_pools (id) ON DELETE SET NULL,
    CONSTRAINT router_services_deployment_status_check
        CHECK (deployment_status IN ('pending', 'deploying', 'deployed', 'failed'))
);
CREATE INDEX IF NOT EXISTS router_services_service_type_index ON router_services (service_type);
CREATE INDEX IF NOT EXISTS router_services_status_index ON router_services (status);
CREATE INDEX IF NOT EXISTS router_services_status_router_id_index ON router_services (status, router_id);
CREATE INDEX IF NOT EXISTS router_services_last_checked_at_index ON router_services (last_checked_at);
CREATE INDEX IF NOT EXISTS idx_router_services_deployment_status ON router_services (deployment_status);
-- Also serves lookups by router_id alone (router_services_router_id_index would duplicate it).
CREATE INDEX IF NOT EXISTS idx_router_services_router_deployment ON router_services (router_id, deployment_status);

CREATE TABLE IF NOT EXISTS service_vlans (
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    router_service_id uuid NOT NULL,
    vlan_id integer NOT NULL,
    vlan_name varchar(100),
    parent_interface varchar(100) NOT NULL,
    service_type varchar(255) NOT NULL,
    auto_generated boolean NOT NULL DEFAULT true,
    created_at timestamp(0),
    updated_at timestamp(0),
    CONSTRAINT service_vlans_pkey PRIMARY KEY (id),
    CONSTRAINT service_vlans_router_service_id_vlan_id_unique UNIQUE (router_service_id, vlan_id),
    CONSTRAINT service_vlans_router_service_id_foreign
        FOREIGN KEY (router_service_id) REFERENCES router_services (id) ON DELETE CASCADE,
    CONSTRAINT service_vlans_service_type_check CHECK (service_type IN ('hotspot', 'pppoe'))
);
CREATE INDEX IF NOT EXISTS service_vlans_router_service_id_service_type_index
    ON service_vlans (router_service_id, service_type);

CREATE TABLE IF NOT EXISTS router_vpn_configs (
    id uuid NOT NULL DEFAULT gen_random_uuid(),
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
    CONSTRAINT router_vpn_configs_router_id_unique UNIQUE (router_id),
    CONSTRAINT router_vpn_configs_wireguard_public_key_unique UNIQUE (wireguard_public_key),
    CONSTRAINT router_vpn_configs_vpn_ip_address_unique UNIQUE (vpn_ip_address),
    CONSTRAINT router_vpn_configs_router_id_foreign FOREIGN KEY (router_id) REFERENCES routers (id) ON DELETE CASCADE
);

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
    CONSTRAINT access_points_router_id_foreign FOREIGN KEY (router_id) REFERENCES routers (id) ON DELETE CASCADE,
    CONSTRAINT access_points_vendor_check
        CHECK (vendor IN ('ruijie', 'tenda', 'tplink', 'mikrotik', 'ubiquiti', 'other')),
    CONSTRAINT access_points_protocol_check
        CHECK (management_protocol IN ('snmp', 'ssh', 'api', 'telnet', 'http')),
    CONSTRAINT access_points_status_check CHECK (status IN ('online', 'offline', 'unknown', 'error'))
);
CREATE INDEX IF NOT EXISTS access_points_router_id_index ON access_points (router_id);
CREATE INDEX IF NOT EXISTS access_points_vendor_index ON access_points (vendor);
CREATE INDEX IF NOT EXISTS access_points_status_index ON access_points (status);
CREATE INDEX IF NOT EXISTS access_points_ip_address_index ON access_points (ip_address);
CREATE INDEX IF NOT EXISTS access_points_serial_number_index ON access_points (serial_number);
CREATE INDEX IF NOT EXISTS access_points_last_seen_at_index ON access_points (last_seen_at);

CREATE TABLE IF NOT EXISTS ap_active_sessions (
    id uuid NOT NULL DEFAULT gen_random_uuid(),
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
    CONSTRAINT ap_active_sessions_access_point_id_foreign
        FOREIGN KEY (access_point_id) REFERENCES access_points (id) ON DELETE CASCADE,
    CONSTRAINT ap_active_sessions_router_id_foreign FOREIGN KEY (router_id) REFERENCES routers (id) ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS ap_active_sessions_access_point_id_index ON ap_active_sessions (access_point_id);
CREATE INDEX IF NOT EXISTS ap_active_sessions_router_id_index ON ap_active_sessions (router_id);
CREATE INDEX IF NOT EXISTS ap_active_sessions_username_index ON ap_active_sessions (username);
CREATE INDEX IF NOT EXISTS ap_active_sessions_mac_address_index ON ap_active_sessions (mac_address);
CREATE INDEX IF NOT EXISTS ap_active_sessions_connected_at_index ON ap_active_sessions (connected_at);
CREATE INDEX IF NOT EXISTS ap_active_sessions_last_activity_at_index ON ap_active_sessions (last_activity_at);

CREATE TABLE IF NOT EXISTS router_snmp_snapshots (
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    router_id uuid NOT NULL,
    payload json NOT NULL,
    collected_at timestamp(0) NOT NULL,
    created_at timestamp(0),
    updated_at timestamp(0),
    CONSTRAINT router_snmp_snapshots_pkey PRIMARY KEY (id),
    CONSTRAINT router_snmp_snapshots_router_id_foreign FOREIGN KEY (router_id) REFERENCES routers (id) ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS router_snmp_snapshots_router_id_index ON router_snmp_snapshots (router_id);
CREATE INDEX IF NOT EXISTS router_snmp_snapshots_collected_at_index ON router_snmp_snapshots (collected_at);

-- tenant_vpn_tunnel_id points at public.tenant_vpn_tunnels, which the tenant owner may not
-- reference: the column stays, the foreign key does not.
CREATE TABLE IF NOT EXISTS vpn_configurations (
    id bigserial NOT NULL,
    router_id uuid,
    tenant_vpn_tunnel_id bigint,
    vpn_type varchar(20) NOT NULL DEFAULT 'wireguard',
    server_public_key text,
    server_private_key text,
    client_public_key text,
    client_private_key text,
    preshared_key text,
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
    CONSTRAINT vpn_configurations_client_ip_unique UNIQUE (client_ip),
    CONSTRAINT vpn_configurations_router_id_foreign FOREIGN KEY (router_id) REFERENCES routers (id) ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS vpn_configurations_router_id_index ON vpn_configurations (router_id);
CREATE INDEX IF NOT EXISTS vpn_configurations_status_index ON vpn_configurations (status);
CREATE INDEX IF NOT EXISTS vpn_configurations_server_ip_index ON vpn_configurations (server_ip);
CREATE INDEX IF NOT EXISTS vpn_configurations_last_handshake_at_index ON vpn_configurations (last_handshake_at);
CREATE INDEX IF NOT EXISTS vpn_configurations_subnet_cidr_index ON vpn_configurations (subnet_cidr);
CREATE INDEX IF NOT EXISTS vpn_configurations_tenant_vpn_tunnel_id_status_index
    ON vpn_configurations (tenant_vpn_tunnel_id, status);

CREATE TABLE IF NOT EXISTS vpn_subnet_allocations (
    id bigserial NOT NULL,
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
    CONSTRAINT vpn_subnet_allocations_subnet_octet_2_unique UNIQUE (subnet_octet_2)
);
CREATE INDEX IF NOT EXISTS vpn_subnet_allocations_subnet_cidr_index ON vpn_subnet_allocations (subnet_cidr);
CREATE INDEX IF NOT EXISTS vpn_subnet_allocations_status_index ON vpn_subnet_allocations (status);
