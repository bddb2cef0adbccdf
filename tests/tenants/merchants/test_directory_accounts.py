"""Merchant accounts invited by staff, the dashboard's panel, the demo's circles and merchants."""

from __future__ import annotations

from sqlalchemy import func, select

from saas.auth.models import Role, User
from saas.notify.models import Notification
from tenants.merchants.models import Circle, Merchant
from tenants.orgs.models import OrgAccount, Organisation, OrgKind
from tests.conftest import both_backends, login
from tests.tenants.alliance.factories import unit_with_account
from tests.tenants.factories import add_community, signed_in
from tests.tenants.merchants.test_directory_records import PLEDGE, make_circle, make_merchant

PHONE = "13912340000"


def _invite(client, merchant: int, phone: str = PHONE, name: str = "周店长"):
    return client.post(f"/alpha/merchants/records/{merchant}/invite",
                       data={"name": name, "phone": phone})  # fmt: skip


@both_backends
def test_staff_invite_the_contact_who_sets_a_password_by_sms(app, street, scoped, make_user):
    merchant = make_merchant(scoped, street, "阳光便利店")
    _sid, staff_phone = make_user(street, "staff")
    staff = signed_in(app, "alpha", staff_phone)
    assert _invite(staff, merchant).status_code == 302
    with scoped(street) as session:
        user = session.scalar(select(User).where(User.phone == PHONE))
        assert user.role == Role.org
        link = session.scalar(select(OrgAccount).where(OrgAccount.user_id == user.id))
        assert link.organisation_id == merchant
        [note] = session.scalars(select(Notification).where(Notification.user_id == user.id))
        assert note.kind == "merchants.account_invited" and "sms" in note.channels
        assert "/alpha/login" in note.body and "忘记密码" in note.body
    assert login(app.test_client(), "alpha", PHONE).status_code != 302  # nobody knows it
    page = staff.get(f"/alpha/merchants/records/{merchant}").get_data(as_text=True)
    assert "周店长" in page and "139****0000" in page and PHONE not in page
    assert "开通商户账号" in signed_in(app, "alpha", street.admin_phone).get(
        "/alpha/audit").get_data(as_text=True)  # fmt: skip


def test_bad_invitations_are_refused(admin, street, scoped, make_user):
    merchant = make_merchant(scoped, street)
    _uid, volunteer = make_user(street, "volunteer")
    response = _invite(admin, merchant, volunteer)
    assert response.status_code == 422
    assert "不能直接改为单位账号" in response.get_data(as_text=True)
    response = _invite(admin, merchant, "12345")
    assert response.status_code == 422 and "手机号" in response.get_data(as_text=True)
    assert _invite(admin, merchant, "").status_code == 422
    _unit, _user, unit_phone = unit_with_account(scoped, street, make_user, "星海科技有限公司")
    response = _invite(admin, merchant, unit_phone)
    assert response.status_code == 422 and "星海科技有限公司" in response.get_data(as_text=True)
    assert _invite(admin, merchant).status_code == 302
    response = _invite(admin, merchant)
    assert response.status_code == 422 and "本单位" in response.get_data(as_text=True)
    with scoped(street) as session:
        assert session.scalar(select(func.count()).select_from(OrgAccount)) == 2


def test_the_dashboard_panel_counts_merchants_by_circle(app, admin, scoped, street, make_user):
    mine = add_community(scoped, street, "朝阳社区")
    east = make_circle(scoped, street, "建设路商圈")
    make_merchant(scoped, street, "阳光便利店", east, is_model=True, pledge=PLEDGE,
                  community_id=mine)  # fmt: skip
    make_merchant(scoped, street, "老街坊面馆", east)
    make_merchant(scoped, street, "散户小店", None)
    make_merchant(scoped, street, "已退出的店", east, status="left")
    page = admin.get("/alpha/dashboard").get_data(as_text=True)
    assert "商圈商户" in page and "建设路商圈" in page and "不属于商圈" in page
    _sid, phone = make_user(street, "staff", community_id=mine)
    panel = signed_in(app, "alpha", phone).get("/alpha/dashboard").get_data(as_text=True)
    assert "建设路商圈" in panel and "不属于商圈" not in panel


def test_the_demo_has_circles_model_merchants_and_the_merchant_login(app, scoped):
    from saas.demo import PASSWORD as DEMO_PASSWORD
    from saas.demo import load_demo
    from saas.extensions import db
    from saas.streets.models import Tenant
    from saas.tenancy import all_tenants

    for _ in range(2):  # idempotent
        with app.app_context(), all_tenants():
            _created, logins = load_demo(db.session, 0)
            db.session.commit()
            tenant_id = db.session.scalar(select(Tenant.id).where(Tenant.slug == "demo"))
            db.session.remove()
    assert "merchant 13900000302" in logins
    with scoped(tenant_id) as session:
        assert session.scalar(select(func.count()).select_from(Circle)) == 2
        merchants = session.execute(
            select(Organisation.name, Merchant.is_model, Merchant.pledge, Merchant.category)
            .join(Merchant, Merchant.organisation_id == Organisation.id)
            .where(Organisation.kind == OrgKind.merchant)
        ).all()
        assert len(merchants) >= 15 and len({m.name for m in merchants}) == len(merchants)
        assert sum(m.is_model for m in merchants) >= 4
        assert all(m.pledge for m in merchants if m.is_model)
        assert len({m.category for m in merchants}) == 8
        linked = session.execute(
            select(Organisation.name, Merchant.is_model)
            .join(OrgAccount, OrgAccount.organisation_id == Organisation.id)
            .join(User, User.id == OrgAccount.user_id)
            .join(Merchant, Merchant.organisation_id == Organisation.id)
            .where(User.phone == "13900000301")
        ).one()
        assert linked == ("阳光便利店", True)
    client = app.test_client()
    assert client.get("/demo/merchants").status_code == 200
    assert login(client, "demo", "13900000301", DEMO_PASSWORD).status_code == 302
