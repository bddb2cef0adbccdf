"""The street's settings for the loop (网格设置): levels with deadlines, categories, departments,
the points of a confirmed report — refusals in Chinese with the input kept, duplicates refused,
archive rather than delete when items use a category or department, the usual lists in one
click, the audit log, and only the admin (everyone else: 404)."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from saas.audit.models import AuditEntry
from saas.streets.models import Tenant
from tenants.grid.models import Department, DepartmentMember, ItemCategory, ItemLevel
from tenants.grid.settings import POINTS_KEY
from tests.conftest import both_backends
from tests.tenants.alliance.factories import unit_with_account
from tests.tenants.factories import signed_in
from tests.tenants.grid.factories import make_category, make_department, make_place
from tests.tenants.grid.factories_figures import make_item

BASE = "/alpha/grid/settings"


def _levels(scoped, street):
    with scoped(street) as session:
        return {lv.name: lv.deadline_hours for lv in session.scalars(select(ItemLevel))}


def _actions(scoped, street):
    with scoped(street) as session:
        return [a for a in session.scalars(select(AuditEntry.action)) if a.startswith("grid.")]


# --- levels ----------------------------------------------------------------------------------------


@both_backends
def test_a_level_in_days_or_hours(app, admin, street, scoped):
    r = admin.post(BASE + "/levels/new", data={"name": "紧急", "amount": "1", "unit": "days"})
    assert r.status_code == 302
    r = admin.post(BASE + "/levels/new", data={"name": "较急", "amount": "３６", "unit": "hours"})
    assert r.status_code == 302
    assert _levels(scoped, street) == {"紧急": 24, "较急": 36}
    page = admin.get(BASE).get_data(as_text=True)
    assert "1 天" in page and "36 小时" in page
    assert _actions(scoped, street) == ["grid.level_create", "grid.level_create"]


@pytest.mark.parametrize(
    ("amount", "unit", "message"),
    [
        ("0", "hours", "办理时限须大于 0"),
        ("0", "days", "办理时限须大于 0"),
        ("-3", "days", "办理时限须为正整数"),
        ("400", "days", "办理时限不能超过 365 天"),
        ("8761", "hours", "办理时限不能超过 365 天"),
        ("1.5", "days", "办理时限须为正整数"),
        ("", "days", "请填写办理时限"),
        ("١٢", "hours", "请用数字 0–9 填写"),
        ("9" * 25, "hours", "办理时限须为正整数"),
        ("9" * 12, "hours", "办理时限不能超过 365 天"),
        ("3", "weeks", "请选择小时或天"),
    ],
)
def test_a_deadline_refused(app, admin, street, scoped, amount, unit, message):
    r = admin.post(BASE + "/levels/new", data={"name": "紧急", "amount": amount, "unit": unit})
    body = r.get_data(as_text=True)
    assert r.status_code == 422
    assert message in body
    assert 'value="紧急"' in body  # nothing typed is lost
    assert _levels(scoped, street) == {}


def test_365_days_is_the_longest(app, admin, street, scoped):
    r = admin.post(BASE + "/levels/new", data={"name": "长期", "amount": "365", "unit": "days"})
    assert r.status_code == 302
    assert _levels(scoped, street) == {"长期": 8760}


@pytest.mark.parametrize(
    ("name", "message"),
    [("", "请填写名称"), ("   ", "请填写名称"), ("急" * 21, "名称不能超过 20 个字")],
)
def test_a_level_name_refused(app, admin, street, scoped, name, message):
    r = admin.post(BASE + "/levels/new", data={"name": name, "amount": "2", "unit": "days"})
    assert r.status_code == 422 and message in r.get_data(as_text=True)


def test_a_duplicate_level_is_refused_and_editing_keeps_its_own_name(app, admin, street, scoped):
    admin.post(BASE + "/levels/new", data={"name": "一般", "amount": "5", "unit": "days"})
    r = admin.post(BASE + "/levels/new", data={"name": " 一般 ", "amount": "3", "unit": "days"})
    assert r.status_code == 422 and "已有同名的事项等级“一般”" in r.get_data(as_text=True)
    with scoped(street) as session:
        level_id = session.scalar(select(ItemLevel.id))
    edit = admin.get(f"{BASE}/levels/{level_id}").get_data(as_text=True)
    assert 'value="5"' in edit and 'selected value="days"' in edit
    r = admin.post(f"{BASE}/levels/{level_id}", data={"name": "一般", "amount": "100",
                                                        "unit": "hours"})  # fmt: skip
    assert r.status_code == 302
    assert _levels(scoped, street) == {"一般": 100}


def test_a_level_in_use_cannot_be_deleted(app, admin, street, scoped):
    category = make_category(scoped, street, "环境卫生", 120, "一般")
    with scoped(street) as session:
        level_id = session.scalar(select(ItemCategory.level_id).where(ItemCategory.id == category))
        session.add(ItemLevel(name="备用", deadline_hours=48))
        session.commit()
        spare = session.scalar(select(ItemLevel.id).where(ItemLevel.name == "备用"))
    r = admin.post(f"{BASE}/levels/{level_id}/delete", follow_redirects=True)
    assert "还有 1 个事项类别使用" in r.get_data(as_text=True)
    admin.post(f"{BASE}/levels/{spare}/delete")
    assert set(_levels(scoped, street)) == {"一般120"}


# --- categories ------------------------------------------------------------------------------------


def test_categories_named_and_duplicates_refused(app, admin, street, scoped):
    admin.post(BASE + "/levels/new", data={"name": "一般", "amount": "5", "unit": "days"})
    with scoped(street) as session:
        level_id = session.scalar(select(ItemLevel.id))
    new = BASE + "/categories/new"
    assert admin.post(new, data={"name": "环境卫生", "level_id": level_id}).status_code == 302
    for data, message in [
        ({"name": "环境卫生", "level_id": level_id}, "已有同名的事项类别“环境卫生”"),
        ({"name": "", "level_id": level_id}, "请填写名称"),
        ({"name": "类" * 31, "level_id": level_id}, "名称不能超过 30 个字"),
        ({"name": "公共设施", "level_id": ""}, "请选择事项等级"),
        ({"name": "公共设施", "level_id": "²"}, "请选择事项等级"),
        ({"name": "公共设施", "level_id": "9" * 25}, "请选择事项等级"),
    ]:
        r = admin.post(new, data=data)
        assert r.status_code == 422 and message in r.get_data(as_text=True), data
    assert admin.post(new, data={"name": "类" * 30, "level_id": level_id}).status_code == 302


def test_another_streets_level_is_not_a_choice(app, admin, street, scoped, make_street):
    other = make_street("beta")
    admin.post(BASE + "/levels/new", data={"name": "一般", "amount": "5", "unit": "days"})
    make_category(scoped, other, "乙的类别")
    with scoped(other) as session:
        their_level = session.scalar(select(ItemLevel.id))
    r = admin.post(BASE + "/categories/new", data={"name": "公共设施", "level_id": their_level})
    assert r.status_code == 422 and "请选择事项等级" in r.get_data(as_text=True)


@both_backends
def test_a_category_items_use_is_archived_not_deleted(app, admin, street, scoped):
    used = make_category(scoped, street, "环境卫生")
    unused = make_category(scoped, street, "公共设施", level="其他")
    community, _grid, _b = make_place(scoped, street)
    make_item(scoped, street, used, community)
    r = admin.post(f"{BASE}/categories/{used}/remove", follow_redirects=True)
    assert "已归档" in r.get_data(as_text=True)
    admin.post(f"{BASE}/categories/{unused}/remove")
    with scoped(street) as session:
        rows = {c.name: c.archived_at for c in session.scalars(select(ItemCategory))}
    assert set(rows) == {"环境卫生"} and rows["环境卫生"] is not None
    admin.post(f"{BASE}/categories/{used}/restore")
    with scoped(street) as session:
        assert session.scalar(select(ItemCategory.archived_at)) is None
    assert _actions(scoped, street) == ["grid.category_archive", "grid.category_delete",
                                        "grid.category_restore"]  # fmt: skip


# --- departments -----------------------------------------------------------------------------------


def test_a_department_with_supervisor_and_members(app, admin, street, scoped, make_user):
    lead, _p = make_user(street, "staff", name="王主任")
    member, _p = make_user(street, "staff", name="李干事")
    form = admin.get(BASE + "/departments/new").get_data(as_text=True)
    assert "王主任" in form and "李干事" in form
    r = admin.post(BASE + "/departments/new", data={"name": "城管办", "supervisor_id": lead,
                                                    "member_ids": [member, lead]})  # fmt: skip
    assert r.status_code == 302
    with scoped(street) as session:
        department = session.scalar(select(Department))
        members = set(session.scalars(select(DepartmentMember.user_id)))
    assert department.supervisor_id == lead and members == {member, lead}
    page = admin.get(BASE).get_data(as_text=True)
    assert "城管办" in page and "王主任" in page
    edit = f"{BASE}/departments/{department.id}"
    boxes = re.findall(r"<input[^>]*>", admin.get(edit).get_data(as_text=True))
    assert [b for b in boxes if f'value="{member}"' in b and "checked" in b]
    r = admin.post(edit, data={"name": "城管办", "supervisor_id": "", "member_ids": [member]})
    assert r.status_code == 302
    with scoped(street) as session:
        assert session.scalar(select(Department.supervisor_id)) is None
        assert set(session.scalars(select(DepartmentMember.user_id))) == {member}
    assert _actions(scoped, street) == ["grid.department_create", "grid.department_update"]


def test_department_refusals(app, admin, street, scoped, make_user, make_street):
    other = make_street("beta")
    outsider, _p = make_user(other, "staff", name="乙街道干部")
    volunteer, _p = make_user(street, "volunteer", name="居民")
    staff, _p = make_user(street, "staff", name="干部")
    make_department(scoped, street, "综治中心")
    new = BASE + "/departments/new"
    for data, message in [
        ({"name": "综治中心"}, "已有同名的部门“综治中心”"),
        ({"name": ""}, "请填写名称"),
        ({"name": "部" * 41}, "名称不能超过 40 个字"),
        ({"name": "城管办", "supervisor_id": outsider}, "请从街道的工作人员中选择分管领导"),
        ({"name": "城管办", "supervisor_id": volunteer}, "请从街道的工作人员中选择分管领导"),
        ({"name": "城管办", "supervisor_id": "abc"}, "请从街道的工作人员中选择分管领导"),
        ({"name": "城管办", "member_ids": [staff, outsider]}, "部门成员须为街道的工作人员"),
    ]:
        r = admin.post(new, data=data)
        body = r.get_data(as_text=True)
        assert r.status_code == 422 and message in body, data
    with scoped(street) as session:
        assert session.scalars(select(Department.name)).all() == ["综治中心"]


def test_a_department_items_went_to_is_archived(app, admin, street, scoped, make_user):
    used = make_department(scoped, street, "城管办")
    category = make_category(scoped, street)
    community, _g, _b = make_place(scoped, street)
    make_item(scoped, street, category, community, department=used)
    admin.post(f"{BASE}/departments/{used}/remove")
    with scoped(street) as session:
        assert session.scalar(select(Department.archived_at)) is not None


# --- the usual lists, points ------------------------------------------------------------------------


def test_the_usual_lists_in_one_click_once(app, admin, street, scoped):
    assert "一键添加常用设置" in admin.get(BASE).get_data(as_text=True)
    admin.post(BASE + "/usual")
    assert _levels(scoped, street) == {"紧急": 24, "一般": 120}
    with scoped(street) as session:
        names = session.scalars(select(ItemCategory.name).order_by(ItemCategory.position)).all()
    assert names == ["环境卫生", "公共设施", "邻里纠纷", "安全隐患", "困难老人", "违章搭建", "其他"]
    page = admin.get(BASE).get_data(as_text=True)
    assert "一键添加常用设置" not in page and "5 天" in page
    admin.post(BASE + "/usual")  # a second click adds nothing
    assert len(_levels(scoped, street)) == 2


@pytest.mark.parametrize(
    ("raw", "stored", "status"),
    [("5", 5, 302), ("０", 0, 302), ("100", 100, 302), ("101", None, 422), ("-1", None, 422),
     ("1.5", None, 422), ("abc", None, 422), ("²", None, 422)],
)  # fmt: skip
def test_the_points_of_a_confirmed_report(app, admin, street, scoped, raw, stored, status):
    r = admin.post(BASE + "/points", data={"points": raw})
    assert r.status_code == status
    with scoped(street) as session:
        settings = session.get(Tenant, street.id).settings or {}
    if status == 302:
        assert settings.get(POINTS_KEY, 0) == stored
    else:
        assert POINTS_KEY not in settings
        body = r.get_data(as_text=True)
        assert "上报积分须为 0–100 的整数" in body and f'value="{raw}"' in body


# --- who may ---------------------------------------------------------------------------------------


def test_only_the_admin_has_the_settings(app, street, scoped, make_user):
    category = make_category(scoped, street)
    department = make_department(scoped, street)
    with scoped(street) as session:
        level = session.scalar(select(ItemLevel.id))
    _s, staff_phone = make_user(street, "staff")
    _v, volunteer_phone = make_user(street, "volunteer")
    _u, _uid, org_phone = unit_with_account(scoped, street, make_user)
    urls = [("GET", BASE), ("POST", BASE + "/points"), ("POST", BASE + "/usual"),
            ("GET", BASE + "/levels/new"), ("POST", f"{BASE}/levels/{level}"),
            ("POST", f"{BASE}/levels/{level}/delete"), ("POST", f"{BASE}/categories/{category}"),
            ("POST", f"{BASE}/categories/{category}/remove"),
            ("POST", f"{BASE}/departments/{department}/remove"),
            ("GET", f"{BASE}/departments/{department}")]  # fmt: skip
    for phone in (staff_phone, volunteer_phone, org_phone):
        client = signed_in(app, "alpha", phone)
        for method, url in urls:
            r = client.open(url, method=method, data={"name": "改名", "points": "9"})
            assert r.status_code == 404, (phone, method, url)
        assert 'href="/alpha/grid/settings"' not in client.get("/alpha/", follow_redirects=True)\
            .get_data(as_text=True)  # fmt: skip
    with scoped(street) as session:
        assert session.scalar(select(Department.name)) == "城管办"
        assert session.scalar(select(ItemCategory.archived_at)) is None
    assert _actions(scoped, street) == []


def test_the_audit_log_names_what_changed(app, admin, street, scoped, make_user):
    admin.post(BASE + "/usual")
    admin.post(BASE + "/levels/new", data={"name": "特急", "amount": "4", "unit": "hours"})
    admin.post(BASE + "/departments/new", data={"name": "城管办"})
    with scoped(street) as session:
        category = session.scalar(select(ItemCategory.id).where(ItemCategory.name == "其他"))
    admin.post(f"{BASE}/categories/{category}", data={"name": "其他事项", "level_id": ""})
    level = _levels(scoped, street)
    assert level["特急"] == 4
    log = admin.get("/alpha/audit").get_data(as_text=True)
    for words in ("添加常用事项等级和类别", "添加事项等级", "特急", "添加办理部门", "城管办"):
        assert words in log, words
