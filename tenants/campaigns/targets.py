"""A campaign's targets (area "campaigns"): their progress (the actuals from
:mod:`tenants.campaigns.kpis` or the entries staff type), adding, changing and removing them,
the dated entries of entered targets, and the "target reached" check.

Every function takes the session (and the acting user where someone acts), changes rows and
flushes; the request or job commits once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from saas.audit.services import record
from saas.auth.models import User
from saas.cache import forget_street
from saas.db import guarded_update, utcnow
from saas.errors import NotFound, ServiceError
from saas.forms import parse_id
from saas.ui import street_today
from tenants.campaigns import kpis
from tenants.campaigns.campaigns import (
    PANEL_KEY,
    clean_text,
    parse_amount,
    require_office,
    require_open,
)
from tenants.campaigns.models import Campaign, CampaignStatus, Target, TargetEntry, TargetSource

TARGET_NAME_MAX = 40
UNIT_MAX = 10
NOTE_MAX = 200
ENTRY_PAGE = 20

SOURCE_LABELS = {
    TargetSource.computed: _l("自动统计"),
    TargetSource.entered: _l("手工填报"),
}


# --- progress ------------------------------------------------------------------------------------


@dataclass
class Progress:
    target: Target
    actual: Decimal

    @property
    def percent(self) -> int:
        """Per cent of the target reached, 0–100 for the bar (the figure itself may pass 100)."""
        if not self.target.target_value:
            return 0
        return int(min(Decimal(100), self.actual * 100 / self.target.target_value))

    @property
    def reached(self) -> bool:
        return self.actual >= self.target.target_value


def targets_with_actuals(session: Session, campaign_ids: list[int]) -> dict[int, list[Progress]]:
    """Each campaign's targets with their actuals: two statements for any number of campaigns."""
    if not campaign_ids:
        return {}
    targets = list(
        session.scalars(
            select(Target)
            .where(Target.campaign_id.in_(campaign_ids))
            .order_by(Target.position, Target.created_at, Target.id)
        )
    )
    found = kpis.actuals(session, targets) if targets else {}
    result: dict[int, list[Progress]] = {}
    for target in targets:
        result.setdefault(target.campaign_id, []).append(
            Progress(target, found.get(target.id, Decimal(0)))
        )
    return result


def progress_of(session: Session, campaign: Campaign) -> list[Progress]:
    return targets_with_actuals(session, [campaign.id]).get(campaign.id, [])


# --- targets -------------------------------------------------------------------------------------


@dataclass
class TargetData:
    name: str | None
    source: str | None
    target_value: str | Decimal | None
    unit: str | None = ""
    kpi: str | None = None


def get_target_or_404(session: Session, campaign: Campaign, target_id) -> Target:
    target_id = parse_id(target_id)
    target = (
        session.scalar(
            select(Target).where(Target.id == target_id, Target.campaign_id == campaign.id)
        )
        if target_id
        else None
    )
    if target is None:
        raise NotFound(_("指标不存在"))
    return target


def _checked_target(session: Session, campaign: Campaign, data: TargetData, target) -> dict:
    name = clean_text(
        data.name, TARGET_NAME_MAX, "name", _("指标名称不能超过 %(n)d 个字", n=TARGET_NAME_MAX)
    )
    if not name:
        raise ServiceError(_("请填写指标名称"), "name")
    if data.source not in {s.value for s in TargetSource}:
        raise ServiceError(_("请选择数据来源"), "source")
    unit = clean_text(data.unit, UNIT_MAX, "unit", _("单位不能超过 %(n)d 个字", n=UNIT_MAX))
    kpi = None
    if data.source == TargetSource.computed:
        if data.kpi not in kpis.KPIS:
            raise ServiceError(_("请选择自动统计的指标"), "kpi")
        kpi = data.kpi
        unit = unit or str(kpis.KPIS[kpi].unit)
    elif not unit:
        raise ServiceError(_("手工填报的指标请填写单位"), "unit")
    value = parse_amount(data.target_value, "target_value", _("目标值"))
    stmt = select(Target.id).where(Target.campaign_id == campaign.id, Target.name == name)
    if target is not None:
        stmt = stmt.where(Target.id != target.id)
    if session.scalar(stmt.limit(1)) is not None:
        raise ServiceError(_("本活动已有同名指标“%(name)s”", name=name), "name")
    return {"name": name, "source": data.source, "kpi": kpi, "unit": unit, "target_value": value}


def _flush_target(session: Session, name: str) -> None:
    try:
        session.flush()
    except IntegrityError as exc:
        raise ServiceError(_("本活动已有同名指标“%(name)s”", name=name), "name") from exc


def add_target(session: Session, actor: User, campaign: Campaign, data: TargetData) -> Target:
    require_office(actor)
    require_open(campaign)
    values = _checked_target(session, campaign, data, None)
    position = session.scalar(
        select(func.coalesce(func.max(Target.position), -1)).where(
            Target.campaign_id == campaign.id
        )
    )
    target = Target(campaign_id=campaign.id, position=(position or 0) + 1, **values)
    session.add(target)
    _flush_target(session, values["name"])
    record(session, "campaigns.target_create", actor.id, f"campaign:{campaign.id}",
           {"target_id": target.id})  # fmt: skip
    forget_street(PANEL_KEY, actor.tenant_id)
    return target


def update_target(
    session: Session, actor: User, campaign: Campaign, target: Target, data: TargetData
) -> None:
    """A changed target value may be reached anew: ``reached_at`` is cleared when the value or
    what is counted changes, and the check runs again."""
    require_office(actor)
    require_open(campaign)
    values = _checked_target(session, campaign, data, target)
    changed = sorted(k for k, v in values.items() if getattr(target, k) != v)
    if {"target_value", "kpi", "source"} & set(changed):
        target.reached_at = None
    for key, value in values.items():
        setattr(target, key, value)
    _flush_target(session, values["name"])
    if changed:
        record(session, "campaigns.target_update", actor.id, f"campaign:{campaign.id}",
               {"target_id": target.id, "fields": ",".join(changed)})  # fmt: skip
    forget_street(PANEL_KEY, actor.tenant_id)


def remove_target(session: Session, actor: User, campaign: Campaign, target: Target) -> None:
    require_office(actor)
    require_open(campaign)
    session.execute(delete(TargetEntry).where(TargetEntry.target_id == target.id))
    session.delete(target)
    session.flush()
    record(session, "campaigns.target_remove", actor.id, f"campaign:{campaign.id}",
           {"target_id": target.id, "name": target.name})  # fmt: skip
    forget_street(PANEL_KEY, actor.tenant_id)


# --- entries of entered targets --------------------------------------------------------------------


@dataclass
class EntryData:
    entered_on: date | None
    value: str | Decimal | None
    note: str | None = ""


def add_entry(
    session: Session, actor: User, campaign: Campaign, target: Target, data: EntryData
) -> TargetEntry:
    """A dated entry of progress on an entered target; then the "reached" check for it.

    :raise ServiceError: a computed target; no date or a future one; a value not > 0; a long note
    """
    require_office(actor)
    require_open(campaign)
    if target.source != TargetSource.entered:
        raise ServiceError(_("该指标自动统计，不能手工填报"))
    if data.entered_on is None:
        raise ServiceError(_("请填写日期"), "entered_on")
    if data.entered_on > street_today():
        raise ServiceError(_("日期不能晚于今天"), "entered_on")
    value = parse_amount(data.value, "value", _("完成数"))
    note = clean_text(data.note, NOTE_MAX, "note", _("说明不能超过 %(n)d 个字", n=NOTE_MAX))
    entry = TargetEntry(
        target_id=target.id, entered_on=data.entered_on, value=value, note=note,
        entered_by=actor.id,
    )  # fmt: skip
    session.add(entry)
    session.flush()
    record(session, "campaigns.entry_add", actor.id, f"campaign:{campaign.id}",
           {"target_id": target.id, "entry_id": entry.id})  # fmt: skip
    check_reached(session, [campaign])
    forget_street(PANEL_KEY, actor.tenant_id)
    return entry


def entries_of(
    session: Session, target: Target, page: int = 1, size: int = ENTRY_PAGE
) -> tuple[list[tuple[TargetEntry, str]], int]:
    """A page of the target's entries, newest first, with who entered them (two statements)."""
    from saas.listing import count_rows, one_page

    stmt = (
        select(TargetEntry, User.name)
        .outerjoin(User, User.id == TargetEntry.entered_by)
        .where(TargetEntry.target_id == target.id)
    )
    total = count_rows(session, select(TargetEntry).where(TargetEntry.target_id == target.id))
    rows = session.execute(
        one_page(stmt.order_by(TargetEntry.entered_on.desc(), TargetEntry.id.desc()), page, size)
    ).all()
    return [(e, name or "") for e, name in rows], total


# --- target reached ----------------------------------------------------------------------------------


def check_reached(session: Session, campaigns: list[Campaign] | None = None) -> int:
    """Targets of launched campaigns (of ``campaigns``, or all the street's) whose actual has
    reached the target value: ``reached_at`` set once (guarded), and the campaign's owner told
    (the street's admins if it has none). One statement for the actuals. Returns how many."""
    from saas.notify.services import notify
    from saas.streets.models import Tenant

    stmt = (
        select(Target, Campaign)
        .join(Campaign, Campaign.id == Target.campaign_id)
        .where(Campaign.status == CampaignStatus.launched, Target.reached_at.is_(None))
    )
    if campaigns is not None:
        stmt = stmt.where(Campaign.id.in_([c.id for c in campaigns]))
    rows = session.execute(stmt).all()
    if not rows:
        return 0
    found = kpis.actuals(session, [t for t, _c in rows])
    reached = [(t, c) for t, c in rows if found.get(t.id, Decimal(0)) >= t.target_value]
    if not reached:
        return 0
    now = utcnow()
    tenant = session.get(Tenant, reached[0][1].tenant_id)
    admins = None
    told = 0
    for target, campaign in reached:
        if not guarded_update(session, target, Target.reached_at.is_(None), reached_at=now):
            continue  # another run got there first
        told += 1
        if campaign.owner_id is not None:
            people = session.scalars(
                select(User).where(User.id == campaign.owner_id, User.is_enabled.is_(True))
            ).all()
        else:
            people = []
        if not people:
            if admins is None:
                admins = session.scalars(
                    select(User).where(User.role == "admin", User.is_enabled.is_(True))
                ).all()
            people = admins
        actual = found[target.id]
        for person in people:
            notify(
                session,
                person,
                "campaigns.target_reached",
                _l("指标已完成：%(campaign)s · %(target)s", campaign=campaign.name,
                   target=target.name),
                _l("“%(target)s”已完成 %(actual)s%(unit)s，目标 %(value)s%(unit)s。",
                   target=target.name, actual=format_number(actual), value=format_number(target.target_value),
                   unit=target.unit),
                link=f"/{tenant.slug}/campaigns/{campaign.id}" if tenant else "",
            )  # fmt: skip
    return told


def format_number(value: Decimal) -> str:
    """12.00 → "12", 12.50 → "12.5"."""
    text = f"{value:.2f}"
    return text.rstrip("0").rstrip(".") if "." in text else text
