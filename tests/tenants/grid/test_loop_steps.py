"""An item's steps through the item's page: the order kept (no skipping), the handler only from
this street, the deadline from the level or typed (never in the past), escalation one tier up,
the handler's progress and result with photos, close; refusals in words with status 422, HTML in
notes shown as text, the audit log."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from saas.audit.models import AuditEntry
from saas.db import utcnow
from saas.ui import local
from tenants.grid.loop import advance
from tenants.grid.models import GridItem, ItemPhoto, ItemStep
from tests.conftest import both_backends
from tests.tenants.alliance.factories import make_unit, unit_with_account
from tests.tenants.factories import signed_in
from tests.tenants.grid.factories import jpeg_with_gps, make_department
from tests.tenants.grid.factories_loop import add_member, item_row, make_item, make_setup


@pytest.fixture
def world(app, make_street, make_user, scoped):
    street = make_street()
    place = make_setup(scoped, street)
    reporter, _ = make_user(street, "volunteer", name="居民张")
    item = make_item(scoped, street, reporter, place)
    admin = signed_in(app, street.slug, street.admin_phone)
    return street, place, item, admin


def _post(client, street, item, action, **data):
    return client.post(f"/{street.slug}/grid/items/{item}/{action}", data=data)


def _kinds(scoped, street, item):
    with scoped(street) as session:
        return list(session.scalars(select(ItemStep.kind).where(ItemStep.item_id == item)
                                    .order_by(ItemStep.created_at, ItemStep.id)))  # fmt: skip


@both_backends
def test_the_whole_office_loop_through_the_pages(app, make_user, scoped, world):
    street, place, item, admin = world
    member_id, member_phone = make_user(street, "staff", name="城管队员")
    department = make_department(scoped, street)
    add_member(scoped, street, department, member_id)
    page = admin.get(f"/{street.slug}/grid/items/{item}").get_data(as_text=True)
    assert "受理" in page and "step-accept" in page and "step-assign" not in page
    assert _post(admin, street, item, "accept").status_code == 302
    response = _post(admin, street, item, "assign", handler=f"department:{department}")
    assert response.status_code == 302
    row = item_row(scoped, street, item)
    assert row.status == "assigned" and row.handler_department_id == department
    # the category's level: 48 hours from now
    assert abs((row.due_at - utcnow()) - timedelta(hours=48)) < timedelta(minutes=1)
    member = signed_in(app, street.slug, member_phone)
    assert "step-start" in member.get(f"/{street.slug}/grid/items/{item}").get_data(as_text=True)
    assert _post(member, street, item, "start").status_code == 302
    response = member.post(f"/{street.slug}/grid/items/{item}/progress", data={
        "note": "已联系物业", "photos": [(__import__("io").BytesIO(jpeg_with_gps()), "a.jpg")]},
        content_type="multipart/form-data")  # fmt: skip
    assert response.status_code == 302, response.get_data(as_text=True)
    assert _post(member, street, item, "done", note="").status_code == 422
    response = member.post(f"/{street.slug}/grid/items/{item}/done", data={
        "note": "杂物已清理", "photos": [(__import__("io").BytesIO(jpeg_with_gps()), "b.jpg")]},
        content_type="multipart/form-data")  # fmt: skip
    assert response.status_code == 302
    with scoped(street) as session:
        assert session.query(ItemPhoto).filter_by(item_id=item).count() == 2
        it = session.get(GridItem, (street.id, item))
        advance(session, it, "check", street.admin_id)  # the grid worker's step (report area)
        session.commit()
    assert _post(admin, street, item, "close", note="回访电话无人接听").status_code == 302
    assert _kinds(scoped, street, item) == [
        "report",
        "accept",
        "assign",
        "start",
        "progress",
        "done",
        "check",
        "close",
    ]
    page = admin.get(f"/{street.slug}/grid/items/{item}").get_data(as_text=True)
    assert "照片 1 张" in page and "杂物已清理" in page and "已关闭" in page
    with scoped(street) as session:
        actions = set(session.scalars(select(AuditEntry.action).where(
            AuditEntry.target == f"grid_item:{item}")))  # fmt: skip
    assert actions == {"grid.item_accept", "grid.item_assign", "grid.item_close"}


@both_backends
def test_an_item_cannot_skip_a_state_through_the_pages(app, make_user, scoped, world):
    street, place, item, admin = world
    # done before assigned: refused by the loop's order, in words, nothing moved
    for action in ("done", "start", "assign", "close", "escalate"):
        response = _post(admin, street, item, action, note="x", reason="x",
                         handler=f"staff:{street.admin_id}")  # fmt: skip
        assert response.status_code == 422, action
        assert "事项当前为“已上报”" in response.get_data(as_text=True)
    assert _post(admin, street, item, "accept").status_code == 302
    response = _post(admin, street, item, "done", note="已办")
    assert response.status_code == 422 and "不能办结" in response.get_data(as_text=True)
    response = _post(admin, street, item, "accept")
    assert response.status_code == 422 and "不能受理" in response.get_data(as_text=True)
    assert _kinds(scoped, street, item) == ["report", "accept"]
    assert _post(admin, street, item, "fly").status_code == 404


def test_reject_needs_a_reason(app, scoped, world):
    street, place, item, admin = world
    response = _post(admin, street, item, "reject", reason="  ")
    assert response.status_code == 422 and "请填写不予受理的理由" in response.get_data(as_text=True)
    assert _post(admin, street, item, "reject", reason="不属于本街道管辖").status_code == 302
    row = item_row(scoped, street, item)
    assert row.status == "rejected"
    with scoped(street) as session:
        entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "grid.item_reject"))
        assert entry.detail["reason"] == "不属于本街道管辖"


@both_backends
def test_a_handler_of_another_street_is_refused(app, make_street, make_user, scoped, world):
    street, place, item, admin = world
    other = make_street()
    foreign_dept = make_department(scoped, other, name="外街道部门")
    foreign_unit = make_unit(scoped, other, "外街道单位")
    foreign_staff, _ = make_user(other, "staff")
    _post(admin, street, item, "accept")
    for key in (f"department:{foreign_dept}", f"unit:{foreign_unit}", f"staff:{foreign_staff}",
                f"staff:{other.admin_id}", "unit:²", "department:99999999999999999999999",
                "nobody:1", ""):  # fmt: skip
        response = _post(admin, street, item, "assign", handler=key)
        assert response.status_code == 422, key
        body = response.get_data(as_text=True)
        assert "请选择本街道的承办人" in body or "请选择承办人" in body
    # a volunteer of this street is no handler either, nor a merchant
    volunteer, _ = make_user(street, "volunteer")
    merchant = make_unit(scoped, street, "某商户", kind="merchant")
    for key in (f"staff:{volunteer}", f"unit:{merchant}"):
        assert _post(admin, street, item, "assign", handler=key).status_code == 422
    assert item_row(scoped, street, item).status == "accepted"


def test_a_deadline_typed_by_staff(app, scoped, world):
    street, place, item, admin = world
    _post(admin, street, item, "accept")
    past = local(utcnow() - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    handler = f"staff:{street.admin_id}"
    response = _post(admin, street, item, "assign", handler=handler, due=past)
    assert response.status_code == 422 and "办理时限不能早于现在" in response.get_data(as_text=True)
    assert past in response.get_data(as_text=True)  # what was typed is kept
    response = _post(admin, street, item, "assign", handler=handler, due="明天")
    assert response.status_code == 422 and "请填写有效的时间" in response.get_data(as_text=True)
    future = local(utcnow() + timedelta(days=3)).replace(second=0, microsecond=0)
    response = _post(admin, street, item, "assign", handler=handler,
                     due=future.strftime("%Y-%m-%dT%H:%M"))  # fmt: skip
    assert response.status_code == 302
    assert item_row(scoped, street, item).due_at == future


def test_escalation_goes_one_tier_up_and_clears_the_handler(app, make_user, scoped, world):
    street, place, item, admin = world
    _, community_staff = make_user(street, "staff", community_id=place.community)
    staff = signed_in(app, street.slug, community_staff)
    _post(staff, street, item, "accept")
    _post(staff, street, item, "assign", handler=f"staff:{street.admin_id}")
    response = _post(staff, street, item, "escalate", reason="")
    assert response.status_code == 422 and "请填写上报上级的理由" in response.get_data(as_text=True)
    assert _post(staff, street, item, "escalate", reason="需要社区协调").status_code == 302
    row = item_row(scoped, street, item)
    assert (row.tier, row.status, row.handler_kind, row.due_at) == ("community", "accepted",
                                                                    None, None)  # fmt: skip
    assert _post(staff, street, item, "escalate", reason="需要街道协调").status_code == 302
    assert item_row(scoped, street, item).tier == "street"
    # the street's now: the community's staff no longer triage it, and it goes no higher
    response = _post(staff, street, item, "assign", handler=f"staff:{street.admin_id}")
    assert response.status_code == 422 and "您不能处理这个事项" in response.get_data(as_text=True)
    page = admin.get(f"/{street.slug}/grid/items/{item}").get_data(as_text=True)
    assert "step-escalate" not in page and "step-assign" in page
    response = _post(admin, street, item, "escalate", reason="再上报")
    assert response.status_code == 422 and "不能再上报" in response.get_data(as_text=True)
    with scoped(street) as session:
        details = [e.detail for e in session.scalars(select(AuditEntry).where(
            AuditEntry.action == "grid.item_escalate").order_by(AuditEntry.created_at))]  # fmt: skip
    assert [(d["from"], d["to"]) for d in details] == [("grid", "community"),
                                                       ("community", "street")]  # fmt: skip


def test_only_the_handler_takes_the_handlers_steps(app, make_user, scoped, world):
    street, place, item, admin = world
    unit, _u, unit_phone = unit_with_account(scoped, street, make_user)
    _, other_unit_phone = unit_with_account(scoped, street, make_user, "共建单位乙")[1:]
    _post(admin, street, item, "accept")
    _post(admin, street, item, "assign", handler=f"unit:{unit}")
    response = _post(admin, street, item, "start")
    assert response.status_code == 422 and "只有承办人" in response.get_data(as_text=True)
    assert _post(signed_in(app, street.slug, other_unit_phone), street, item,
                 "start").status_code == 404  # fmt: skip
    phone = signed_in(app, street.slug, unit_phone)
    page = phone.get(f"/{street.slug}/grid/items/{item}").get_data(as_text=True)
    assert "step-start" in page and "step-assign" not in page and "step-accept" not in page
    assert _post(phone, street, item, "start").status_code == 302
    assert _post(phone, street, item, "assign", handler=f"unit:{unit}").status_code == 422
    assert _post(phone, street, item, "done", note="已修好").status_code == 302
    assert item_row(scoped, street, item).status == "done"


def test_more_than_three_photos_or_a_non_image_are_refused(app, make_user, scoped, world):
    import io

    street, place, item, admin = world
    _post(admin, street, item, "accept")
    _post(admin, street, item, "assign", handler=f"staff:{street.admin_id}")
    photos = [(io.BytesIO(jpeg_with_gps()), f"{n}.jpg") for n in range(4)]
    response = admin.post(f"/{street.slug}/grid/items/{item}/progress",
                          data={"note": "进展", "photos": photos},
                          content_type="multipart/form-data")  # fmt: skip
    assert response.status_code == 422 and "最多上传 3 张照片" in response.get_data(as_text=True)
    response = admin.post(f"/{street.slug}/grid/items/{item}/progress",
                          data={"note": "进展", "photos": [(io.BytesIO(b"MZ\x90\0" * 50), "x.jpg")]},
                          content_type="multipart/form-data")  # fmt: skip
    assert response.status_code == 422 and "JPEG" in response.get_data(as_text=True)
    assert _post(admin, street, item, "progress", note="").status_code == 422
    with scoped(street) as session:
        assert session.query(ItemPhoto).filter_by(item_id=item).count() == 0


def test_html_in_notes_is_shown_as_text(app, scoped, world):
    street, place, item, admin = world
    _post(admin, street, item, "reject", reason="<script>alert(1)</script><b>粗</b>")
    body = admin.get(f"/{street.slug}/grid/items/{item}").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in body and "<b>粗</b>" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body
