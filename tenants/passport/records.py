"""Service records out (志愿服务记录): confirmed hours in the fields the national volunteer-record
rules ask for, so a street can load them into 全国志愿服务信息系统.

民政部《志愿服务记录与证明出具办法（试行）》 asks a record to hold who served (name, ID document
type and number), who organised the service, what it was (the project), when, how many hours
(the hours actually served, not the journey) and who recorded it; the 证明 a volunteer asks for
is drawn from those records. One row here is one confirmed attendance:

姓名 · 证件类型 · 证件号码 (masked: the number is never stored) · 服务组织 (the street, or the
street and the event's community) · 项目名称 (the event) · 服务日期 · 服务时长（小时） · 记录方式
(how the hours were recorded: 扫码签到 — checked in and out by a scan, 人工确认 — hours staff
corrected or a check-out the closing job made, 补录 — entered afterwards by staff, 随单位参加 —
credited with the unit's confirmed attendance).

The ID number is typed by the volunteer on their passport page or by office staff on the
volunteer's, checked with ``stdnum.cn.ric`` and kept as :class:`ServiceIdentity` (keyed hash and
mask, :mod:`saas.idnumbers`); each entry is written to the audit log.

Exports: one volunteer (by themself, or office staff), a set of people (an alliance unit's,
from the alliance module: :func:`export`), and the street for a date range. Each is one
statement, whatever the number of rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from saas.audit.services import record
from saas.auth.models import Role, User
from saas.db import utcnow
from saas.errors import ServiceError
from saas.idnumbers import clean_id_number, id_number_hash, mask_id_number
from saas.streets.models import Tenant
from saas.ui import street_zone
from saas.xlsx import EXPORT_LIMIT, workbook_response
from tenants.events.models import Attendance, Event, HoursSource
from tenants.passport import ledger
from tenants.passport.records_models import ServiceIdentity
from tenants.structure.models import Community

#: the purpose the ID number's HMAC key is derived for (change it and every hash changes)
ID_KEY_PURPOSE = b"ljt/passport/service-identity/v1"

KIND_LABELS = {"ric": _l("居民身份证")}
METHOD_SCAN, METHOD_CONFIRMED, METHOD_ENTERED, METHOD_UNIT = (
    _l("扫码签到"),
    _l("人工确认"),
    _l("补录"),
    _l("随单位参加"),
)


def headers() -> list[str]:
    """The export's columns, in the order the national system's import template lists them."""
    return [
        _("姓名"),
        _("证件类型"),
        _("证件号码"),
        _("服务组织"),
        _("项目名称"),
        _("服务日期"),
        _("服务时长（小时）"),
        _("记录方式"),
    ]


def recording_method(source: str, auto_closed: bool, reason: str) -> str:
    """How the hours were recorded, in the words of the export (see the module docstring)."""
    if source == HoursSource.entered:
        return str(METHOD_ENTERED)
    if source == HoursSource.unit:
        return str(METHOD_UNIT)
    if auto_closed or reason:
        return str(METHOD_CONFIRMED)
    return str(METHOD_SCAN)


# --- the ID number ------------------------------------------------------------------------------


def identity_of(session: Session, user_id: int) -> ServiceIdentity | None:
    return session.scalar(select(ServiceIdentity).where(ServiceIdentity.user_id == user_id))


def set_id_number(session: Session, actor: User, person: User, raw: str | None) -> ServiceIdentity:
    """Keep ``person``'s ID number (as hash and mask), typed by ``actor`` (themself or office
    staff); the audit log names who entered whose (never the number).

    :raise ServiceError: on ``id_number``: empty, not a valid resident ID number, or the same
        number already kept for another account of this street
    """
    number = clean_id_number(raw)
    if number is None:
        raise ServiceError(_("请填写身份证号"), "id_number")
    digest = id_number_hash(ID_KEY_PURPOSE, person.tenant_id, number)
    taken = session.scalar(
        select(ServiceIdentity.user_id).where(
            ServiceIdentity.number_hash == digest, ServiceIdentity.user_id != person.id
        )
    )
    if taken is not None:
        raise ServiceError(_("该身份证号已登记在本街道的另一个账号上，请核对"), "id_number")
    identity = identity_of(session, person.id)
    if identity is None:
        identity = ServiceIdentity(user_id=person.id)
        session.add(identity)
    identity.kind = "ric"
    identity.number_hash = digest
    identity.number_masked = mask_id_number(number)
    identity.entered_by = actor.id
    identity.updated_at = utcnow()
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError as exc:  # the same number for two accounts at the same moment
        raise ServiceError(
            _("该身份证号已登记在本街道的另一个账号上，请核对"), "id_number"
        ) from exc
    record(session, "service_identity.set", actor.id, f"user:{person.id}", {"user_id": person.id})
    session.flush()
    return identity


# --- the records --------------------------------------------------------------------------------


@dataclass
class ServiceRow:
    name: str
    kind: str
    number: str
    organisation: str
    project: str
    day: date
    hours: Decimal
    method: str

    def cells(self) -> tuple:
        return (
            self.name,
            self.kind,
            self.number,
            self.organisation,
            self.project,
            self.day,
            self.hours,
            self.method,
        )


def _statement() -> Select:
    return (
        select(
            User.name,
            ServiceIdentity.kind,
            ServiceIdentity.number_masked,
            Community.name.label("community"),
            Event.title,
            Event.starts_at,
            Attendance.hours,
            Attendance.source,
            Attendance.auto_closed,
            Attendance.reason,
        )
        .select_from(Attendance)
        .join(Event, Event.id == Attendance.event_id)
        .join(User, User.id == Attendance.user_id)
        .outerjoin(ServiceIdentity, ServiceIdentity.user_id == Attendance.user_id)
        .outerjoin(Community, Community.id == Event.community_id)
        .where(
            Attendance.confirmed_at.is_not(None),
            Attendance.hours.is_not(None),
            User.role != Role.org,  # a unit's own attendance is not a person's service
        )
        .order_by(Event.starts_at, Event.id, User.name, User.id)
    )


def service_rows(
    session: Session,
    tenant: Tenant,
    *,
    people: ColumnElement[bool] | None = None,
    start: date | None = None,
    end: date | None = None,
    limit: int = EXPORT_LIMIT,
) -> tuple[list[ServiceRow], int]:
    """The confirmed service of the people ``people`` picks (a WHERE clause on ``User`` or
    ``Attendance``; everyone when None) at events that started within ``start``–``end`` (local
    days, both included; open ends when None), oldest first, at most ``limit``; and how many
    there are in all (one more statement only when the limit cut the list)."""
    stmt = _statement()
    if people is not None:
        stmt = stmt.where(people)
    if start is not None:
        stmt = stmt.where(Event.starts_at >= ledger.start_of_local_day(start))
    if end is not None:
        stmt = stmt.where(Event.starts_at <= ledger.end_of_local_day(end))
    found = session.execute(stmt.limit(limit + 1)).all()
    total = len(found)
    if total > limit:
        found = found[:limit]
        total = session.scalar(stmt.with_only_columns(func.count()).order_by(None))
    zone = street_zone()
    kind_labels = {key: str(label) for key, label in KIND_LABELS.items()}
    rows = [
        ServiceRow(
            name=r.name,
            kind=kind_labels.get(r.kind, "") if r.kind else "",
            number=r.number_masked or "",
            organisation=tenant.name + (r.community or ""),
            project=r.title,
            day=r.starts_at.astimezone(zone).date(),
            hours=Decimal(r.hours),
            method=recording_method(r.source, r.auto_closed, r.reason),
        )
        for r in found
    ]
    return rows, total


def export(
    session: Session,
    actor: User,
    tenant: Tenant,
    filename: str,
    detail: dict,
    *,
    people: ColumnElement[bool] | None = None,
    start: date | None = None,
    end: date | None = None,
):
    """The .xlsx download of :func:`service_rows` (Chinese headers; a cut file says so), written
    to the audit log with ``detail`` (whose records) once the file is made; the caller commits."""
    rows, total = service_rows(session, tenant, people=people, start=start, end=end)
    response = workbook_response(filename, headers(), (row.cells() for row in rows), total)
    record(session, "service_records.export", actor.id, "", detail)
    return response


def of_person(user_id: int) -> ColumnElement[bool]:
    return Attendance.user_id == user_id


def in_community(community_id: int | None) -> ColumnElement[bool] | None:
    """The people of one community (for staff limited to it); None: everyone."""
    return None if community_id is None else User.community_id == community_id
