"""Finding a street's campaigns, and the rules for creating and changing them (area
"campaigns"): the year view (四季如花) and its two one-click plans (the four-theme template, last
year's copy), a campaign's form, its targets and their entries, its outlines and linked
activities, its launch and close, and the "target reached" check.

Every function takes the session (and the acting user where someone acts), changes rows and
flushes; the request or job commits once. Other areas of the module import the lookups at the
top; only this area edits this file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from saas.audit.services import record
from saas.auth.models import User
from saas.cache import forget_street, remember, viewer_key
from saas.db import guarded_update, insert_ignoring_conflict, new_id, utcnow
from saas.errors import NotFound, ServiceError
from saas.forms import parse_id
from saas.jobs import enqueue_after_commit
from saas.text import fold
from saas.ui import street_today, street_zone
from tenants.campaigns import kpis
from tenants.campaigns.models import (
    Campaign,
    CampaignEvent,
    CampaignStatus,
    Outline,
    Season,
    Target,
    TargetEntry,
    TargetSource,
    Theme,
)
from tenants.campaigns.template import SEASON_LABELS, SEASONS, TEMPLATE, THEME_LABELS, season_dates
from tenants.events.models import (
    Attendance,
    Audience,
    Event,
    EventKind,
    EventStatus,
    Registration,
    RegistrationStatus,
)

YEAR_MIN, YEAR_MAX = 2000, 2100
NAME_MAX = 80
CUSTOM_THEME_MAX = 40
TARGET_NAME_MAX = 40
UNIT_MAX = 10
NOTE_MAX = 200
OUTLINE_TITLE_MAX = 120
OUTLINE_DESCRIPTION_MAX = 2000
DESCRIPTION_MAX = 2000
#: Numeric(14, 2): twelve digits before the point
VALUE_MAX = Decimal("999999999999.99")
ENTRY_PAGE = 20
PANEL_KEY = "campaigns-current"
LAUNCH_JOB = "tenants.campaigns.campaigns_jobs:announce_launch"

STATUS_LABELS = {
    CampaignStatus.draft: _l("筹备中"),
    CampaignStatus.launched: _l("进行中"),
    CampaignStatus.closed: _l("已结束"),
}
SOURCE_LABELS = {
    TargetSource.computed: _l("自动统计"),
    TargetSource.entered: _l("手工填报"),
}
_SEASON_ORDER = {s.value: i for i, s in enumerate(SEASONS)}


# --- lookups every area shares -------------------------------------------------------------------


def get_campaign_or_404(session: Session, campaign_id: int) -> Campaign:
    """The street's campaign ``campaign_id`` (the scoping keeps other streets' out)."""
    campaign_id = parse_id(campaign_id)
    campaign = (
        session.scalar(select(Campaign).where(Campaign.id == campaign_id)) if campaign_id else None
    )
    if campaign is None:
        raise NotFound(_("一季一品活动不存在"))
    return campaign


def campaigns_of_year(session: Session, year: int) -> list[Campaign]:
    """The year's campaigns in the seasons' order (at most four)."""
    rows = session.scalars(select(Campaign).where(Campaign.year == year)).all()
    return sorted(rows, key=lambda c: _SEASON_ORDER.get(c.season, 9))


def current_campaign(session: Session, theme: str) -> Campaign | None:
    """The campaign of ``theme`` residents can take part in now: launched, with today inside its
    dates; else the launched one of the theme that started last (a registry stays open between
    seasons until staff close its campaign)."""
    today = street_today()
    rows = session.scalars(
        select(Campaign)
        .where(Campaign.theme == theme, Campaign.status == CampaignStatus.launched)
        .order_by(Campaign.starts_on.desc())
    ).all()
    for campaign in rows:
        if campaign.starts_on <= today <= campaign.ends_on:
            return campaign
    return rows[0] if rows else None


def theme_label(campaign: Campaign) -> str:
    """The campaign's theme in words: the custom theme's own name, or the theme's label."""
    if campaign.theme == Theme.custom:
        return campaign.custom_theme
    return str(THEME_LABELS.get(campaign.theme, campaign.theme))


def campaign_names(session: Session, ids: list[int]) -> dict[int, str]:
    """The audit log's names of its campaign targets, in one statement."""
    return dict(session.execute(select(Campaign.id, Campaign.name).where(Campaign.id.in_(ids))))


# --- numbers people type ---------------------------------------------------------------------------

_AMOUNT = re.compile(r"(\d+)(?:\.(\d+))?")


def parse_amount(raw, field_name: str, label: str | None = None) -> Decimal:
    """A positive number with at most two decimals, as typed (full-width digits read as digits).

    :raise ServiceError: on ``field_name``: empty, not a number (letters, "1e9999", another
        script's digits), zero or below, more than two decimals, too large
    """
    label = label or _("数值")
    if isinstance(raw, Decimal | int) and not isinstance(raw, bool):
        raw = str(raw)
    text = fold(raw).replace(",", "")
    if not text:
        raise ServiceError(_("请填写%(label)s", label=label), field_name)
    if text.startswith("-"):
        raise ServiceError(_("%(label)s须大于 0", label=label), field_name)
    match = _AMOUNT.fullmatch(text) if text.isascii() else None
    if match is None:
        raise ServiceError(_("%(label)s须是数字，如 100 或 12.5", label=label), field_name)
    if match.group(2) and len(match.group(2)) > 2:
        raise ServiceError(_("%(label)s最多保留两位小数", label=label), field_name)
    try:
        value = Decimal(text)
    except InvalidOperation as exc:  # pragma: no cover - the pattern admits only decimals
        raise ServiceError(_("%(label)s须是数字，如 100 或 12.5", label=label), field_name) from exc
    if value <= 0:
        raise ServiceError(_("%(label)s须大于 0", label=label), field_name)
    if value > VALUE_MAX:
        raise ServiceError(_("%(label)s过大", label=label), field_name)
    return value


def parse_year(raw) -> int | None:
    """A year from text or an int; None when it is not a whole number (range: the service)."""
    if isinstance(raw, int) and not isinstance(raw, bool):
        return raw
    return parse_id(raw, 9999)


def _text(raw: str | None, limit: int, field_name: str, message: str) -> str:
    text = " ".join((raw or "").split()) if limit <= 200 else (raw or "").strip()
    if len(text) > limit:
        raise ServiceError(message, field_name)
    return text


def _require_office(actor: User) -> None:
    if actor.role not in ("admin", "staff"):
        raise ServiceError(_("只有街道工作人员可以管理一季一品活动"))


# --- campaigns -------------------------------------------------------------------------------------


@dataclass
class CampaignData:
    """What staff type into a campaign's form (``year`` as typed or an int)."""

    season: str | None
    year: str | int | None
    theme: str | None
    name: str | None
    starts_on: date | None
    ends_on: date | None
    custom_theme: str | None = ""
    description: str | None = ""
    owner_id: int | None = None


def office_accounts(session: Session) -> list[User]:
    """The street's enabled office accounts (admin and staff): who may own a campaign."""
    return list(
        session.scalars(
            select(User)
            .where(User.role.in_(("admin", "staff")), User.is_enabled.is_(True))
            .order_by(User.name, User.id)
        )
    )


def _season_taken(session: Session, year: int, season: str, other_than: int | None) -> bool:
    stmt = select(Campaign.id).where(Campaign.year == year, Campaign.season == season)
    if other_than is not None:
        stmt = stmt.where(Campaign.id != other_than)
    return session.scalar(stmt.limit(1)) is not None


def _taken_message(year: int, season: str) -> str:
    return _(
        "%(year)d 年的%(season)s季已有一季一品活动，每季只能有一个",
        year=year,
        season=SEASON_LABELS[Season(season)],
    )


def _checked(session: Session, data: CampaignData, campaign: Campaign | None) -> dict:
    if data.season not in {s.value for s in SEASONS}:
        raise ServiceError(_("请选择季节"), "season")
    year = parse_year(data.year)
    if year is None or not YEAR_MIN <= year <= YEAR_MAX:
        raise ServiceError(_("年份须在 %(a)d–%(b)d 之间", a=YEAR_MIN, b=YEAR_MAX), "year")
    if data.theme not in {t.value for t in Theme}:
        raise ServiceError(_("请选择主题"), "theme")
    custom = _text(
        data.custom_theme, CUSTOM_THEME_MAX, "custom_theme",
        _("主题名称不能超过 %(n)d 个字", n=CUSTOM_THEME_MAX),
    )  # fmt: skip
    if data.theme == Theme.custom and not custom:
        raise ServiceError(_("选择自定主题时，请填写主题名称"), "custom_theme")
    if data.theme != Theme.custom:
        custom = ""
    name = _text(data.name, NAME_MAX, "name", _("活动名称不能超过 %(n)d 个字", n=NAME_MAX))
    if not name:
        raise ServiceError(_("请填写活动名称"), "name")
    if data.starts_on is None:
        raise ServiceError(_("请填写开始日期"), "starts_on")
    if data.ends_on is None:
        raise ServiceError(_("请填写结束日期"), "ends_on")
    if data.ends_on < data.starts_on:
        raise ServiceError(_("结束日期不能早于开始日期"), "ends_on")
    description = _text(
        data.description, DESCRIPTION_MAX, "description",
        _("活动介绍不能超过 %(n)d 个字", n=DESCRIPTION_MAX),
    )  # fmt: skip
    owner_id = data.owner_id
    if owner_id is not None and owner_id not in {u.id for u in office_accounts(session)}:
        raise ServiceError(_("请选择本街道的工作人员作为负责人"), "owner")
    if _season_taken(session, year, data.season, campaign.id if campaign else None):
        raise ServiceError(_taken_message(year, data.season), "season")
    return {
        "season": data.season,
        "year": year,
        "theme": data.theme,
        "custom_theme": custom,
        "name": name,
        "starts_on": data.starts_on,
        "ends_on": data.ends_on,
        "description": description,
        "owner_id": owner_id,
    }


def _flush_season(session: Session, values: dict) -> None:
    """Flush; the same season saved by someone else at this moment is the usual refusal (the
    transaction is unusable afterwards: the view rolls back before showing it)."""
    try:
        session.flush()
    except IntegrityError as exc:
        raise ServiceError(_taken_message(values["year"], values["season"]), "season") from exc


def create_campaign(session: Session, actor: User, data: CampaignData) -> Campaign:
    """:raise ServiceError: naming the field at fault (see ``_checked``)"""
    _require_office(actor)
    values = _checked(session, data, None)
    campaign = Campaign(**values, created_by=actor.id)
    session.add(campaign)
    _flush_season(session, values)
    record(session, "campaigns.campaign_create", actor.id, f"campaign:{campaign.id}")
    forget_street(PANEL_KEY, actor.tenant_id)
    return campaign


def update_campaign(session: Session, actor: User, campaign: Campaign, data: CampaignData) -> None:
    """:raise ServiceError: naming the field at fault; a closed campaign is not changed"""
    _require_office(actor)
    if campaign.status == CampaignStatus.closed:
        raise ServiceError(_("已结束的活动不能再修改"))
    values = _checked(session, data, campaign)
    changed = sorted(k for k, v in values.items() if getattr(campaign, k) != v)
    for key, value in values.items():
        setattr(campaign, key, value)
    _flush_season(session, values)
    if changed:
        record(
            session, "campaigns.campaign_update", actor.id, f"campaign:{campaign.id}",
            {"fields": ",".join(changed)},
        )  # fmt: skip
    forget_street(PANEL_KEY, actor.tenant_id)


# --- the year view (四季如花) ---------------------------------------------------------------------


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


@dataclass
class SeasonCard:
    season: Season
    campaign: Campaign | None = None
    owner: str = ""
    progress: list[Progress] = field(default_factory=list)


def _targets_with_actuals(session: Session, campaign_ids: list[int]) -> dict[int, list[Progress]]:
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


def year_view(session: Session, year: int) -> list[SeasonCard]:
    """The four seasons of ``year``, each with its campaign (or none), owner and targets' progress:
    three statements whatever the data."""
    rows = session.execute(
        select(Campaign, User.name)
        .outerjoin(User, User.id == Campaign.owner_id)
        .where(Campaign.year == year)
    ).all()
    by_season = {c.season: (c, owner or "") for c, owner in rows}
    progress = _targets_with_actuals(session, [c.id for c, _o in rows])
    cards = []
    for season in SEASONS:
        campaign, owner = by_season.get(season.value, (None, ""))
        cards.append(
            SeasonCard(season, campaign, owner, progress.get(campaign.id, []) if campaign else [])
        )
    return cards


def _add_plan_rows(session: Session, campaign_id: int, targets, outlines) -> None:
    for i, (name, unit, value, source, kpi) in enumerate(targets):
        session.add(
            Target(
                campaign_id=campaign_id, name=name, unit=unit, target_value=value,
                source=source, kpi=kpi, position=i,
            )
        )  # fmt: skip
    for i, (title, description, month) in enumerate(outlines):
        session.add(
            Outline(
                campaign_id=campaign_id, title=title, description=description, month=month,
                position=i,
            )
        )  # fmt: skip


def _insert_campaign(session: Session, actor: User, values: dict) -> int | None:
    """The campaign's row, unless its season of its year exists (the unique key decides, so two
    clicks at once make it once). Returns its id, or None."""
    return insert_ignoring_conflict(
        session,
        Campaign,
        {
            "tenant_id": actor.tenant_id,
            "id": new_id(),
            "status": CampaignStatus.draft.value,
            "created_by": actor.id,
            "created_at": utcnow(),
            **values,
        },
        ["tenant_id", "year", "season"],
    )


@dataclass
class PlanResult:
    created: list[str]
    skipped: list[str]


def _checked_year(year) -> int:
    value = parse_year(year)
    if value is None or not YEAR_MIN <= value <= YEAR_MAX:
        raise ServiceError(_("年份须在 %(a)d–%(b)d 之间", a=YEAR_MIN, b=YEAR_MAX), "year")
    return value


def create_from_template(session: Session, actor: User, year) -> PlanResult:
    """The year's missing seasons from the four-theme template, with their typical targets and
    outlines; seasons that have a campaign are skipped (and named).

    :raise ServiceError: the year out of range
    """
    _require_office(actor)
    year = _checked_year(year)
    result = PlanResult([], [])
    for plan in TEMPLATE:
        starts_on, ends_on = season_dates(year, plan.season)
        campaign_id = _insert_campaign(
            session, actor,
            {"year": year, "season": plan.season.value, "theme": plan.theme.value,
             "custom_theme": "", "name": plan.name, "description": plan.description,
             "starts_on": starts_on, "ends_on": ends_on, "owner_id": None},
        )  # fmt: skip
        label = str(SEASON_LABELS[plan.season])
        if campaign_id is None:
            result.skipped.append(label)
            continue
        result.created.append(plan.name)
        _add_plan_rows(
            session,
            campaign_id,
            [
                (
                    t.name,
                    t.unit,
                    Decimal(t.value),
                    TargetSource.computed if t.kpi else TargetSource.entered,
                    t.kpi,
                )
                for t in plan.targets
            ],  # fmt: skip
            [(o.title, o.description, o.month) for o in plan.outlines],
        )
    session.flush()
    if result.created:
        record(
            session, "campaigns.template_create", actor.id, "",
            {"year": year, "created": len(result.created)},
        )  # fmt: skip
    forget_street(PANEL_KEY, actor.tenant_id)
    return result


def shift_year(day: date, years: int = 1) -> date:
    """The same day ``years`` later; Feb 29 becomes Feb 28 in a year without it."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def copy_previous_year(session: Session, actor: User, year) -> PlanResult:
    """Last year's campaigns into ``year``, with their targets (not yet reached) and outlines,
    dates a year later, as drafts; seasons ``year`` already has are skipped (and named).

    :raise ServiceError: the year out of range; last year has no campaigns
    """
    _require_office(actor)
    year = _checked_year(year)
    if year - 1 < YEAR_MIN:
        raise ServiceError(_("%(year)d 年没有一季一品活动可以复制", year=year - 1), "year")
    previous = campaigns_of_year(session, year - 1)
    if not previous:
        raise ServiceError(_("%(year)d 年没有一季一品活动可以复制", year=year - 1), "year")
    ids = [c.id for c in previous]
    targets = session.scalars(
        select(Target).where(Target.campaign_id.in_(ids)).order_by(Target.position, Target.id)
    ).all()
    outlines = session.scalars(
        select(Outline).where(Outline.campaign_id.in_(ids)).order_by(Outline.position, Outline.id)
    ).all()
    result = PlanResult([], [])
    for old in previous:
        campaign_id = _insert_campaign(
            session, actor,
            {"year": year, "season": old.season, "theme": old.theme,
             "custom_theme": old.custom_theme, "name": old.name, "description": old.description,
             "starts_on": shift_year(old.starts_on), "ends_on": shift_year(old.ends_on),
             "owner_id": old.owner_id},
        )  # fmt: skip
        if campaign_id is None:
            result.skipped.append(str(SEASON_LABELS[Season(old.season)]))
            continue
        result.created.append(old.name)
        _add_plan_rows(
            session,
            campaign_id,
            [(t.name, t.unit, t.target_value, t.source, t.kpi)
             for t in targets if t.campaign_id == old.id],
            [(o.title, o.description, o.month) for o in outlines if o.campaign_id == old.id],
        )  # fmt: skip
    session.flush()
    if result.created:
        record(
            session, "campaigns.copy_year", actor.id, "",
            {"year": year, "created": len(result.created)},
        )  # fmt: skip
    forget_street(PANEL_KEY, actor.tenant_id)
    return result


# --- a campaign's page -----------------------------------------------------------------------------


@dataclass
class LinkedEvent:
    link: CampaignEvent
    event: Event
    outline_title: str
    registrations: int
    attended: int


def linked_events(session: Session, campaign: Campaign) -> list[LinkedEvent]:
    """The campaign's events with their registrations (headcount) and attendance, in one
    grouped statement."""
    registered = (
        select(func.coalesce(func.sum(Registration.headcount), 0))
        .where(
            Registration.event_id == Event.id,
            Registration.status == RegistrationStatus.registered,
        )
        .scalar_subquery()
    )
    attended = (
        select(func.count(Attendance.id))
        .where(
            Attendance.event_id == Event.id,
            (Attendance.checked_in_at.is_not(None)) | (Attendance.confirmed_at.is_not(None)),
        )
        .scalar_subquery()
    )
    rows = session.execute(
        select(CampaignEvent, Event, Outline.title, registered, attended)
        .join(Event, Event.id == CampaignEvent.event_id)
        .outerjoin(Outline, Outline.id == CampaignEvent.outline_id)
        .where(CampaignEvent.campaign_id == campaign.id)
        .order_by(Event.starts_at, Event.id)
    ).all()
    return [
        LinkedEvent(link, e, title or "", int(r or 0), int(a or 0)) for link, e, title, r, a in rows
    ]


def progress_of(session: Session, campaign: Campaign) -> list[Progress]:
    return _targets_with_actuals(session, [campaign.id]).get(campaign.id, [])


def outlines_of(session: Session, campaign: Campaign) -> list[Outline]:
    return list(
        session.scalars(
            select(Outline)
            .where(Outline.campaign_id == campaign.id)
            .order_by(Outline.month.is_(None), Outline.month, Outline.position, Outline.id)
        )
    )


def owner_name(session: Session, campaign: Campaign) -> str:
    if campaign.owner_id is None:
        return ""
    return session.scalar(select(User.name).where(User.id == campaign.owner_id)) or ""


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
    name = _text(
        data.name, TARGET_NAME_MAX, "name", _("指标名称不能超过 %(n)d 个字", n=TARGET_NAME_MAX)
    )
    if not name:
        raise ServiceError(_("请填写指标名称"), "name")
    if data.source not in {s.value for s in TargetSource}:
        raise ServiceError(_("请选择数据来源"), "source")
    unit = _text(data.unit, UNIT_MAX, "unit", _("单位不能超过 %(n)d 个字", n=UNIT_MAX))
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


def _open(campaign: Campaign) -> None:
    if campaign.status == CampaignStatus.closed:
        raise ServiceError(_("已结束的活动不能再修改"))


def add_target(session: Session, actor: User, campaign: Campaign, data: TargetData) -> Target:
    _require_office(actor)
    _open(campaign)
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
    _require_office(actor)
    _open(campaign)
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
    _require_office(actor)
    _open(campaign)
    session.execute(
        TargetEntry.__table__.delete().where(
            TargetEntry.tenant_id == target.tenant_id, TargetEntry.target_id == target.id
        )
    )
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
    _require_office(actor)
    _open(campaign)
    if target.source != TargetSource.entered:
        raise ServiceError(_("该指标自动统计，不能手工填报"))
    if data.entered_on is None:
        raise ServiceError(_("请填写日期"), "entered_on")
    if data.entered_on > street_today():
        raise ServiceError(_("日期不能晚于今天"), "entered_on")
    value = parse_amount(data.value, "value", _("完成数"))
    note = _text(data.note, NOTE_MAX, "note", _("说明不能超过 %(n)d 个字", n=NOTE_MAX))
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


# --- outlines and activities -------------------------------------------------------------------------


@dataclass
class OutlineData:
    title: str | None
    description: str | None = ""
    month: str | int | None = None


def get_outline_or_404(session: Session, campaign: Campaign, outline_id) -> Outline:
    outline_id = parse_id(outline_id)
    outline = (
        session.scalar(
            select(Outline).where(Outline.id == outline_id, Outline.campaign_id == campaign.id)
        )
        if outline_id
        else None
    )
    if outline is None:
        raise NotFound(_("活动安排不存在"))
    return outline


def _checked_outline(data: OutlineData) -> dict:
    title = _text(data.title, OUTLINE_TITLE_MAX, "title",
                  _("活动名称不能超过 %(n)d 个字", n=OUTLINE_TITLE_MAX))  # fmt: skip
    if not title:
        raise ServiceError(_("请填写活动名称"), "title")
    description = _text(data.description, OUTLINE_DESCRIPTION_MAX, "description",
                        _("活动介绍不能超过 %(n)d 个字", n=OUTLINE_DESCRIPTION_MAX))  # fmt: skip
    month = None
    if data.month not in (None, ""):
        month = parse_id(data.month, 99)
        if month is None or not 1 <= month <= 12:
            raise ServiceError(_("月份须在 1–12 之间"), "month")
    return {"title": title, "description": description, "month": month}


def add_outline(session: Session, actor: User, campaign: Campaign, data: OutlineData) -> Outline:
    _require_office(actor)
    _open(campaign)
    values = _checked_outline(data)
    position = session.scalar(
        select(func.coalesce(func.max(Outline.position), -1)).where(
            Outline.campaign_id == campaign.id
        )
    )
    outline = Outline(campaign_id=campaign.id, position=(position or 0) + 1, **values)
    session.add(outline)
    session.flush()
    record(session, "campaigns.outline_create", actor.id, f"campaign:{campaign.id}",
           {"outline_id": outline.id})  # fmt: skip
    return outline


def update_outline(
    session: Session, actor: User, campaign: Campaign, outline: Outline, data: OutlineData
) -> None:
    _require_office(actor)
    _open(campaign)
    for key, value in _checked_outline(data).items():
        setattr(outline, key, value)
    session.flush()
    record(session, "campaigns.outline_update", actor.id, f"campaign:{campaign.id}",
           {"outline_id": outline.id})  # fmt: skip


def remove_outline(session: Session, actor: User, campaign: Campaign, outline: Outline) -> None:
    """The outline goes; events made from it stay linked to the campaign (without it)."""
    _require_office(actor)
    _open(campaign)
    session.execute(
        CampaignEvent.__table__.update()
        .where(CampaignEvent.tenant_id == outline.tenant_id, CampaignEvent.outline_id == outline.id)
        .values(outline_id=None)
    )
    session.delete(outline)
    session.flush()
    record(session, "campaigns.outline_remove", actor.id, f"campaign:{campaign.id}",
           {"outline_id": outline.id, "title": outline.title})  # fmt: skip


def outline_day(campaign: Campaign, outline: Outline) -> date:
    """The day an event made from ``outline`` is first put on: the 1st of the outline's month in
    the campaign's year (within the campaign's dates where that month overlaps them), else the
    campaign's start."""
    if outline.month:
        first = date(campaign.year, outline.month, 1)
        last = (first.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
        if last < campaign.starts_on or first > campaign.ends_on:
            return first
        return max(first, campaign.starts_on)
    return campaign.starts_on


def create_event_from_outline(
    session: Session, actor: User, campaign: Campaign, outline: Outline
) -> Event:
    """A draft event on the events engine from the outline (kind campaign, title and description
    from it, 09:00–11:00 street time on :func:`outline_day`), linked to the campaign through the
    outline; staff finish it on the engine's own edit page."""
    from tenants.events.services import EventData, create_event

    _require_office(actor)
    _open(campaign)
    day = outline_day(campaign, outline)
    zone = street_zone()
    starts_at = datetime.combine(day, time(9, 0), zone)
    event = create_event(
        session,
        actor,
        EventData(
            title=outline.title,
            description=outline.description,
            kind=EventKind.campaign,
            starts_at=starts_at,
            ends_at=starts_at + timedelta(hours=2),
            audience=Audience.public,
        ),
    )
    session.add(CampaignEvent(campaign_id=campaign.id, event_id=event.id, outline_id=outline.id))
    session.flush()
    record(session, "campaigns.event_create", actor.id, f"campaign:{campaign.id}",
           {"event_id": event.id, "outline_id": outline.id})  # fmt: skip
    return event


def linkable_events(session: Session, limit: int = 200) -> list[Event]:
    """The street's events (not cancelled) that no campaign has linked yet, newest first."""
    linked = select(CampaignEvent.id).where(CampaignEvent.event_id == Event.id).exists()
    return list(
        session.scalars(
            select(Event)
            .where(Event.status != EventStatus.cancelled, ~linked)
            .order_by(Event.starts_at.desc(), Event.id.desc())
            .limit(limit)
        )
    )


def link_event(session: Session, actor: User, campaign: Campaign, event_id) -> CampaignEvent:
    """Make an existing event of the street one of the campaign's activities.

    :raise NotFound: no such event in this street (another street's id too)
    :raise ServiceError: no event chosen; the event is cancelled; it is linked to a campaign
    """
    _require_office(actor)
    _open(campaign)
    raw = event_id
    event_id = parse_id(event_id)
    if event_id is None:
        if raw in (None, ""):
            raise ServiceError(_("请选择要关联的活动"), "event")
        raise NotFound(_("活动不存在"))
    event = session.scalar(select(Event).where(Event.id == event_id))
    if event is None:
        raise NotFound(_("活动不存在"))
    if event.status == EventStatus.cancelled:
        raise ServiceError(_("已取消的活动不能关联"), "event")
    link_id = insert_ignoring_conflict(
        session,
        CampaignEvent,
        {"tenant_id": campaign.tenant_id, "id": new_id(), "campaign_id": campaign.id,
         "event_id": event.id, "is_job_fair": False},
        ["tenant_id", "event_id"],
    )  # fmt: skip
    if link_id is None:
        raise ServiceError(_("该活动已关联到一季一品活动"), "event")
    record(session, "campaigns.event_link", actor.id, f"campaign:{campaign.id}",
           {"event_id": event.id})  # fmt: skip
    forget_street(PANEL_KEY, actor.tenant_id)
    return session.scalar(select(CampaignEvent).where(CampaignEvent.id == link_id))


def unlink_event(session: Session, actor: User, campaign: Campaign, event_id) -> None:
    """:raise NotFound: the event is not one of this campaign's"""
    _require_office(actor)
    _open(campaign)
    event_id = parse_id(event_id)
    link = (
        session.scalar(
            select(CampaignEvent).where(
                CampaignEvent.campaign_id == campaign.id, CampaignEvent.event_id == event_id
            )
        )
        if event_id
        else None
    )
    if link is None:
        raise NotFound(_("活动不存在"))
    session.delete(link)
    session.flush()
    record(session, "campaigns.event_unlink", actor.id, f"campaign:{campaign.id}",
           {"event_id": event_id})  # fmt: skip
    forget_street(PANEL_KEY, actor.tenant_id)


# --- launch and close ------------------------------------------------------------------------------


def launch(session: Session, actor: User, campaign: Campaign) -> None:
    """Draft → launched, once (the database decides); the street's residents and units are told
    by a job after commit (:func:`tenants.campaigns.campaigns_jobs.announce_launch`).

    :raise ServiceError: not a draft (launched already, or closed)
    """
    _require_office(actor)
    if not guarded_update(
        session, campaign, Campaign.status == CampaignStatus.draft,
        status=CampaignStatus.launched.value, launched_at=utcnow(),
    ):  # fmt: skip
        raise ServiceError(_("该活动已启动或已结束"))
    record(session, "campaigns.launch", actor.id, f"campaign:{campaign.id}")
    enqueue_after_commit(LAUNCH_JOB, campaign.tenant_id, campaign.id)
    forget_street(PANEL_KEY, actor.tenant_id)


def close(session: Session, actor: User, campaign: Campaign) -> None:
    """Launched → closed, once.

    :raise ServiceError: not launched (a draft, or closed already)
    """
    _require_office(actor)
    if not guarded_update(
        session, campaign, Campaign.status == CampaignStatus.launched,
        status=CampaignStatus.closed.value, closed_at=utcnow(),
    ):  # fmt: skip
        raise ServiceError(_("只有进行中的活动可以结束"))
    record(session, "campaigns.close", actor.id, f"campaign:{campaign.id}")
    forget_street(PANEL_KEY, actor.tenant_id)


def launch_recipients(session: Session, campaign: Campaign, link: str, after_id: int, size: int):
    """The next ``size`` residents and units' accounts (volunteer and org, enabled) after
    ``after_id``, by id, not yet told of this launch (a retried job skips who has been told)."""
    from saas.notify.models import Notification

    told = (
        select(Notification.id)
        .where(
            Notification.user_id == User.id,
            Notification.kind == "campaigns.launched",
            Notification.link == link,
        )
        .exists()
    )
    return list(
        session.scalars(
            select(User)
            .where(
                User.role.in_(("volunteer", "org")),
                User.is_enabled.is_(True),
                User.id > after_id,
                ~told,
            )
            .order_by(User.id)
            .limit(size)
        )
    )


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


# --- residents' page and the dashboard ---------------------------------------------------------------


@dataclass
class ResidentCampaign:
    campaign: Campaign
    progress: list[Progress]
    events: list[Event]


def residents_year(session: Session, year: int | None = None) -> list[ResidentCampaign]:
    """This year's launched campaigns with their published activities and progress (four
    statements whatever the data)."""
    year = year or street_today().year
    campaigns = campaigns_of_year(session, year)
    campaigns = [c for c in campaigns if c.status == CampaignStatus.launched]
    ids = [c.id for c in campaigns]
    progress = _targets_with_actuals(session, ids)
    events: dict[int, list[Event]] = {}
    if ids:
        rows = session.execute(
            select(CampaignEvent.campaign_id, Event)
            .join(Event, Event.id == CampaignEvent.event_id)
            .where(CampaignEvent.campaign_id.in_(ids), Event.status == EventStatus.published)
            .order_by(Event.starts_at, Event.id)
        ).all()
        for campaign_id, event in rows:
            events.setdefault(campaign_id, []).append(event)
    return [ResidentCampaign(c, progress.get(c.id, []), events.get(c.id, [])) for c in campaigns]


def panel_data(session: Session, user) -> dict:
    """The current season's campaign (today inside its dates) with its targets' progress, as
    plain values (cached for the figures' interval; a change in this process drops it)."""

    def compute() -> dict:
        today = street_today()
        campaign = session.scalar(
            select(Campaign)
            .where(
                and_(Campaign.starts_on <= today, Campaign.ends_on >= today),
                Campaign.status != CampaignStatus.closed,
            )
            .order_by(Campaign.starts_on.desc())
            .limit(1)
        )
        if campaign is None:
            return {"campaign": None}
        return {
            "campaign": {
                "id": campaign.id,
                "name": campaign.name,
                "status": campaign.status,
                "starts_on": campaign.starts_on,
                "ends_on": campaign.ends_on,
            },
            "progress": [
                {
                    "name": p.target.name,
                    "unit": p.target.unit,
                    "actual": format_number(p.actual),
                    "value": format_number(p.target.target_value),
                    "percent": p.percent,
                }
                for p in progress_of(session, campaign)
            ],
        }

    return remember(viewer_key(PANEL_KEY, user), compute)
