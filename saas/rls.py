"""PostgreSQL Row-Level Security for tenant-owned tables, used by the migrations.

The policy lets a row through when its ``tenant_id`` is the transaction's ``app.tenant_id``, or
when platform code has said ``app.all_tenants = on``. ``FORCE`` makes it apply to the table's owner
too; only superusers and BYPASSRLS roles skip it, and the app connects as neither.
"""

from __future__ import annotations

POLICY = "tenant_isolation"
_CONDITION = (
    "tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::integer"
    " OR current_setting('app.all_tenants', true) = 'on'"
)


def enable_sql(table: str) -> list[str]:
    return [
        f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY",
        f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY",
        f"CREATE POLICY {POLICY} ON {table} USING ({_CONDITION}) WITH CHECK ({_CONDITION})",
    ]


def enable(op, *tables: str) -> None:
    """In a migration: turn RLS on for ``tables`` (PostgreSQL only; nothing on SQLite)."""
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in tables:
        for statement in enable_sql(table):
            op.execute(statement)


def see_every_street(op) -> None:
    """In a migration that rewrites data: let this transaction see every street's rows (FORCE
    applies the policy to the owner running migrations too)."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute("SELECT set_config('app.all_tenants', 'on', true)")


def grant_sql(role: str) -> list[str]:
    """What the app's login role needs: data, not ownership; new tables included."""
    return [
        f'GRANT USAGE ON SCHEMA public TO "{role}"',
        f'GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO "{role}"',
        f'GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO "{role}"',
        f'ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO "{role}"',
        f'ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO "{role}"',
    ]
