"""``flask platform grant-app-role``: the app's login role gets data, not ownership."""

from __future__ import annotations

import uuid

from sqlalchemy import create_engine, text

from tests.conftest import pg_only


def _run(app, *args):
    return app.test_cli_runner().invoke(args=["platform", "grant-app-role", *args])


@pg_only
def test_grant_app_role_gives_a_plain_role_data_access_now_and_later(app):
    role = f"ljt_grant_{uuid.uuid4().hex[:8]}"
    owner = create_engine(app.config["TEST_OWNER_URL"], isolation_level="AUTOCOMMIT")
    with owner.connect() as conn:
        conn.execute(text(f"CREATE ROLE {role} LOGIN NOSUPERUSER NOBYPASSRLS"))
    try:
        with owner.connect() as conn:
            assert (
                conn.scalar(text(f"SELECT has_table_privilege('{role}', 'users', 'SELECT')"))
                is False
            )

        result = _run(app, role)
        assert result.exit_code == 0, result.output
        assert f"granted {role}" in result.output

        with owner.connect() as conn:

            def allowed(table: str, privilege: str) -> bool:
                return conn.scalar(
                    text("SELECT has_table_privilege(:r, :t, :p)"),
                    {"r": role, "t": table, "p": privilege},
                )

            for table in ("users", "communities", "tenants", "notifications", "alembic_version"):
                for privilege in ("SELECT", "INSERT", "UPDATE", "DELETE"):
                    assert allowed(table, privilege), f"{role} lacks {privilege} on {table}"
                # data, not ownership: no TRUNCATE (which RLS would not stop), no DDL
                assert not allowed(table, "TRUNCATE")
                assert not allowed(table, "REFERENCES")
            assert not conn.scalar(
                text("SELECT has_schema_privilege(:r, 'public', 'CREATE')"), {"r": role}
            )
            sequences = conn.scalars(
                text("SELECT oid::regclass::text FROM pg_class WHERE relkind = 'S'")
            ).all()
            assert "tenants_id_seq" in sequences
            for sequence in sequences:
                assert conn.scalar(
                    text("SELECT has_sequence_privilege(:r, :s, 'USAGE')"),
                    {"r": role, "s": sequence},
                )
            # default privileges: a table a later migration creates is granted too
            conn.execute(text("CREATE TABLE grant_probe (id integer)"))
            try:
                assert allowed("grant_probe", "SELECT") and allowed("grant_probe", "DELETE")
            finally:
                conn.execute(text("DROP TABLE grant_probe"))
    finally:
        with owner.connect() as conn:
            conn.execute(text(f"DROP OWNED BY {role}"))
            conn.execute(text(f"DROP ROLE {role}"))
        owner.dispose()


@pg_only
def test_grant_app_role_reports_an_unknown_role(app):
    result = _run(app, f"ljt_missing_{uuid.uuid4().hex[:8]}")
    assert result.exit_code != 0
    assert "does not exist" in result.output


def test_grant_app_role_refuses_sqlite(app):
    result = _run(app, "ljt_app")
    assert result.exit_code != 0
    assert "needs PostgreSQL" in result.output


def test_grant_app_role_refuses_a_role_name_that_is_not_plain(app):
    result = _run(app, 'ljt_app"; DROP TABLE users; --')
    assert result.exit_code != 0
    assert "not a plain role name" in result.output
