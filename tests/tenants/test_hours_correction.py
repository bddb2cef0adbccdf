"""The admin corrects hours already confirmed: the ledger reverses and re-awards (no entry is
edited), the passport's hours follow, the audit log says who, and spent points are not clawed
back below zero."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import func, select

from saas.audit.models import AuditEntry
from tenants.events.models import Attendance
from tenants.passport.ledger import ledger_sum, post_entry
from tenants.passport.models import EntryKind, Passport, PointEntry
from tests.conftest import both_backends, login
from tests.tenants.test_events import past_event_with_attendance


def confirmed(client, scoped, street, make_user, hours="2"):
    event_id, user_id, attendance_id = past_event_with_attendance(
        scoped, street, make_user, hours=hours
    )
    client.post(f"/alpha/events/{event_id}/attendance/{attendance_id}/confirm")
    url = f"/alpha/events/{event_id}/attendance/{attendance_id}/confirmed-hours"
    return event_id, user_id, url


def passport_state(scoped, street, user_id):
    with scoped(street) as session:
        passport = session.scalar(select(Passport).where(Passport.user_id == user_id))
        assert passport.balance == ledger_sum(session, passport.id)
        return passport.balance, passport.hours_total, passport.hours_year


@both_backends
def test_admin_corrects_confirmed_hours_twice(client, street, make_user, scoped):
    login(client, "alpha", street.admin_phone)
    event_id, user_id, url = confirmed(client, scoped, street, make_user)
    assert passport_state(scoped, street, user_id) == (20, 2, 2)
    page = client.get(f"/alpha/events/{event_id}").get_data(as_text=True)
    assert "更正时长" in page and "2 小时" not in page  # the row shows "2", not "2.00"

    response = client.post(
        url, data={"hours": "3", "reason": "漏记布置时间"}, headers={"HX-Request": "true"}
    )
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "已更正服务时长，补发 10 积分" in body
    assert passport_state(scoped, street, user_id) == (30, 3, 3)

    client.post(url, data={"hours": "1.5", "reason": "提前离场"})
    assert passport_state(scoped, street, user_id) == (15, Decimal("1.5"), Decimal("1.5"))
    with scoped(street) as session:
        # 1 award + (award, reversal) per correction; the first entry is untouched
        entries = session.execute(
            select(PointEntry.delta, PointEntry.kind).order_by(PointEntry.id)
        ).all()
        assert entries == [
            (20, EntryKind.earn),
            (30, EntryKind.earn),
            (-20, EntryKind.adjust),
            (15, EntryKind.earn),
            (-30, EntryKind.adjust),
        ]
        audits = session.scalars(
            select(AuditEntry)
            .where(AuditEntry.action == "attendance.correct_confirmed")
            .order_by(AuditEntry.id)
        ).all()
        assert [(a.actor_id, a.detail["from"], a.detail["to"]) for a in audits] == [
            (street.admin_id, "2.00", "3"),
            (street.admin_id, "3.00", "1.5"),
        ]
        assert session.scalar(select(Attendance.hours)) == Decimal("1.5")


@both_backends
def test_a_correction_that_would_take_spent_points_back_is_refused(
    client, street, make_user, scoped
):
    login(client, "alpha", street.admin_phone)
    _event, user_id, url = confirmed(client, scoped, street, make_user)
    with scoped(street) as session:
        passport_id = session.scalar(select(Passport.id).where(Passport.user_id == user_id))
        post_entry(session, passport_id, -15, EntryKind.redeem, "redeem:test")
        session.commit()
    response = client.post(
        url, data={"hours": "1", "reason": "记错了"}, headers={"HX-Request": "true"}
    )
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "积分已用掉，不够扣回 10 积分，不能更正为 1 小时" in body
    assert 'value="记错了"' in body  # what the admin typed is kept
    assert passport_state(scoped, street, user_id) == (5, 2, 2)
    with scoped(street) as session:
        assert session.scalar(select(Attendance.hours)) == 2
        assert session.scalar(select(func.count()).select_from(PointEntry)) == 2
        assert (
            session.scalar(
                select(func.count())
                .select_from(AuditEntry)
                .where(AuditEntry.action == "attendance.correct_confirmed")
            )
            == 0
        )
    # upwards still works: the new award comes before the reversal
    client.post(url, data={"hours": "3", "reason": "漏记"})
    assert passport_state(scoped, street, user_id) == (15, 3, 3)


def test_only_the_admin_corrects_confirmed_hours(client, street, make_user, scoped):
    login(client, "alpha", street.admin_phone)
    event_id, user_id, url = confirmed(client, scoped, street, make_user)
    client.post("/alpha/logout")
    staff_phone = "13900000077"
    make_user(street, role="staff", phone=staff_phone)
    login(client, "alpha", staff_phone)
    assert "更正时长" not in client.get(f"/alpha/events/{event_id}").get_data(as_text=True)
    assert client.post(url, data={"hours": "3", "reason": "x"}).status_code == 403
    assert passport_state(scoped, street, user_id) == (20, 2, 2)


def test_unconfirmed_or_unchanged_hours_are_not_corrected_here(client, street, make_user, scoped):
    login(client, "alpha", street.admin_phone)
    event_id, _user, attendance_id = past_event_with_attendance(scoped, street, make_user)
    url = f"/alpha/events/{event_id}/attendance/{attendance_id}/confirmed-hours"
    hx = {"HX-Request": "true"}
    response = client.post(url, data={"hours": "3", "reason": "x"}, headers=hx)
    assert response.status_code == 422 and "时长尚未确认" in response.get_data(as_text=True)
    client.post(f"/alpha/events/{event_id}/attendance/{attendance_id}/confirm")
    response = client.post(url, data={"hours": "2", "reason": "x"}, headers=hx)
    assert response.status_code == 422 and "新时长与原时长相同" in response.get_data(as_text=True)
    response = client.post(url, data={"hours": "3", "reason": ""}, headers=hx)
    assert response.status_code == 422 and "请填写原因" in response.get_data(as_text=True)
