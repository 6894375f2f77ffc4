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
