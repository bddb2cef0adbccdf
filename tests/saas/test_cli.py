"""Command-line tools: opening streets, listing them, the demo street."""

from __future__ import annotations

from sqlalchemy import func, select

from saas.auth.models import User
from saas.streets.models import Tenant
from tenants.structure.models import Community, Grid
from tests.conftest import both_backends, login


def flask(app, *args, **kw):
    return app.test_cli_runner().invoke(args=list(args), **kw)


@both_backends
def test_tenant_create_opens_a_street_whose_admin_can_log_in(app, client, unscoped):
    result = flask(
        app,
        "tenant",
        "create",
        "xiangyang",
        "--name",
        "向阳街道",
        "--district",
        "芝罘区",
        "--admin-phone",
        "139 1234 5678",
        "--admin-password",
        "cli-pass-123",
    )
    assert result.exit_code == 0, result.output
    assert "created street xiangyang" in result.output
    with unscoped() as session:
        tenant = session.scalar(select(Tenant))
        assert (tenant.slug, tenant.name, tenant.district) == ("xiangyang", "向阳街道", "芝罘区")
        assert session.scalar(select(User.role)) == "admin"
    assert login(client, "xiangyang", "13912345678", "cli-pass-123").status_code == 302


def test_tenant_list(app, make_street):
    make_street("alpha", name="甲街道")
    make_street("bravo", name="乙街道")
    result = flask(app, "tenant", "list")
    assert result.exit_code == 0
    lines = result.output.strip().splitlines()
    assert [line.split("\t")[:3] for line in lines] == [
        ["alpha", "active", "甲街道"],
        ["bravo", "active", "乙街道"],
    ]


def _create(app, slug, phone="13912345678", password="cli-pass-123"):
    return flask(
        app,
        "tenant",
        "create",
        slug,
        "--name",
        "向阳街道",
        "--admin-phone",
        phone,
        "--admin-password",
        password,
    )


def test_tenant_create_refusals_are_clean(app, make_street, unscoped):
    make_street("taken")
    cases = [
        ("Bad_Slug", "13912345678", "cli-pass-123", "只能使用小写字母"),
        ("login", "13912345678", "cli-pass-123", "保留词"),
        ("taken", "13912345678", "cli-pass-123", "已被使用"),
        ("fine-slug", "12345", "cli-pass-123", "手机号"),
        ("fine-slug", "13912345678", "short", "密码至少需要 8 个字符"),
    ]
    for slug, phone, password, message in cases:
        result = _create(app, slug, phone, password)
        assert result.exit_code != 0, slug
        assert message in result.output, result.output
        assert "Traceback" not in result.output
        assert result.exception is None or isinstance(result.exception, SystemExit)
    with unscoped() as session:
        assert session.scalar(select(func.count()).select_from(Tenant)) == 1


def test_tenant_create_needs_its_options(app):
    result = flask(app, "tenant", "create", "fine-slug")
    assert result.exit_code == 2
    assert "--name" in result.output


@both_backends
def test_seed_demo_twice_is_idempotent(app, client, unscoped):
    first = flask(app, "seed-demo")
    assert first.exit_code == 0, first.output
    assert "demo street loaded" in first.output
    with unscoped() as session:
        accounts_after_first = session.scalar(select(func.count()).select_from(User))
    second = flask(app, "seed-demo")
    assert second.exit_code == 0, second.output
    assert "already present" in second.output

    with unscoped() as session:
        tenant = session.scalar(select(Tenant).where(Tenant.slug == "demo"))
        assert tenant.name == "示范街道"
        assert session.scalar(select(func.count()).select_from(Tenant)) == 1
        communities = session.scalars(select(Community).order_by(Community.position)).all()
        assert [c.name for c in communities] == ["朝阳社区", "清泉社区"]
        for community in communities:
            grids = session.scalar(
                select(func.count()).select_from(Grid).where(Grid.community_id == community.id)
            )
            assert grids == 2
        accounts = dict(session.execute(select(User.phone, User.role)).all())
        assert {
            "13900000001": "admin",
            "13900000002": "staff",
            "13900000005": "volunteer",
        }.items() <= accounts.items()
        # loaded twice, made once: every phone once (the unique key), and as many accounts after
        # the second load as after the first
        assert session.scalar(select(func.count()).select_from(User)) == accounts_after_first
        staff_id = next(u.id for u in session.scalars(select(User)) if u.phone == "13900000002")
        assert (
            session.scalar(select(func.count()).select_from(Grid).where(Grid.worker_id == staff_id))
            == 2
        )

    for phone, home in (
        ("13900000001", "/demo/dashboard"),
        ("13900000002", "/demo/dashboard"),
        ("13900000005", "/demo/me"),
    ):
        response = login(client, "demo", phone, "demo1234")
        assert response.status_code == 302 and response.headers["Location"] == home
        client.post("/demo/logout")


def test_seed_demo_refuses_production(app):
    app.config["APP_ENV"] = "production"
    try:
        result = flask(app, "seed-demo")
    finally:
        app.config["APP_ENV"] = "development"
    assert result.exit_code != 0
    assert "refusing to load demo data in production" in result.output
