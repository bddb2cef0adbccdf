"""Who sees the relief registry (三库一单): the admin every household, a community's staff their
community's, everyone else a 404; every read of a household is in the audit log; lists and
exports show the ID number and phone masked and no address."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from saas.audit.models import AuditEntry
from tenants.orgs.models import OrgAccount, Organisation
from tests.conftest import both_backends
from tests.tenants.campaigns.factories_relief import (
    add_assistance,
    add_visit,
    id_number,
    make_household,
)
from tests.tenants.factories import add_community, signed_in

PHONE = "13912345678"
ADDRESS = "幸福路 8 号 3 单元 502"
MENU_LINK = 'href="/alpha/campaigns/relief"'


@pytest.fixture
def other_community(scoped, street):
    return add_community(scoped, street, "滨河社区")


@pytest.fixture
def household(scoped, street, community):
    return make_household(scoped, street, community, 1, head_name="王秀英", phone=PHONE,
                          address=ADDRESS)  # fmt: skip


def _staff(app, street, make_user, community_id):
    _uid, phone = make_user(street, "staff", community_id=community_id, name="社区干部")
    return signed_in(app, street.slug, phone)


def _cells(response) -> list[str]:
    sheet = load_workbook(io.BytesIO(response.data)).active
    return [str(c.value) for row in sheet.iter_rows() for c in row]


def _urls(household_id: int) -> list[tuple[str, str]]:
    base = f"/alpha/campaigns/relief/{household_id}"
    return [("GET", base), ("GET", base + "/edit"), ("POST", base + "/edit"),
            ("POST", base + "/assistance"), ("POST", base + "/visits")]  # fmt: skip


LIST_URLS = [
    ("GET", "/alpha/campaigns/relief"),
    ("GET", "/alpha/campaigns/relief/export.xlsx"),
    ("GET", "/alpha/campaigns/relief/new"),
    ("POST", "/alpha/campaigns/relief/new"),
    ("GET", "/alpha/campaigns/relief/visits-due"),
]


@both_backends
def test_the_admin_and_the_community_staff_see_it(app, admin, street, make_user, household):
    for client in (admin, _staff(app, street, make_user, _community_of(app, street, household))):
        page = client.get(f"/alpha/campaigns/relief/{household}")
        assert page.status_code == 200
        assert "王秀英" in page.get_data(as_text=True)
        listing = client.get("/alpha/campaigns/relief").get_data(as_text=True)
        assert "王秀英" in listing
        home = client.get("/alpha/", follow_redirects=True).get_data(as_text=True)
        assert MENU_LINK in home  # the menu entry


def _community_of(app, street, household_id):
    from saas.extensions import db
    from saas.tenancy import tenant_scope
    from tenants.campaigns.relief_models import Household

    with app.app_context(), tenant_scope(street.id):
        value = db.session.scalar(
            select(Household.community_id).where(Household.id == household_id)
        )
        db.session.remove()
        return value


def _org_account(app, street, make_user, scoped):
    uid, phone = make_user(street, "org", name="单位联系人")
    with scoped(street) as session:
        unit = Organisation(kind="alliance", name="共建单位")
        session.add(unit)
        session.flush()
        session.add(OrgAccount(organisation_id=unit.id, user_id=uid))
        session.commit()
    return signed_in(app, street.slug, phone)


@both_backends
def test_everyone_else_gets_404(app, street, make_user, scoped, household, other_community):
    _v, volunteer_phone = make_user(street, "volunteer", community_id=other_community)
    _s, wide_phone = make_user(street, "staff")  # street-wide staff: nobody's community staff
    clients = {
        "volunteer": signed_in(app, "alpha", volunteer_phone),
        "org": _org_account(app, street, make_user, scoped),
        "street-wide staff": signed_in(app, "alpha", wide_phone),
    }
    for who, client in clients.items():
        for method, url in _urls(household) + LIST_URLS:
            response = client.open(url, method=method, data={"head_name": "改名"})
            assert response.status_code == 404, f"{who}: {method} {url}"
        home = client.get("/alpha/", follow_redirects=True).get_data(as_text=True)
        assert MENU_LINK not in home, who
    # another community's staff: the registry exists for them, this household does not
    other = _staff(app, street, make_user, other_community)
    for method, url in _urls(household):
        assert other.open(url, method=method).status_code == 404, f"{method} {url}"
    assert "王秀英" not in other.get("/alpha/campaigns/relief").get_data(as_text=True)
    assert "王秀英" not in _cells(other.get("/alpha/campaigns/relief/export.xlsx"))
    with scoped(street) as session:
        assert (
            session.scalar(select(AuditEntry).where(AuditEntry.target.like("household:%"))) is None
        )


def test_a_guest_is_sent_to_the_login_page(client, street, household):
    response = client.get(f"/alpha/campaigns/relief/{household}")
    assert response.status_code == 302
    assert "/alpha/login" in response.headers["Location"]


def _views(scoped, street, action="campaigns.relief_household_view"):
    with scoped(street) as session:
        return [(e.actor_id, e.target) for e in session.scalars(
            select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id))]  # fmt: skip


@both_backends
def test_every_read_of_a_household_is_audit_logged(
    app, admin, street, scoped, make_user, household
):
    staff_id, phone = make_user(street, "staff", community_id=_community_of(app, street, household))
    staff = signed_in(app, "alpha", phone)
    admin.get(f"/alpha/campaigns/relief/{household}")
    staff.get(f"/alpha/campaigns/relief/{household}")
    # a refused form shows the page again: that is a read too
    staff.post(f"/alpha/campaigns/relief/{household}/visits", data={"visited_on": "", "found": ""})
    target = f"household:{household}"
    assert _views(scoped, street) == [
        (street.admin_id, target),
        (staff_id, target),
        (staff_id, target),
    ]
    admin.get("/alpha/campaigns/relief/export.xlsx")
    assert _views(scoped, street, "campaigns.relief_households_export") == [
        (street.admin_id, target)
    ]
    log = admin.get("/alpha/audit").get_data(as_text=True)
    assert "查看困难家庭" in log and "王秀英" in log and "导出困难家庭" in log


def test_lists_and_exports_mask_and_leave_out_the_address(app, admin, street, scoped, household):
    number = id_number(1)
    listing = admin.get("/alpha/campaigns/relief").get_data(as_text=True)
    assert number not in listing and number[:4] + "**********" + number[-4:] in listing
    assert PHONE not in listing and "139****5678" in listing
    assert ADDRESS not in listing
    cells = _cells(admin.get("/alpha/campaigns/relief/export.xlsx"))
    assert "139****5678" in cells and number[:4] + "**********" + number[-4:] in cells
    assert PHONE not in cells and number not in cells and ADDRESS not in cells


def test_the_detail_shows_the_phone_whole_to_the_admin_only(
    app, admin, street, make_user, household
):
    community_id = _community_of(app, street, household)
    page = admin.get(f"/alpha/campaigns/relief/{household}").get_data(as_text=True)
    assert PHONE in page and ADDRESS in page and id_number(1) not in page
    staff = _staff(app, street, make_user, community_id)
    page = staff.get(f"/alpha/campaigns/relief/{household}").get_data(as_text=True)
    assert PHONE not in page and "139****5678" in page and ADDRESS in page


def test_the_detail_lists_assistance_with_its_total_and_visits(admin, scoped, street, household):
    from datetime import date

    add_assistance(scoped, street, household, "1200.50", given_on=date(2025, 12, 1))
    add_assistance(scoped, street, household, None, kind="service", description="上门理发")
    add_visit(scoped, street, household, date(2025, 12, 2), found="冬衣已送到")
    page = admin.get(f"/alpha/campaigns/relief/{household}").get_data(as_text=True)
    assert "1200.50" in page and "上门理发" in page and "冬衣已送到" in page
