"""An org account knows its kind: a unit joins alliance events, a merchant merchants' events."""

from __future__ import annotations

from sqlalchemy import select

from tenants.events.models import Registration
from tenants.orgs.models import OrgKind
from tests.conftest import both_backends, login
from tests.tenants.alliance.factories import unit_with_account
from tests.tenants.factories import make_event


def _events(scoped, street):
    return {
        "public": make_event(scoped, street, title="公益集市", audience="public"),
        "alliance": make_event(scoped, street, title="联盟共建日", audience="alliance"),
        "merchants": make_event(scoped, street, title="商户会员日", audience="merchants"),
    }


@both_backends
def test_a_units_account_sees_and_joins_only_alliance_and_public_events(
    client, street, make_user, scoped
):
    events = _events(scoped, street)
    _unit, user_id, phone = unit_with_account(scoped, street, make_user)
    login(client, "alpha", phone)
    page = client.get("/alpha/activities").get_data(as_text=True)
    assert "联盟共建日" in page and "公益集市" in page and "商户会员日" not in page

    refused = client.post(
        f"/alpha/events/{events['merchants']}/register",
        data={"headcount": "3"},
        headers={"HX-Request": "true"},
    )
    assert "不面向您的账号类型" in refused.get_data(as_text=True)
    with scoped(street) as session:
        assert (
            session.scalars(select(Registration).where(Registration.user_id == user_id)).all() == []
        )


def test_a_merchants_account_sees_merchants_and_public_events(client, street, make_user, scoped):
    _events(scoped, street)
    _unit, _user, phone = unit_with_account(
        scoped, street, make_user, "老街面馆", kind=OrgKind.merchant
    )
    login(client, "alpha", phone)
    page = client.get("/alpha/activities").get_data(as_text=True)
    assert "商户会员日" in page and "公益集市" in page and "联盟共建日" not in page
