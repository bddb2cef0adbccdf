"""Micro-wishes (微心愿): posted → approved (or rejected) → claimed → fulfilled → confirmed.

Every step is one guarded UPDATE on the status it starts from, so two people pressing at once
(two claimers, two staff confirming) change it once; the claimer's points go through the ledger
with the source key ``wish:<id>``, so nothing is paid twice.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session
from werkzeug.datastructures import FileStorage

from saas.auth.models import Role, User
from saas.db import guarded_update, utcnow
from saas.errors import Forbidden, NotFound, ServiceError
from saas.listing import count_rows, one_page
from saas.notify.services import notify
from saas.streets.models import Tenant
from tenants.passport.ledger import post_entry
from tenants.passport.models import EntryKind
from tenants.passport.rewards import read_picture, store_picture
from tenants.passport.services import passport_for
from tenants.structure.models import Community
from tenants.wishes.models import Wish, WishStatus

#: the suggested categories; the stored value is the Chinese word
CATEGORIES = {
    "学习用品": _l("学习用品"),
    "生活物资": _l("生活物资"),
    "陪伴服务": _l("陪伴服务"),
    "维修帮助": _l("维修帮助"),
    "其他": _l("其他"),
}
STATUS_LABELS = {
    WishStatus.pending: _l("待审核"),
    WishStatus.approved: _l("待认领"),
    WishStatus.rejected: _l("未通过"),
    WishStatus.claimed: _l("已认领"),
    WishStatus.fulfilled: _l("待确认"),
    WishStatus.confirmed: _l("已实现"),
}
TITLE_MAX = 100
DESCRIPTION_MAX = 2000
NAME_MAX = 50
REASON_MAX = 200
NOTE_MAX = 1000
DEFAULT_POINTS = 20
POINTS_MAX = 10_000
PAGE = 50
LIST_MAX = 100

#: a wish that has been listed for claiming at some point
APPROVED_EVER = (
    WishStatus.approved,
    WishStatus.claimed,
    WishStatus.fulfilled,
    WishStatus.confirmed,
)
CLAIMED_EVER = (WishStatus.claimed, WishStatus.fulfilled, WishStatus.confirmed)
#: 已实现 means what the list calls 已实现: confirmed by staff. One the claimer marked done but
#: staff have not confirmed is 待确认 on every page, and counts as ``awaiting``, not as fulfilled.
REALISED = (WishStatus.confirmed,)


def wish_points(tenant: Tenant) -> int:
    """What a fulfilled wish earns in this street (``settings["wish_points"]``, default 20)."""
    raw = (tenant.settings or {}).get("wish_points", DEFAULT_POINTS)
    try:
        points = int(raw)
    except (TypeError, ValueError):
        return DEFAULT_POINTS
    return min(max(points, 0), POINTS_MAX)


def mask_name(name: str | None) -> str:
    """张三丰 → 张**: a resident's name on a list everyone in the street sees."""
    name = (name or "").strip()
    return name[:1] + "*" * min(len(name) - 1, 2) if name else ""


# --- who may do what ----------------------------------------------------------------------------


def can_review(actor: User, wish: Wish) -> bool:
    """Office staff; staff limited to a community, that community's wishes."""
    if not actor.is_office:
        return False
    limited = actor.limited_to_community
    return limited is None or wish.community_id == limited


def can_claim(user: User) -> bool:
    """Volunteers, party members and alliance units (org accounts) claim wishes."""
    return user.role in (Role.volunteer, Role.org) or bool(user.is_party_member)


def can_post(user: User) -> bool:
    return user.role == Role.volunteer or user.is_office


def is_involved(user: User, wish: Wish) -> bool:
    return user.id in (wish.wisher_id, wish.posted_by, wish.claimer_id)


def can_see(user: User, wish: Wish) -> bool:
    """Listed wishes are public in the street; pending and rejected ones are not."""
    return user.is_office or is_involved(user, wish) or wish.status in APPROVED_EVER


def can_see_photo(user: User, wish: Wish) -> bool:
    """The fulfilment photo may show the wisher's home: office staff and those involved only."""
    return user.is_office or is_involved(user, wish)


def get_wish_or_404(session: Session, wish_id: int) -> Wish:
    """:raise NotFound: no such wish in this street (another street's id is the same answer)."""
    wish = session.scalar(select(Wish).where(Wish.id == wish_id))
    if wish is None:
        raise NotFound(_("心愿不存在"))
    return wish


def _require_review(actor: User, wish: Wish) -> None:
    if not can_review(actor, wish):
        raise Forbidden(_("只有工作人员可以审核心愿"))


# --- the steps ----------------------------------------------------------------------------------


def _tell(
    session: Session, tenant: Tenant, wish: Wish, person: User | None, kind: str, title, body
) -> None:
    """Notify ``person`` (nobody when None) about ``wish``, with a link to its page."""
    if person is not None:
        notify(session, person, kind, title, body, link=f"/{tenant.slug}/wishes/{wish.id}")


def _user(session: Session, user_id: int | None) -> User | None:
    if user_id is None:
        return None
    return session.scalar(select(User).where(User.id == user_id))


def _not_the_actor(person: User | None, actor: User) -> User | None:
    """``person``, unless they are the one acting (nobody is told of their own step)."""
    return person if person is not None and person.id != actor.id else None


def _wisher_side(session: Session, wish: Wish, actor: User) -> User | None:
    """Who hears for the wisher: their account, or the staff member who posted for them."""
    return _not_the_actor(_user(session, wish.wisher_id or wish.posted_by), actor)


def post_wish(
    session: Session,
    actor: User,
    tenant: Tenant,
    *,
    title: str,
    description: str,
    category: str,
    community_id: int | None,
    wisher_name: str = "",
) -> Wish:
    """A resident posts their own wish; staff post one for a resident (``wisher_name``).

    :raise Forbidden: org accounts do not post wishes
    :raise ServiceError: a field is refused (``field`` names it)
    """
    if not can_post(actor):
        raise Forbidden(_("只有居民或工作人员可以发布心愿"))
    title = " ".join((title or "").split())
    if not title:
        raise ServiceError(_("请填写心愿"), "title")
    if len(title) > TITLE_MAX:
        raise ServiceError(_("心愿不能超过 %(n)d 个字", n=TITLE_MAX), "title")
    description = (description or "").strip()
    if len(description) > DESCRIPTION_MAX:
        raise ServiceError(_("说明不能超过 %(n)d 个字", n=DESCRIPTION_MAX), "description")
    if category not in CATEGORIES:
        raise ServiceError(_("请选择类别"), "category")
    found = None
    if community_id is not None:
        found = session.scalar(
            select(Community.id).where(
                Community.id == community_id, Community.archived_at.is_(None)
            )
        )
    if found is None:
        raise ServiceError(_("请选择本街道的社区"), "community")
    if actor.is_office:
        limited = actor.limited_to_community
        if limited is not None and found != limited:
            raise ServiceError(_("您只能为本社区的居民发布心愿"), "community")
        wisher_name = " ".join((wisher_name or "").split())
        if not wisher_name:
            raise ServiceError(_("请填写居民姓名"), "wisher_name")
        if len(wisher_name) > NAME_MAX:
            raise ServiceError(_("姓名不能超过 %(n)d 个字", n=NAME_MAX), "wisher_name")
        wisher_id = None
    else:
        wisher_name, wisher_id = actor.name, actor.id
    wish = Wish(
        title=title,
        description=description,
        category=category,
        community_id=found,
        wisher_id=wisher_id,
        wisher_name=wisher_name,
        posted_by=actor.id,
        status=WishStatus.pending,
    )
    session.add(wish)
    session.flush()
    return wish


def approve(session: Session, actor: User, tenant: Tenant, wish: Wish) -> None:
    """List the wish for claiming; its points are fixed now from the street's setting."""
    _require_review(actor, wish)
    if not guarded_update(
        session,
        wish,
        Wish.status == WishStatus.pending,
        status=WishStatus.approved,
        points=wish_points(tenant),
        reject_reason="",
    ):
        raise ServiceError(_("该心愿已审核过了"))
    _tell(
        session,
        tenant,
        wish,
        _not_the_actor(_user(session, wish.wisher_id), actor),
        "wish.approved",
        _l("心愿已通过审核：%(title)s", title=wish.title),
        _l("您的心愿已发布，等待志愿者认领。"),
    )


def reject(session: Session, actor: User, tenant: Tenant, wish: Wish, reason: str) -> None:
    """Turn the wish down, with the reason the wisher will read."""
    _require_review(actor, wish)
    reason = " ".join((reason or "").split())
    if not reason:
        raise ServiceError(_("请填写未通过的理由"), "reason")
    if len(reason) > REASON_MAX:
        raise ServiceError(_("理由不能超过 %(n)d 个字", n=REASON_MAX), "reason")
    if not guarded_update(
        session,
        wish,
        Wish.status == WishStatus.pending,
        status=WishStatus.rejected,
        reject_reason=reason,
    ):
        raise ServiceError(_("该心愿已审核过了"))
    _tell(
        session,
        tenant,
        wish,
        _not_the_actor(_user(session, wish.wisher_id), actor),
        "wish.rejected",
        _l("心愿未通过审核：%(title)s", title=wish.title),
        _l("理由：%(reason)s", reason=reason),
    )


def claim(session: Session, actor: User, tenant: Tenant, wish: Wish) -> None:
    """Take the wish on. One claimer: of two pressing at once, one wins, the other is told.

    :raise ServiceError: already claimed (or no longer listed)
    """
    if not can_claim(actor):
        raise Forbidden(_("志愿者、党员和共建单位可以认领心愿"))
    if actor.id in (wish.wisher_id, wish.posted_by):
        raise ServiceError(_("不能认领自己发布的心愿"))
    if wish.status != WishStatus.approved or not guarded_update(
        session,
        wish,
        Wish.status == WishStatus.approved,
        status=WishStatus.claimed,
        claimer_id=actor.id,
        claimed_at=utcnow(),
    ):
        raise ServiceError(_("该心愿已被他人认领"))
    _tell(
        session,
        tenant,
        wish,
        _wisher_side(session, wish, actor),
        "wish.claimed",
        _l("心愿已被认领：%(title)s", title=wish.title),
        _l("%(name)s认领了这个心愿，将尽快帮助实现。", name=actor.name),
    )


def release(session: Session, actor: User, tenant: Tenant, wish: Wish) -> None:
    """The claimer (or staff) gives a claim up: the wish is listed again."""
    if actor.id != wish.claimer_id and not can_review(actor, wish):
        raise Forbidden(_("只有认领人或工作人员可以取消认领"))
    if not guarded_update(
        session,
        wish,
        Wish.status == WishStatus.claimed,
        status=WishStatus.approved,
        claimer_id=None,
        claimed_at=None,
    ):
        raise ServiceError(_("该心愿当前不能取消认领"))


def fulfil(
    session: Session,
    actor: User,
    tenant: Tenant,
    wish: Wish,
    note: str,
    photo: FileStorage | None = None,
) -> None:
    """The claimer says it is done, with a note (and a photo if they like); staff confirm next."""
    if actor.id != wish.claimer_id:
        raise Forbidden(_("只有认领人可以提交完成情况"))
    note = (note or "").strip()
    if not note:
        raise ServiceError(_("请填写完成情况"), "note")
    if len(note) > NOTE_MAX:
        raise ServiceError(_("完成情况不能超过 %(n)d 个字", n=NOTE_MAX), "note")
    checked = read_picture(photo, "photo")
    if wish.status != WishStatus.claimed:
        raise ServiceError(_("该心愿当前不能提交完成情况"))
    name = store_picture(actor.tenant_id, checked) if checked else ""
    if not guarded_update(
        session,
        wish,
        Wish.status == WishStatus.claimed,
        Wish.claimer_id == actor.id,
        status=WishStatus.fulfilled,
        fulfilment_note=note,
        photo=name,
        fulfilled_at=utcnow(),
    ):
        raise ServiceError(_("该心愿当前不能提交完成情况"))
    _tell(
        session,
        tenant,
        wish,
        _wisher_side(session, wish, actor),
        "wish.fulfilled",
        _l("心愿已完成：%(title)s", title=wish.title),
        _l("%(name)s已帮助实现这个心愿，等待工作人员确认。", name=actor.name),
    )


def confirm(session: Session, actor: User, tenant: Tenant, wish: Wish) -> int:
    """Staff confirm the fulfilment: the claimer earns the wish's points, the wisher hears.

    Returns the points paid. Confirming twice (a double click, two staff) pays once.

    :raise ServiceError: not waiting for confirmation (already confirmed, or not fulfilled)
    """
    _require_review(actor, wish)
    if actor.id == wish.claimer_id:  # nobody confirms, and pays, their own work
        raise ServiceError(_("不能确认自己认领的心愿，请由其他工作人员确认"))
    if not guarded_update(
        session,
        wish,
        Wish.status == WishStatus.fulfilled,
        status=WishStatus.confirmed,
        confirmed_at=utcnow(),
        confirmed_by=actor.id,
    ):
        current = session.scalar(select(Wish.status).where(Wish.id == wish.id))
        if current == WishStatus.confirmed:
            raise ServiceError(_("该心愿已确认过了"))
        raise ServiceError(_("该心愿尚未提交完成情况"))
    claimer = _user(session, wish.claimer_id)
    paid = 0
    if claimer is not None and wish.points > 0:
        passport = passport_for(session, claimer, tenant)
        entry = post_entry(
            session,
            passport.id,
            wish.points,
            EntryKind.earn,
            f"wish:{wish.id}",
            reason=wish.title,
            actor_id=actor.id,
            tenant=tenant,
        )
        paid = wish.points if entry is not None else 0
    _tell(
        session,
        tenant,
        wish,
        claimer,
        "points.awarded" if paid else "wish.confirmed",
        _l("获得 %(n)d 积分", n=paid) if paid else _l("心愿已确认实现"),
        _l("您帮助实现的心愿“%(title)s”已确认。", title=wish.title),
    )
    wisher = _wisher_side(session, wish, actor)
    if wisher is not None and (claimer is None or wisher.id != claimer.id):
        _tell(
            session,
            tenant,
            wish,
            wisher,
            "wish.confirmed",
            _l("心愿已实现：%(title)s", title=wish.title),
            _l("感谢%(name)s的帮助。", name=claimer.name if claimer else ""),
        )
    return paid


# --- lists and figures --------------------------------------------------------------------------


def open_wishes(session: Session, community_id: int | None = None) -> list[Wish]:
    """Approved wishes waiting for a claimer, newest first."""
    stmt = select(Wish).where(Wish.status == WishStatus.approved)
    if community_id is not None:
        stmt = stmt.where(Wish.community_id == community_id)
    return list(session.scalars(stmt.order_by(Wish.id.desc()).limit(LIST_MAX)))


def my_wishes(session: Session, user: User) -> list[Wish]:
    """Wishes the user made, or posted for a resident."""
    stmt = select(Wish).where(or_(Wish.wisher_id == user.id, Wish.posted_by == user.id))
    return list(session.scalars(stmt.order_by(Wish.id.desc()).limit(LIST_MAX)))


def my_claims(session: Session, user: User) -> list[Wish]:
    stmt = select(Wish).where(Wish.claimer_id == user.id)
    return list(session.scalars(stmt.order_by(Wish.id.desc()).limit(LIST_MAX)))


def _scoped_to(stmt, actor: User):
    limited = actor.limited_to_community
    return stmt if limited is None else stmt.where(Wish.community_id == limited)


def waiting(session: Session, actor: User, status: WishStatus) -> list[Wish]:
    """The staff's queues: pending (to approve) or fulfilled (to confirm), oldest first."""
    stmt = _scoped_to(select(Wish).where(Wish.status == status), actor)
    return list(session.scalars(stmt.order_by(Wish.id).limit(LIST_MAX)))


def count_waiting(session: Session, actor: User, status: WishStatus) -> int:
    """How many wishes wait in one of the staff's queues (the dashboard's to-dos)."""
    return count_rows(session, _scoped_to(select(Wish).where(Wish.status == status), actor))


def browse(
    session: Session,
    actor: User,
    status: str = "",
    community_id: int | None = None,
    page: int = 1,
    size: int = PAGE,
) -> tuple[list[Wish], int]:
    """One page of ``size`` wishes the actor reviews, newest first, and how many match."""
    stmt = _scoped_to(select(Wish), actor)
    if status in WishStatus.__members__:
        stmt = stmt.where(Wish.status == status)
    if community_id is not None:
        stmt = stmt.where(Wish.community_id == community_id)
    total = count_rows(session, stmt)
    rows = session.scalars(one_page(stmt.order_by(Wish.id.desc()), page, size))
    return list(rows), total


def people(session: Session, *groups: list[Wish]) -> dict[int, User]:
    """The accounts named on some wishes (wishers, claimers), in one query."""
    ids = {
        uid
        for wishes in groups
        for w in wishes
        for uid in (w.wisher_id, w.claimer_id, w.posted_by)
        if uid
    }
    if not ids:
        return {}
    return {u.id: u for u in session.scalars(select(User).where(User.id.in_(ids)))}


def all_communities(session: Session) -> list[Community]:
    """Every community, archived ones too (old wishes name them), in the structure's order."""
    return list(session.scalars(select(Community).order_by(Community.position, Community.id)))


@dataclass
class WishCounts:
    posted: int = 0
    approved: int = 0
    claimed: int = 0
    #: 已实现: confirmed by staff (``REALISED``)
    fulfilled: int = 0
    #: 待确认: marked done by the claimer, not yet confirmed
    awaiting: int = 0

    @property
    def rate(self) -> float | None:
        """已实现 (confirmed) out of those ever approved; None before any approval."""
        return self.fulfilled / self.approved if self.approved else None

    def add(self, status: str, n: int) -> None:
        self.posted += n
        self.approved += n if status in APPROVED_EVER else 0
        self.claimed += n if status in CLAIMED_EVER else 0
        self.fulfilled += n if status in REALISED else 0
        self.awaiting += n if status == WishStatus.fulfilled else 0


@dataclass
class WishFigures:
    total: WishCounts = field(default_factory=WishCounts)
    #: (community name, its counts), in the structure's order
    by_community: list[tuple[str, WishCounts]] = field(default_factory=list)


def figures(
    session: Session, actor: User, communities: list[Community] | None = None
) -> WishFigures:
    """Posted, claimed, 已实现 (confirmed), 待确认 and the rate, in all and per community.

    :param communities: ``all_communities()``, if the caller has them already
    """
    stmt = _scoped_to(
        select(Wish.community_id, Wish.status, func.count()).group_by(
            Wish.community_id, Wish.status
        ),
        actor,
    )
    rows = session.execute(stmt).all()
    if communities is None:
        communities = all_communities(session)
    result = WishFigures()
    per: dict[int, WishCounts] = {}
    for community_id, status, n in rows:
        per.setdefault(community_id, WishCounts()).add(status, n)
        result.total.add(status, n)
    limited = actor.limited_to_community
    for community in communities:
        if limited is not None and community.id != limited:
            continue
        if community.archived_at is None or community.id in per:
            result.by_community.append((community.name, per.get(community.id, WishCounts())))
    return result
