-- Tenant schema: restore foreign keys lost when a referenced table was dropped and replayed.
-- CREATE TABLE IF NOT EXISTS leaves an existing table alone, so when a referenced table was dropped
-- with CASCADE and a replay recreated it, the foreign keys of the tables pointing at it are gone.
-- This block re-adds every foreign key the files declare that the catalog lacks (a no-op on a
-- healthy schema: one catalog query). The list repeats the inline definitions; a test drops the
-- referenced tables, replays and compares the whole catalog with the original.
DO $$
DECLARE
    fk record;
BEGIN
    FOR fk IN
        SELECT v.tbl, v.con, v.def
        FROM (VALUES
        ('router_configs', 'router_configs_router_id_foreign', 'FOREIGN KEY (router_id) REFERENCES routers(id) ON DELETE CASCADE'),
        ('router_services', 'router_services_router_id_foreign', 'FOREIGN KEY (router_id) REFERENCES routers(id) ON DELETE CASCADE'),
        ('router_services', 'router_services_ip_pool_id_foreign', 'FOREIGN KEY (ip_pool_id) REFERENCES tenant_ip_pools(id) ON DELETE SET NULL'),
        ('service_vlans', 'service_vlans_router_service_id_foreign', 'FOREIGN KEY (router_service_id) REFERENCES router_services(id) ON DELETE CASCADE'),
        ('router_vpn_configs', 'router_vpn_configs_router_id_foreign', 'FOREIGN KEY (router_id) REFERENCES routers(id) ON DELETE CASCADE'),
        ('wireguard_peers', 'wireguard_peers_router_id_foreign', 'FOREIGN KEY (router_id) REFERENCES routers(id) ON DELETE CASCADE'),
        ('access_points', 'access_points_router_id_foreign', 'FOREIGN KEY (router_id) REFERENCES routers(id) ON DELETE CASCADE'),
        ('ap_active_sessions', 'ap_active_sessions_access_point_id_foreign', 'FOREIGN KEY (access_point_id) REFERENCES access_points(id) ON DELETE CASCADE'),
        ('ap_active_sessions', 'ap_active_sessions_router_id_foreign', 'FOREIGN KEY (router_id) REFERENCES routers(id) ON DELETE CASCADE'),
        ('router_snmp_snapshots', 'router_snmp_snapshots_router_id_foreign', 'FOREIGN KEY (router_id) REFERENCES routers(id) ON DELETE CASCADE'),
        ('vpn_configurations', 'vpn_configurations_router_id_foreign', 'FOREIGN KEY (router_id) REFERENCES routers(id) ON DELETE CASCADE'),
        ('package_router', 'package_router_package_id_foreign', 'FOREIGN KEY (package_id) REFERENCES packages(id) ON DELETE CASCADE'),
        ('package_router', 'package_router_router_id_foreign', 'FOREIGN KEY (router_id) REFERENCES routers(id) ON DELETE CASCADE'),
        ('payments', 'payments_package_id_foreign', 'FOREIGN KEY (package_id) REFERENCES packages(id) ON DELETE SET NULL'),
        ('payments', 'payments_router_id_foreign', 'FOREIGN KEY (router_id) REFERENCES routers(id) ON DELETE SET NULL'),
        ('user_subscriptions', 'user_subscriptions_package_id_foreign', 'FOREIGN KEY (package_id) REFERENCES packages(id) ON DELETE CASCADE'),
        ('user_subscriptions', 'user_subscriptions_payment_id_foreign', 'FOREIGN KEY (payment_id) REFERENCES payments(id) ON DELETE SET NULL'),
        ('payment_reminders', 'payment_reminders_subscription_id_foreign', 'FOREIGN KEY (subscription_id) REFERENCES user_subscriptions(id) ON DELETE CASCADE'),
        ('service_control_logs', 'service_control_logs_subscription_id_foreign', 'FOREIGN KEY (subscription_id) REFERENCES user_subscriptions(id) ON DELETE SET NULL'),
        ('hotspot_users', 'hotspot_users_package_id_foreign', 'FOREIGN KEY (package_id) REFERENCES packages(id) ON DELETE SET NULL'),
        ('hotspot_sessions', 'hotspot_sessions_hotspot_user_id_foreign', 'FOREIGN KEY (hotspot_user_id) REFERENCES hotspot_users(id) ON DELETE CASCADE'),
        ('hotspot_credentials', 'hotspot_credentials_hotspot_user_id_foreign', 'FOREIGN KEY (hotspot_user_id) REFERENCES hotspot_users(id) ON DELETE CASCADE'),
        ('hotspot_credentials', 'hotspot_credentials_payment_id_foreign', 'FOREIGN KEY (payment_id) REFERENCES payments(id) ON DELETE SET NULL'),
        ('user_sessions', 'user_sessions_payment_id_foreign', 'FOREIGN KEY (payment_id) REFERENCES payments(id) ON DELETE CASCADE'),
        ('vouchers', 'vouchers_package_id_foreign', 'FOREIGN KEY (package_id) REFERENCES packages(id) ON DELETE CASCADE'),
        ('vouchers', 'vouchers_router_id_foreign', 'FOREIGN KEY (router_id) REFERENCES routers(id) ON DELETE SET NULL'),
        ('radius_sessions', 'radius_sessions_hotspot_user_id_foreign', 'FOREIGN KEY (hotspot_user_id) REFERENCES hotspot_users(id) ON DELETE CASCADE'),
        ('radius_sessions', 'radius_sessions_payment_id_foreign', 'FOREIGN KEY (payment_id) REFERENCES payments(id) ON DELETE SET NULL'),
        ('radius_sessions', 'radius_sessions_package_id_foreign', 'FOREIGN KEY (package_id) REFERENCES packages(id) ON DELETE SET NULL'),
        ('session_disconnections', 'session_disconnections_radius_session_id_foreign', 'FOREIGN KEY (radius_session_id) REFERENCES radius_sessions(id) ON DELETE CASCADE'),
        ('session_disconnections', 'session_disconnections_hotspot_user_id_foreign', 'FOREIGN KEY (hotspot_user_id) REFERENCES hotspot_users(id) ON DELETE CASCADE'),
        ('data_usage_logs', 'data_usage_logs_hotspot_user_id_foreign', 'FOREIGN KEY (hotspot_user_id) REFERENCES hotspot_users(id) ON DELETE CASCADE'),
        ('data_usage_logs', 'data_usage_logs_radius_session_id_foreign', 'FOREIGN KEY (radius_session_id) REFERENCES radius_sessions(id) ON DELETE CASCADE'),
        ('pppoe_users', 'pppoe_users_package_id_foreign', 'FOREIGN KEY (package_id) REFERENCES packages(id) ON DELETE RESTRICT'),
        ('pppoe_users', 'pppoe_users_router_id_foreign', 'FOREIGN KEY (router_id) REFERENCES routers(id) ON DELETE CASCADE'),
        ('genieacs_devices', 'genieacs_devices_access_point_id_foreign', 'FOREIGN KEY (access_point_id) REFERENCES access_points(id) ON DELETE SET NULL'),
        ('genieacs_tasks', 'genieacs_tasks_genieacs_device_id_foreign', 'FOREIGN KEY (genieacs_device_id) REFERENCES genieacs_devices(id) ON DELETE CASCADE'),
        ('genieacs_faults', 'genieacs_faults_genieacs_device_id_foreign', 'FOREIGN KEY (genieacs_device_id) REFERENCES genieacs_devices(id) ON DELETE CASCADE'),
        ('todo_activities', 'todo_activities_todo_id_foreign', 'FOREIGN KEY (todo_id) REFERENCES todos(id) ON DELETE CASCADE'),
        ('positions', 'positions_department_id_foreign', 'FOREIGN KEY (department_id) REFERENCES departments(id) ON DELETE SET NULL'),
        ('employees', 'employees_department_id_foreign', 'FOREIGN KEY (department_id) REFERENCES departments(id) ON DELETE SET NULL'),
        ('employees', 'employees_position_id_foreign', 'FOREIGN KEY (position_id) REFERENCES positions(id) ON DELETE SET NULL')
        ) AS v (tbl, con, def)
        WHERE NOT EXISTS (
            SELECT 1 FROM pg_catalog.pg_constraint k
            WHERE k.conrelid = pg_catalog.to_regclass(pg_catalog.quote_ident(pg_catalog.current_schema())
                                                      || '.' || pg_catalog.quote_ident(v.tbl))
              AND k.conname = v.con)
    LOOP
        EXECUTE pg_catalog.format('ALTER TABLE %I.%I ADD CONSTRAINT %I %s',
                                  pg_catalog.current_schema(), fk.tbl, fk.con, fk.def);
    END LOOP;
END
$$;
