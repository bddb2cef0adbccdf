"""Settlement: a voucher redeemed through the passport and handed over shows in its merchant's
monthly statement; the numbers, the value of a point, confirmations once, who sees what."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlalchemy import select, update

from saas.tenancy import all_tenants
from saas.ui import street_today
from tenants.merchants.memberday_jobs import make_monthly_statements
from tenants.merchants.models import Offer, Statement
from tenants.merchants.settlement import previous_month
from tenants.passport.models import Redemption, Reward
from tests.conftest import both_backends
from tests.tenants.factories import assert_statements_do_not_grow, signed_in
from tests.tenants.merchants.memberday_factories import (
    give_points,
    make_circle,
    make_days,
    make_merchant,
    next_day_id,
)


@pytest.fixture
def shop(app, street, scoped, make_user):
    circle = make_circle(scoped, street, "幸福商圈")
    org, user, phone = make_merchant(scoped, street, make_user, circle, "老街面馆")
    make_days(scoped, street)
    return {"circle": circle, "org": org, "user": user, "client": signed_in(app, "alpha", phone),
            "day": next_day_id(scoped, street, circle)}  # fmt: skip


def _voucher(shop, scoped, street, price=30, stock=10) -> int:
    day = shop["day"]
    response = shop["client"].post(
        f"/alpha/merchants/member-days/{day}/join",
        data={f"d{day}-kind": "voucher", f"d{day}-text": "凭券加浇头",
              f"d{day}-price": str(price), f"d{day}-stock": str(stock)},
    )  # fmt: skip
    assert response.status_code == 302
    with scoped(street) as session:
        return session.scalar(select(Offer.reward_id))


def _redeem_and_hand_over(app, shop, street, scoped, make_user, reward_id, n=1):
    """``n`` residents each redeem one through the passport's catalogue; the merchant hands
    each over at its counter."""
    for i in range(n):
        user, phone = make_user(street, "volunteer", name=f"居民{i}")
        give_points(scoped, street, user, 100)
        resident = signed_in(app, "alpha", phone)
        assert resident.post(f"/alpha/rewards/{reward_id}/redeem").status_code == 302
        with scoped(street) as session:
            code = session.scalars(select(Redemption.code).order_by(Redemption.id.desc())).first()
        response = shop["client"].post("/alpha/rewards/verify", data={"code": code, "confirm": "1"})
        assert response.status_code == 302


def _last_month_back(scoped, street):
    """Move every hand-over into last month (street time), as if the month had passed."""
    month = previous_month(street_today())
    when = datetime(month.year, month.month, 15, 4, 0, tzinfo=UTC)
    with scoped(street) as session:
        session.execute(update(Redemption).values(verified_at=when))
        session.commit()
    return month


def _job(app):
    with app.app_context(), all_tenants():
        return make_monthly_statements()


@both_backends
def test_a_voucher_honoured_shows_in_the_merchants_statement(
    app, shop, street, scoped, make_user, admin
):
    reward = _voucher(shop, scoped, street, price=30)
    _redeem_and_hand_over(app, shop, street, scoped, make_user, reward, n=3)
    # a redemption not handed over is not counted
    user, phone = make_user(street, "volunteer")
    give_points(scoped, street, user, 100)
    signed_in(app, "alpha", phone).post(f"/alpha/rewards/{reward}/redeem")
    month = _last_month_back(scoped, street)
    with scoped(street) as session:
        session.execute(update(Redemption).where(Redemption.status == "issued")
                        .values(created_at=datetime(month.year, month.month, 2, tzinfo=UTC)))  # fmt: skip
        session.commit()
    assert _job(app) == 1
    assert _job(app) == 0  # the unique key: once
    with scoped(street) as session:
        (statement,) = session.scalars(select(Statement)).all()
        assert (statement.organisation_id, statement.month) == (shop["org"], month)
        assert (statement.vouchers, statement.points) == (3, 90)
        assert statement.yuan_per_point is None
    page = (
        shop["client"].get(f"/alpha/merchants/my-statements/{statement.id}").get_data(as_text=True)
    )
    assert "凭券加浇头" in page and "未约定" in page
    office = admin.get(f"/alpha/merchants/statements?month={month:%Y-%m}").get_data(as_text=True)
    assert "老街面馆" in office


def test_the_value_of_a_point_and_staff_on_demand(app, shop, street, scoped, make_user, admin):
    reward = _voucher(shop, scoped, street, price=25)
    _redeem_and_hand_over(app, shop, street, scoped, make_user, reward, n=2)
    month = _last_month_back(scoped, street)
    for bad in ("-1", "100.5", "0.00001", "abc", "1e3", "NaN", "²"):
        response = admin.post("/alpha/merchants/settlement/settings", data={"yuan_per_point": bad})
        assert response.status_code == 422, bad
        assert "每积分折合金额须为 0–100 元之间的数" in response.get_data(as_text=True)
    assert admin.post("/alpha/merchants/settlement/settings",
                      data={"yuan_per_point": "0.05"}).status_code == 302  # fmt: skip
    # staff ask for this month: refused, not over yet
    this_month = f"{street_today():%Y-%m}"
    assert admin.post("/alpha/merchants/statements", data={"month": this_month}).status_code == 422
    assert (
        admin.post("/alpha/merchants/statements", data={"month": f"{month:%Y-%m}"}).status_code
        == 302
    )
    with scoped(street) as session:
        statement = session.scalar(select(Statement))
        assert (statement.vouchers, statement.points) == (2, 50)
        assert statement.yuan_per_point == Decimal("0.05")
    page = admin.get(f"/alpha/merchants/statements/{statement.id}").get_data(as_text=True)
    assert "2.50" in page
    # the circle's month, exported with Chinese headers
    export = admin.get(
        f"/alpha/merchants/statements/export.xlsx?month={month:%Y-%m}&circle={shop['circle']}"
    )
    rows = list(load_workbook(io.BytesIO(export.data)).active.values)
    assert rows[0][:5] == ("月份", "商户", "商圈", "核销张数", "积分")
    assert rows[1][:7] == (f"{month:%Y-%m}", "老街面馆", "幸福商圈", 2, 50, 0.05, 2.5)
    one = admin.get(f"/alpha/merchants/statements/{statement.id}/export.xlsx")
    rows = list(load_workbook(io.BytesIO(one.data)).active.values)
    assert rows[0] == ("兑换码", "兑换券", "护照号", "核销时间", "积分")
    assert ("合计", "2 张", None, None, 50) in rows


@both_backends
def test_each_side_confirms_once_and_then_it_stands(app, shop, street, scoped, make_user, admin):
    reward = _voucher(shop, scoped, street, price=10)
    _redeem_and_hand_over(app, shop, street, scoped, make_user, reward, n=1)
    month = _last_month_back(scoped, street)
    _job(app)
    with scoped(street) as session:
        statement_id = session.scalar(select(Statement.id))
    mine = f"/alpha/merchants/my-statements/{statement_id}"
    assert shop["client"].post(f"{mine}/confirm").status_code == 302
    again = shop["client"].post(f"{mine}/confirm", follow_redirects=True).get_data(as_text=True)
    assert "贵店已确认过这份结算单" in again
    office = f"/alpha/merchants/statements/{statement_id}"
    assert admin.post(f"{office}/confirm").status_code == 302
    assert "街道已确认过" in admin.post(f"{office}/confirm", follow_redirects=True).get_data(
        as_text=True
    )
    with scoped(street) as session:
        statement = session.scalar(select(Statement))
        first = (statement.merchant_confirmed_at, statement.street_confirmed_at)
        assert all(first)
        # another voucher of that month turns up: a confirmed statement is not edited
        reward_row = session.scalar(select(Reward))
        reward_row.price = 10
        session.commit()
    _redeem_and_hand_over(app, shop, street, scoped, make_user, reward, n=1)
    _last_month_back(scoped, street)
    admin.post("/alpha/merchants/statements", data={"month": f"{month:%Y-%m}"})
    with scoped(street) as session:
        statement = session.scalar(select(Statement))
        assert (statement.vouchers, statement.points) == (1, 10)
        assert (statement.merchant_confirmed_at, statement.street_confirmed_at) == first
    assert "双方已确认" in shop["client"].get(mine).get_data(as_text=True)


def test_a_merchant_sees_and_confirms_only_its_own(
    app, shop, street, scoped, make_user, make_street
):
    reward = _voucher(shop, scoped, street)
    _redeem_and_hand_over(app, shop, street, scoped, make_user, reward, n=1)
    _last_month_back(scoped, street)
    _job(app)
    with scoped(street) as session:
        statement_id = session.scalar(select(Statement.id))
    _o, _u, phone = make_merchant(scoped, street, make_user, shop["circle"], "隔壁花店")
    neighbour = signed_in(app, "alpha", phone)
    mine = f"/alpha/merchants/my-statements/{statement_id}"
    assert neighbour.get(mine).status_code == 404
    assert neighbour.post(f"{mine}/confirm").status_code == 404
    assert neighbour.get(f"{mine}/export.xlsx").status_code == 404
    assert "老街面馆" not in neighbour.get("/alpha/merchants/my-statements").get_data(as_text=True)
    assert neighbour.get(f"/alpha/merchants/statements/{statement_id}").status_code in (302, 403)
    bravo = make_street("bravo")
    b_admin = signed_in(app, "bravo", bravo.admin_phone)
    assert b_admin.get(f"/bravo/merchants/statements/{statement_id}").status_code == 404
    assert b_admin.post(f"/bravo/merchants/statements/{statement_id}/confirm").status_code == 404
    with scoped(street) as session:
        statement = session.scalar(select(Statement))
        assert statement.merchant_confirmed_at is None and statement.street_confirmed_at is None
    assert shop["client"].get(mine).status_code == 200


def test_the_statements_list_runs_constant_statements(app, admin, street, scoped, make_user):
    made = []
    month = date(2025, 3, 1)

    def grow(n):
        while len(made) < n:
            circle = make_circle(scoped, street, f"商圈{len(made)}")
            org, _u, _p = make_merchant(scoped, street, make_user, circle, f"商户{len(made)}")
            with scoped(street) as session:
                session.add(Statement(organisation_id=org, month=month, vouchers=1, points=5))
                session.commit()
            made.append(org)

    assert_statements_do_not_grow(app, admin, "/alpha/merchants/statements", grow, 10, 12)
