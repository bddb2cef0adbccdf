"""Kept pledges earn a model merchant's party members points every month, under the street's rule
(tenants/merchants/pledges.py), paid once per member and month through the ledger."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from saas.streets.models import Tenant
from saas.tenancy import all_tenants
from tenants.merchants.home_models import MerchantMember
from tenants.merchants.memberday_jobs import pay_kept_pledges
from tenants.merchants.pledges import RULE_KEY, pay_month
from tenants.passport.models import Passport, PointEntry
from tests.conftest import both_backends
from tests.tenants.factories import signed_in
from tests.tenants.merchants.home_factories import make_merchant

MONTH = date(2026, 11, 1)


def _rule(scoped, street, points) -> None:
    with scoped(street) as session:
        tenant = session.get(Tenant, street.id)
        tenant.settings = {**(tenant.settings or {}), RULE_KEY: points}
        session.commit()


def _member(scoped, street, make_user, organisation_id, name, party=True) -> int:
    user_id, _phone = make_user(street, name=name, is_party_member=party)
    with scoped(street) as session:
        session.add(MerchantMember(organisation_id=organisation_id, user_id=user_id))
        session.commit()
    return user_id


def _earned(scoped, street, user_id) -> tuple[int, list[str]]:
    with scoped(street) as session:
        passport = session.scalar(select(Passport).where(Passport.user_id == user_id))
        if passport is None:
            return 0, []
        keys = session.scalars(
            select(PointEntry.source_key).where(PointEntry.passport_id == passport.id)
        ).all()
        return passport.balance, list(keys)


def _pay(scoped, street, month=MONTH) -> int:
    with scoped(street) as session:
        paid = pay_month(session, session.get(Tenant, street.id), month)
        session.commit()
        return paid


@both_backends
def test_a_model_merchants_party_members_are_paid_once_a_month(app, street, make_user, scoped):
    model, _uid, _phone = make_merchant(scoped, street, make_user)
    plain, _uid2, _phone2 = make_merchant(scoped, street, make_user, "隔壁茶铺", model=False)
    keeper = _member(scoped, street, make_user, model, "党员店员")
    not_party = _member(scoped, street, make_user, model, "群众店员", party=False)
    elsewhere = _member(scoped, street, make_user, plain, "茶铺党员")

    assert _pay(scoped, street) == 0  # the rule is off until the street sets it
    _rule(scoped, street, 15)
    assert _pay(scoped, street) == 1
    assert _pay(scoped, street) == 0  # the same month again pays nothing
    balance, keys = _earned(scoped, street, keeper)
    assert balance == 15 and keys == [f"pledge:{model}:{keeper}:2026-11"]
    assert _earned(scoped, street, not_party) == (0, [])
    assert _earned(scoped, street, elsewhere) == (0, [])

    assert _pay(scoped, street, date(2026, 12, 1)) == 1  # the next month is its own
    assert _earned(scoped, street, keeper)[0] == 30


def test_the_job_pays_last_month_in_each_street_once(app, street, make_street, make_user, scoped):
    model, _uid, _phone = make_merchant(scoped, street, make_user)
    keeper = _member(scoped, street, make_user, model, "党员店员")
    _rule(scoped, street, 10)
    other = make_street("beta")  # no rule, no members: nothing there
    with app.app_context(), all_tenants():  # as the scheduler runs it
        assert pay_kept_pledges(date(2026, 12, 3)) == 1
        assert pay_kept_pledges(date(2026, 12, 20)) == 0
    assert _earned(scoped, street, keeper) == (10, [f"pledge:{model}:{keeper}:2026-11"])
    with scoped(other) as session:
        assert session.scalars(select(PointEntry)).all() == []


def test_the_admin_sets_the_rule_and_bad_values_are_refused(app, street, make_user, scoped):
    admin = signed_in(app, "alpha", street.admin_phone)
    url = "/alpha/merchants/settlement/settings"
    for bad in ("abc", "1001", "-5", "1.5"):
        response = admin.post(url, data={"yuan_per_point": "", "pledge_points": bad})
        assert response.status_code == 422, bad
        assert "践诺积分须为 0–1000 的整数" in response.get_data(as_text=True)
    assert admin.post(url, data={"yuan_per_point": "", "pledge_points": "２０"}).status_code == 302
    with scoped(street) as session:
        assert session.get(Tenant, street.id).settings[RULE_KEY] == 20
    assert 'value="20"' in admin.get(url).get_data(as_text=True)
