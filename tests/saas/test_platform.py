"""The platform operator: created on the command line, sees streets and counts, suspends streets."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from saas.audit.models import AuditEntry
from saas.platform.models import Operator, PlatformAuditEntry
from tests.conftest import PASSWORD, both_backends, login

OPERATOR_PHONE = "13300000009"
OPERATOR_PASSWORD = "operator-pass-1"


def create_operator(app, phone=OPERATOR_PHONE, password=OPERATOR_PASSWORD, repeat=None):
    runner = app.test_cli_runner()
    return runner.invoke(
        args=["platform", "create-operator", phone],
        input=f"{password}\n{repeat or password}\n",
    )


@pytest.fixture
def operator(app, client):
    result = create_operator(app)
    assert result.exit_code == 0, result.output
    response = client.post(
        "/platform/login", data={"phone": OPERATOR_PHONE, "password": OPERATOR_PASSWORD}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/platform/"
    return client


def test_create_operator_on_the_command_line(app, unscoped):
    result = create_operator(app, phone="+86 133 0000 0009")
    assert result.exit_code == 0, result.output
    assert "operator created" in result.output
    with unscoped() as session:
        assert session.scalar(select(Operator.phone)) == OPERATOR_PHONE
    # run again: the password is replaced, no second operator
    result = create_operator(app, password="another-pass-2")
    assert result.exit_code == 0 and "operator password updated" in result.output
    with unscoped() as session:
        assert len(session.scalars(select(Operator)).all()) == 1


@pytest.mark.parametrize(
    ("phone", "password", "repeat", "message"),
    [
        ("12345", OPERATOR_PASSWORD, None, "not a mainland mobile number"),
        (OPERATOR_PHONE, "short", None, "密码至少需要 8 个字符"),
    ],
)
def test_create_operator_refusals(app, unscoped, phone, password, repeat, message):
    result = create_operator(app, phone=phone, password=password, repeat=repeat)
    assert result.exit_code != 0
    assert message in result.output
    assert "Traceback" not in result.output
    with unscoped() as session:
        assert session.scalar(select(Operator)) is None


def test_mismatched_repeat_is_asked_again(app):
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=["platform", "create-operator", OPERATOR_PHONE],
        input=f"{OPERATOR_PASSWORD}\nother\n{OPERATOR_PASSWORD}\n{OPERATOR_PASSWORD}\n",
    )
    assert result.exit_code == 0, result.output
    assert "operator created" in result.output


def test_operator_login_refusals(app, client, unscoped):
    create_operator(app)
    response = client.post("/platform/login", data={"phone": OPERATOR_PHONE, "password": "nope"})
    assert response.status_code == 401
    assert "手机号或密码不正确" in response.get_data(as_text=True)
    assert client.get("/platform/").status_code == 302
    with unscoped() as session:
        assert session.scalar(select(PlatformAuditEntry.action)) == "login.failure"
    for _ in range(4):
        client.post("/platform/login", data={"phone": OPERATOR_PHONE, "password": "nope"})
    response = client.post(
        "/platform/login", data={"phone": OPERATOR_PHONE, "password": OPERATOR_PASSWORD}
    )
    assert response.status_code == 429
    assert "密码错误次数过多" in response.get_data(as_text=True)


def test_platform_pages_need_an_operator(client, make_street):
    street = make_street("alpha")
    response = client.get("/platform/")
    assert response.status_code == 302 and response.headers["Location"] == "/platform/login"
    response = client.post(f"/platform/streets/{street.id}/status", data={"status": "suspended"})
    assert response.status_code == 302 and response.headers["Location"] == "/platform/login"


@both_backends
def test_streets_are_listed_with_counts_and_no_personal_data(
    operator, make_street, make_user, scoped
):
    alpha = make_street("alpha", name="甲街道", phone="13800000001")
    make_street("bravo", name="乙街道<script>x()</script>", phone="13800000002")
    make_user(alpha, "staff", phone="13700000001", name="工作人员张三")
    make_user(alpha, "volunteer", phone="13700000002", name="志愿者李四")
    make_user(alpha, "volunteer", phone="13700000003", name="志愿者王五")

    response = operator.get("/platform/")
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "甲街道" in body and "乙街道&lt;script&gt;x()&lt;/script&gt;" in body and "alpha" in body
    assert "<script>x()" not in body
    row = body.split(f'id="street-{alpha.id}"', 1)[1].split("</tr>", 1)[0]
    numbers = [cell.split(">")[-1] for cell in row.split("</td>") if 'class="num"' in cell]
    assert numbers == ["1", "1", "0", "2"]  # admin, staff, org, volunteer
    for secret in ("张三", "李四", "王五", "1370000000", "1380000000", "****"):
        assert secret not in body, secret


def test_operator_session_does_not_open_street_pages(operator, make_street):
    make_street("alpha")
    response = operator.get("/alpha/dashboard")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/alpha/login")


@both_backends
def test_suspending_a_street_closes_it_and_reactivating_opens_it(
    app, operator, make_street, make_user, scoped
):
    street = make_street("alpha", name="甲街道")
    _, volunteer = make_user(street, "volunteer")
    admin = app.test_client()
    login(admin, "alpha", street.admin_phone)
    assert admin.get("/alpha/dashboard").status_code == 200

    response = operator.post(f"/platform/streets/{street.id}/status", data={"status": "suspended"})
    assert response.status_code == 302
    listing = operator.get("/platform/").get_data(as_text=True)
    assert "已暂停“甲街道”" in listing and "已暂停</span>" in listing

    for path in ("/alpha/", "/alpha/login", "/alpha/dashboard", "/alpha/join"):
        page = admin.get(path)
        assert page.status_code == 403, path
        assert "甲街道已暂停服务" in page.get_data(as_text=True)
    refused = app.test_client().post(
        "/alpha/login", data={"phone": volunteer, "password": PASSWORD}
    )
    assert refused.status_code == 403
    assert "已暂停服务" in refused.get_data(as_text=True)

    operator.post(f"/platform/streets/{street.id}/status", data={"status": "active"})
    assert "已恢复“甲街道”" in operator.get("/platform/").get_data(as_text=True)
    assert admin.get("/alpha/dashboard").status_code == 302  # signed out by the suspension
    assert login(admin, "alpha", street.admin_phone).status_code == 302
    assert admin.get("/alpha/dashboard").status_code == 200

    with scoped(street) as session:
        entries = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "tenant.status").order_by(AuditEntry.id)
        ).all()
        assert [(e.detail["from"], e.detail["to"]) for e in entries] == [
            ("active", "suspended"),
            ("suspended", "active"),
        ]
        assert {e.actor_kind for e in entries} == {"operator"}
    audit = admin.get("/alpha/audit?action=tenant.status").get_data(as_text=True)
    assert "街道状态变更" in audit


@both_backends
def test_unknown_status_and_street_are_refused(operator, make_street):
    street = make_street("alpha")
    response = operator.post(f"/platform/streets/{street.id}/status", data={"status": "deleted"})
    assert response.status_code == 400
    response = operator.post("/platform/streets/999999/status", data={"status": "suspended"})
    assert response.status_code == 404
    response = operator.post(f"/platform/streets/{2**40}/status", data={"status": "suspended"})
    assert response.status_code == 404


def test_operator_logout(operator):
    response = operator.post("/platform/logout")
    assert response.headers["Location"] == "/platform/login"
    assert operator.get("/platform/").status_code == 302


def test_operator_idle_for_over_30_minutes_is_logged_out(operator):
    import time

    with operator.session_transaction() as sess:
        sess["seen_at"] = int(time.time()) - 31 * 60
    assert operator.get("/platform/").status_code == 302
