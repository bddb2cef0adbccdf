"""Matches (推荐): staff put a seeker forward for a position of the same campaign, then record an
interview (面试, a date and time), a hire (入职, a date not in the future) or a decline (未成功).

Steps: matched → interview → hired | declined; matched → hired | declined; an interview may be
moved (recorded again). Hired and declined are final: nothing is recorded after them (a seeker
turned down may be put forward for another position). A hire is always a match's step: there is
no other way to record one. A position's hires never exceed its openings: the position's row is
locked while they are counted, so two hires racing for the last opening make one.

The seeker hears (in-app, kind ``campaigns.job_match``) when put forward and when hired, if
they have an account."""

from __future__ import annotations

from datetime import date, datetime

from flask import g, has_app_context
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from saas.audit.services import record
from saas.auth.models import User
from saas.db import utcnow
from saas.errors import NotFound, ServiceError
from saas.notify.services import notify
from saas.text import fold
from saas.ui import street_today
from tenants.campaigns.jobs.common import require_office
from tenants.campaigns.jobs.seekers import _visible as _seeker_visible
from tenants.campaigns.jobs_models import (
    Employer,
    JobMatch,
    JobPosition,
    JobSeeker,
    MatchStatus,
    PositionStatus,
)
from tenants.campaigns.models import Campaign
from tenants.events.forms import parse_local_datetime

NOTE_MAX = 200
KIND = "campaigns.job_match"
#: what may follow each step
NEXT = {
    MatchStatus.matched: {MatchStatus.interview, MatchStatus.hired, MatchStatus.declined},
    MatchStatus.interview: {MatchStatus.interview, MatchStatus.hired, MatchStatus.declined},
    MatchStatus.hired: set(),
    MatchStatus.declined: set(),
}


def _link() -> str:
    tenant = g.get("tenant") if has_app_context() else None
    return f"/{tenant.slug}/jobs" if tenant is not None else ""


def _tell(session: Session, seeker: JobSeeker, title, body) -> None:
    if seeker.user_id is None:
        return
    account = session.scalar(select(User).where(User.id == seeker.user_id))
    if account is not None and account.is_enabled:
        notify(session, account, KIND, title, body, link=_link())


def put_forward(
    session: Session, actor: User, seeker: JobSeeker, position_id: int | None, note: str = ""
) -> JobMatch:
    """Put ``seeker`` forward for a position of their campaign (推荐); audit-logged, and the
    seeker told if they have an account.

    :raise ServiceError: no position, one of another campaign, a closed one, the seeker already
        put forward for it (also under a race)
    """
    require_office(actor)
    position = session.scalar(
        select(JobPosition).where(
            JobPosition.id == position_id, JobPosition.campaign_id == seeker.campaign_id
        )
    ) if position_id else None  # fmt: skip
    if position is None:
        raise ServiceError(_("请选择本季的岗位"), "position")
    if position.status != PositionStatus.open:
        raise ServiceError(_("这个岗位已停止招聘"), "position")
    taken = _("已经向这个岗位推荐过%(name)s", name=seeker.name)
    if session.scalar(
        select(JobMatch.id).where(
            JobMatch.seeker_id == seeker.id, JobMatch.position_id == position.id
        )
    ):
        raise ServiceError(taken, "position")
    note = " ".join((note or "").split())
    if len(note) > NOTE_MAX:
        raise ServiceError(_("不能超过 %(n)d 个字", n=NOTE_MAX), "note")
    match = JobMatch(seeker_id=seeker.id, position_id=position.id, note=note,
                     created_by=actor.id)  # fmt: skip
    try:
        with session.begin_nested():
            session.add(match)
            session.flush()
    except IntegrityError as exc:
        raise ServiceError(taken, "position") from exc
    record(session, "campaigns.job_match_create", actor.id, f"job_seeker:{seeker.id}",
           {"position_id": position.id, "match_id": match.id})  # fmt: skip
    employer = session.scalar(select(Employer.name).where(Employer.id == position.employer_id))
    _tell(session, seeker, _l("已为你推荐岗位：%(title)s", title=position.title),
          _l("%(employer)s · %(title)s。工作人员会联系你安排面试。", employer=employer,
             title=position.title))  # fmt: skip
    return match


def get_match_or_404(
    session: Session, viewer: User, campaign: Campaign, match_id: int
) -> tuple[JobMatch, JobSeeker, JobPosition]:
    """A match of ``campaign`` whose seeker ``viewer`` may see.

    :raise NotFound: no such match, another street's, another campaign's, or (for a community's
        staff) another community's seeker's
    """
    row = None
    if viewer.is_office:
        row = session.execute(
            select(JobMatch, JobSeeker, JobPosition)
            .join(JobSeeker, JobSeeker.id == JobMatch.seeker_id)
            .join(JobPosition, JobPosition.id == JobMatch.position_id)
            .where(
                JobMatch.id == match_id,
                JobPosition.campaign_id == campaign.id,
                JobSeeker.campaign_id == campaign.id,
                _seeker_visible(viewer),
            )
        ).first()
    if row is None:
        raise NotFound(_("推荐记录不存在"))
    return row[0], row[1], row[2]


def _step(match: JobMatch, to: str) -> None:
    if to not in NEXT[MatchStatus(match.status)]:
        raise ServiceError(
            _("这条推荐已是“%(status)s”，不能再改为“%(to)s”",
              status=_status_label(match.status), to=_status_label(to))
        )  # fmt: skip


def _status_label(status: str) -> str:
    from tenants.campaigns.jobs.common import MATCH_LABELS

    return str(MATCH_LABELS.get(status, status))


def record_interview(
    session: Session, actor: User, match: JobMatch, raw_when: str | None
) -> JobMatch:
    """An interview at ``raw_when`` (a local date and time); moved if one was set.

    :raise ServiceError: no valid date and time; the match already hired or declined
    """
    require_office(actor)
    try:
        when = parse_local_datetime(fold(raw_when) if raw_when else "")
    except ValueError as exc:
        raise ServiceError(str(exc), "interview_at") from exc
    if when is None:
        raise ServiceError(_("请填写面试的日期和时间"), "interview_at")
    _step(match, MatchStatus.interview)
    match.status, match.interview_at, match.updated_at = MatchStatus.interview, when, utcnow()
    session.flush()
    record(session, "campaigns.job_match_interview", actor.id, f"job_seeker:{match.seeker_id}",
           {"match_id": match.id})  # fmt: skip
    return match


def parse_day(raw: str | None, field: str) -> date:
    text = fold(raw)[:10] if raw else ""
    try:
        day = datetime.strptime(text, "%Y-%m-%d").date()
    except ValueError as exc:
        raise ServiceError(_("请填写有效的日期，如 2026-05-01"), field) from exc
    if day.year < 2000:
        raise ServiceError(_("请填写有效的日期，如 2026-05-01"), field)
    return day


def record_hire(session: Session, actor: User, match: JobMatch, raw_day: str | None) -> JobMatch:
    """A hire on ``raw_day`` (入职), only from matched or interview, within the position's
    openings (its row locked while the hires are counted). Audit-logged; the seeker told.

    :raise ServiceError: no valid date, a date in the future, a match already final, the
        position's openings all filled
    """
    require_office(actor)
    day = parse_day(raw_day, "hired_on")
    if day > street_today():
        raise ServiceError(_("入职日期不能晚于今天"), "hired_on")
    _step(match, MatchStatus.hired)
    position = session.scalar(
        select(JobPosition).where(JobPosition.id == match.position_id).with_for_update()
    )
    hired = (
        session.scalar(
            select(func.count()).where(
                JobMatch.position_id == position.id, JobMatch.status == MatchStatus.hired
            )
        )
        or 0
    )
    if hired >= position.openings:
        raise ServiceError(
            _("岗位“%(title)s”招聘 %(n)d 人，已全部入职，不能再登记入职",
              title=position.title, n=position.openings)
        )  # fmt: skip
    match.status, match.hired_on, match.updated_at = MatchStatus.hired, day, utcnow()
    session.flush()
    record(session, "campaigns.job_match_hire", actor.id, f"job_seeker:{match.seeker_id}",
           {"match_id": match.id, "position_id": position.id})  # fmt: skip
    seeker = session.scalar(select(JobSeeker).where(JobSeeker.id == match.seeker_id))
    _tell(session, seeker, _l("恭喜入职：%(title)s", title=position.title),
          _l("入职日期 %(day)s。", day=day.isoformat()))  # fmt: skip
    return match


def record_decline(session: Session, actor: User, match: JobMatch, note: str = "") -> JobMatch:
    """The match ends without a hire (未成功). :raise ServiceError: already hired or declined"""
    require_office(actor)
    _step(match, MatchStatus.declined)
    note = " ".join((note or "").split())[:NOTE_MAX]
    match.status, match.updated_at = MatchStatus.declined, utcnow()
    if note:
        match.note = note
    session.flush()
    record(session, "campaigns.job_match_decline", actor.id, f"job_seeker:{match.seeker_id}",
           {"match_id": match.id})  # fmt: skip
    return match


def matches_of_seeker(session: Session, seeker: JobSeeker) -> list:
    """(match, position title, employer name) of a seeker, newest first (one statement)."""
    return list(
        session.execute(
            select(JobMatch, JobPosition.title, Employer.name)
            .join(JobPosition, JobPosition.id == JobMatch.position_id)
            .join(Employer, Employer.id == JobPosition.employer_id)
            .where(JobMatch.seeker_id == seeker.id)
            .order_by(JobMatch.created_at.desc(), JobMatch.id.desc())
        )
    )


def matches_of_position(session: Session, viewer: User, position: JobPosition) -> list:
    """(match, seeker) of a position whose seekers ``viewer`` may see, newest first."""
    return list(
        session.execute(
            select(JobMatch, JobSeeker)
            .join(JobSeeker, JobSeeker.id == JobMatch.seeker_id)
            .where(JobMatch.position_id == position.id, _seeker_visible(viewer))
            .order_by(JobMatch.created_at.desc(), JobMatch.id.desc())
        )
    )
