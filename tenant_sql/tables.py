"""Every table the migration files create, by where it lives (drift detection reads these).

tests/test_schema_shape.py checks that these tuples are exactly what the files create.
"""

from __future__ import annotations

# FreeRADIUS tables: in every tenant schema and, for system users and legacy shared tenants, in public.
RADIUS_TABLES = (
    "radcheck",
    "radreply",
    "radgroupcheck",
    "radgroupreply",
    "radusergroup",
    "radacct",
    "radpostauth",
    "nas",
)

# System schema (public) tables, RADIUS copies included; legacy shared tables are listed apart.
SYSTEM_TABLES = (
    "tenants",
    "users",
    "password_reset_tokens",
    "sessions",
    "radius_user_schema_mapping",
    "migrations",
    "tenant_schema_migrations",
    "packages",
    "tenant_vpn_tunnels",
    "system_logs",
    "hotspot_user_references",  # tenant columns holding a public.users id (no foreign keys)
    *RADIUS_TABLES,
)

# Tables in public that legacy shared tenants use (tenant_id, or router_id for router_configs and
# wireguard_peers); the legacy move copies them into the tenant's schema.
LEGACY_SHARED_TABLES = (
    "routers",
    "router_configs",
    "router_services",
    "router_vpn_configs",
    "wireguard_peers",
    "access_points",
    "ap_active_sessions",
    "package_router",
    "payments",
    "user_subscriptions",
    "payment_reminders",
    "service_control_logs",
    "hotspot_users",
    "hotspot_sessions",
    "hotspot_credentials",
    "user_sessions",
    "vouchers",
    "radius_sessions",
    "session_disconnections",
    "data_usage_logs",
    "vpn_configurations",
    "vpn_subnet_allocations",
)

# Every tenant schema, RADIUS tables included.
TENANT_TABLES = (
    *RADIUS_TABLES,
    "routers",
    "router_configs",
    "tenant_ip_pools",
    "router_services",
    "service_vlans",
    "router_vpn_configs",
    "wireguard_peers",
    "access_points",
    "ap_active_sessions",
    "router_snmp_snapshots",
    "vpn_configurations",
    "vpn_subnet_allocations",
    "packages",
    "package_router",
    "payments",
    "user_subscriptions",
    "payment_reminders",
    "service_control_logs",
    "hotspot_users",
    "hotspot_sessions",
    "hotspot_credentials",
    "user_sessions",
    "vouchers",
    "radius_sessions",
    "session_disconnections",
    "data_usage_logs",
    "pppoe_users",
    "genieacs_devices",
    "genieacs_presets",
    "genieacs_tasks",
    "genieacs_faults",
    "todos",
    "todo_activities",
    "departments",
    "positions",
    "employees",
    "expenses",
    "revenues",
)
