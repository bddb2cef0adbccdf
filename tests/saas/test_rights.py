"""Personal-data rights and retention (saas.rights): a person's copy of their data, deletion asked
and decided, the erasure keeping the street's totals, retention settings, dry run, job and
command, and the audit log's append-only guard."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlalchemy import delete, func, select, text, update

from saas.audit.models import AuditEntry
from saas.audit.services import AuditLogIsAppendOnly
from saas.auth.models import User
from saas.rights.models import DeletionRequest
from saas.streets.models import Tenant
from tenants.events.models import Attendance, Registration
from tenants.passport.ledger import post_entry
from tenants.passport.models import EntryKind, Passport, PointEntry
from tenants.passport.services import passport_for
from tests.conftest import PASSWORD, both_backends, login, pg_only
from tests.tenants.factories import make_event, signed_in


def _volunteer_with_history(app, scoped, street, make_user, name="李志愿"):
    """A volunteer with a registration, a confirmed attendance of 3 hours and 30 points."""
    user_id, phone = make_user(street, "volunteer", name=name, email="li@example.com")
    # an event that has taken place: its sign-up and hours stay when the account is erased
    event_id = make_event(
        scoped, street, title="社区清洁", starts_at=datetime.now(UTC) - timedelta(days=3)
    )
    with scoped(street) as session:
        user = session.scalar(select(User).where(User.id == user_id))
        tenant = session.scalar(select(Tenant).where(Tenant.id == street.id))
        passport = passport_for(session, user, tenant)
        session.add(Registration(event_id=event_id, user_id=user_id))
        session.add(
            Attendance(
                event_id=event_id,
                user_id=user_id,
                hours=Decimal("3"),
                confirmed_at=datetime.now(UTC),
            )
        )
        post_entry(session, passport.id, 30, EntryKind.earn, f"attendance:{user_id}", "社区清洁")
        post_entry(session, passport.id, 5, EntryKind.adjust, f"adjust:{user_id}", f"奖励{name}")
        session.commit()
    return user_id, phone


def _totals(scoped, street) -> tuple:
    with scoped(street) as session:
        return (
            session.scalar(select(func.sum(Passport.balance))),
            session.scalar(select(func.sum(PointEntry.delta))),
            session.scalar(select(func.count(PointEntry.id))),
            session.scalar(select(func.sum(Attendance.hours))),
            session.scalar(select(func.count(Registration.id))),
        )


# --- a person's copy ------------------------------------------------------------------------------


def test_a_volunteer_downloads_their_own_data_as_xlsx_and_json(app, make_street, make_user, scoped):
    street = make_street("alpha")
    _user_id, phone = _volunteer_with_history(app, scoped, street, make_user)
    _volunteer_with_history(app, scoped, street, make_user, name="别人家")
    client = signed_in(app, "alpha", phone)

    page = client.get("/alpha/account/data")
    assert page.status_code == 200
    assert "下载 Excel" in page.text and "申请注销账号" in page.text

    xlsx = client.get("/alpha/account/data.xlsx")
    assert xlsx.status_code == 200
    assert xlsx.headers["Cache-Control"] == "private, no-store"
    book = load_workbook(io.BytesIO(xlsx.data), read_only=True)
    assert {"账号信息", "积分流水", "签到与服务时长", "活动报名", "志愿护照"} <= set(
        book.sheetnames
    )
    account = list(book["账号信息"].values)
    assert account[1][0] == "李志愿" and account[1][1] == phone
    ledger = [row for row in book["积分流水"].values][1:]
    assert sorted(row[1] for row in ledger) == [5, 30]
    everything = " ".join(str(v) for s in book.worksheets for r in s.values for v in r)
    assert "别人家" not in everything

    data = client.get("/alpha/account/data.json")
    assert data.status_code == 200 and data.mimetype == "application/json"
    parsed = json.loads(data.data)
    assert parsed["account"]["rows"][0]["姓名"] == "李志愿"
    assert parsed["attendance"]["rows"][0]["时长（小时）"] == "3.00"


def test_the_download_needs_a_sign_in(client, make_street):
    make_street("alpha")
    response = client.get("/alpha/account/data.xlsx")
    assert response.status_code == 302 and "/alpha/login" in response.headers["Location"]


# --- deletion -------------------------------------------------------------------------------------


@both_backends
def test_deletion_asked_confirmed_erases_the_person_and_keeps_the_totals(
    app, make_street, make_user, scoped
):
    street = make_street("alpha")
    user_id, phone = _volunteer_with_history(app, scoped, street, make_user)
    before = _totals(scoped, street)
    volunteer = signed_in(app, "alpha", phone)

    wrong = volunteer.post("/alpha/account/delete", data={"understood": "y", "password": "nope"})
    assert wrong.status_code == 422 and "密码不正确" in wrong.text
    unticked = volunteer.post("/alpha/account/delete", data={"password": PASSWORD})
    assert unticked.status_code == 422 and "请勾选确认" in unticked.text
    asked = volunteer.post("/alpha/account/delete", data={"understood": "y", "password": PASSWORD})
    assert asked.status_code == 302
    assert "正在等待街道管理员处理" in volunteer.get("/alpha/account/data").text

    admin = signed_in(app, "alpha", street.admin_phone)
    assert "1 个注销申请待处理" in admin.get("/alpha/dashboard").text
    listing = admin.get("/alpha/deletion-requests")
    assert "李志愿" in listing.text
    with scoped(street) as session:
        request_id = session.scalar(select(DeletionRequest.id))
    assert admin.post(f"/alpha/deletion-requests/{request_id}/confirm").status_code == 302

    with scoped(street) as session:
        user = session.scalar(select(User).where(User.id == user_id))
        assert user.name == "已注销用户"
        assert user.phone != phone and not user.phone.startswith("1")
        assert user.email is None and not user.is_enabled and user.erased_at is not None
        adjust = session.scalar(select(PointEntry).where(PointEntry.kind == EntryKind.adjust))
        assert "李志愿" not in adjust.reason
        actions = set(session.scalars(select(AuditEntry.action)))
        assert {"deletion.request", "deletion.confirm"} <= actions
        assert session.scalar(select(DeletionRequest.status)) == "confirmed"
    # ledger, hours and sign-ups stay: the street's totals are unchanged
    assert _totals(scoped, street) == before
    # the session ended, the old password is worthless, and the phone may register again
    assert volunteer.get("/alpha/account/data").status_code == 302
    assert login(app.test_client(), "alpha", phone).status_code != 302
    make_user(street, "volunteer", phone=phone, name="重新注册")


def test_a_refusal_needs_a_reason_and_tells_the_person(app, make_street, make_user, scoped):
    street = make_street("alpha")
    _user_id, phone = make_user(street, "volunteer", name="王居民")
    volunteer = signed_in(app, "alpha", phone)
    volunteer.post("/alpha/account/delete", data={"understood": "y", "password": PASSWORD})
    again = volunteer.post("/alpha/account/delete", data={"understood": "y", "password": PASSWORD})
    assert again.status_code == 200  # the pending request is shown, no second one
    with scoped(street) as session:
        assert session.scalar(select(func.count(DeletionRequest.id))) == 1
        request_id = session.scalar(select(DeletionRequest.id))

    admin = signed_in(app, "alpha", street.admin_phone)
    empty = admin.post(f"/alpha/deletion-requests/{request_id}/refuse", data={"reason": " "})
    assert empty.status_code == 422 and "请填写拒绝原因" in empty.text
    refused = admin.post(
        f"/alpha/deletion-requests/{request_id}/refuse", data={"reason": "还有奖品未领取"}
    )
    assert refused.status_code == 302
    assert "还有奖品未领取" in volunteer.get("/alpha/account/data").text
    assert "注销申请未通过" in volunteer.get("/alpha/inbox").text
    # decided once
    assert admin.post(f"/alpha/deletion-requests/{request_id}/confirm").status_code == 302
    with scoped(street) as session:
        assert session.scalar(select(DeletionRequest.status)) == "refused"
        assert session.scalar(select(User.name).where(User.phone == phone)) == "王居民"


def test_a_volunteer_may_withdraw_and_staff_may_not_ask(app, make_street, make_user, scoped):
    street = make_street("alpha")
    _uid, phone = make_user(street, "volunteer")
    volunteer = signed_in(app, "alpha", phone)
    volunteer.post("/alpha/account/delete", data={"understood": "y", "password": PASSWORD})
    assert volunteer.post("/alpha/account/delete/withdraw").status_code == 302
    with scoped(street) as session:
        assert session.scalar(select(DeletionRequest.status)) == "withdrawn"
    _sid, staff_phone = make_user(street, "staff")
    staff = signed_in(app, "alpha", staff_phone)
    assert staff.get("/alpha/account/delete").status_code == 302
    assert staff.get("/alpha/deletion-requests").status_code == 403


# --- retention ------------------------------------------------------------------------------------


def _age(scoped, street, user_id, days):
    with scoped(street) as session:
        session.execute(
            update(User)
            .where(User.id == user_id)
            .values(
                created_at=datetime.now(UTC) - timedelta(days=days),
                last_login_at=datetime.now(UTC) - timedelta(days=days),
            )
        )
        session.commit()


def _audit(scoped, street, days_ago, target):
    with scoped(street) as session:
        session.add(
            AuditEntry(
                action="settings.change",
                target=target,
                created_at=datetime.now(UTC) - timedelta(days=days_ago),
            )
        )
        session.commit()


@both_backends
def test_retention_settings_dry_run_then_the_job(app, make_street, make_user, scoped):
    from saas.jobs import run_job

    street, other = make_street("alpha"), make_street("bravo")
    idle_id, _p = _volunteer_with_history(app, scoped, street, make_user, name="久未登录")
    active_id, _q = make_user(street, "volunteer", name="常来")
    other_idle, _r = make_user(other, "volunteer", name="别街道")
    _age(scoped, street, idle_id, 500)
    _age(scoped, other, other_idle, 500)
    _audit(scoped, street, 300, "old")
    _audit(scoped, street, 100, "recent")
    _audit(scoped, other, 300, "other-old")
    before = _totals(scoped, street)

    admin = signed_in(app, "alpha", street.admin_phone)
    page = admin.get("/alpha/settings/retention")
    assert page.status_code == 200 and 'value="365"' in page.text
    short = admin.post("/alpha/settings/retention", data={"audit_days": "30", "inactive_days": ""})
    assert short.status_code == 422 and "180" in short.text and 'value="30"' in short.text
    saved = admin.post(
        "/alpha/settings/retention", data={"audit_days": "200", "inactive_days": "400"}
    )
    assert saved.status_code == 302
    dry = admin.get("/alpha/settings/retention")
    assert "久未登录" in dry.text and "常来" not in dry.text
    with scoped(street) as session:
        assert session.scalar(select(User.name).where(User.id == idle_id)) == "久未登录"

    result = app.test_cli_runner().invoke(args=["retention", "--dry-run", "--street", "alpha"])
    assert result.exit_code == 0, result.output
    assert "1 audit entries would be deleted" in result.output
    assert "1 idle account(s) would be anonymised" in result.output

    with app.app_context():
        run_job("saas.rights.jobs:run_retention", None)
    with scoped(street) as session:
        assert session.scalar(select(User.name).where(User.id == idle_id)) == "已注销用户"
        assert session.scalar(select(User.name).where(User.id == active_id)) == "常来"
        targets = set(session.scalars(select(AuditEntry.target)))
        assert "recent" in targets and "old" not in targets
        assert "retention.erase" in set(session.scalars(select(AuditEntry.action)))
    with scoped(other) as session:  # bravo keeps the defaults: 365 days, idle accounts kept
        assert session.scalar(select(User.name).where(User.id == other_idle)) == "别街道"
        assert "other-old" in set(session.scalars(select(AuditEntry.target)))
    assert _totals(scoped, street) == before


# --- the audit log is append-only -----------------------------------------------------------------


@both_backends
def test_the_audit_log_refuses_changes_but_the_purge(app, make_street, scoped):
    street = make_street("alpha")
    _audit(scoped, street, 400, "ancient")
    with scoped(street) as session:
        with pytest.raises(AuditLogIsAppendOnly):
            session.execute(update(AuditEntry).values(target="forged"))
        session.rollback()
        with pytest.raises(AuditLogIsAppendOnly):
            session.execute(delete(AuditEntry))
        session.rollback()
        entry = session.scalar(select(AuditEntry).where(AuditEntry.target == "ancient"))
        entry.target = "forged"
        with pytest.raises(AuditLogIsAppendOnly):
            session.flush()
        session.rollback()
        entry = session.scalar(select(AuditEntry).where(AuditEntry.target == "ancient"))
        session.delete(entry)
        with pytest.raises(AuditLogIsAppendOnly):
            session.flush()
        session.rollback()
    result = app.test_cli_runner().invoke(args=["audit", "purge"])
    assert result.exit_code == 0 and "deleted 1 audit entries" in result.output


@pg_only
def test_postgres_refuses_raw_changes_of_the_audit_log(app, make_street, scoped):
    from sqlalchemy.exc import DBAPIError

    street = make_street("alpha")
    _audit(scoped, street, 400, "ancient")
    with scoped(street) as session:
        for statement in ("UPDATE audit_entries SET target = 'x'", "DELETE FROM audit_entries"):
            with pytest.raises(DBAPIError, match="append-only"):
                session.execute(text(statement))
            session.rollback()


# --- statements per page --------------------------------------------------------------------------


@both_backends
def test_the_pages_run_a_constant_number_of_statements(app, make_street, make_user, scoped):
    from tests.tenants.factories import assert_statements_do_not_grow

    street = make_street("alpha")
    user_id, phone = make_user(street, "volunteer", name="数数")
    event_ids = []

    def grow_history(n):
        """n more events signed up for and attended, n more ledger lines, n more requests."""
        for _ in range(n):
            event_ids.append(make_event(scoped, street))
        askers = [
            make_user(street, "volunteer", name=f"申请{i}-{len(event_ids)}")[0] for i in range(n)
        ]
        with scoped(street) as session:
            user = session.scalar(select(User).where(User.id == user_id))
            tenant = session.scalar(select(Tenant).where(Tenant.id == street.id))
            passport = passport_for(session, user, tenant)
            for event_id in event_ids[-n:]:
                session.add(Registration(event_id=event_id, user_id=user_id))
                session.add(Attendance(event_id=event_id, user_id=user_id, hours=Decimal("1")))
                post_entry(session, passport.id, 1, EntryKind.earn, f"e:{event_id}", "x")
            session.add_all(DeletionRequest(user_id=asker) for asker in askers)
            session.commit()

    volunteer = signed_in(app, "alpha", phone)
    admin = signed_in(app, "alpha", street.admin_phone)
    grow = grow_history
    assert_statements_do_not_grow(app, volunteer, "/alpha/account/data", grow, more=10, most=30)
    assert_statements_do_not_grow(app, admin, "/alpha/deletion-requests", grow, 10, 12)
    assert_statements_do_not_grow(app, admin, "/alpha/settings/retention", grow, 10, 12)


def test_the_id_document_is_in_the_copy_and_gone_after_the_erasure(
    app, make_street, make_user, scoped
):
    from tenants.passport.records_models import ServiceIdentity
    from tests.tenants.test_service_records import id_number

    street = make_street("alpha")
    user_id, phone = _volunteer_with_history(app, scoped, street, make_user)
    volunteer = signed_in(app, "alpha", phone)
    number = id_number(1)
    assert volunteer.post("/alpha/me/id-number", data={"id_number": number}).status_code == 302
    masked = number[:4] + "*" * 10 + number[-4:]

    copy = volunteer.get("/alpha/account/data.xlsx")
    assert copy.status_code == 200, copy.text[:3000]
    book = load_workbook(io.BytesIO(copy.data))
    assert [row[1] for row in book["证件信息"].values][1:] == [masked]

    volunteer.post("/alpha/account/delete", data={"understood": "y", "password": PASSWORD})
    admin = signed_in(app, "alpha", street.admin_phone)
    with scoped(street) as session:
        request_id = session.scalar(select(DeletionRequest.id))
    assert admin.post(f"/alpha/deletion-requests/{request_id}/confirm").status_code == 302
    with scoped(street) as session:
        assert session.scalar(select(func.count()).select_from(ServiceIdentity)) == 0


# --- erasing gives back what the person held: a seat at an upcoming event, an uncollected reward --


def _erase(app, scoped, street, phone) -> None:
    """The person asks, the street's admin confirms."""
    volunteer = signed_in(app, street.slug, phone)
    asked = volunteer.post(
        f"/{street.slug}/account/delete", data={"understood": "y", "password": PASSWORD}
    )
    assert asked.status_code == 302
    admin = signed_in(app, street.slug, street.admin_phone)
    with scoped(street) as session:
        request_id = session.scalar(select(DeletionRequest.id))
    confirmed = admin.post(f"/{street.slug}/deletion-requests/{request_id}/confirm")
    assert confirmed.status_code == 302


@both_backends
def test_erasing_frees_the_seat_at_an_upcoming_event_for_the_first_waitlisted(
    app, make_street, make_user, scoped
):
    from saas.notify.models import Notification
    from tenants.events.models import Event
    from tenants.events.registration import register

    street = make_street("alpha")
    user_id, phone = _volunteer_with_history(app, scoped, street, make_user)
    full = make_event(scoped, street, title="敬老院探访", capacity=1)
    other = make_event(scoped, street, title="河道巡查", capacity=1)
    first, second, seated = (make_user(street, "volunteer")[0] for _ in range(3))
    with scoped(street) as session:
        for event_id, people in ((full, (user_id, first, second)), (other, (seated, user_id))):
            event = session.scalar(select(Event).where(Event.id == event_id))
            for person in people:
                register(session, session.scalar(select(User).where(User.id == person)), event)
        session.commit()
    before = _totals(scoped, street)
    erased_at = datetime.now(UTC)

    _erase(app, scoped, street, phone)

    with scoped(street) as session:
        status = {(r.event_id, r.user_id): r.status for r in session.scalars(select(Registration))}
        assert status[(full, user_id)] == "cancelled" and status[(other, user_id)] == "cancelled"
        assert status[(full, first)] == "registered"  # the first in line got the seat
        assert status[(full, second)] == "waitlisted"
        assert status[(other, seated)] == "registered"
        seats = dict(session.execute(select(Event.id, Event.seats_taken)).all())
        assert seats[full] == 1 and seats[other] == 1
        promoted = session.scalars(
            select(Notification.user_id).where(Notification.kind == "event.promoted")
        ).all()
        assert promoted == [first]
        told = session.scalar(
            select(func.count())
            .select_from(Notification)
            .where(Notification.user_id == user_id, Notification.created_at >= erased_at)
        )
        assert told == 0  # the erased person is not told
        # the past event's sign-up and hours stay
        past = [
            s for (e, person), s in status.items() if person == user_id and e not in (full, other)
        ]
        assert past == ["registered"]
        assert session.scalar(select(Attendance.hours).where(Attendance.user_id == user_id)) == 3
    # rows stay (cancelled), so the street's totals are unchanged
    assert _totals(scoped, street) == before


@both_backends
def test_erasing_cancels_an_uncollected_reward_and_gives_back_stock_and_points(
    app, make_street, make_user, scoped
):
    from tenants.passport.models import Redemption, RedemptionStatus, Reward
    from tenants.passport.rewards import redeem

    street = make_street("alpha")
    user_id, phone = _volunteer_with_history(app, scoped, street, make_user)  # 35 points
    with scoped(street) as session:
        bag, cup = Reward(name="环保袋", price=20, stock=3), Reward(name="水杯", price=10, stock=3)
        session.add_all([bag, cup])
        session.flush()
        user = session.scalar(select(User).where(User.id == user_id))
        passport_id = session.scalar(select(Passport.id).where(Passport.user_id == user_id))
        issued = redeem(session, user, passport_id, bag)
        collected = redeem(session, user, passport_id, cup)
        collected.status = RedemptionStatus.verified
        session.commit()
        bag_id, cup_id, issued_id, collected_id = bag.id, cup.id, issued.id, collected.id
        assert session.scalar(select(Passport.balance).where(Passport.id == passport_id)) == 5

    _erase(app, scoped, street, phone)

    with scoped(street) as session:
        state = dict(session.execute(select(Redemption.id, Redemption.status)).all())
        assert state == {issued_id: "cancelled", collected_id: "verified"}
        stock = dict(session.execute(select(Reward.id, Reward.stock)).all())
        assert stock == {bag_id: 3, cup_id: 2}
        # the points came back through the ledger: the balance is still the ledger's sum
        balance = session.scalar(select(Passport.balance).where(Passport.id == passport_id))
        ledger = session.scalar(
            select(func.sum(PointEntry.delta)).where(PointEntry.passport_id == passport_id)
        )
        assert balance == ledger == 25
        refund = session.scalar(
            select(PointEntry).where(PointEntry.source_key == f"refund:{issued_id}")
        )
        assert refund.kind == EntryKind.refund and refund.delta == 20
