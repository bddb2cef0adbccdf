"""The per-process copy of a street's row (saas.streets.cache): never stale after a change made
here, stale at most TENANT_CACHE_SECONDS after one made elsewhere, one statement cheaper per page.

The cache's clock is frozen (``clock``) so that only an invalidation, never the passing of time,
can explain a fresh row; ``clock.advance`` moves it on instead of sleeping.
"""

from __future__ import annotations

from collections import Counter
from types import SimpleNamespace

import pytest
from sqlalchemy import JSON, bindparam, create_engine, select, text

from saas.extensions import db
from saas.streets import cache
from saas.streets.models import Tenant, TenantStatus
from saas.streets.services import set_status
from tests.conftest import PASSWORD, both_backends, login, pg_only
from tests.tenants.test_passport import settings_form
from tests.test_query_counts import count_queries

TTL = 30
OPERATOR_PHONE = "13300000009"
OPERATOR_PASSWORD = "operator-pass-1"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def monotonic(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock(app, monkeypatch) -> Clock:
    """TENANT_CACHE_SECONDS = TTL, and the cache's ``time.monotonic`` stands still until told."""
    monkeypatch.setitem(app.config, "TENANT_CACHE_SECONDS", TTL)
    fake = Clock()
    monkeypatch.setattr(cache, "time", SimpleNamespace(monotonic=fake.monotonic))
    return fake


def behind_the_back(app, sql: str, **params) -> None:
    """Change the database as another process would: not through this app's session (and on
    PostgreSQL as the owner, as ``_wipe`` does)."""
    owner_url = app.config.get("TEST_OWNER_URL")
    statement = text(sql)
    if "settings" in params:
        statement = statement.bindparams(bindparam("settings", type_=JSON))
    with app.app_context():
        engine = create_engine(owner_url) if owner_url else db.engine
        with engine.begin() as conn:
            assert conn.execute(statement, params).rowcount == 1
        if owner_url:
            engine.dispose()


def stored(app, street_id: int) -> Tenant:
    """The street's row as the database has it (a fresh connection, not the cache)."""
    owner_url = app.config.get("TEST_OWNER_URL")
    with app.app_context():
        engine = create_engine(owner_url) if owner_url else db.engine
        with engine.connect() as conn:
            row = conn.execute(select(Tenant.__table__).where(Tenant.id == street_id)).one()
        if owner_url:
            engine.dispose()
    return row


def page(response) -> str:
    return response.get_data(as_text=True)


def operator_client(app):
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=["platform", "create-operator", OPERATOR_PHONE],
        input=f"{OPERATOR_PASSWORD}\n{OPERATOR_PASSWORD}\n",
    )
    assert result.exit_code == 0, result.output
    client = app.test_client()
    response = client.post(
        "/platform/login", data={"phone": OPERATOR_PHONE, "password": OPERATOR_PASSWORD}
    )
    assert response.status_code == 302
    return client


def tenant_selects(statements: list[str]) -> list[str]:
    return [s for s in statements if "FROM tenants" in s]


# --- a change made in this process is seen at once ----------------------------------------------


@both_backends
def test_a_suspension_on_the_platform_page_refuses_the_very_next_request(app, clock, make_street):
    street = make_street("alpha", name="甲街道")
    admin = app.test_client()
    login(admin, "alpha", street.admin_phone)
    assert admin.get("/alpha/dashboard").status_code == 200  # the row is cached now
    assert app.test_client().get("/alpha/login").status_code == 200

    operator = operator_client(app)
    response = operator.post(f"/platform/streets/{street.id}/status", data={"status": "suspended"})
    assert response.status_code == 302

    # the clock has not moved: only the invalidation can make these refusals
    refused = admin.get("/alpha/dashboard")
    assert refused.status_code == 403 and "甲街道已暂停服务" in page(refused)
    assert app.test_client().get("/alpha/login").status_code == 403
    attempt = app.test_client().post(
        "/alpha/login", data={"phone": street.admin_phone, "password": PASSWORD}
    )
    assert attempt.status_code == 403

    operator.post(f"/platform/streets/{street.id}/status", data={"status": "active"})
    assert app.test_client().get("/alpha/login").status_code == 200


@both_backends
def test_a_suspension_through_the_service_refuses_the_very_next_request(
    app, clock, make_street, unscoped
):
    street = make_street("alpha", name="甲街道")
    admin = app.test_client()
    login(admin, "alpha", street.admin_phone)
    assert admin.get("/alpha/dashboard").status_code == 200

    with unscoped() as session:
        set_status(session, session.get(Tenant, street.id), TenantStatus.suspended, operator_id=1)
        session.commit()

    assert admin.get("/alpha/dashboard").status_code == 403
    assert app.test_client().get("/alpha/").status_code == 403


@both_backends
def test_saving_settings_is_seen_by_the_next_request(app, clock, make_street):
    street = make_street("alpha")
    admin = app.test_client()
    login(admin, "alpha", street.admin_phone)
    assert 'value="CY2026"' not in page(admin.get("/alpha/settings/points"))

    response = admin.post("/alpha/settings/points", data=settings_form(passport_prefix="cy2026"))
    assert response.status_code == 302
    assert 'value="CY2026"' in page(admin.get("/alpha/settings/points"))


# --- a change made elsewhere is stale for at most TENANT_CACHE_SECONDS --------------------------


@both_backends
def test_a_rename_behind_the_apps_back_is_stale_at_most_the_cache_time(app, clock, make_street):
    street = make_street("alpha", name="甲街道")
    visitor = app.test_client()
    assert "登录甲街道" in page(visitor.get("/alpha/login"))

    behind_the_back(app, "UPDATE tenants SET name = '新名街道' WHERE id = :id", id=street.id)

    clock.advance(TTL - 0.5)
    assert "登录甲街道" in page(visitor.get("/alpha/login"))  # served from the cache
    clock.advance(0.5)
    assert "登录新名街道" in page(visitor.get("/alpha/login"))
    assert "登录新名街道" in page(visitor.get("/alpha/login"))  # and cached afresh


@both_backends
def test_a_suspension_by_another_process_takes_effect_within_the_cache_time(
    app, clock, make_street
):
    street = make_street("alpha")
    admin = app.test_client()
    login(admin, "alpha", street.admin_phone)
    assert admin.get("/alpha/dashboard").status_code == 200

    behind_the_back(app, "UPDATE tenants SET status = 'suspended' WHERE id = :id", id=street.id)

    clock.advance(TTL - 0.5)
    assert admin.get("/alpha/dashboard").status_code == 200
    clock.advance(0.5)
    assert admin.get("/alpha/dashboard").status_code == 403


@both_backends
def test_with_no_cache_time_every_request_reads_the_row(app, app_variant, make_street):
    street = make_street("alpha", name="甲街道")
    uncached = app_variant(TENANT_CACHE_SECONDS=0)
    visitor = uncached.test_client()
    assert "登录甲街道" in page(visitor.get("/alpha/login"))

    behind_the_back(app, "UPDATE tenants SET name = '新名街道' WHERE id = :id", id=street.id)
    assert "登录新名街道" in page(visitor.get("/alpha/login"))

    with count_queries(uncached) as first:
        visitor.get("/alpha/login")
    with count_queries(uncached) as second:
        visitor.get("/alpha/login")
    assert len(tenant_selects(first)) == len(tenant_selects(second)) == 1


# --- a writer never builds on a stale copy ------------------------------------------------------


@both_backends
def test_saving_points_settings_keeps_a_setting_changed_elsewhere_meanwhile(
    app, clock, make_street
):
    street = make_street("alpha")
    admin = app.test_client()
    login(admin, "alpha", street.admin_phone)
    assert admin.get("/alpha/settings/points").status_code == 200  # the row, settings {}, cached

    # another process stores a setting this page does not show
    behind_the_back(
        app,
        "UPDATE tenants SET settings = :settings WHERE id = :id",
        settings={"sms_signature": "甲街道办"},
        id=street.id,
    )

    response = admin.post("/alpha/settings/points", data=settings_form(wish_points="35"))
    assert response.status_code == 302
    settings = stored(app, street.id).settings
    assert settings["wish_points"] == 35
    assert settings.get("sms_signature") == "甲街道办"


# --- what the cache saves, and what it must not mix up ------------------------------------------


@both_backends
def test_a_cached_street_costs_one_statement_less(app, clock, make_street):
    street = make_street("alpha")
    admin = app.test_client()
    login(admin, "alpha", street.admin_phone)
    assert admin.get("/alpha/dashboard").status_code == 200
    with app.app_context():
        cache.forget()

    with count_queries(app) as reading:
        assert admin.get("/alpha/dashboard").status_code == 200
    with count_queries(app) as cached:
        assert admin.get("/alpha/dashboard").status_code == 200

    assert len(cached) == len(reading) - 1, "\n".join(cached)
    saved = list((Counter(reading) - Counter(cached)).elements())
    assert len(saved) == 1 and "FROM tenants" in saved[0], saved
    assert tenant_selects(cached) == []


@both_backends
def test_streets_never_get_each_others_row(app, clock, make_street):
    make_street("alpha", name="甲街道")
    make_street("beta", name="乙街道")
    visitor = app.test_client()
    for _ in range(2):  # a miss, then a hit, for each
        assert "登录甲街道" in page(visitor.get("/alpha/login"))
        assert "登录乙街道" in page(visitor.get("/beta/login"))
        assert visitor.get("/gamma/login").status_code == 404


@both_backends
def test_an_admin_of_one_street_is_nobody_in_the_other(app, clock, make_street):
    alpha = make_street("alpha")
    make_street("beta")
    admin = app.test_client()
    login(admin, "alpha", alpha.admin_phone)
    assert admin.get("/alpha/dashboard").status_code == 200
    assert admin.get("/beta/login").status_code == 200  # beta cached as well
    for _ in range(2):
        response = admin.get("/beta/dashboard")
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/beta/login")
        assert admin.get("/alpha/dashboard").status_code == 200


@both_backends
def test_an_unknown_street_is_not_remembered_as_unknown(app, clock, make_street):
    visitor = app.test_client()
    assert visitor.get("/gamma/login").status_code == 404
    make_street("gamma", name="丙街道")
    assert "登录丙街道" in page(visitor.get("/gamma/login"))


@both_backends
def test_a_request_changing_its_copy_without_saving_leaves_the_cache_alone(app, clock, make_street):
    street = make_street("alpha")
    with app.test_request_context():
        first = cache.tenant_by_slug(db.session, "alpha")  # a miss: read and cached
        db.session.remove()
        copy = cache.tenant_by_slug(db.session, "alpha")  # a hit: built from the cache
        copy.settings["auto_confirm"] = True  # in place: not even marked changed
        copy.name = "改了没存"
        db.session.rollback()
        db.session.remove()
        again = cache.tenant_by_slug(db.session, "alpha")
        assert again is not copy and first is not copy
        assert again.name == street.name
        assert "auto_confirm" not in (again.settings or {})
        db.session.remove()


@pg_only
def test_saving_street_settings_does_not_wait_for_the_streets_inserts(app, make_street, scoped):
    """Every insert into a street's tables takes a key-share lock on its row (the foreign key):
    the settings save's lock must not wait for those, nor they for it."""
    street = make_street("alpha")
    owner = create_engine(app.config["TEST_OWNER_URL"])
    try:
        with owner.connect() as conn, conn.begin():
            conn.execute(
                text(
                    "INSERT INTO communities (tenant_id, id, name, position, created_at)"
                    " VALUES (:t, 4242, '未提交的社区', 0, now())"
                ),
                {"t": street.id},
            )
            # that transaction stays open while the admin's save locks the street's row
            with scoped(street) as session:
                session.execute(text("SET LOCAL lock_timeout = '2s'"))
                tenant = session.get(Tenant, street.id)
                assert cache.fresh_for_update(session, tenant).id == street.id
                session.rollback()
            conn.rollback()
    finally:
        owner.dispose()
