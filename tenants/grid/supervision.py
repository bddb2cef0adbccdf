"""Supervision (督办): items whose handler's deadline has passed are marked overdue and their
handler and the handler's supervisor are told; shortly before a deadline the same people hear
that it is near. The admin's dashboard counts overdue items and shows them by handler.

A periodic job (every 15 minutes) looks at every street's running items (assigned or in
progress, :data:`~tenants.grid.loop.RUNNING`):

- **overdue**: ``due_at`` has passed (``due_at <= now``; stored in UTC, so 17:00 in Shanghai is
  overdue at 17:00:00 and not at 16:59:59) and the item was not yet marked for *this* deadline.
  The mark is ``overdue_notified_at``, written after the deadline passed; a deadline set again
  (a new assignment, a reopening: the loop writes a later ``due_at``) lies after the old mark,
  so ``overdue_notified_at < due_at`` means "not marked for this deadline" and the new deadline
  gets its own notice — whatever else the loop changes. The mark is set by a guarded UPDATE
  (two runs at once mark and tell once), then the timeline gets an "overdue" step (status
  unchanged).
- **deadline near**: less than a quarter of the time from assignment to the deadline is left,
  or 4 hours, whichever is less; once per deadline (``near_notified_at`` before the window's
  start belongs to an earlier deadline). An item already overdue gets the overdue notice only.

Who is told: the handler — the staff member, a department's members, or a unit's accounts —
and, of an overdue item, the handler's supervisor: a department's supervisor; for a staff member
or a unit (or a department without one), the street's admins. The "deadline near" notice goes
to the handler alone (to the supervisor when the handler has no account to tell). Each person gets one message per run and kind, naming the item (or how many).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session, aliased

from saas.auth.models import Role, User
from saas.cache import remember, viewer_key
from saas.db import guarded_update, utcnow
from saas.extensions import db
from saas.notify.services import joined, notify
from saas.streets.models import Tenant, TenantStatus
from saas.tenancy import tenant_scope
from saas.ui import local
from tenants.grid.loop import RUNNING, add_step
from tenants.grid.models import Department, DepartmentMember, GridItem, HandlerKind
from tenants.orgs.models import OrgAccount, Organisation

log = logging.getLogger(__name__)

OVERDUE_KIND = "grid.overdue"
NEAR_KIND = "grid.deadline_near"
#: the "deadline near" notice comes at most this long before the deadline
NEAR_AT_MOST = timedelta(hours=4)
PANEL_KEY = "grid-overdue"
#: items a message names one by one; past it, it says how many more
LISTED = 10


def _running():
    return GridItem.status.in_(sorted(RUNNING))


def overdue_clause(now: datetime):
    """Items overdue at ``now``: running, their deadline reached."""
    return and_(_running(), GridItem.due_at.is_not(None), GridItem.due_at <= now)


def _not_marked():
    return or_(
        GridItem.overdue_notified_at.is_(None),
        GridItem.overdue_notified_at < GridItem.due_at,
    )


def near_window(item: GridItem) -> timedelta:
    """How long before its deadline an item is "near": a quarter of the time it was given, at
    most 4 hours (4 hours when the assignment time is unknown)."""
    if item.assigned_at is None or item.due_at is None or item.due_at <= item.assigned_at:
        return NEAR_AT_MOST
    return min((item.due_at - item.assigned_at) / 4, NEAR_AT_MOST)


# --- the periodic job ------------------------------------------------------------------------------


def supervise(now: datetime | None = None) -> dict[str, int]:
    """Every street's overdue and near items, marked and told (see the module's docstring).
    Each street in its own scope, committed on its own. Returns the counts marked."""
    now = now or utcnow()
    streets = db.session.scalars(
        select(Tenant)
        .where(
            Tenant.status == TenantStatus.active,
            Tenant.id.in_(
                select(GridItem.tenant_id)
                .where(_running(), GridItem.due_at <= now + NEAR_AT_MOST)
                .distinct()
            ),
        )
        .order_by(Tenant.id)
    ).all()
    totals = {"overdue": 0, "near": 0}
    for tenant in streets:
        with tenant_scope(tenant.id):
            try:
                counts = supervise_street(db.session, tenant.slug, now)
                db.session.commit()
            except Exception:  # one street's trouble must not stop the others'
                db.session.rollback()
                log.exception("grid supervision failed for street %s", tenant.slug)
                continue
        for key, n in counts.items():
            totals[key] += n
    return totals


def supervise_street(session: Session, slug: str, now: datetime) -> dict[str, int]:
    """One street (its scope entered): mark and tell. Returns the counts marked."""
    overdue = []
    for item in session.scalars(
        select(GridItem).where(overdue_clause(now), _not_marked()).order_by(GridItem.due_at)
    ).all():
        due = item.due_at
        if guarded_update(session, item, overdue_clause(now), _not_marked(),
                          GridItem.due_at == due, overdue_notified_at=now):  # fmt: skip
            add_step(session, item, "overdue", None,
                     detail=_deadline_detail(due))  # fmt: skip
            overdue.append(item)

    near = []
    for item in session.scalars(
        select(GridItem)
        .where(_running(), GridItem.due_at > now, GridItem.due_at <= now + NEAR_AT_MOST)
        .order_by(GridItem.due_at)
    ).all():
        due, window = item.due_at, near_window(item)
        starts = due - window
        if now < starts:
            continue
        previous = item.near_notified_at
        if previous is not None and previous >= starts:
            continue  # told already for this deadline
        same_mark = (
            GridItem.near_notified_at.is_(None)
            if previous is None
            else GridItem.near_notified_at == previous
        )
        if guarded_update(session, item, _running(), GridItem.due_at == due, same_mark,
                          near_notified_at=now):  # fmt: skip
            near.append(item)

    if overdue or near:
        _tell(session, slug, overdue, near)
    return {"overdue": len(overdue), "near": len(near)}


def _deadline_detail(due: datetime) -> str:
    return str(_l("限 %(due)s", due=local(due).strftime("%Y-%m-%d %H:%M")))


@dataclass
class _People:
    """Who handles and who supervises each item, loaded for a run in four statements."""

    users: dict[int, User]
    members: dict[int, list[int]]
    supervisors: dict[int, int | None]
    department_names: dict[int, str]
    accounts: dict[int, list[int]]
    org_names: dict[int, str]
    admins: list[int]

    def handlers(self, item: GridItem) -> list[int]:
        if item.handler_kind == HandlerKind.staff and item.handler_user_id:
            return [item.handler_user_id]
        if item.handler_kind == HandlerKind.department and item.handler_department_id:
            return self.members.get(item.handler_department_id, [])
        if item.handler_kind == HandlerKind.unit and item.handler_org_id:
            return self.accounts.get(item.handler_org_id, [])
        return []

    def supervisors_of(self, item: GridItem) -> list[int]:
        if item.handler_kind == HandlerKind.department and item.handler_department_id:
            supervisor = self.supervisors.get(item.handler_department_id)
            if supervisor:
                return [supervisor]
        return self.admins

    def handler_name(self, item: GridItem) -> str:
        if item.handler_kind == HandlerKind.staff and item.handler_user_id in self.users:
            return self.users[item.handler_user_id].name
        if item.handler_kind == HandlerKind.department:
            return self.department_names.get(item.handler_department_id, "")
        if item.handler_kind == HandlerKind.unit:
            return self.org_names.get(item.handler_org_id, "")
        return ""


def _load_people(session: Session, items: list[GridItem]) -> _People:
    department_ids = {i.handler_department_id for i in items if i.handler_department_id}
    org_ids = {i.handler_org_id for i in items if i.handler_org_id}
    members: dict[int, list[int]] = defaultdict(list)
    supervisors: dict[int, int | None] = {}
    department_names: dict[int, str] = {}
    if department_ids:
        for d_id, name, supervisor_id, member_id in session.execute(
            select(Department.id, Department.name, Department.supervisor_id,
                   DepartmentMember.user_id)
            .outerjoin(DepartmentMember, DepartmentMember.department_id == Department.id)
            .where(Department.id.in_(department_ids))
        ):  # fmt: skip
            supervisors[d_id], department_names[d_id] = supervisor_id, name
            if member_id is not None:
                members[d_id].append(member_id)
    accounts: dict[int, list[int]] = defaultdict(list)
    org_names: dict[int, str] = {}
    if org_ids:
        for org_id, name, user_id in session.execute(
            select(Organisation.id, Organisation.name, OrgAccount.user_id)
            .outerjoin(OrgAccount, OrgAccount.organisation_id == Organisation.id)
            .where(Organisation.id.in_(org_ids))
        ):
            org_names[org_id] = name
            if user_id is not None:
                accounts[org_id].append(user_id)
    wanted = {i.handler_user_id for i in items if i.handler_user_id}
    wanted |= {m for ms in members.values() for m in ms}
    wanted |= {s for s in supervisors.values() if s}
    wanted |= {a for accs in accounts.values() for a in accs}
    users = {
        u.id: u
        for u in session.scalars(
            select(User).where(
                User.is_enabled.is_(True),
                or_(User.id.in_(wanted or {0}), User.role == Role.admin),
            )
        )
    }
    admins = sorted(uid for uid, u in users.items() if u.role == Role.admin)
    return _People(users, members, supervisors, department_names, accounts, org_names, admins)


def _tell(session: Session, slug: str, overdue: list[GridItem], near: list[GridItem]) -> None:
    people = _load_people(session, overdue + near)
    for kind, items in ((OVERDUE_KIND, overdue), (NEAR_KIND, near)):
        for_person: dict[int, list[GridItem]] = defaultdict(list)
        for item in items:
            handlers = [uid for uid in people.handlers(item) if uid in people.users]
            if kind == OVERDUE_KIND or not handlers:  # the near notice: the handler's alone
                handlers += people.supervisors_of(item)
            for uid in dict.fromkeys(handlers):
                if uid in people.users:
                    for_person[uid].append(item)
        for uid, theirs in sorted(for_person.items()):
            _message(session, slug, people, people.users[uid], kind, theirs)


def _message(session, slug: str, people: _People, user: User, kind: str, items: list[GridItem]):
    lines = [
        _l("%(number)s，%(handler)s，限 %(due)s 办结", number=i.number,
           handler=people.handler_name(i) or _l("未指定"),
           due=local(i.due_at).strftime("%Y-%m-%d %H:%M"))
        for i in items[:LISTED]
    ]  # fmt: skip
    if len(items) > LISTED:
        lines.append(_l("另有 %(n)d 个", n=len(items) - LISTED))
    listing = joined(*[part for line in lines for part in ("\n", line)])
    if kind == OVERDUE_KIND:
        title = (
            _l("事项 %(number)s 已超期", number=items[0].number)
            if len(items) == 1
            else _l("%(n)d 个事项已超期", n=len(items))
        )
        intro = _l("以下事项已超过办理时限，请尽快办理或督促办理：")
    else:
        title = (
            _l("事项 %(number)s 即将到期", number=items[0].number)
            if len(items) == 1
            else _l("%(n)d 个事项即将到期", n=len(items))
        )
        intro = _l("以下事项的办理时限即将到期，请抓紧办理：")
    link = ""
    if user.role in (Role.admin, Role.staff):
        link = (
            f"/{slug}/grid/items/{items[0].id}"
            if len(items) == 1
            else f"/{slug}/grid/figures#overdue"
        )
    notify(session, user, kind, title, joined(intro, listing), link=link)


# --- the dashboard ---------------------------------------------------------------------------------


def _community_limit(user):
    community = user.limited_to_community
    return GridItem.community_id == community if community is not None else None


def count_overdue(session: Session, user, now: datetime | None = None) -> int:
    """The dashboard's to-do: items overdue now that ``user`` may see (a community's staff:
    that community's). Live, one statement."""
    stmt = select(func.count()).select_from(GridItem).where(overdue_clause(now or utcnow()))
    limit = _community_limit(user)
    if limit is not None:
        stmt = stmt.where(limit)
    return session.scalar(stmt) or 0


@dataclass(frozen=True)
class HandlerCount:
    kind: str | None
    name: str
    overdue: int
    #: the earliest deadline among them
    oldest_due: datetime | None


def overdue_by_handler(session: Session, user, now: datetime | None = None) -> list[HandlerCount]:
    """Overdue items per handler (most first), as ``user`` may see them: one grouped
    statement."""
    handler_user = aliased(User)
    stmt = (
        select(
            GridItem.handler_kind,
            GridItem.handler_user_id,
            GridItem.handler_department_id,
            GridItem.handler_org_id,
            func.max(handler_user.name),
            func.max(Department.name),
            func.max(Organisation.name),
            func.count(),
            func.min(GridItem.due_at),
        )
        .outerjoin(handler_user, handler_user.id == GridItem.handler_user_id)
        .outerjoin(Department, Department.id == GridItem.handler_department_id)
        .outerjoin(Organisation, Organisation.id == GridItem.handler_org_id)
        .where(overdue_clause(now or utcnow()))
        .group_by(
            GridItem.handler_kind,
            GridItem.handler_user_id,
            GridItem.handler_department_id,
            GridItem.handler_org_id,
        )
        .order_by(func.count().desc(), func.min(GridItem.due_at))
    )
    limit = _community_limit(user)
    if limit is not None:
        stmt = stmt.where(limit)
    rows = []
    for kind, _u, _d, _o, user_name, department, org, n, oldest in session.execute(stmt):
        name = {HandlerKind.staff: user_name, HandlerKind.department: department,
                HandlerKind.unit: org}.get(kind)  # fmt: skip
        rows.append(HandlerCount(kind, name or "", n, oldest))
    return rows


def panel_data(session: Session, user) -> dict:
    """The dashboard's panel: overdue items by handler (cached for the figures' interval)."""

    def compute() -> dict:
        rows = overdue_by_handler(session, user)
        return {
            "rows": [
                {"kind": r.kind, "name": r.name, "overdue": r.overdue, "oldest_due": r.oldest_due}
                for r in rows[:10]
            ],
            "handlers": len(rows),
            "total": sum(r.overdue for r in rows),
        }

    return remember(viewer_key(PANEL_KEY, user), compute)
