"""Supervision (督办): an item is overdue at its deadline to the second in Shanghai time, marked
and told once per deadline (a deadline set again is told again), to its handler and the handler's
supervisor; "deadline near" once; the dashboard's to-do and panel."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from saas.notify.models import Notification
from tenants.grid.models import DepartmentMember, GridItem, ItemStep
from tenants.grid.supervision import supervise
from tests.conftest import both_backends
from tests.tenants.alliance.factories import unit_with_account
from tests.tenants.factories import add_community, signed_in
from tests.tenants.grid.factories import make_category, make_department, make_place
from tests.tenants.grid.factories_figures import local, make_item

DUE = local(2026, 12, 8, 17, 0)  # 17:00 in Shanghai, 09:00 UTC
ASSIGNED = local(2026, 12, 8, 8, 0)


def _told(scoped, street, kind="grid.overdue"):
    with scoped(street) as session:
        return sorted(
            session.scalars(select(Notification.user_id).where(Notification.kind == kind))
        )


def _steps(scoped, street, item_id):
    with scoped(street) as session:
        return session.scalars(
            select(ItemStep.kind).where(ItemStep.item_id == item_id).order_by(ItemStep.created_at)
        ).all()


@both_backends
def test_overdue_at_the_deadline_to_the_second_in_shanghai(
    app, street, scoped, make_user, unscoped
):
    handler, _p = make_user(street, "staff", name="张干事")
    category = make_category(scoped, street)
    community, grid, _b = make_place(scoped, street)
    item = make_item(scoped, street, category, community, grid_id=grid, staff=handler,
                     assigned_at=ASSIGNED, due_at=DUE, status="in_progress")  # fmt: skip

    with unscoped():
        assert supervise(DUE - timedelta(seconds=1)) == {"overdue": 0, "near": 1}
    assert _told(scoped, street) == []
    with unscoped():
        assert supervise(DUE)["overdue"] == 1
    assert _told(scoped, street) == sorted([handler, street.admin_id])  # the staff's supervisor
    with scoped(street) as session:
        row = session.get(GridItem, (street.id, item))
        assert row.status == "in_progress" and row.overdue_notified_at == DUE
        step = session.scalar(select(ItemStep).where(ItemStep.kind == "overdue"))
        assert step.actor_id is None and step.status == "in_progress"
        assert "2026-12-08 17:00" in step.detail
        note = session.scalar(select(Notification).where(
            Notification.user_id == handler, Notification.kind == "grid.overdue"))  # fmt: skip
        assert row.number in note.title and "已超期" in note.title
        assert note.link == f"/alpha/grid/items/{item}"

    with unscoped():  # once per deadline
        assert supervise(DUE + timedelta(minutes=15))["overdue"] == 0
    assert _steps(scoped, street, item) == ["overdue"]
    assert len(_told(scoped, street)) == 2


def test_a_deadline_set_again_is_told_again(app, street, scoped, make_user, unscoped):
    handler, _p = make_user(street, "staff")
    category = make_category(scoped, street)
    community, _g, _b = make_place(scoped, street)
    item = make_item(scoped, street, category, community, staff=handler, assigned_at=ASSIGNED,
                     due_at=DUE)  # fmt: skip
    with unscoped():
        supervise(DUE + timedelta(hours=1))
    # reassigned the next morning with a new deadline (the loop writes assigned_at and due_at)
    new_due = local(2026, 12, 10, 17, 0)
    with scoped(street) as session:
        session.execute(update(GridItem).where(GridItem.id == item).values(
            assigned_at=local(2026, 12, 9, 9, 0), due_at=new_due, status="assigned"))  # fmt: skip
        session.commit()
    with unscoped():
        assert supervise(new_due - timedelta(seconds=1))["overdue"] == 0
        assert supervise(new_due)["overdue"] == 1
    assert _steps(scoped, street, item) == ["overdue", "overdue"]
    assert _told(scoped, street).count(handler) == 2


def test_items_not_running_are_not_supervised(app, street, scoped, make_user, unscoped):
    handler, _p = make_user(street, "staff")
    category = make_category(scoped, street)
    community, _g, _b = make_place(scoped, street)
    for status in ("done", "checked", "closed"):
        make_item(scoped, street, category, community, staff=handler, due_at=DUE, status=status)
    make_item(scoped, street, category, community)  # reported, no deadline
    with unscoped():
        assert supervise(DUE + timedelta(days=3)) == {"overdue": 0, "near": 0}


def test_a_departments_members_and_supervisor_a_units_accounts_and_the_admins(
    app, street, scoped, make_user, unscoped
):
    lead, _p = make_user(street, "staff", name="分管领导")
    member, _p = make_user(street, "staff", name="部门成员")
    department = make_department(scoped, street, "城管办", supervisor_id=lead)
    with scoped(street) as session:
        session.add(DepartmentMember(department_id=department, user_id=member))
        session.commit()
    unit, unit_user, _phone = unit_with_account(scoped, street, make_user)
    category = make_category(scoped, street)
    community, _g, _b = make_place(scoped, street)
    make_item(scoped, street, category, community, department=department, due_at=DUE)
    make_item(scoped, street, category, community, unit=unit, due_at=DUE)
    make_item(scoped, street, category, community, unit=unit, due_at=DUE)
    with unscoped():
        assert supervise(DUE)["overdue"] == 3
    assert _told(scoped, street) == sorted([lead, member, unit_user, street.admin_id])
    with scoped(street) as session:
        notes = {n.user_id: n for n in session.scalars(select(Notification))}
    assert notes[unit_user].title == "2 个事项已超期" and notes[unit_user].link == ""
    assert "城管办" in notes[member].body and "共建单位甲" in notes[street.admin_id].body
    assert notes[street.admin_id].link == "/alpha/grid/figures#overdue"


def test_deadline_near_once_within_a_quarter_of_the_time_or_four_hours(
    app, street, scoped, make_user, unscoped
):
    handler, _p = make_user(street, "staff")
    category = make_category(scoped, street)
    community, _g, _b = make_place(scoped, street)
    # 9 hours given: near from 14:45 (a quarter, 2¼ hours, before 17:00)
    short = make_item(scoped, street, category, community, staff=handler, assigned_at=ASSIGNED,
                      due_at=DUE)  # fmt: skip
    # 5 days given: near from 13:00 (4 hours before)
    long = make_item(
        scoped,
        street,
        category,
        community,
        staff=handler,
        assigned_at=DUE - timedelta(days=5),
        due_at=DUE + timedelta(minutes=1),
    )
    with unscoped():
        assert supervise(local(2026, 12, 8, 12, 59))["near"] == 0
        assert supervise(local(2026, 12, 8, 13, 1))["near"] == 1
        assert supervise(local(2026, 12, 8, 14, 44))["near"] == 0
        assert supervise(local(2026, 12, 8, 14, 45))["near"] == 1
        assert supervise(local(2026, 12, 8, 16, 0))["near"] == 0
    assert _told(scoped, street, "grid.deadline_near") == [handler, handler]
    with scoped(street) as session:
        marks = dict(session.execute(select(GridItem.id, GridItem.near_notified_at)).all())
    assert marks[long] == local(2026, 12, 8, 13, 1) and marks[short] == local(2026, 12, 8, 14, 45)
    assert _steps(scoped, street, short) == []  # a notice, not a step


def test_another_street_is_left_alone(app, street, scoped, make_user, make_street, unscoped):
    other = make_street("beta")
    handler, _p = make_user(other, "staff")
    category = make_category(scoped, other)
    community, _g, _b = make_place(scoped, other)
    make_item(scoped, other, category, community, staff=handler, due_at=DUE)
    with unscoped():
        assert supervise(DUE)["overdue"] == 1
    assert _told(scoped, street) == []
    assert _told(scoped, other) == sorted([handler, other.admin_id])


# --- the dashboard ---------------------------------------------------------------------------------


@both_backends
def test_the_dashboard_counts_overdue_items_by_handler(app, street, scoped, make_user, admin):
    handler, _p = make_user(street, "staff", name="张干事")
    department = make_department(scoped, street, "城管办")
    category = make_category(scoped, street)
    community, _g, _b = make_place(scoped, street)
    other_community = add_community(scoped, street, "滨河社区")
    past = local(2026, 1, 5, 17, 0)
    for _ in range(2):
        make_item(scoped, street, category, community, staff=handler, due_at=past)
    make_item(scoped, street, category, community, department=department, due_at=past)
    make_item(scoped, street, category, community, department=department, hours=48)  # not yet

    body = admin.get("/alpha/dashboard").get_data(as_text=True)
    assert "3 个事项已超期" in body
    assert 'href="/alpha/grid/figures#overdue"' in body
    assert "张干事（工作人员）" in body and "城管办（部门）" in body

    _s, phone = make_user(street, "staff", community_id=other_community)
    theirs = signed_in(app, "alpha", phone).get("/alpha/dashboard").get_data(as_text=True)
    assert "个事项已超期" not in theirs and "张干事" not in theirs
