"""In-service party members (在职党员双报到) and vanguard posts (先锋岗位).

A party member reports once (one row per person, a unique key says so); editing a confirmed
report sends it back to pending. Staff confirm or reject it, each one guarded UPDATE on the
pending status. A confirmed member claims a post: the claim row first (the unique key refuses a
second claim by the same person), then one slot taken by a guarded UPDATE on ``claimed <
slots`` — the database decides, as seats do in ``tenants/events/registration.py``.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, false, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from saas.audit.services import record
from saas.auth.models import Role, User
from saas.db import guarded_update, insert_ignoring_conflict, new_id, utcnow
from saas.errors import Forbidden, NotFound, ServiceError
from saas.listing import count_rows, one_page
from saas.notify.models import Notification
from saas.notify.services import notify
from saas.streets.models import Tenant
from tenants.alliance.lists import common
from tenants.alliance.models import MemberReport, Post, PostClaim, ReportStatus
from tenants.orgs.models import Organisation
from tenants.orgs.records import clean_tags, tag_set

#: the specialties the report form suggests; any other may be typed
SPECIALTIES = ("政策宣讲", "医疗义诊", "法律咨询", "环境整治", "教育辅导", "维修")
REPORT_LABELS = {
    ReportStatus.pending: _l("待确认"),
    ReportStatus.confirmed: _l("已确认"),
    ReportStatus.rejected: _l("未通过"),
}
SLOTS_MAX = 500
#: open posts a member's phone lists at most
POSTS_SHOWN = 100


# --- reports ------------------------------------------------------------------------------------


def can_report(user: User) -> bool:
    """Volunteers who are party members report (双报到)."""
    return user.role == Role.volunteer and bool(user.is_party_member)


def report_of(session: Session, user: User) -> MemberReport | None:
    return session.scalar(select(MemberReport).where(MemberReport.user_id == user.id))


@dataclass
class ReportInput:
    community_id: int | None
    organisation_id: int | None
    work_unit: str
    specialties: list[str]
    other_specialties: str
    availability: str


def submit_report(session: Session, member: User, data: ReportInput) -> MemberReport:
    """The member's report, new or changed (a confirmed one goes back to pending when changed).

    :raise Forbidden: not a party member's account
    :raise ServiceError: a field is refused (``field`` names it)
    """
    if not can_report(member):
        raise Forbidden(_("只有党员志愿者可以报到"))
    community_id = common.community_for(session, member, data.community_id, required=True)
    organisation_id, work_unit = None, ""
    if data.organisation_id is not None:
        unit = common.alliance_unit(session, data.organisation_id, "organisation")
        organisation_id, work_unit = unit.id, unit.name
    else:
        work_unit = common.one_line(
            data.work_unit, "work_unit", _("工作单位"), common.SHORT_MAX, required=False
        )
        if not work_unit:
            raise ServiceError(_("请选择或填写工作单位"), "work_unit")
    specialties = clean_tags(
        "、".join([*(s for s in data.specialties if s), data.other_specialties or ""]),
        "specialties",
    )
    if not specialties:
        raise ServiceError(_("请至少选择或填写一项特长"), "specialties")
    availability = common.one_line(
        data.availability, "availability", _("可服务时间"), common.SHORT_MAX, required=True
    )
    values = {
        "community_id": community_id,
        "organisation_id": organisation_id,
        "work_unit": work_unit,
        "specialties": specialties,
        "availability": availability,
    }
    report = report_of(session, member)
    if report is None:
        report = MemberReport(user_id=member.id, status=ReportStatus.pending, **values)
        session.add(report)
        try:
            session.flush()
        except IntegrityError as exc:  # the same person sending twice at once
            raise ServiceError(_("您已提交过报到，请刷新后修改")) from exc
        return report
    changed = any(getattr(report, key) != value for key, value in values.items())
    for key, value in values.items():
        setattr(report, key, value)
    if changed and report.status != ReportStatus.pending:
        report.status = ReportStatus.pending
        report.decided_by = None
        report.decided_at = None
    session.flush()
    return report


def last_rejection(session: Session, member: User) -> str:
    """Why the member's report was last refused (the body of the notice they got), or ""."""
    return (
        session.scalar(
            select(Notification.body)
            .where(
                Notification.user_id == member.id, Notification.kind == "alliance.report_rejected"
            )
            .order_by(Notification.id.desc())
            .limit(1)
        )
        or ""
    )


def _report_scope(stmt, actor: User):
    limited = actor.limited_to_community
    return stmt if limited is None else stmt.where(MemberReport.community_id == limited)


def get_report_or_404(session: Session, actor: User, report_id: int) -> MemberReport:
    """A report the office ``actor`` may decide on.

    :raise NotFound: none such in this street, or another community's for limited staff
    """
    common.require_office(actor)
    report = session.scalar(
        _report_scope(select(MemberReport).where(MemberReport.id == report_id), actor)
    )
    if report is None:
        raise NotFound(_("报到记录不存在"))
    return report


def confirm_report(session: Session, actor: User, tenant: Tenant, report: MemberReport) -> None:
    """:raise ServiceError: it is no longer pending (someone decided first)"""
    common.require_office(actor)
    if not guarded_update(
        session,
        report,
        MemberReport.status == ReportStatus.pending,
        status=ReportStatus.confirmed,
        decided_by=actor.id,
        decided_at=utcnow(),
    ):
        raise ServiceError(_("这条报到已处理过了"))
    record(session, "alliance.report_confirm", actor.id, f"user:{report.user_id}")
    member = session.get(User, (report.tenant_id, report.user_id))
    if member is not None:
        notify(
            session,
            member,
            "alliance.report_confirmed",
            _l("双报到已确认"),
            _l("您已成为社区报到党员，可以认领先锋岗位了。"),
            link=f"/{tenant.slug}/alliance/posts",
        )


def reject_report(
    session: Session, actor: User, tenant: Tenant, report: MemberReport, reason: str
) -> None:
    """:raise ServiceError: no reason, a reason too long, or no longer pending"""
    common.require_office(actor)
    reason = common.one_line(reason, "reason", _("理由"), common.REASON_MAX, required=True)
    if not guarded_update(
        session,
        report,
        MemberReport.status == ReportStatus.pending,
        status=ReportStatus.rejected,
        decided_by=actor.id,
        decided_at=utcnow(),
    ):
        raise ServiceError(_("这条报到已处理过了"))
    record(
        session, "alliance.report_reject", actor.id, f"user:{report.user_id}", {"reason": reason}
    )
    member = session.get(User, (report.tenant_id, report.user_id))
    if member is not None:
        notify(
            session,
            member,
            "alliance.report_rejected",
            _l("双报到未通过"),
            reason,
            link=f"/{tenant.slug}/alliance/report",
        )


@dataclass(frozen=True)
class ReportFilters:
    status: str = ""
    community_id: int | None = None
    #: an alliance unit's id, or -1 for "typed, not one of the units"
    organisation_id: int | None = None


@dataclass(frozen=True)
class ReportRow:
    report: MemberReport
    name: str
    phone: str
    unit: str


def list_reports(
    session: Session, actor: User, filters: ReportFilters, page: int = 1, size: int = common.PAGE
) -> tuple[list[ReportRow], int]:
    """One page of the reports ``actor`` sees, pending first then newest; two statements."""
    common.require_office(actor)
    stmt = _report_scope(
        select(MemberReport, User.name, User.phone, Organisation.name)
        .join(User, User.id == MemberReport.user_id)
        .outerjoin(Organisation, Organisation.id == MemberReport.organisation_id),
        actor,
    )
    if filters.status in ReportStatus.__members__:
        stmt = stmt.where(MemberReport.status == filters.status)
    if filters.community_id is not None:
        stmt = stmt.where(MemberReport.community_id == filters.community_id)
    if filters.organisation_id == -1:
        stmt = stmt.where(MemberReport.organisation_id.is_(None))
    elif filters.organisation_id is not None:
        stmt = stmt.where(MemberReport.organisation_id == filters.organisation_id)
    total = count_rows(session, stmt)
    pending_first = (MemberReport.status != ReportStatus.pending).asc()
    rows = session.execute(
        one_page(stmt.order_by(pending_first, MemberReport.id.desc()), page, size)
    ).all()
    return [ReportRow(r, name, phone, unit or r.work_unit) for r, name, phone, unit in rows], total


def count_pending_reports(session: Session, actor: User) -> int:
    """The to-do "N 条双报到待确认": pending reports of what ``actor`` sees."""
    stmt = _report_scope(
        select(MemberReport.id).where(MemberReport.status == ReportStatus.pending), actor
    )
    return count_rows(session, stmt)


# --- posts --------------------------------------------------------------------------------------


@dataclass
class PostInput:
    title: str
    description: str
    community_id: int | None
    specialties: str
    slots: str | int


def _post_values(session: Session, actor: User, data: PostInput) -> dict:
    return {
        "title": common.one_line(data.title, "title", _("岗位名称"), common.TITLE_MAX, True),
        "description": common.long_text(data.description, "description", _("岗位说明")),
        "community_id": common.community_for(session, actor, data.community_id, required=False),
        "specialties": clean_tags(data.specialties, "specialties"),
        "slots": common.whole_number(data.slots, "slots", _("名额"), 1, SLOTS_MAX),
    }


def publish_post(session: Session, actor: User, data: PostInput) -> Post:
    """:raise ServiceError: a field is refused, or an open post of that title exists"""
    common.require_office(actor)
    values = _post_values(session, actor, data)
    duplicate = session.scalar(
        select(Post.id).where(Post.title == values["title"], Post.is_open.is_(True)).limit(1)
    )
    if duplicate is not None:
        raise ServiceError(_("已有同名的开放岗位"), "title")
    post = Post(**values, created_by=actor.id, claimed=0, is_open=True)
    session.add(post)
    session.flush()
    return post


def _post_scope(stmt, actor: User):
    limited = actor.limited_to_community
    return stmt if limited is None else stmt.where(Post.community_id == limited)


def get_managed_post_or_404(session: Session, actor: User, post_id: int) -> Post:
    """:raise NotFound: no such post in this street, or another community's for limited staff"""
    common.require_office(actor)
    post = session.scalar(_post_scope(select(Post).where(Post.id == post_id), actor))
    if post is None:
        raise NotFound(_("岗位不存在"))
    return post


def set_post_open(session: Session, actor: User, post: Post, is_open: bool) -> None:
    common.require_office(actor)
    post.is_open = is_open
    session.flush()


def list_posts(
    session: Session,
    actor: User,
    community_id: int | str | None = None,
    state: str = "",
    page: int = 1,
    size: int = common.PAGE,
) -> tuple[list[Post], int]:
    """Posts for the office, newest first; ``community_id`` "street" for street-wide ones."""
    common.require_office(actor)
    stmt = _post_scope(select(Post), actor)
    if community_id == "street":
        stmt = stmt.where(Post.community_id.is_(None))
    elif community_id is not None:
        stmt = stmt.where(Post.community_id == community_id)
    if state == "open":
        stmt = stmt.where(Post.is_open.is_(True))
    elif state == "closed":
        stmt = stmt.where(Post.is_open.is_(False))
    total = count_rows(session, stmt)
    return list(session.scalars(one_page(stmt.order_by(Post.id.desc()), page, size))), total


@dataclass(frozen=True)
class Claimant:
    claim: PostClaim
    name: str
    phone: str
    unit: str
    specialties: str


def claimants(session: Session, post: Post, limit: int | None = None) -> list[Claimant]:
    """Who claimed ``post`` (the first ``limit`` of them, else all), with their reported work
    unit; one statement."""
    rows = session.execute(
        select(PostClaim, User.name, User.phone, MemberReport.work_unit, MemberReport.specialties)
        .join(User, User.id == PostClaim.user_id)
        .outerjoin(MemberReport, MemberReport.user_id == PostClaim.user_id)
        .where(PostClaim.post_id == post.id)
        .order_by(PostClaim.id)
        .limit(limit)
    ).all()
    return [Claimant(c, n, p, u or "", s or "") for c, n, p, u, s in rows]


def confirmed_report(session: Session, member: User) -> MemberReport | None:
    report = report_of(session, member)
    return report if report is not None and report.status == ReportStatus.confirmed else None


@dataclass(frozen=True)
class OpenPost:
    post: Post
    matching: list[str]
    mine: bool


def posts_for_member(session: Session, member: User) -> tuple[MemberReport | None, list[OpenPost]]:
    """A member's report and the posts they may see: open ones of their community and the
    whole street, those matching their specialties first, then the ones they claimed (open or
    not). Nothing for a member not yet confirmed. Three statements."""
    report = confirmed_report(session, member)
    if report is None:
        return report_of(session, member), []
    mine = set(session.scalars(select(PostClaim.post_id).where(PostClaim.user_id == member.id)))
    posts = session.scalars(
        select(Post)
        .where(
            or_(
                Post.is_open.is_(True)
                & or_(Post.community_id.is_(None), Post.community_id == report.community_id),
                Post.id.in_(mine) if mine else false(),
            )
        )
        .order_by(Post.id.desc())
        .limit(POSTS_SHOWN)
    ).all()
    skills = tag_set(report.specialties)
    shown = [
        OpenPost(p, [t for t in p.specialties.split("、") if t in skills], p.id in mine)
        for p in posts
    ]
    shown.sort(key=lambda o: (not o.mine, -len(o.matching)))
    return report, shown


def claim_post(session: Session, member: User, post_id: int) -> Post:
    """Take one of the post's slots for ``member``.

    :raise NotFound: no such post in this street, or one the member may not see
    :raise ServiceError: not confirmed, closed, already claimed, or full
    """
    report = confirmed_report(session, member)
    if report is None:
        raise ServiceError(_("双报到确认后才能认领岗位"))
    post = session.scalar(select(Post).where(Post.id == post_id))
    if post is None or post.community_id not in (None, report.community_id):
        raise NotFound(_("岗位不存在"))
    if not post.is_open:
        raise ServiceError(_("该岗位已停止认领"))
    claim_id = insert_ignoring_conflict(
        session,
        PostClaim,
        {
            "tenant_id": post.tenant_id,
            "id": new_id(),
            "post_id": post.id,
            "user_id": member.id,
            "created_at": utcnow(),
        },
        ["tenant_id", "post_id", "user_id"],
    )
    if claim_id is None:
        raise ServiceError(_("您已认领该岗位"))
    taken = session.execute(
        update(Post)
        .where(Post.id == post.id, Post.is_open.is_(True), Post.claimed < Post.slots)
        .values(claimed=Post.claimed + 1)
        .returning(Post.claimed)
        .execution_options(synchronize_session=False)
    ).scalar()
    if taken is None:
        raise ServiceError(_("名额已满"))  # the view rolls back: the claim row goes too
    session.expire(post, ["claimed"])
    return post


def withdraw_claim(session: Session, member: User, post_id: int) -> None:
    """The member gives the slot back.

    :raise NotFound: the member holds no claim on this post
    """
    gone = session.execute(
        delete(PostClaim)
        .where(PostClaim.post_id == post_id, PostClaim.user_id == member.id)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not gone:
        raise NotFound(_("您没有认领该岗位"))
    session.execute(
        update(Post)
        .where(Post.id == post_id, Post.claimed > 0)
        .values(claimed=Post.claimed - 1)
        .execution_options(synchronize_session=False)
    )
