"""Unit accounts (the admin's side), the dashboard's figures of the units area, its demo data."""

from __future__ import annotations

from sqlalchemy import func, select

from saas.auth.models import Role, User
from saas.notify.models import Notification
from tenants.events.models import Registration
from tenants.orgs.models import OrgAccount, Organisation, OrgKind
from tests.conftest import both_backends, login
from tests.tenants.alliance.factories import add_agreement, make_unit, unit_with_account
from tests.tenants.factories import add_community, make_event, signed_in

PHONE = "13912340000"


def _invite(admin, unit: int, phone: str = PHONE, name: str = "顾明轩"):
    return admin.post(f"/alpha/alliance/units/{unit}/invite", data={"name": name, "phone": phone})


@both_backends
def test_the_admin_invites_the_contact_who_sets_a_password_by_sms_and_logs_in(
    app, admin, street, scoped
):
    unit = make_unit(scoped, street, "星海科技有限公司")
    assert _invite(admin, unit).status_code == 302
    with scoped(street) as session:
        user = session.scalar(select(User).where(User.phone == PHONE))
        assert user.role == Role.org
        link = session.scalar(select(OrgAccount).where(OrgAccount.user_id == user.id))
        assert link.organisation_id == unit
        [note] = session.scalars(select(Notification).where(Notification.user_id == user.id))
        assert note.kind == "alliance.unit_invited" and "sms" in note.channels
        assert "/alpha/login" in note.body and "忘记密码" in note.body
    # nobody knows the password it was given: not even the demo's
    assert login(app.test_client(), "alpha", PHONE).status_code != 302
    page = admin.get(f"/alpha/alliance/units/{unit}").get_data(as_text=True)
    assert "顾明轩" in page and PHONE in page


def test_a_volunteers_phone_is_not_converted(admin, street, scoped, make_user):
    unit = make_unit(scoped, street)
    _uid, phone = make_user(street, "volunteer")
    response = _invite(admin, unit, phone)
    assert response.status_code == 422
    assert "不能直接改为单位账号" in response.get_data(as_text=True)
    with scoped(street) as session:
        assert session.scalar(select(User.role).where(User.phone == phone)) == Role.volunteer
        assert session.scalar(select(func.count()).select_from(OrgAccount)) == 0


def test_a_phone_acting_for_another_unit_is_refused(admin, street, scoped, make_user):
    _other, _uid, phone = unit_with_account(scoped, street, make_user, "另一单位")
    unit = make_unit(scoped, street, "本单位")
    response = _invite(admin, unit, phone)
    assert response.status_code == 422 and "另一单位" in response.get_data(as_text=True)
    assert _invite(admin, _other, phone).status_code == 422  # already this unit's


def test_a_malformed_phone_is_refused_and_staff_cannot_invite(
    app, admin, street, scoped, make_user
):
    unit = make_unit(scoped, street)
    response = _invite(admin, unit, "12345")
    assert response.status_code == 422 and "手机号" in response.get_data(as_text=True)
    _sid, staff_phone = make_user(street, "staff")
    assert _invite(signed_in(app, "alpha", staff_phone), unit).status_code == 403


def test_an_unlinked_org_account_is_linked(admin, street, scoped, make_user):
    unit = make_unit(scoped, street)
    user_id, phone = make_user(street, "org")
    assert _invite(admin, unit, phone).status_code == 302
    with scoped(street) as session:
        assert session.scalar(select(OrgAccount.organisation_id).where(
            OrgAccount.user_id == user_id)) == unit  # fmt: skip


# --- the dashboard ---------------------------------------------------------------------------


@both_backends
def test_the_dashboard_counts_expiring_agreements_and_active_units(
    app, admin, street, scoped, make_user
):
    soon, user_id, _p = unit_with_account(scoped, street, make_user, "将到期单位")
    add_agreement(scoped, street, soon, ends_in_days=10)
    add_agreement(scoped, street, make_unit(scoped, street, "生效单位"), ends_in_days=200)
    event = make_event(scoped, street, audience="alliance")
    with scoped(street) as session:
        session.add(Registration(event_id=event, user_id=user_id, headcount=2))
        session.commit()
    page = admin.get("/alpha/dashboard").get_data(as_text=True)
    assert "1 份联建协议即将到期" in page
    assert "/alpha/alliance/units?status=expiring" in page
    assert "本季度参加活动的单位" in page


def test_community_staff_count_their_communitys_units(app, street, scoped, make_user):
    mine = add_community(scoped, street, "朝阳社区")
    other = add_community(scoped, street, "清泉社区")
    add_agreement(scoped, street, make_unit(scoped, street, "甲", community_id=mine), 10)
    add_agreement(scoped, street, make_unit(scoped, street, "乙", community_id=other), 10)
    add_agreement(scoped, street, make_unit(scoped, street, "丙", community_id=other), 10)
    _sid, phone = make_user(street, "staff", community_id=mine)
    page = signed_in(app, "alpha", phone).get("/alpha/dashboard").get_data(as_text=True)
    assert "1 份联建协议即将到期" in page
    admin = signed_in(app, "alpha", street.admin_phone)
    assert "3 份联建协议即将到期" in admin.get("/alpha/dashboard").get_data(as_text=True)


# --- demo ----------------------------------------------------------------------------------------


def test_the_demo_has_units_in_every_state_and_a_unit_login(app, scoped):
    from saas.demo import PASSWORD as DEMO_PASSWORD
    from saas.demo import load_demo
    from saas.extensions import db
    from saas.streets.models import Tenant
    from saas.tenancy import all_tenants
    from tenants.alliance.units import UnitFilters, list_units

    for _ in range(2):  # idempotent
        with app.app_context(), all_tenants():
            _created, logins = load_demo(db.session, 0.05)
            db.session.commit()
            tenant_id = db.session.scalar(select(Tenant.id).where(Tenant.slug == "demo"))
            db.session.remove()
    assert "org 13900000003" in logins
    with scoped(tenant_id) as session:
        admin = session.scalar(select(User).where(User.role == Role.admin))
        rows, total = list_units(session, admin, UnitFilters(), 1, 1000)
        assert total == len({r.unit.name for r in rows}) >= 12 + 6
        states = {r.status for r in rows}
        assert {"active", "expiring", "expired", "none", "not_started"} <= states
        assert {r.unit.org_type for r in rows} >= {"government", "state_owned", "private",
                                                   "institution", "social", "new_sector"}  # fmt: skip
        unit = session.scalar(
            select(Organisation)
            .join(OrgAccount, OrgAccount.organisation_id == Organisation.id)
            .join(User, User.id == OrgAccount.user_id)
            .where(User.phone == "13900000003", Organisation.kind == OrgKind.alliance)
        )
        assert unit.name == "星海科技有限公司"
        assert [r.status for r in rows if r.unit.id == unit.id] == ["active"]
    client = app.test_client()
    assert login(client, "demo", "13900000003", DEMO_PASSWORD).status_code == 302
