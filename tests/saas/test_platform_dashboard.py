"""The platform operator's dashboard (平台概览): streets by status, sign-ups per week, usage per
street — counts only, from grouped statements whose number does not grow with the streets."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update

from saas.auth.models import User
from saas.charts import last_weeks
from saas.db import utcnow
from saas.streets.models import Tenant
from tenants.events.models import Event
from tests.conftest import both_backends, login
from tests.saas.test_platform import OPERATOR_PASSWORD, OPERATOR_PHONE, create_operator
from tests.tenants.factories import assert_statements_do_not_grow, make_event


@pytest.fixture
def operator(app, client):
    assert create_operator(app).exit_code == 0
    client.post("/platform/login", data={"phone": OPERATOR_PHONE, "password": OPERATOR_PASSWORD})
    return client


def _row(body: str, row_id: str) -> list[str]:
    row = body.split(f'id="{row_id}"', 1)[1].split("</tr>", 1)[0]
    return [cell.split(">")[-1] for cell in row.split("</td>") if 'class="num"' in cell]


@both_backends
def test_the_dashboard_counts_streets_sign_ups_and_usage_without_personal_data(
    app, operator, make_street, make_user, scoped, unscoped
):
    alpha = make_street("alpha", name="甲街道", phone="13800000001")
    bravo = make_street("bravo", name="乙街道", phone="13800000002")
    make_street("charlie", name="丙街道", phone="13800000003")
    _, phone = make_user(
        alpha, "volunteer", phone="13700000002", name="志愿者李四", email="li4@example.com"
    )
    make_user(alpha, "volunteer", phone="13700000003", name="志愿者王五")
    make_user(alpha, "staff", phone="13700000004", name="工作人员赵六")
    make_event(scoped, alpha, title="重阳节探访")
    make_event(scoped, alpha)
    make_event(scoped, bravo)
    # one volunteer signed in today; bravo suspended; charlie opened eight weeks ago
    assert login(app.test_client(), "alpha", phone).status_code == 302
    operator.post(f"/platform/streets/{bravo.id}/status", data={"status": "suspended"})
    with unscoped() as session:
        session.execute(
            update(Tenant)
            .where(Tenant.slug == "charlie")
            .values(created_at=utcnow() - timedelta(weeks=8))
        )
        session.commit()

    body = operator.get("/platform/").get_data(as_text=True)
    assert "平台概览" in body
    assert _row(body, "status-active") == ["2"] and _row(body, "status-suspended") == ["1"]
    weeks = last_weeks(utcnow())
    assert _row(body, f"week-{weeks.labels[-1]}") == [
        "2",
        "6",
    ]  # alpha and bravo; three admins and three more
    assert _row(body, f"week-{weeks.labels[-9]}") == ["1", "0"]  # charlie (its admin: this week)
    assert 'data-chart="bar"' in body and 'data-chart="series"' in body
    # accounts, volunteers, active in 30 days, then the modules' counts (活动 first)
    assert _row(body, f"usage-{alpha.id}")[:5] == ["4", "2", "1", "2", "0"]
    assert _row(body, f"usage-{bravo.id}")[:5] == ["1", "0", "0", "1", "0"]
    assert "积分流水" in body and "网格事项" in body
    for secret in ("李四", "王五", "赵六", "li4@", "1370000000", "1380000000", "重阳节", "****"):
        assert secret not in body, secret


def test_the_dashboard_is_for_the_operator_only(app, client, make_street):
    street = make_street("alpha")
    response = client.get("/platform/")
    assert response.status_code == 302 and response.headers["Location"] == "/platform/login"
    login(client, "alpha", street.admin_phone)
    assert client.get("/platform/").status_code == 302


def test_the_dashboard_runs_the_same_statements_for_more_streets(app, operator, make_street):
    made = []

    def grow(n):
        while len(made) < n:
            made.append(make_street())

    assert_statements_do_not_grow(app, operator, "/platform/", grow, 12, 12)


def test_weeks_start_on_monday_in_the_streets_calendar():
    # Sunday 2026-03-08 20:00 UTC is Monday 04:00 in Beijing: the week of 2026-03-09
    weeks = last_weeks(datetime(2026, 3, 8, 20, 0, tzinfo=UTC), 3)
    assert weeks.labels == ("2026-02-23", "2026-03-02", "2026-03-09")
    assert weeks.bounds[0] == datetime(2026, 2, 22, 16, 0, tzinfo=UTC)
    assert weeks.end == datetime(2026, 3, 15, 16, 0, tzinfo=UTC)


def test_every_usage_count_names_a_streets_table(app):
    from saas.modules import usage_counts

    with app.app_context():
        declared = usage_counts(app)
    assert {u.key for u, _ in declared} >= {"events", "point-entries", "grid-items"}
    assert all(hasattr(model, "tenant_id") for _, model in declared)
    assert Event in {model for _, model in declared} and User not in {m for _, m in declared}
