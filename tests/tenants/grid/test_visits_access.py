"""Who sees the residents in visit groups (走访对象): the admin all, a community's staff their
community's, a grid worker their grids', everyone else 404; every view and export of a subject
is in the audit log; phones masked for all but the admin."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from saas.audit.models import AuditEntry
from tenants.orgs.models import OrgAccount, Organisation
from tests.conftest import both_backends
from tests.tenants.factories import signed_in
from tests.tenants.grid.factories import make_place
from tests.tenants.grid.factories_visits import make_group, make_subject

PHONE = "13912345678"


@pytest.fixture
def world(app, scoped, street, make_user):
    """Two communities, a grid worker on the first one's grid, a subject there."""
    worker_id, worker_phone = make_user(street, "staff", name="网格员甲", is_grid_worker=True)
    c1, g1, b1 = make_place(scoped, street, "和平社区", "第一网格", worker_id=worker_id)
    c2, g2, _b2 = make_place(scoped, street, "滨河社区", "第二网格")
    group = make_group(scoped, street)
    subject = make_subject(scoped, street, group, c1, g1, b1, phone=PHONE)
    return {"c1": c1, "g1": g1, "c2": c2, "g2": g2, "group": group, "subject": subject,
            "worker_id": worker_id, "worker_phone": worker_phone}  # fmt: skip


def _client(app, street, make_user, role, **kw):
    _uid, phone = make_user(street, role, **kw)
    return signed_in(app, street.slug, phone)


def _org_account(app, street, make_user, scoped):
    uid, phone = make_user(street, "org", name="单位联系人")
    with scoped(street) as session:
        unit = Organisation(kind="alliance", name="共建单位")
        session.add(unit)
        session.flush()
        session.add(OrgAccount(organisation_id=unit.id, user_id=uid))
        session.commit()
    return signed_in(app, street.slug, phone)


def _subject_urls(sid: int) -> list[tuple[str, str]]:
    base = f"/alpha/grid/visit-subjects/{sid}"
    return [("GET", base), ("GET", base + "/edit"), ("POST", base + "/edit"),
            ("POST", base + "/archive"), ("POST", base + "/visits"),
            ("GET", f"/alpha/grid/visits/{sid}"), ("POST", f"/alpha/grid/visits/{sid}")]  # fmt: skip


LIST_URLS = [
    ("GET", "/alpha/grid/visit-subjects"),
    ("GET", "/alpha/grid/visit-subjects/export.xlsx"),
    ("GET", "/alpha/grid/visit-subjects/new"),
    ("POST", "/alpha/grid/visit-subjects/new"),
    ("GET", "/alpha/grid/visits"),
    ("GET", "/alpha/grid/visits/by-worker"),
]


def _cells(response) -> list[str]:
    sheet = load_workbook(io.BytesIO(response.data)).active
    return [str(c.value) for row in sheet.iter_rows() for c in row]


@both_backends
def test_the_admin_community_staff_and_grid_worker_see_the_subject(
    app, admin, street, make_user, world
):
    staff = _client(app, street, make_user, "staff", community_id=world["c1"])
    worker = signed_in(app, "alpha", world["worker_phone"])
    for who, client in {"admin": admin, "staff": staff, "worker": worker}.items():
        page = client.get(f"/alpha/grid/visit-subjects/{world['subject']}")
        assert page.status_code == 200, who
        body = page.get_data(as_text=True)
        assert "王秀英" in body
        # the phone: whole for the admin only
        assert (PHONE in body) is (who == "admin"), who
        assert "139****5678" in body or who == "admin"
        assert "王秀英" in client.get("/alpha/grid/visit-subjects").get_data(as_text=True)
        assert client.get(f"/alpha/grid/visits/{world['subject']}").status_code == 200
    assert "王秀英" in worker.get("/alpha/grid/visits").get_data(as_text=True)


@both_backends
def test_everyone_else_gets_404(app, street, make_user, scoped, world):
    clients = {
        "volunteer": _client(app, street, make_user, "volunteer", community_id=world["c1"]),
        "org": _org_account(app, street, make_user, scoped),
        # street-wide staff who work no grid: nobody's community staff, nobody's grid worker
        "street-wide staff": _client(app, street, make_user, "staff"),
    }
    for who, client in clients.items():
        for method, url in _subject_urls(world["subject"]) + LIST_URLS:
            response = client.open(url, method=method, data={"name": "改名", "found": "x"})
            assert response.status_code == 404, f"{who}: {method} {url}"
    # another community's staff, and a grid worker of another grid: the area exists for them,
    # this subject does not
    other_staff = _client(app, street, make_user, "staff", community_id=world["c2"])
    other_worker_id, other_phone = make_user(street, "staff", is_grid_worker=True)
    with scoped(street) as session:
        from tenants.structure.models import Grid

        session.get(Grid, (street.id, world["g2"])).worker_id = other_worker_id
        session.commit()
    other_worker = signed_in(app, "alpha", other_phone)
    for who, client in {"staff": other_staff, "worker": other_worker}.items():
        for method, url in _subject_urls(world["subject"]):
            assert client.open(url, method=method).status_code == 404, f"{who} {method} {url}"
        assert "王秀英" not in client.get("/alpha/grid/visit-subjects").get_data(as_text=True)
        assert "王秀英" not in _cells(client.get("/alpha/grid/visit-subjects/export.xlsx"))
        assert "王秀英" not in client.get("/alpha/grid/visits").get_data(as_text=True)
    with scoped(street) as session:
        entries = session.scalars(
            select(AuditEntry).where(AuditEntry.target.like("visit_subject:%"))
        ).all()
        assert entries == []


def test_a_guest_is_sent_to_the_login_page(client, street, world):
    response = client.get(f"/alpha/grid/visit-subjects/{world['subject']}")
    assert response.status_code == 302
    assert "/alpha/login" in response.headers["Location"]


def _audit(scoped, street, action):
    with scoped(street) as session:
        return [(e.actor_id, e.target) for e in session.scalars(
            select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id))]  # fmt: skip


@both_backends
def test_every_view_and_export_of_a_subject_is_audit_logged(
    app, admin, street, scoped, make_user, world
):
    staff_id, phone = make_user(street, "staff", community_id=world["c1"])
    staff = signed_in(app, "alpha", phone)
    worker = signed_in(app, "alpha", world["worker_phone"])
    sid = world["subject"]
    admin.get(f"/alpha/grid/visit-subjects/{sid}")
    staff.get(f"/alpha/grid/visit-subjects/{sid}/edit")
    worker.get(f"/alpha/grid/visits/{sid}")
    # a refused visit shows the subject again: that is a view too
    worker.post(f"/alpha/grid/visits/{sid}", data={"visited_on": "", "found": ""})
    target = f"visit_subject:{sid}"
    assert _audit(scoped, street, "grid.visit_subject_view") == [
        (street.admin_id, target), (staff_id, target), (world["worker_id"], target),
        (world["worker_id"], target),
    ]  # fmt: skip
    response = staff.get("/alpha/grid/visit-subjects/export.xlsx?group=" + str(world["group"]))
    assert response.status_code == 200
    cells = _cells(response)
    assert "王秀英" in cells and PHONE not in cells and "139****5678" in cells
    assert _audit(scoped, street, "grid.visit_subjects_export") == [(staff_id, target)]
    assert PHONE in _cells(admin.get("/alpha/grid/visit-subjects/export.xlsx"))
    # the log names the subject for the admin
    log = admin.get("/alpha/audit").get_data(as_text=True)
    assert "查看走访对象" in log and "王秀英" in log
