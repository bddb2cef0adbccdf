"""Positions (岗位) an employer posts during a jobs campaign: title, openings, a monthly pay range
(元/月, either end open), requirements, open or closed. Staff post them for any employer they may
see; an employer's own account posts and closes its own from its phone (``/<slug>/jobs/mine``).

Positions are public (residents read them on ``/<slug>/jobs``), so every office account sees
all of them; a community's staff post only for the employers they may see."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from flask_babel import gettext as _
from sqlalchemy import Select, case, func, or_, select
from sqlalchemy.orm import Session

from saas.audit.services import record
from saas.auth.models import User
from saas.errors import NotFound, ServiceError
from saas.forms import parse_id
from saas.listing import contains_pattern, count_rows, one_page
from saas.text import fold, other_digits
from tenants.campaigns.jobs.common import PAGE, clean_text, get_jobs_campaign_or_404
from tenants.campaigns.jobs.employers import _visible as _employer_visible
from tenants.campaigns.jobs_models import (
    Employer,
    JobMatch,
    JobPosition,
    MatchStatus,
    PositionStatus,
)
from tenants.campaigns.models import Campaign, CampaignStatus

TITLE_MAX, REQUIREMENTS_MAX = 60, 1000
#: the most openings one position takes, and the highest monthly pay the form accepts
OPENINGS_MAX, PAY_MAX = 9999, 1_000_000
_PAY = re.compile(r"([0-9]+(?:\.[0-9]+)?)(k|千|w|万)?")
_MULTIPLIER = {None: 1, "k": 1000, "千": 1000, "w": 10000, "万": 10000}


def parse_pay(raw: str | None, field: str) -> int | None:
    """Monthly pay as typed → whole yuan; None when empty. Full-width digits are digits;
    "3k"/"3千" are 3000, "1.2万" 12000; "元", "元/月" and thousands separators are dropped.

    :raise ServiceError: negative, not a whole number of yuan, or more than PAY_MAX
    """
    text = fold(raw).lower().replace(",", "").replace(" ", "")
    for suffix in ("元/月", "/月", "元"):
        text = text.removesuffix(suffix)
    if not text:
        return None
    if text.startswith("-"):
        raise ServiceError(_("月薪不能为负数"), field)
    message = other_digits(text)
    if message:
        raise ServiceError(message, field)
    match = _PAY.fullmatch(text)
    if match is None:
        raise ServiceError(_("请填写整数金额（元/月），如 5000 或 5k"), field)
    try:
        value = Decimal(match.group(1)) * _MULTIPLIER[match.group(2)]
    except InvalidOperation as exc:  # pragma: no cover - the pattern admits only numbers
        raise ServiceError(_("请填写整数金额（元/月），如 5000 或 5k"), field) from exc
    if value != value.to_integral_value():
        raise ServiceError(_("月薪请填写整数（元）"), field)
    if value > PAY_MAX:
        raise ServiceError(_("月薪不能超过 %(n)d 元", n=PAY_MAX), field)
    return int(value)


def parse_openings(raw, field: str = "openings") -> int:
    """:raise ServiceError: missing, not a whole number, 0 or less, or more than OPENINGS_MAX"""
    text = fold(str(raw) if raw is not None else "")
    if not text:
        raise ServiceError(_("请填写招聘人数"), field)
    if text.startswith("-"):
        raise ServiceError(_("招聘人数至少为 1"), field)
    if not (text.isascii() and text.isdigit()):
        raise ServiceError(other_digits(text) or _("招聘人数请填写整数"), field)
    if int(text) == 0:
        raise ServiceError(_("招聘人数至少为 1"), field)
    if int(text) > OPENINGS_MAX:
        raise ServiceError(_("招聘人数不能超过 %(n)d", n=OPENINGS_MAX), field)
    return int(text)


def pay_text(position: JobPosition) -> str:
    """The pay range as the pages say it: "4000–6000 元/月", "4000 元/月起", "面议"."""
    low, high = position.pay_min, position.pay_max
    if low is None and high is None:
        return _("面议")
    if high is None:
        return _("%(low)d 元/月起", low=low)
    if low is None:
        return _("最高 %(high)d 元/月", high=high)
    if low == high:
        return _("%(low)d 元/月", low=low)
    return _("%(low)d–%(high)d 元/月", low=low, high=high)


# --- reading --------------------------------------------------------------------------------------


def get_position_or_404(session: Session, viewer: User, position_id: int) -> JobPosition:
    """A position for an office account. :raise NotFound: no such position in this street"""
    position = None
    if viewer.is_office:
        position = session.scalar(select(JobPosition).where(JobPosition.id == position_id))
    if position is None:
        raise NotFound(_("岗位不存在"))
    return position


def get_own_position_or_404(session: Session, employer: Employer | None, position_id: int):
    """A position of ``employer`` (an org account's own). :raise NotFound: none, or another's"""
    position = None
    if employer is not None:
        position = session.scalar(
            select(JobPosition).where(
                JobPosition.id == position_id, JobPosition.employer_id == employer.id
            )
        )
    if position is None:
        raise NotFound(_("岗位不存在"))
    return position


def match_counts():
    """Per position: seekers put forward, interviews, hires (one grouped subquery)."""
    return (
        select(
            JobMatch.position_id,
            func.count().label("matched"),
            func.sum(
                case(
                    (
                        or_(
                            JobMatch.interview_at.is_not(None),
                            JobMatch.status.in_((MatchStatus.interview, MatchStatus.hired)),
                        ),
                        1,
                    ),
                    else_=0,
                )
            ).label("interviews"),
            func.sum(case((JobMatch.status == MatchStatus.hired, 1), else_=0)).label("hired"),
        )
        .group_by(JobMatch.position_id)
        .subquery("match_counts")
    )


@dataclass(frozen=True)
class PositionFilters:
    employer: str = ""
    status: str = ""
    q: str = ""

    def args(self) -> dict[str, str]:
        return {"employer": self.employer, "status": self.status, "q": self.q}


@dataclass(frozen=True)
class PositionRow:
    position: JobPosition
    employer: str
    matched: int
    interviews: int
    hired: int


def _list_statement(campaign: Campaign, filters: PositionFilters) -> Select:
    counts = match_counts()
    stmt = (
        select(JobPosition, Employer.name, counts.c.matched, counts.c.interviews, counts.c.hired)
        .join(Employer, Employer.id == JobPosition.employer_id)
        .outerjoin(counts, counts.c.position_id == JobPosition.id)
        .where(JobPosition.campaign_id == campaign.id)
    )
    if (employer_id := parse_id(filters.employer)) is not None:
        stmt = stmt.where(JobPosition.employer_id == employer_id)
    if filters.status in PositionStatus.__members__:
        stmt = stmt.where(JobPosition.status == filters.status)
    pattern = contains_pattern(filters.q)
    if pattern:
        stmt = stmt.where(
            or_(
                JobPosition.title.like(pattern),
                JobPosition.requirements.like(pattern),
                Employer.name.like(pattern),
            )
        )
    return stmt


def list_positions(
    session: Session, campaign: Campaign, filters: PositionFilters, page: int = 1, size: int = PAGE
) -> tuple[list[PositionRow], int]:
    """One page of the campaign's positions, open first then newest, with their matches counted,
    and how many match the filters (two statements)."""
    stmt = _list_statement(campaign, filters)
    total = count_rows(session, stmt)
    order = (JobPosition.status.desc(), JobPosition.created_at.desc(), JobPosition.id.desc())
    rows = session.execute(one_page(stmt.order_by(*order), page, size))
    return [PositionRow(p, e, m or 0, i or 0, h or 0) for p, e, m, i, h in rows], total


def open_positions(session: Session, campaign: Campaign, employer_ids=None) -> list:
    """The campaign's open positions with their employer's name, by employer then title: what
    residents read (one statement). ``employer_ids``: only those employers'."""
    stmt = (
        select(JobPosition, Employer.name)
        .join(Employer, Employer.id == JobPosition.employer_id)
        .where(JobPosition.campaign_id == campaign.id, JobPosition.status == PositionStatus.open)
        .order_by(Employer.name, JobPosition.title, JobPosition.id)
    )
    if employer_ids is not None:
        stmt = stmt.where(JobPosition.employer_id.in_(employer_ids))
    return list(session.execute(stmt))


# --- posting and changing ------------------------------------------------------------------------


@dataclass
class PositionInput:
    campaign_id: int | None = None
    employer_id: int | None = None
    title: str = ""
    openings: str | int | None = ""
    pay_min: str | None = ""
    pay_max: str | None = ""
    requirements: str = ""
    status: str = PositionStatus.open


def _clean(session: Session, values: PositionInput) -> dict:
    title = clean_text(values.title, TITLE_MAX, "title")
    if not title:
        raise ServiceError(_("请填写岗位名称"), "title")
    openings = parse_openings(values.openings)
    pay_min = parse_pay(values.pay_min, "pay_min")
    pay_max = parse_pay(values.pay_max, "pay_max")
    if pay_min is not None and pay_max is not None and pay_max < pay_min:
        raise ServiceError(_("最高月薪不能低于最低月薪"), "pay_max")
    if values.status not in PositionStatus.__members__:
        raise ServiceError(_("请选择招聘状态"), "status")
    return {
        "title": title,
        "openings": openings,
        "pay_min": pay_min,
        "pay_max": pay_max,
        "requirements": clean_text(values.requirements, REQUIREMENTS_MAX, "requirements",
                                   lines=True),
        "status": values.status,
    }  # fmt: skip


def _hired(session: Session, position_id: int) -> int:
    return (
        session.scalar(
            select(func.count()).where(
                JobMatch.position_id == position_id, JobMatch.status == MatchStatus.hired
            )
        )
        or 0
    )


def save_position(
    session: Session,
    actor: User,
    values: PositionInput,
    position: JobPosition | None = None,
    own_employer: Employer | None = None,
) -> JobPosition:
    """Post a position (``position`` None) or change one; audit-logged.

    Staff choose the campaign (a jobs campaign, not closed) and an employer they may see; an
    employer's own account (``own_employer``) posts into the current jobs campaign for itself.

    :raise ServiceError: with its field: no title; openings not a whole number ≥ 1 (or fewer than
        the hires already made); a pay that is negative, not whole yuan, or a range whose top is
        below its bottom; a campaign or employer not offered
    """
    cleaned = _clean(session, values)
    if own_employer is not None:
        employer_id = own_employer.id
    else:
        employer_id = session.scalar(
            select(Employer.id).where(Employer.id == values.employer_id, _employer_visible(actor))
        ) if values.employer_id else None  # fmt: skip
        if employer_id is None:
            raise ServiceError(_("请选择用工企业"), "employer")
    if position is None:
        try:
            campaign = get_jobs_campaign_or_404(session, values.campaign_id)
        except NotFound as exc:
            raise ServiceError(_("请选择助企帮招活动"), "campaign") from exc
        if campaign.status == CampaignStatus.closed:
            raise ServiceError(_("这一季的助企帮招已经结束，不能再发布岗位"), "campaign")
        position = JobPosition(campaign_id=campaign.id, employer_id=employer_id,
                               created_by=actor.id, **cleaned)  # fmt: skip
        session.add(position)
        session.flush()
        record(session, "campaigns.job_position_create", actor.id, f"job_position:{position.id}")
        return position
    hired = _hired(session, position.id)
    if cleaned["openings"] < hired:
        raise ServiceError(_("已有 %(n)d 人入职，招聘人数不能少于 %(n)d", n=hired), "openings")
    cleaned["employer_id"] = employer_id
    changed = sorted(k for k, v in cleaned.items() if getattr(position, k) != v)
    for key, value in cleaned.items():
        setattr(position, key, value)
    session.flush()
    if changed:
        record(session, "campaigns.job_position_update", actor.id, f"job_position:{position.id}",
               {"fields": ",".join(changed)})  # fmt: skip
    return position


def set_status(session: Session, actor: User, position: JobPosition, status: str) -> JobPosition:
    """Open or close a position (停止招聘 / 重新招聘). :raise ServiceError: an unknown status"""
    if status not in PositionStatus.__members__:
        raise ServiceError(_("请选择招聘状态"), "status")
    if position.status != status:
        position.status = status
        session.flush()
        record(session, "campaigns.job_position_update", actor.id, f"job_position:{position.id}",
               {"fields": "status"})  # fmt: skip
    return position


def position_input(position: JobPosition) -> PositionInput:
    return PositionInput(
        campaign_id=position.campaign_id,
        employer_id=position.employer_id,
        title=position.title,
        openings=str(position.openings),
        pay_min="" if position.pay_min is None else str(position.pay_min),
        pay_max="" if position.pay_max is None else str(position.pay_max),
        requirements=position.requirements,
        status=position.status,
    )


def position_names(session: Session, ids: list[int]) -> dict[int, str]:
    """The audit log's names of its position targets, in one statement."""
    return dict(
        session.execute(
            select(JobPosition.id, JobPosition.title).where(JobPosition.id.in_(ids))
        ).all()
    )


# --- an employer's own positions ----------------------------------------------------------------


def own_positions(session: Session, employer: Employer) -> list[PositionRow]:
    """Every position of ``employer``, newest first, with how many seekers were put forward,
    interviewed and hired (counts only; one statement)."""
    counts = match_counts()
    rows = session.execute(
        select(JobPosition, Employer.name, counts.c.matched, counts.c.interviews, counts.c.hired)
        .join(Employer, Employer.id == JobPosition.employer_id)
        .outerjoin(counts, counts.c.position_id == JobPosition.id)
        .where(JobPosition.employer_id == employer.id)
        .order_by(JobPosition.created_at.desc(), JobPosition.id.desc())
        .limit(200)
    )
    return [PositionRow(p, e, m or 0, i or 0, h or 0) for p, e, m, i, h in rows]
