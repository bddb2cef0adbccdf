"""Job seekers (求职登记): registered during a jobs campaign by staff at the window (招工窗口) or
by residents themselves on the phone (``/<slug>/jobs``), once per phone and campaign (the unique
key decides when two registrations race).

Who sees them: the admin all, with whole phones; a community's staff their community's, masked;
a resident only their own registration and the state of their own matches."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import Select, and_, case, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from saas.audit.services import record
from saas.auth.models import Role, User
from saas.errors import NotFound, ServiceError
from saas.forms import parse_id
from saas.listing import contains_pattern, count_rows, one_page
from tenants.campaigns.jobs.common import (
    PAGE,
    clean_community,
    clean_phone,
    clean_text,
    require_office,
)
from tenants.campaigns.jobs_models import (
    AgeBand,
    Employer,
    JobMatch,
    JobPosition,
    JobSeeker,
    MatchStatus,
)
from tenants.campaigns.models import Campaign, CampaignStatus
from tenants.structure.models import Community

NAME_MAX, SKILLS_MAX, WANTED_MAX = 40, 200, 100
#: the filter on the seekers' matches: none yet, in progress (推荐/面试), hired
MATCH_FILTERS = ("none", "active", "hired")


def _visible(viewer: User):
    limited = viewer.limited_to_community
    return True if limited is None else JobSeeker.community_id == limited


def get_seeker_or_404(session: Session, viewer: User, seeker_id: int) -> JobSeeker:
    """A seeker an office account may see.

    :raise NotFound: no such seeker in this street, or another community's (for its staff)
    """
    seeker = None
    if viewer.is_office:
        seeker = session.scalar(
            select(JobSeeker).where(JobSeeker.id == seeker_id, _visible(viewer))
        )
    if seeker is None:
        raise NotFound(_("求职登记不存在"))
    return seeker


def campaign_seeker(
    session: Session, viewer: User, campaign_id: int, seeker_id: int | None
) -> JobSeeker:
    """A seeker of ``campaign_id`` ``viewer`` may put forward (a position's 推荐 form).

    :raise ServiceError: none chosen, or not one of the campaign's seekers ``viewer`` sees
    """
    seeker = session.scalar(
        select(JobSeeker).where(
            JobSeeker.id == seeker_id, JobSeeker.campaign_id == campaign_id, _visible(viewer)
        )
    ) if seeker_id else None  # fmt: skip
    if seeker is None:
        raise ServiceError(_("请选择本季的求职者"), "seeker")
    return seeker


def community_name(session: Session, seeker: JobSeeker) -> str | None:
    if seeker.community_id is None:
        return None
    return session.scalar(select(Community.name).where(Community.id == seeker.community_id))


# --- the office's list ---------------------------------------------------------------------------


@dataclass(frozen=True)
class SeekerFilters:
    community: str = ""
    age_band: str = ""
    #: one of MATCH_FILTERS, or "" for all
    matches: str = ""
    q: str = ""

    def args(self) -> dict[str, str]:
        return {"community": self.community, "age_band": self.age_band,
                "matches": self.matches, "q": self.q}  # fmt: skip


@dataclass(frozen=True)
class SeekerRow:
    seeker: JobSeeker
    community: str | None
    #: matches made, in progress (推荐/面试), hired
    matched: int
    active: int
    hired: int


def _match_counts():
    return (
        select(
            JobMatch.seeker_id,
            func.count().label("matched"),
            func.sum(
                case(
                    (JobMatch.status.in_((MatchStatus.matched, MatchStatus.interview)), 1),
                    else_=0,
                )
            ).label("active"),
            func.sum(case((JobMatch.status == MatchStatus.hired, 1), else_=0)).label("hired"),
        )
        .group_by(JobMatch.seeker_id)
        .subquery("seeker_matches")
    )


def _list_statement(viewer: User, campaign: Campaign, filters: SeekerFilters) -> Select:
    counts = _match_counts()
    stmt = (
        select(JobSeeker, Community.name, counts.c.matched, counts.c.active, counts.c.hired)
        .outerjoin(Community, Community.id == JobSeeker.community_id)
        .outerjoin(counts, counts.c.seeker_id == JobSeeker.id)
        .where(JobSeeker.campaign_id == campaign.id, _visible(viewer))
    )
    if (community_id := parse_id(filters.community)) is not None:
        stmt = stmt.where(JobSeeker.community_id == community_id)
    if filters.age_band in {b.value for b in AgeBand}:
        stmt = stmt.where(JobSeeker.age_band == filters.age_band)
    if filters.matches == "none":
        stmt = stmt.where(counts.c.seeker_id.is_(None))
    elif filters.matches == "active":
        stmt = stmt.where(counts.c.active > 0)
    elif filters.matches == "hired":
        stmt = stmt.where(counts.c.hired > 0)
    pattern = contains_pattern(filters.q)
    if pattern:
        searched = [JobSeeker.name.like(pattern), JobSeeker.skills.like(pattern),
                    JobSeeker.wanted.like(pattern)]  # fmt: skip
        if viewer.sees_phones:  # only who sees whole numbers may search by them
            searched.append(JobSeeker.phone.like(pattern))
        stmt = stmt.where(or_(*searched))
    return stmt


def list_seekers(
    session: Session,
    viewer: User,
    campaign: Campaign,
    filters: SeekerFilters,
    page: int = 1,
    size: int = PAGE,
) -> tuple[list[SeekerRow], int]:
    """One page of the campaign's seekers ``viewer`` may see, newest first, with their matches
    counted, and how many match the filters (two statements)."""
    stmt = _list_statement(viewer, campaign, filters)
    total = count_rows(session, stmt)
    rows = session.execute(
        one_page(stmt.order_by(JobSeeker.created_at.desc(), JobSeeker.id.desc()), page, size)
    )
    return [SeekerRow(s, c, m or 0, a or 0, h or 0) for s, c, m, a, h in rows], total


def seeker_choices(session: Session, viewer: User, campaign_id: int) -> list[tuple[int, str]]:
    """The campaign's seekers ``viewer`` may put forward, (id, "name (wanted)"), newest first."""
    rows = session.execute(
        select(JobSeeker.id, JobSeeker.name, JobSeeker.wanted)
        .where(JobSeeker.campaign_id == campaign_id, _visible(viewer))
        .order_by(JobSeeker.created_at.desc(), JobSeeker.id.desc())
        .limit(500)
    )
    return [(i, f"{n}（{w}）" if w else n) for i, n, w in rows]


# --- registering ---------------------------------------------------------------------------------


@dataclass
class SeekerInput:
    name: str = ""
    phone: str = ""
    age_band: str = ""
    skills: str = ""
    wanted: str = ""
    community_id: int | None = None


def _taken() -> str:
    return _("这个手机号已在本季助企帮招中登记过求职")


def _clean(values: SeekerInput) -> dict:
    name = clean_text(values.name, NAME_MAX, "name")
    if not name:
        raise ServiceError(_("请填写姓名"), "name")
    if values.age_band not in {b.value for b in AgeBand}:
        raise ServiceError(_("请选择年龄段"), "age_band")
    return {
        "name": name,
        "phone": clean_phone(values.phone, "phone", required=True),
        "age_band": values.age_band,
        "skills": clean_text(values.skills, SKILLS_MAX, "skills"),
        "wanted": clean_text(values.wanted, WANTED_MAX, "wanted"),
    }


def phone_taken(session: Session, campaign_id: int, phone: str) -> bool:
    return (
        session.scalar(
            select(JobSeeker.id).where(
                JobSeeker.campaign_id == campaign_id, JobSeeker.phone == phone
            )
        )
        is not None
    )


def _insert(session: Session, actor: User, seeker: JobSeeker) -> JobSeeker:
    if phone_taken(session, seeker.campaign_id, seeker.phone):
        raise ServiceError(_taken(), "phone")
    try:
        with session.begin_nested():
            session.add(seeker)
            session.flush()
    except IntegrityError as exc:  # the same phone registered at this very moment
        raise ServiceError(_taken(), "phone") from exc
    record(session, "campaigns.job_seeker_create", actor.id, f"job_seeker:{seeker.id}",
           {"self": 1} if seeker.created_by is None else {})  # fmt: skip
    return seeker


def _open_campaign(campaign: Campaign) -> None:
    if campaign.status == CampaignStatus.closed:
        raise ServiceError(_("这一季的助企帮招已经结束，不能再登记"))


def register_seeker(
    session: Session, actor: User, campaign: Campaign, values: SeekerInput
) -> JobSeeker:
    """Staff register a seeker at the window; linked to the resident's account when one has
    that phone (they then see it on their phone and hear of their matches). Audit-logged.

    :raise ServiceError: with its field: no name, no age band from the list, a phone that is not
        a mainland mobile or already registered in this campaign (also under a race), another
        community (for a community's staff), a closed campaign
    """
    require_office(actor)
    _open_campaign(campaign)
    cleaned = _clean(values)
    community_id = clean_community(session, actor, values.community_id)
    account = session.scalar(
        select(User.id).where(User.phone == cleaned["phone"], User.role == Role.volunteer)
    )
    seeker = JobSeeker(campaign_id=campaign.id, user_id=account, community_id=community_id,
                       created_by=actor.id, **cleaned)  # fmt: skip
    return _insert(session, actor, seeker)


def own_registration(session: Session, user: User, campaign: Campaign) -> JobSeeker | None:
    """The resident's own registration in ``campaign``: made by them, or by staff with their
    account's phone."""
    return session.scalar(
        select(JobSeeker)
        .where(
            JobSeeker.campaign_id == campaign.id,
            or_(
                JobSeeker.user_id == user.id,
                and_(JobSeeker.user_id.is_(None), JobSeeker.phone == user.phone),
            ),
        )  # fmt: skip
        .order_by(JobSeeker.id)
        .limit(1)
    )


def register_self(
    session: Session, user: User, campaign: Campaign, values: SeekerInput
) -> JobSeeker:
    """A resident registers themselves (登记求职), once per campaign. Their community is their
    account's. Audit-logged.

    :raise ServiceError: not a resident's account; already registered (by account or phone, also
        under a race); the fields' refusals of :func:`register_seeker`
    """
    if user.role != Role.volunteer:
        raise ServiceError(_("请用居民账号登记求职"))
    _open_campaign(campaign)
    if own_registration(session, user, campaign) is not None:
        raise ServiceError(_("你已在本季助企帮招中登记过求职"))
    cleaned = _clean(values)
    seeker = JobSeeker(campaign_id=campaign.id, user_id=user.id,
                       community_id=user.community_id, **cleaned)  # fmt: skip
    return _insert(session, user, seeker)


@dataclass(frozen=True)
class OwnMatch:
    title: str
    employer: str
    status: str
    interview_at: object
    hired_on: object


def own_matches(session: Session, seeker: JobSeeker) -> list[OwnMatch]:
    """The positions the resident was put forward for and where each stands (one statement):
    nothing of any other seeker's."""
    rows = session.execute(
        select(
            JobPosition.title,
            Employer.name,
            JobMatch.status,
            JobMatch.interview_at,
            JobMatch.hired_on,
        )  # fmt: skip
        .join(JobPosition, JobPosition.id == JobMatch.position_id)
        .join(Employer, Employer.id == JobPosition.employer_id)
        .where(JobMatch.seeker_id == seeker.id)
        .order_by(JobMatch.created_at.desc(), JobMatch.id.desc())
    )
    return [OwnMatch(*row) for row in rows]


def seeker_names(session: Session, ids: list[int]) -> dict[int, str]:
    """The audit log's names of its seeker targets, in one statement."""
    return dict(
        session.execute(select(JobSeeker.id, JobSeeker.name).where(JobSeeker.id.in_(ids))).all()
    )
