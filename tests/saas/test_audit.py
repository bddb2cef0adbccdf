"""The street's audit log: the admin reads and filters it; old entries go, never under 180 days."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from saas.audit.models import AuditEntry
from saas.audit.services import record
from saas.modules import installed
from tests.conftest import both_backends, login


def add_entry(scoped, street, action, when, target="", actor=None):
    with scoped(street) as session:
        entry = record(session, action, actor, target)
        entry.created_at = when
        session.commit()


def rows(body: str) -> str:
    return body.split('id="audit-rows"', 1)[1].split("</tbody>", 1)[0]


def test_audit_page_is_for_the_admin_only(app, make_street, make_user):
    street = make_street("alpha")
    for role in ("staff", "volunteer", "org"):
        _, phone = make_user(street, role)
        client = app.test_client()
        login(client, "alpha", phone)
        assert client.get("/alpha/audit").status_code == 403, role
    anonymous = app.test_client().get("/alpha/audit")
    assert anonymous.status_code == 302 and anonymous.headers["Location"].startswith("/alpha/login")


def test_admin_sees_logins_and_changes(client, make_street, make_user):
    street = make_street("alpha")
    user_id, phone = make_user(street, "staff")
    login(client, "alpha", phone, "wrong-password")
    login(client, "alpha", street.admin_phone)
    client.post(f"/alpha/people/{user_id}/disable")
    body = client.get("/alpha/audit").get_data(as_text=True)
    table = rows(body)
    for label in ("登录失败", "登录成功", "停用账号", "创建账号", "开通街道"):
        assert label in table, label
    assert f"user:{user_id}" not in table and "测试用户" in table  # names, not ids
    assert phone not in body  # the log keeps ids; the page names people, without their phones


def test_filter_by_action(client, make_street, make_user):
    street = make_street("alpha")
    _, phone = make_user(street, "staff")
    login(client, "alpha", phone, "wrong-password")
    login(client, "alpha", street.admin_phone)
    table = rows(client.get("/alpha/audit?action=login.failure").get_data(as_text=True))
    assert "登录失败" in table and "登录成功" not in table and "开通街道" not in table
    # an unknown action shows everything rather than failing
    table = rows(client.get("/alpha/audit?action=<script>").get_data(as_text=True))
    assert "登录成功" in table


def test_htmx_filter_answers_with_the_rows_only(client, make_street):
    street = make_street("alpha")
    login(client, "alpha", street.admin_phone)
    response = client.get("/alpha/audit?action=login.success", headers={"HX-Request": "true"})
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<html" not in body and "登录成功" in body and "开通街道" not in body


@both_backends
def test_filter_by_date(client, make_street, scoped):
    street = make_street("alpha")
    add_entry(scoped, street, "settings.change", datetime(2026, 3, 1, 2, 0, tzinfo=UTC), "old")
    add_entry(scoped, street, "settings.change", datetime(2026, 3, 10, 2, 0, tzinfo=UTC), "mid")
    # 23:30 UTC on 3-20 is already 3-21 in Beijing
    add_entry(scoped, street, "settings.change", datetime(2026, 3, 20, 23, 30, tzinfo=UTC), "late")
    login(client, "alpha", street.admin_phone)

    def targets(query: str) -> set[str]:
        response = client.get(f"/alpha/audit?action=settings.change&{query}")
        assert response.status_code == 200, query
        table = rows(response.get_data(as_text=True))
        return {t for t in ("old", "mid", "late") if f"<td>{t}</td>" in table}

    assert targets("") == {"old", "mid", "late"}
    assert targets("since=2026-03-05") == {"mid", "late"}
    assert targets("until=2026-03-10") == {"old", "mid"}
    assert targets("since=2026-03-05&until=2026-03-20") == {"mid"}
    assert targets("since=2026-03-21&until=2026-03-21") == {"late"}
    assert targets("since=not-a-date") == {"old", "mid", "late"}


def test_filter_by_actor(client, make_street, make_user):
    street = make_street("alpha")
    user_id, phone = make_user(street, "staff")
    login(client, "alpha", phone, "wrong-password")
    login(client, "alpha", street.admin_phone)
    table = rows(client.get(f"/alpha/audit?actor={user_id}").get_data(as_text=True))
    assert "登录失败" in table and "登录成功" not in table


def test_long_logs_load_more_in_pages(client, make_street, scoped):
    street = make_street("alpha")
    with scoped(street) as session:
        for n in range(60):
            record(session, "settings.change", None, f"item-{n:02d}")
        session.commit()
    login(client, "alpha", street.admin_phone)
    body = client.get("/alpha/audit?action=settings.change").get_data(as_text=True)
    assert body.count("<td>item-") == 50
    next_url = rows(body).split('hx-get="')[1].split('"')[0].replace("&amp;", "&")
    page2 = client.get(next_url, headers={"HX-Request": "true"}).get_data(as_text=True)
    assert page2.count("<td>item-") == 10
    assert "item-00" in page2 and "item-59" not in page2
    assert 'hx-get="' not in page2  # the last page offers no more


@both_backends
def test_purge_keeps_at_least_180_days(app, make_street, scoped):
    alpha, bravo = make_street("alpha"), make_street("bravo")
    now = datetime.now(UTC)
    for street in (alpha, bravo):
        add_entry(scoped, street, "settings.change", now - timedelta(days=400), "ancient")
        add_entry(scoped, street, "settings.change", now - timedelta(days=181), "expired")
        add_entry(scoped, street, "settings.change", now - timedelta(days=179), "recent")
        add_entry(scoped, street, "settings.change", now - timedelta(days=31), "month")

    result = app.test_cli_runner().invoke(args=["audit", "purge", "--days", "30"])
    assert result.exit_code == 0, result.output
    assert "deleted 4 audit entries older than 180 days" in result.output
    for street in (alpha, bravo):
        with scoped(street) as session:
            kept = set(session.scalars(select(AuditEntry.target)))
        assert {"recent", "month"} <= kept
        assert not kept & {"ancient", "expired"}


def test_purge_with_a_longer_retention(app, make_street, scoped):
    street = make_street("alpha")
    now = datetime.now(UTC)
    add_entry(scoped, street, "settings.change", now - timedelta(days=400), "ancient")
    add_entry(scoped, street, "settings.change", now - timedelta(days=300), "kept")
    result = app.test_cli_runner().invoke(args=["audit", "purge", "--days", "365"])
    assert result.exit_code == 0
    with scoped(street) as session:
        kept = set(session.scalars(select(AuditEntry.target)))
    assert "kept" in kept and "ancient" not in kept


def test_the_daily_purge_job_keeps_the_configured_retention(app, make_street, scoped):
    from saas.jobs import run_job
    from saas.scheduling import periodic

    assert periodic(app)["audit-purge"][0] == "saas.audit.services:purge_expired"
    street = make_street("alpha")
    now = datetime.now(UTC)
    add_entry(scoped, street, "settings.change", now - timedelta(days=400), "ancient")
    add_entry(scoped, street, "settings.change", now - timedelta(days=300), "kept")
    with app.app_context():
        assert run_job("saas.audit.services:purge_expired", None) == 1
    with scoped(street) as session:
        kept = set(session.scalars(select(AuditEntry.target)))
    assert "kept" in kept and "ancient" not in kept


def test_entries_name_people_say_actions_in_words_and_link_their_objects(
    client, make_street, make_user, scoped
):
    from tests.tenants.factories import make_event

    street = make_street("alpha")
    user_id, _phone = make_user(street, "staff", name="王晓红")
    event_id = make_event(scoped, street, title="重阳节敬老探访")
    login(client, "alpha", street.admin_phone)
    client.post(f"/alpha/people/{user_id}/role", data={"role": "volunteer"})
    with scoped(street) as session:
        record(session, "event.cancel", street.admin_id, f"event:{event_id}", {"reason": "下雨"})
        session.commit()
    table = rows(client.get("/alpha/audit").get_data(as_text=True))
    assert "变更角色" in table and "账号：王晓红" in table
    assert "role=" not in table and "user:" not in table
    assert f'<a href="/alpha/events/{event_id}">活动：重阳节敬老探访</a>' in table
    assert "取消活动" in table and "原因：下雨" in table
    # a module's actions are in the filter too
    page = client.get("/alpha/audit").get_data(as_text=True)
    assert 'value="attendance.correct_confirmed"' in page and 'value="structure.change"' in page


@both_backends
def test_filter_by_person_name_or_phone_and_never_another_streets(
    client, make_street, make_user, scoped
):
    alpha, bravo = make_street("alpha"), make_street("bravo")
    _id, phone = make_user(alpha, "staff", name="李建国")
    _other_id, other_phone = make_user(bravo, "staff", name="李建国")
    login(client, "alpha", phone, "wrong-password")
    login(client, "bravo", other_phone, "wrong-password")
    login(client, "alpha", alpha.admin_phone)

    def table(who: str) -> str:
        response = client.get("/alpha/audit", query_string={"who": who})
        assert response.status_code == 200, who
        return rows(response.get_data(as_text=True))

    assert "登录失败" in table("李建国") and "开通街道" not in table("李建国")
    assert "登录失败" in table(phone[-4:]) and "登录成功" not in table(phone)
    assert "登录失败" in table(
        "１" + phone[1:].translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    )
    nobody = table(other_phone)  # bravo's account: not found in alpha's log
    assert "没有符合条件的记录" in nobody
    for typed in ("%", "_", "<b>x</b>"):
        assert client.get("/alpha/audit", query_string={"who": typed}).status_code == 200
    assert "没有符合条件的记录" in table("<b>x</b>")


@both_backends
def test_every_modules_audit_targets_name_their_objects(app, make_street, scoped):
    """The log names a page of entries' targets through each module's ``names``: one that
    raises turns the whole audit page into a 500 as soon as the module writes an entry."""
    street = make_street()
    targets = [t for m in installed(app) for t in m.audit_targets if t.names]
    assert {"campaign", "grid_item", "household"} <= {t.kind for t in targets}
    with scoped(street) as session:
        for target in targets:
            assert target.names(session, [1, 2]) == {}, target.kind
