"""Finding a street's campaigns, and the rules for creating and changing them (area
"campaigns"): the lookups every area shares, the numbers people type, a campaign's form, its
launch and close. A campaign's year view and plans are in :mod:`tenants.campaigns.yearplan`, its
targets and entries in :mod:`tenants.campaigns.targets`, its outlines and linked activities in
:mod:`tenants.campaigns.activities`.

Every function takes the session (and the acting user where someone acts), changes rows and
flushes; the request or job commits once. Other areas of the module import the lookups at the
top; only this area edits this file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from saas.audit.services import record
from saas.auth.models import User
from saas.cache import forget_street
from saas.db import guarded_update, utcnow
from saas.errors import NotFound, ServiceError
from saas.forms import parse_id
from saas.jobs import enqueue_after_commit
from saas.text import fold
from saas.ui import street_today
from tenants.campaigns.models import Campaign, CampaignStatus, Season, Theme
from tenants.campaigns.template import SEASON_LABELS, SEASONS, THEME_LABELS

YEAR_MIN, YEAR_MAX = 2000, 2100
NAME_MAX = 80
CUSTOM_THEME_MAX = 40
DESCRIPTION_MAX = 2000
#: Numeric(14, 2): twelve digits before the point
VALUE_MAX = Decimal("999999999999.99")
PANEL_KEY = "campaigns-current"
LAUNCH_JOB = "tenants.campaigns.campaigns_jobs:announce_launch"

STATUS_LABELS = {
    CampaignStatus.draft: _l("筹备中"),
    CampaignStatus.launched: _l("进行中"),
    CampaignStatus.closed: _l("已结束"),
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
    return dict(
        session.execute(select(Campaign.id, Campaign.name).where(Campaign.id.in_(ids))).all()
    )


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


# --- checks every file of the area makes --------------------------------------------------------


def clean_text(raw: str | None, limit: int, field_name: str, message: str) -> str:
    text = " ".join((raw or "").split()) if limit <= 200 else (raw or "").strip()
    if len(text) > limit:
        raise ServiceError(message, field_name)
    return text


def require_office(actor: User) -> None:
    if actor.role not in ("admin", "staff"):
        raise ServiceError(_("只有街道工作人员可以管理一季一品活动"))


def require_open(campaign: Campaign) -> None:
    if campaign.status == CampaignStatus.closed:
        raise ServiceError(_("已结束的活动不能再修改"))


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
    custom = clean_text(
        data.custom_theme, CUSTOM_THEME_MAX, "custom_theme",
        _("主题名称不能超过 %(n)d 个字", n=CUSTOM_THEME_MAX),
    )  # fmt: skip
    if data.theme == Theme.custom and not custom:
        raise ServiceError(_("选择自定主题时，请填写主题名称"), "custom_theme")
    if data.theme != Theme.custom:
        custom = ""
    name = clean_text(data.name, NAME_MAX, "name", _("活动名称不能超过 %(n)d 个字", n=NAME_MAX))
    if not name:
        raise ServiceError(_("请填写活动名称"), "name")
    if data.starts_on is None:
        raise ServiceError(_("请填写开始日期"), "starts_on")
    if data.ends_on is None:
        raise ServiceError(_("请填写结束日期"), "ends_on")
    if data.ends_on < data.starts_on:
        raise ServiceError(_("结束日期不能早于开始日期"), "ends_on")
    description = clean_text(
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
    require_office(actor)
    values = _checked(session, data, None)
    campaign = Campaign(**values, created_by=actor.id)
    session.add(campaign)
    _flush_season(session, values)
    record(session, "campaigns.campaign_create", actor.id, f"campaign:{campaign.id}")
    forget_street(PANEL_KEY, actor.tenant_id)
    return campaign


def update_campaign(session: Session, actor: User, campaign: Campaign, data: CampaignData) -> None:
    """:raise ServiceError: naming the field at fault; a closed campaign is not changed"""
    require_office(actor)
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


def owner_name(session: Session, campaign: Campaign) -> str:
    if campaign.owner_id is None:
        return ""
    return session.scalar(select(User.name).where(User.id == campaign.owner_id)) or ""


# --- launch and close ------------------------------------------------------------------------------


def launch(session: Session, actor: User, campaign: Campaign) -> None:
    """Draft → launched, once (the database decides); the street's residents and units are told
    by a job after commit (:func:`tenants.campaigns.campaigns_jobs.announce_launch`).

    :raise ServiceError: not a draft (launched already, or closed)
    """
    require_office(actor)
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
    require_office(actor)
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
