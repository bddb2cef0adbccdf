"""What was given to a household and the visits paid: amounts in 元 refused in words when they
are not money, dates not in the future, the giving unit of the street, the next visit due, and
the page of visits due per community."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from saas.audit.models import AuditEntry
from saas.errors import ServiceError
from saas.ui import street_today
from tenants.campaigns.relief_lists import month_end
from tenants.campaigns.relief_models import Assistance, Household, Visit
from tenants.campaigns.relief_records import parse_amount
from tenants.orgs.models import Organisation
from tests.conftest import both_backends
from tests.tenants.campaigns.factories_relief import make_household
from tests.tenants.factories import add_community, signed_in


@pytest.fixture
def household(scoped, street, community):
    return make_household(scoped, street, community, 1, head_name="王秀英")


def _today(app):
    with app.app_context():
        return street_today()


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("12abc", "只能填写数字"),
        ("-5", "不能为负数"),
        ("1e5", "只能填写数字"),
        ("NaN", "只能填写数字"),
        ("Infinity", "只能填写数字"),
        ("1.234", "两位小数"),
        ("1.230", "两位小数"),
        ("10000000", "不能超过 9,999,999.99"),
        ("9999999.999", "两位小数"),
        ("١٢", "0–9"),
        ("", "须填写金额"),
        ("0", "大于 0"),
        (".5", "只能填写数字"),
    ],
)
def test_bad_amounts_are_refused_in_words(app, typed, message):
    with app.test_request_context(), pytest.raises(ServiceError) as refused:
        parse_amount(typed, required=True)
    assert message in refused.value.message and refused.value.field == "amount"


@pytest.mark.parametrize(
    ("typed", "amount"),
    [("200", "200.00"), ("35.5", "35.50"), ("１２００．５", "1200.50"), ("1,000", "1000.00"),
     ("9999999.99", "9999999.99"), ("300元", "300.00")],
)  # fmt: skip
def test_amounts_people_type(app, typed, amount):
    with app.test_request_context():
        assert parse_amount(typed, required=True) == Decimal(amount)
        assert parse_amount("", required=False) is None


def _assistance(**kw) -> dict:
    return {"kind": "money", "amount": "500", "description": "春节慰问金", "given_on": "",
            "giver_org": "", "giver_name": "街道办事处", **kw}  # fmt: skip


@both_backends
def test_money_is_recorded_with_its_giver_and_shown_with_the_total(
    app, admin, street, scoped, household
):
    today = _today(app).isoformat()
    with scoped(street) as session:
        unit = Organisation(kind="alliance", name="市第一医院")
        session.add(unit)
        session.commit()
        unit_id = unit.id
    url = f"/alpha/campaigns/relief/{household}/assistance"
    assert (
        admin.post(url, data=_assistance(amount="１２００.５", given_on=today)).status_code == 302
    )
    response = admin.post(url, data=_assistance(
        kind="goods", amount="", description="米面油", given_on=today, giver_org=str(unit_id),
        giver_name=""))  # fmt: skip
    assert response.status_code == 302
    with scoped(street) as session:
        rows = session.scalars(select(Assistance).order_by(Assistance.id)).all()
        assert [(r.kind, r.amount, r.giver_name, r.giver_org_id) for r in rows] == [
            ("money", Decimal("1200.50"), "街道办事处", None),
            ("goods", None, "市第一医院", unit_id),
        ]
        assert session.scalar(
            select(AuditEntry.id).where(AuditEntry.action == "campaigns.relief_assistance_add")
        )
    page = admin.get(f"/alpha/campaigns/relief/{household}").get_data(as_text=True)
    assert "1200.50" in page and "米面油" in page and "市第一医院" in page


def test_bad_assistance_comes_back_with_its_message(
    app, admin, street, scoped, make_street, household
):
    bravo = make_street("bravo")
    with scoped(bravo) as session:
        b_unit = Organisation(kind="alliance", name="乙单位")
        session.add(b_unit)
        session.commit()
        b_unit_id = b_unit.id
    today = _today(app)
    url = f"/alpha/campaigns/relief/{household}/assistance"
    cases = [
        (_assistance(amount="12abc", given_on=today.isoformat()), "只能填写数字"),
        (_assistance(amount="-5", given_on=today.isoformat()), "不能为负数"),
        (_assistance(given_on=(today + timedelta(days=1)).isoformat()), "不能晚于今天"),
        (_assistance(given_on=""), "请填写帮扶日期"),
        (_assistance(given_on="2025-02-30"), "请填写有效的日期"),
        (_assistance(kind="", given_on=today.isoformat()), "请选择帮扶方式"),
        (_assistance(kind="goods", amount="", description="", given_on=today.isoformat()),
         "请写明"),
        (_assistance(giver_org=str(b_unit_id), given_on=today.isoformat()), "本街道的单位"),
        (_assistance(giver_name="", given_on=today.isoformat()), "请选择帮扶单位"),
    ]  # fmt: skip
    for data, message in cases:
        response = admin.post(url, data=data)
        body = response.get_data(as_text=True)
        assert response.status_code == 422, data
        assert message in body, (data, message)
        assert "春节慰问金" in body or not data["description"]  # what was typed comes back
    with scoped(street) as session:
        assert session.scalar(select(Assistance.id)) is None


@both_backends
def test_the_next_visit_is_the_latest_visit_s_next_due(app, admin, street, scoped, household):
    today = _today(app)
    url = f"/alpha/campaigns/relief/{household}/visits"

    def visit(on, due, found="生活基本稳定"):
        return admin.post(url, data={"visited_on": on.isoformat(), "found": found,
                                     "next_due": due.isoformat() if due else ""})  # fmt: skip

    assert visit(today - timedelta(days=10), today + timedelta(days=20)).status_code == 302
    assert _next_visit(scoped, street, household) == today + timedelta(days=20)
    # an older visit entered afterwards does not move it
    assert visit(today - timedelta(days=40), today - timedelta(days=5)).status_code == 302
    assert _next_visit(scoped, street, household) == today + timedelta(days=20)
    # the latest visit without a next due date: none due
    assert visit(today, None).status_code == 302
    assert _next_visit(scoped, street, household) is None
    with scoped(street) as session:
        assert len(session.scalars(select(Visit.id)).all()) == 3


def _next_visit(scoped, street, household_id):
    with scoped(street) as session:
        return session.scalar(select(Household.next_visit_on).where(Household.id == household_id))


def test_bad_visits_are_refused(app, admin, household, scoped, street):
    today = _today(app)
    url = f"/alpha/campaigns/relief/{household}/visits"
    cases = [
        ({"visited_on": (today + timedelta(days=1)).isoformat(), "found": "好"}, "不能晚于今天"),
        ({"visited_on": "", "found": "好"}, "请填写走访日期"),
        ({"visited_on": today.isoformat(), "found": " "}, "请填写走访了解到的情况"),
        ({"visited_on": today.isoformat(), "found": "好", "next_due": today.isoformat()},
         "应晚于本次走访日期"),
    ]  # fmt: skip
    for data, message in cases:
        response = admin.post(url, data=data)
        assert response.status_code == 422 and message in response.get_data(as_text=True), data
    with scoped(street) as session:
        assert session.scalar(select(Visit.id)) is None


@both_backends
def test_visits_due_per_community(app, admin, street, scoped, make_user, community):
    today = _today(app)
    other = add_community(scoped, street, "滨河社区")
    make_household(
        scoped, street, community, 1, head_name="逾期户", next_visit_on=today - timedelta(days=3)
    )
    make_household(scoped, street, community, 2, head_name="本月户", next_visit_on=month_end(today))
    make_household(scoped, street, community, 3, head_name="下月户",
                   next_visit_on=month_end(today) + timedelta(days=1))  # fmt: skip
    make_household(scoped, street, community, 4, head_name="已脱困户", status="closed",
                   next_visit_on=today - timedelta(days=3))  # fmt: skip
    make_household(
        scoped, street, other, 5, head_name="滨河逾期户", next_visit_on=today - timedelta(days=1)
    )
    page = admin.get("/alpha/campaigns/relief/visits-due").get_data(as_text=True)
    for name in ("逾期户", "本月户", "滨河逾期户", "朝阳社区", "滨河社区"):
        assert name in page
    assert "下月户" not in page and "已脱困户" not in page
    _uid, phone = make_user(street, "staff", community_id=other)
    staff = signed_in(app, "alpha", phone)
    page = staff.get("/alpha/campaigns/relief/visits-due").get_data(as_text=True)
    assert "滨河逾期户" in page and ">逾期户</a>" not in page and "本月户" not in page
    # the list's filter says the same
    listing = admin.get("/alpha/campaigns/relief?due=overdue").get_data(as_text=True)
    assert "逾期户" in listing and "本月户" not in listing and "已脱困户" not in listing
