"""What every part of the jobs registry shares: labels, the street's jobs campaigns, cleaning typed
text and phones, and the KPI strip (read from ``tenants.campaigns.kpis``, never counted here)."""

from __future__ import annotations

from decimal import Decimal

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from saas.auth.models import User
from saas.auth.phone import normalise_phone
from saas.errors import Forbidden, NotFound, ServiceError
from saas.forms import parse_id
from tenants.campaigns import kpis
from tenants.campaigns.campaigns import current_campaign
from tenants.campaigns.jobs_models import AgeBand, MatchStatus, PositionStatus
from tenants.campaigns.models import Campaign, Target, TargetSource, Theme
from tenants.structure.models import Community

#: rows a page of an office list holds
PAGE = 30

AGE_BAND_LABELS = {
    AgeBand.under_25: _l("25岁以下"),
    AgeBand.from_25: _l("25–34岁"),
    AgeBand.from_35: _l("35–44岁"),
    AgeBand.from_45: _l("45–54岁"),
    AgeBand.over_55: _l("55岁及以上"),
}
MATCH_LABELS = {
    MatchStatus.matched: _l("已推荐"),
    MatchStatus.interview: _l("已安排面试"),
    MatchStatus.hired: _l("已入职"),
    MatchStatus.declined: _l("未成功"),
}
POSITION_LABELS = {PositionStatus.open: _l("招聘中"), PositionStatus.closed: _l("已停止招聘")}
#: the KPIs the registry's pages show, in this order (``tenants.campaigns.kpis.JOBS_KPIS``)
KPI_KEYS = ("job_seekers", "job_openings", "job_employers", "job_interviews", "job_hires")


def clean_text(raw: str | None, limit: int, field: str, *, lines: bool = False) -> str:
    """Text as typed, blanks collapsed (``lines``: each line trimmed, line breaks kept).

    :raise ServiceError: longer than ``limit``
    """
    if lines:
        text = "\n".join(line.strip() for line in (raw or "").strip().splitlines()).strip()
    else:
        text = " ".join((raw or "").split())
    if len(text) > limit:
        raise ServiceError(_("不能超过 %(n)d 个字", n=limit), field)
    return text


def clean_phone(raw: str | None, field: str, required: bool = False) -> str:
    """A mainland mobile number as stored (``saas.auth.phone.normalise_phone``); "" if empty and
    not required. :raise ServiceError: missing when required, or not a mainland mobile"""
    if not (raw or "").strip():
        if required:
            raise ServiceError(_("请填写手机号"), field)
        return ""
    phone = normalise_phone(raw)
    if not phone:
        raise ServiceError(_("请输入 11 位中国大陆手机号"), field)
    return phone


def require_office(actor: User) -> None:
    if not actor.is_office:
        raise Forbidden(_("只有街道工作人员可以操作"))


def clean_community(session: Session, actor: User, community_id: int | None) -> int | None:
    """The community a record of ``actor``'s goes in: a community's staff, always theirs.

    :raise ServiceError: another community (for staff limited to one), or not the street's
    """
    limited = actor.limited_to_community
    if limited is not None:
        if community_id not in (None, limited):
            raise ServiceError(_("只能登记本社区的信息"), "community")
        return limited
    if community_id is None:
        return None
    found = session.scalar(
        select(Community.id).where(Community.id == community_id, Community.archived_at.is_(None))
    )
    if found is None:
        raise ServiceError(_("请选择本街道的社区"), "community")
    return found


# --- the street's jobs campaigns -------------------------------------------------------------


def jobs_campaigns(session: Session) -> list[Campaign]:
    """The street's campaigns of theme jobs, newest first: the lists' campaign choices."""
    return list(
        session.scalars(
            select(Campaign)
            .where(Campaign.theme == Theme.jobs)
            .order_by(Campaign.starts_on.desc(), Campaign.id.desc())
        )
    )


def chosen_campaign(campaigns: list[Campaign], raw, session: Session) -> Campaign | None:
    """The campaign a list shows: the one ``raw`` (a query value) names among ``campaigns``, else
    the current jobs campaign (``campaigns.current_campaign``), else the newest."""
    wanted = parse_id(raw)
    for campaign in campaigns:
        if campaign.id == wanted:
            return campaign
    current = current_campaign(session, Theme.jobs)
    if current is not None:
        return current
    return campaigns[0] if campaigns else None


def get_jobs_campaign_or_404(session: Session, campaign_id: int | None) -> Campaign:
    """:raise NotFound: no such campaign in this street, or not of theme jobs"""
    campaign = (
        session.scalar(select(Campaign).where(Campaign.id == campaign_id)) if campaign_id else None
    )
    if campaign is None or campaign.theme != Theme.jobs:
        raise NotFound(_("助企帮招活动不存在"))
    return campaign


def kpi_strip(session: Session, campaign: Campaign | None) -> list[tuple[str, str, Decimal]]:
    """(label, unit, value) of the jobs KPIs of ``campaign``, in one statement through
    ``kpis.actuals`` (unsaved targets stand for the KPIs: nothing is written)."""
    if campaign is None:
        return []
    targets = [
        Target(id=i + 1, campaign_id=campaign.id, source=TargetSource.computed, kpi=key)
        for i, key in enumerate(KPI_KEYS)
    ]
    values = kpis.actuals(session, targets)
    return [
        (str(kpis.KPIS[t.kpi].label), str(kpis.KPIS[t.kpi].unit), values[t.id]) for t in targets
    ]
