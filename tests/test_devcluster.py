import psycopg


def test_throwaway_cluster_accepts_password_login_on_loopback(pg_cluster, pg_conn):
    row = pg_conn.execute("SELECT inet_server_addr()::text, current_setting('port')").fetchone()
    assert row == ("127.0.0.1/32", str(pg_cluster.port))


def test_wrong_password_is_refused(pg_cluster):
    try:
        psycopg.connect(pg_cluster.conninfo(password="wrong-password"), connect_timeout=5).close()
    except psycopg.OperationalError as e:
        assert "password authentication failed" in str(e)
    else:
        raise AssertionError("a wrong password was accepted")


def test_settings_override_the_defaults():
    from tenant_sql.devcluster import start_cluster

    cluster = start_cluster(settings={"shared_buffers": "32MB", "work_mem": "2MB"})
    try:
        with psycopg.connect(cluster.conninfo()) as conn:
            got = [conn.execute(f"SHOW {name}").fetchone()[0] for name in ("shared_buffers", "work_mem", "fsync")]
        assert got == ["32MB", "2MB", "off"]
    finally:
        cluster.destroy()
