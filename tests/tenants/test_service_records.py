"""Service records out (志愿服务记录): the ID number entered by the volunteer or office staff and
kept as hash and mask, and the exports in the national volunteer-record fields."""

from __future__ import annotations

import io
from datetime import timedelta
from decimal import Decimal

from openpyxl import load_workbook
from sqlalchemy import select
from stdnum.cn import ric

from saas.audit.models import AuditEntry
from saas.db import utcnow
from tenants.events.models import Attendance, Event, EventStatus, HoursSource
from tenants.passport.records_models import ServiceIdentity
from tests.conftest import both_backends
from tests.tenants.factories import add_community, signed_in


def id_number(n: int = 1) -> str:
    body = f"110105198001{n:02d}0{n % 10}1"
    body = body[:17]
    return body + ric.calc_check_digit(body + "0")


def _serve(scoped, street, user_id, title, days_ago, hours="2.50", community_id=None, **kw):
    start = utcnow() - timedelta(days=days_ago)
    with scoped(street) as session:
        event = Event(
            title=title,
            starts_at=start,
            ends_at=start + timedelta(hours=3),
            status=EventStatus.finished,
            community_id=community_id,
        )
        session.add(event)
        session.flush()
        session.add(
            Attendance(
                event_id=event.id,
                user_id=user_id,
                checked_in_at=start,
                checked_out_at=start + timedelta(hours=3),
                hours=Decimal(hours),
                confirmed_at=utcnow(),
                **kw,
            )
        )
        session.commit()
        return event.id


def _sheet(response) -> list[tuple]:
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.headers["Cache-Control"] == "private, no-store"
    book = load_workbook(io.BytesIO(response.data), read_only=True)
    return [tuple(row) for row in book.active.iter_rows(values_only=True)]


HEADERS = (
    "姓名",
    "证件类型",
    "证件号码",
    "服务组织",
    "项目名称",
    "服务日期",
    "服务时长（小时）",
    "记录方式",
)


@both_backends
def test_a_volunteer_enters_their_id_number_and_downloads_their_records(
    app, make_street, make_user, scoped
):
    street = make_street("alpha", name="甲街道")
    community = add_community(scoped, street, "幸福社区")
    volunteer, phone = make_user(street, "volunteer", name="志愿者甲")
    _serve(scoped, street, volunteer, "社区清洁", 3, community_id=community)
    _serve(scoped, street, volunteer, "敬老探访", 2, hours="1.00", source=HoursSource.entered,
           reason="忘记签到")  # fmt: skip
    _serve(scoped, street, volunteer, "义诊", 1, hours="2.00", auto_closed=True)
    client = signed_in(app, "alpha", phone)

    assert "登记证件号码" in client.get("/alpha/me").get_data(as_text=True)
    bad = client.post("/alpha/me/id-number", data={"id_number": "110105198001010012"})
    assert bad.status_code == 422
    page = bad.get_data(as_text=True)
    assert "身份证号校验位不正确" in page and 'value="110105198001010012"' in page
    number = id_number(1)
    typed = " ".join([number[:6], number[6:14], number[14:].lower()]).replace("1", "１", 1)
    done = client.post("/alpha/me/id-number", data={"id_number": typed})
    assert done.status_code == 302
    masked = number[:4] + "*" * 10 + number[-4:]
    with scoped(street) as session:
        identity = session.scalar(select(ServiceIdentity))
        assert identity.user_id == volunteer and identity.number_masked == masked
        assert number not in identity.number_hash and len(identity.number_hash) == 64
        entry = session.scalar(
            select(AuditEntry).where(AuditEntry.action == "service_identity.set")
        )
        assert entry.actor_id == volunteer and number not in str(entry.detail)
    assert masked in client.get("/alpha/me/id-number").get_data(as_text=True)

    rows = _sheet(client.get("/alpha/me/service-records.xlsx"))
    assert rows[0] == HEADERS
    assert [r[4] for r in rows[1:]] == ["社区清洁", "敬老探访", "义诊"]
    first = rows[1]
    assert first[:4] == ("志愿者甲", "居民身份证", masked, "甲街道幸福社区")
    assert first[6] == 2.5 and first[7] == "扫码签到"
    assert rows[2][3] == "甲街道" and rows[2][7] == "补录"
    assert rows[3][7] == "人工确认"
    assert number not in str(rows)


@both_backends
def test_office_staff_enter_a_volunteers_id_number_and_export_for_a_period(
    app, make_street, make_user, scoped
):
    street = make_street("alpha", name="甲街道")
    other = make_street("bravo")
    a, _ = make_user(street, "volunteer", name="志愿者甲")
    b, _ = make_user(street, "volunteer", name="志愿者乙")
    stranger, _ = make_user(other, "volunteer", name="别的街道")
    _serve(scoped, street, a, "早的活动", 40)
    _serve(scoped, street, a, "社区清洁", 3)
    _serve(scoped, street, b, "敬老探访", 2)
    admin = signed_in(app, "alpha", street.admin_phone)

    page = admin.get(f"/alpha/people/{a}/certificate").get_data(as_text=True)
    assert (
        f"/alpha/people/{a}/id-number" in page and f"/alpha/people/{a}/service-records.xlsx" in page
    )
    assert (
        admin.post(f"/alpha/people/{a}/id-number", data={"id_number": id_number(2)}).status_code
        == 302
    )
    # the same number for another account of the street is refused
    refused = admin.post(f"/alpha/people/{b}/id-number", data={"id_number": id_number(2)})
    assert refused.status_code == 422
    assert "该身份证号已登记在本街道的另一个账号上" in refused.get_data(as_text=True)
    assert admin.get(f"/alpha/people/{stranger}/id-number").status_code == 404

    rows = _sheet(admin.get(f"/alpha/people/{a}/service-records.xlsx"))
    assert [r[4] for r in rows[1:]] == ["早的活动", "社区清洁"]

    today = utcnow().date()
    period = f"from={(today - timedelta(days=10)).isoformat()}&to={today.isoformat()}"
    assert admin.get("/alpha/service-records").status_code == 200
    rows = _sheet(admin.get(f"/alpha/service-records/export.xlsx?{period}"))
    assert rows[0] == HEADERS
    assert [(r[0], bool(r[2]), r[4]) for r in rows[1:]] == [
        ("志愿者甲", True, "社区清洁"),
        ("志愿者乙", False, "敬老探访"),
    ]
    for odd in ("from=2026-02-30", "from=x&to=y", "from=2026-05-01&to=2026-04-01"):
        response = admin.get(f"/alpha/service-records/export.xlsx?{odd}")
        assert response.status_code == 422, odd
    with scoped(street) as session:
        exports = session.scalars(
            select(AuditEntry.detail).where(AuditEntry.action == "service_records.export")
        ).all()
        assert len(exports) == 2


def test_only_volunteers_have_their_own_records_page(app, make_street):
    street = make_street("alpha")
    admin = signed_in(app, "alpha", street.admin_phone)
    assert admin.get("/alpha/me/id-number").status_code == 404
    assert admin.get("/alpha/me/service-records.xlsx").status_code == 404


def test_a_unit_exports_its_peoples_records(app, make_street, make_user, scoped):
    from tenants.alliance.models import MemberReport, UnitMember
    from tenants.events.models import Registration
    from tenants.orgs.models import Organisation

    street = make_street("alpha", name="甲街道")
    community = add_community(scoped, street, "幸福社区")
    org_account, _ = make_user(street, "org", name="单位账号")
    named, _ = make_user(street, "volunteer", name="随单位的人")
    member, _ = make_user(street, "volunteer", name="报到党员")
    outsider, _ = make_user(street, "volunteer", name="无关的人")
    with_unit = _serve(scoped, street, named, "共建日", 5, source=HoursSource.unit)
    _serve(scoped, street, named, "自己去的活动", 4)
    _serve(scoped, street, member, "党员服务", 3)
    _serve(scoped, street, outsider, "无关活动", 2)
    with scoped(street) as session:
        unit = Organisation(kind="alliance", name="共建单位甲", community_id=community)
        session.add(unit)
        session.flush()
        registration = Registration(event_id=with_unit, user_id=org_account, headcount=2)
        session.add(registration)
        session.flush()
        session.add_all([
            UnitMember(registration_id=registration.id, organisation_id=unit.id, user_id=named),
            MemberReport(user_id=member, community_id=community, organisation_id=unit.id,
                         status="confirmed"),
        ])  # fmt: skip
        session.commit()
        unit_id = unit.id
    admin = signed_in(app, "alpha", street.admin_phone)
    assert "service-records.xlsx" in admin.get(f"/alpha/alliance/units/{unit_id}").get_data(
        as_text=True
    )
    rows = _sheet(admin.get(f"/alpha/alliance/units/{unit_id}/service-records.xlsx"))
    assert [(r[0], r[4], r[7]) for r in rows[1:]] == [
        ("随单位的人", "共建日", "随单位参加"),
        ("报到党员", "党员服务", "扫码签到"),
    ]
