"""The loop's notices (loop_receivers): assigned to the handler (the staff member, every member
of the department, every account of the unit), done to the reporter, a follow-up request to the
reporter when the grid worker checks it, reopened to the handler — each once per step."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import select

from saas.notify.models import Notification
from tenants.grid.loop import advance
from tenants.grid.models import GridItem
from tests.conftest import both_backends
from tests.tenants.alliance.factories import link_account, unit_with_account
from tests.tenants.factories import signed_in
from tests.tenants.grid.factories import make_department
from tests.tenants.grid.factories_loop import add_member, make_item, make_setup


def _notes(scoped, street):
    with scoped(street) as session:
        return Counter(session.execute(select(Notification.user_id, Notification.kind).where(
            Notification.kind.startswith("grid."))).all())  # fmt: skip


def _links(scoped, street, kind):
    with scoped(street) as session:
        return list(session.scalars(select(Notification.link).where(Notification.kind == kind)))


@both_backends
def test_each_notice_goes_once_per_step(app, make_street, make_user, scoped):
    street = make_street()
    place = make_setup(scoped, street)
    reporter, _ = make_user(street, "volunteer")
    a_id, a_phone = make_user(street, "staff")
    b_id, _ = make_user(street, "staff")
    department = make_department(scoped, street)
    add_member(scoped, street, department, a_id)
    add_member(scoped, street, department, b_id)
    item = make_item(scoped, street, reporter, place)
    admin = signed_in(app, street.slug, street.admin_phone)
    admin.post(f"/{street.slug}/grid/items/{item}/accept")
    admin.post(f"/{street.slug}/grid/items/{item}/assign", data={
        "handler": f"department:{department}"})  # fmt: skip
    assert _notes(scoped, street) == {(a_id, "grid.item_assigned"): 1,
                                      (b_id, "grid.item_assigned"): 1}  # fmt: skip
    member = signed_in(app, street.slug, a_phone)
    member.post(f"/{street.slug}/grid/items/{item}/start")
    member.post(f"/{street.slug}/grid/items/{item}/progress", data={"note": "在办"})
    member.post(f"/{street.slug}/grid/items/{item}/done", data={"note": "办好了"})
    assert _notes(scoped, street)[(reporter, "grid.item_done")] == 1
    with scoped(street) as session:
        it = session.get(GridItem, (street.id, item))
        advance(session, it, "check", street.admin_id)
        session.commit()
    assert _notes(scoped, street)[(reporter, "grid.item_follow_up")] == 1
    assert _links(scoped, street, "grid.item_follow_up") == [f"/{street.slug}/my-reports"]
    with scoped(street) as session:
        it = session.get(GridItem, (street.id, item))
        advance(session, it, "reopen", reporter)  # the reporter's word (report area)
        session.commit()
    notes = _notes(scoped, street)
    assert notes[(a_id, "grid.item_reopened")] == notes[(b_id, "grid.item_reopened")] == 1
    assert sum(notes.values()) == 6
    assert _links(scoped, street, "grid.item_reopened")[0] == f"/{street.slug}/grid/items/{item}"


def test_a_unit_and_a_staff_handler_are_told_but_not_the_one_who_assigned(
    app, make_street, make_user, scoped
):
    street = make_street()
    place = make_setup(scoped, street)
    unit, first, _ = unit_with_account(scoped, street, make_user)
    deputy, _ = make_user(street, "org")
    link_account(scoped, street, deputy, unit)
    me = make_item(scoped, street, street.admin_id, place, steps=["accept"])
    admin = signed_in(app, street.slug, street.admin_phone)
    admin.post(f"/{street.slug}/grid/items/{me}/assign", data={"handler": f"unit:{unit}"})
    assert _notes(scoped, street) == {(first, "grid.item_assigned"): 1,
                                      (deputy, "grid.item_assigned"): 1}  # fmt: skip
    other = make_item(scoped, street, street.admin_id, place, steps=["accept"])
    admin.post(f"/{street.slug}/grid/items/{other}/assign",
               data={"handler": f"staff:{street.admin_id}"})  # fmt: skip
    # the admin assigned it to themself, and reported it: no notice to themself
    admin.post(f"/{street.slug}/grid/items/{other}/done", data={"note": "好了"})
    assert sum(_notes(scoped, street).values()) == 2
