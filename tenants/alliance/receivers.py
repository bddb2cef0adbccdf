"""What the party alliance does when the events engine reports something (listed in the module's
declaration, connected when the app starts).

# --- area "home": the unit's own sign-ups ---------------------------------------------------------
- A sign-up requested: when the street lets only units with an agreement in force join alliance
  events, a unit without one is refused, and told why.
- A sign-up cancelled: the members it named are dropped, so they have nothing to earn.
- The unit's attendance confirmed: each member it named gets their own attendance at the event
  (the unit's confirmed hours, source ``unit``, "随单位参加：<unit>"), confirmed through the engine, so
  the passport counts their hours and pays their points by its own receiver — once.
- The unit's confirmed hours corrected by the admin: its members' hours credited through it
  follow, each by the engine's own correction, so the passport settles their points the same way.
"""

from __future__ import annotations

from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from saas.auth.models import Role, User
from saas.db import insert_ignoring_conflict, new_id, utcnow
from saas.errors import ServiceError
from saas.streets.models import Tenant
from saas.text import hours_text
from saas.ui import street_today
from tenants.alliance.agreement_rules import active_only, refusal_without_agreement
from tenants.alliance.models import UnitMember
from tenants.events.attendance import confirm_attendance, correct_confirmed_hours
from tenants.events.models import (
    Attendance,
    Audience,
    Event,
    HoursSource,
    Registration,
    RegistrationStatus,
)
from tenants.events.signals import (
    attendance_confirmed,
    confirmed_hours_corrected,
    registration_changed,
    registration_requested,
)
from tenants.orgs.models import OrgAccount, Organisation, OrgKind

# --- area "home" ----------------------------------------------------------------------------------


@registration_requested.connect
def refuse_units_without_agreement(
    event: Event, *, session: Session, user: User, **_kwargs
) -> None:
    if event.audience != Audience.alliance or user.role != Role.org:
        return
    tenant = session.get(Tenant, event.tenant_id)
    if not active_only(tenant):
        return
    organisation_id = session.scalar(
        select(Organisation.id)
        .join(OrgAccount, OrgAccount.organisation_id == Organisation.id)
        .where(OrgAccount.user_id == user.id, Organisation.kind == OrgKind.alliance)
    )
    if organisation_id is None:
        return
    reason = refusal_without_agreement(session, organisation_id, street_today())
    if reason:
        raise ServiceError(reason)


@registration_changed.connect
def drop_members_of_cancelled(registration: Registration, *, session: Session, **_kwargs) -> None:
    if registration.status == RegistrationStatus.cancelled:
        session.execute(delete(UnitMember).where(UnitMember.registration_id == registration.id))


#: the reason on a member's attendance credited through their unit
MEMBER_REASON = "随单位参加：%(unit)s"


@attendance_confirmed.connect
def credit_named_members(
    attendance: Attendance,
    *,
    session: Session,
    tenant: Tenant,
    event: Event,
    user: User,
    hours: Decimal,
    actor: User | None = None,
    **_kwargs,
) -> str | None:
    """Each member the unit named gets the unit's confirmed hours as their own attendance,
    confirmed (and so paid for by the passport) once. A member who already has an attendance at
    the event (checked in themselves, or credited before) keeps theirs, untouched."""
    if user.role != Role.org:
        return None
    members = session.execute(
        select(UnitMember.user_id, Organisation.name)
        .join(Registration, Registration.id == UnitMember.registration_id)
        .join(Organisation, Organisation.id == UnitMember.organisation_id)
        .where(
            Registration.event_id == event.id,
            Registration.user_id == user.id,
            Registration.status == RegistrationStatus.registered,
            Organisation.kind == OrgKind.alliance,
        )
        .order_by(UnitMember.user_id)
    ).all()
    credited = 0
    for member_id, unit_name in members:
        attendance_id = insert_ignoring_conflict(
            session,
            Attendance,
            {
                "tenant_id": event.tenant_id,
                "id": new_id(),
                "event_id": event.id,
                "user_id": member_id,
                "hours": hours,
                "source": HoursSource.unit,
                "reason": MEMBER_REASON % {"unit": unit_name},
                "auto_closed": False,
                "created_at": utcnow(),
            },
            ["tenant_id", "event_id", "user_id"],
        )
        if attendance_id is None:  # theirs already
            continue
        own = session.scalar(select(Attendance).where(Attendance.id == attendance_id))
        if confirm_attendance(session, actor, tenant, own):
            credited += 1
    if not credited:
        return None
    return str(
        _l("单位名单中 %(n)d 名志愿者各记 %(hours)s 小时", n=credited, hours=hours_text(hours))
    )


@confirmed_hours_corrected.connect
def correct_named_members(
    attendance: Attendance,
    *,
    session: Session,
    tenant: Tenant,
    event: Event,
    user: User,
    previous_hours: Decimal,
    hours: Decimal,
    reason: str,
    actor: User,
    **_kwargs,
) -> str | None:
    """The members credited with the unit's hours (随单位, still at the hours corrected) get the
    new hours too, through :func:`correct_confirmed_hours`; one whose points are spent refuses
    the whole correction, with the passport's message. A member's own attendance, or one
    corrected on its own since, is left as it is."""
    if user.role != Role.org:
        return None
    named = (
        select(UnitMember.user_id)
        .join(Registration, Registration.id == UnitMember.registration_id)
        .where(Registration.event_id == event.id, Registration.user_id == user.id)
    )
    credited = session.scalars(
        select(Attendance)
        .where(
            Attendance.event_id == event.id,
            Attendance.user_id.in_(named),
            Attendance.source == HoursSource.unit,
            Attendance.confirmed_at.is_not(None),
            Attendance.hours == previous_hours,
        )
        .order_by(Attendance.user_id)
    ).all()
    for own in credited:
        correct_confirmed_hours(session, actor, tenant, event, own, str(hours), reason)
    if not credited:
        return None
    return str(
        _l(
            "单位名单中 %(n)d 名志愿者的时长一并更正为 %(hours)s 小时",
            n=len(credited),
            hours=hours_text(hours),
        )
    )
