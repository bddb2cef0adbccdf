"""Fail-closed scoping and, on PostgreSQL, Row-Level Security as the second wall."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text

from saas.auth.models import User
from saas.extensions import db
from saas.tenancy import TenantScopeError, all_tenants, tenant_scope
from tenants.structure.models import Community
from tests.conftest import both_backends, pg_only


@both_backends
def test_query_without_a_street_in_context_raises(app, make_street):
    make_street("alpha")
    with app.app_context(), pytest.raises(TenantScopeError):
        db.session.scalars(select(User)).all()


@both_backends
def test_scoped_query_sees_only_its_own_street(app, make_street, make_user, scoped):
    a, b = make_street("alpha"), make_street("bravo")
    make_user(a, name="A的志愿者")
    make_user(b, name="B的志愿者")
    with scoped(a) as session:
        names = set(session.scalars(select(User.name)))
    assert "A的志愿者" in names and "B的志愿者" not in names


@both_backends
def test_new_rows_take_the_current_street(app, make_street, scoped):
    a = make_street("alpha")
    with scoped(a) as session:
        community = Community(name="新社区")
        session.add(community)
        session.commit()
        assert community.tenant_id == a.id


@both_backends
def test_a_row_for_another_street_is_refused(app, make_street, scoped):
    a, b = make_street("alpha"), make_street("bravo")
    with scoped(a) as session:
        session.add(Community(name="越界", tenant_id=b.id))
        with pytest.raises(TenantScopeError):
            session.flush()
        session.rollback()


@both_backends
def test_another_streets_row_cannot_be_updated_by_orm_update(app, make_street, scoped):
    from sqlalchemy import update

    a, b = make_street("alpha"), make_street("bravo")
    with scoped(b) as session:
        session.add(Community(name="B社区"))
        session.commit()
    with scoped(a) as session:
        result = session.execute(update(Community).values(name="被改了"))
        session.commit()
        assert result.rowcount == 0
    with scoped(b) as session:
        assert session.scalar(select(Community.name)) == "B社区"


@pg_only
def test_raw_sql_without_a_filter_sees_one_street_on_postgres(app, make_street):
    a, b = make_street("alpha"), make_street("bravo")
    with app.app_context():
        with tenant_scope(a.id):
            rows = db.session.execute(text("SELECT tenant_id FROM users")).scalars().all()
            assert rows and set(rows) == {a.id}
            db.session.commit()
        # no street in context: the policy lets nothing through
        assert db.session.execute(text("SELECT count(*) FROM users")).scalar() == 0
        db.session.rollback()
        with all_tenants():
            both = set(db.session.execute(text("SELECT tenant_id FROM users")).scalars())
            assert both == {a.id, b.id}
        db.session.remove()


@pg_only
def test_raw_insert_into_another_street_is_refused_by_rls(app, make_street):
    from sqlalchemy.exc import ProgrammingError

    a, b = make_street("alpha"), make_street("bravo")
    with app.app_context(), tenant_scope(a.id):
        with pytest.raises(ProgrammingError, match="row-level security"):
            db.session.execute(
                text(
                    "INSERT INTO communities (tenant_id, id, name, position, created_at) "
                    "VALUES (:t, 1, 'x', 0, now())"
                ),
                {"t": b.id},
            )
        db.session.rollback()
        db.session.remove()


@pg_only
def test_the_app_connects_as_a_role_that_cannot_bypass_rls(app):
    with app.app_context():
        row = db.session.execute(
            text("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user")
        ).one()
        db.session.remove()
    assert row == (False, False)


@pg_only
def test_every_tenant_table_forces_row_level_security(app):
    from tests.saas.test_schema import tenant_tables

    with app.app_context():
        rows = dict(
            db.session.execute(
                text(
                    "SELECT relname, relrowsecurity AND relforcerowsecurity FROM pg_class "
                    "WHERE relkind = 'r' AND relnamespace = 'public'::regnamespace"
                )
            ).all()
        )
        db.session.remove()
    missing = [t.name for t in tenant_tables() if not rows.get(t.name)]
    assert missing == []


@both_backends
def test_a_count_over_select_from_is_scoped_too(app, make_street, make_user, scoped):
    from sqlalchemy import func

    a, b = make_street("alpha"), make_street("bravo")
    make_user(b)
    make_user(b)
    with scoped(a) as session:
        assert session.scalar(select(func.count()).select_from(User)) == 1  # A's admin only
    with app.app_context():
        with pytest.raises(TenantScopeError):
            db.session.scalar(select(func.count()).select_from(User))
        db.session.remove()


@both_backends
def test_bulk_writes_naming_another_street_are_refused(app, make_street, scoped):
    from sqlalchemy import insert, update

    a, b = make_street("alpha"), make_street("bravo")
    with scoped(b) as session:
        theirs = Community(name="B社区")
        session.add(theirs)
        session.commit()
        their_id = theirs.id
    with scoped(a) as session:
        with pytest.raises(TenantScopeError):
            session.execute(
                update(Community), [{"tenant_id": b.id, "id": their_id, "name": "被改了"}]
            )
        session.rollback()
        with pytest.raises(TenantScopeError):
            session.execute(insert(Community), [{"tenant_id": b.id, "id": 1, "name": "塞进去"}])
        session.rollback()
        with pytest.raises(TenantScopeError):  # no tenant_id at all: not stamped, so refused
            session.execute(insert(Community), [{"id": 2, "name": "无主"}])
        session.rollback()
        with pytest.raises(TenantScopeError):
            session.execute(update(Community).values(tenant_id=b.id))
        session.rollback()
    with scoped(b) as session:
        assert session.scalar(select(Community.name)) == "B社区"


@both_backends
def test_core_statements_on_tenant_tables_are_refused_inside_a_street(app, make_street, scoped):
    from sqlalchemy import update

    a = make_street("alpha")
    with scoped(a) as session:
        with pytest.raises(TenantScopeError):
            session.execute(select(Community.__table__))
        with pytest.raises(TenantScopeError):
            session.execute(update(Community.__table__).values(name="x"))
        session.rollback()


def test_no_legacy_bulk_methods_in_the_code():
    """``Session.bulk_*`` bypass the statement hooks; the code uses ORM statements instead."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    offenders = [
        str(path.relative_to(root))
        for folder in ("saas", "tenants")
        for path in (root / folder).rglob("*.py")
        if any(
            f"bulk_{w}" in path.read_text()
            for w in ("update_mappings", "insert_mappings", "save_objects")
        )
    ]
    assert offenders == []


@pg_only
def test_a_rolled_back_savepoint_does_not_leave_rls_wide_open(app, make_street):
    a = make_street("alpha")
    make_street("bravo")  # rows of another street that must stay out of sight
    with app.app_context():
        with all_tenants():
            db.session.execute(text("SELECT 1 FROM users LIMIT 1"))
            savepoint = db.session.begin_nested()
            with tenant_scope(a.id):
                db.session.execute(text("SELECT 1 FROM users LIMIT 1"))
            savepoint.rollback()  # PostgreSQL undoes the set_config made inside it
        with tenant_scope(a.id):
            seen = set(db.session.execute(text("SELECT tenant_id FROM users")).scalars())
        db.session.rollback()
        db.session.remove()
    assert seen == {a.id}
