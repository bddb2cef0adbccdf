"""The closed loop of a grid item (事项闭环): which step may follow which, and the one function
that takes a step. Every step is a row of the item's timeline; the item's own columns only say
where the timeline has got to, changed in the same UPDATE that checks the item is still where the
step expects it (two people acting at once: one wins, the other is told).

Who may take a step (the reporter, the grid worker, the handler, the office) is decided by the
services that call :func:`advance`; this file knows only the order of things.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from saas.db import guarded_update, utcnow
from saas.errors import ServiceError
from tenants.grid.models import GridItem, ItemStatus, ItemStep
from tenants.grid.signals import item_advanced

S = ItemStatus
#: statuses an item is still open in (counted as open, may run late, may be escalated)
OPEN = frozenset({S.reported, S.accepted, S.assigned, S.in_progress, S.done, S.checked})
#: statuses a handler is working in: the deadline runs
RUNNING = frozenset({S.assigned, S.in_progress})


class Step(NamedTuple):
    """A kind of step: from which statuses it may be taken, and the status it leaves
    (None: the status stays as it was)."""

    label: object
    sources: frozenset[str]
    target: str | None


STEPS: dict[str, Step] = {
    "report": Step(_l("上报"), frozenset(), S.reported),
    "accept": Step(_l("受理"), frozenset({S.reported}), S.accepted),
    "reject": Step(_l("不予受理"), frozenset({S.reported}), S.rejected),
    # a first assignment, or to someone else
    "assign": Step(_l("派单"), frozenset({S.accepted, S.assigned, S.in_progress}), S.assigned),
    # up one tier (网格 → 社区 → 街道): waits for an assignment there
    "escalate": Step(
        _l("上报上级"), frozenset({S.accepted, S.assigned, S.in_progress}), S.accepted
    ),
    "start": Step(_l("开始办理"), frozenset({S.assigned}), S.in_progress),
    # a note or photos while working on it
    "progress": Step(_l("办理进展"), frozenset({S.assigned, S.in_progress}), S.in_progress),
    "done": Step(_l("办结"), frozenset({S.assigned, S.in_progress}), S.done),
    # the grid worker saw it done; or did not, and it goes back to the handler
    "check": Step(_l("核查通过"), frozenset({S.done}), S.checked),
    "return": Step(_l("核查未通过"), frozenset({S.done}), S.in_progress),
    # 回访: the reporter's word
    "satisfied": Step(_l("回访满意"), frozenset({S.checked}), S.closed),
    "reopen": Step(_l("回访不满意，重新办理"), frozenset({S.checked}), S.assigned),
    # closed without the reporter's word (a staff report, a reporter who cannot be reached)
    "close": Step(_l("关闭"), frozenset({S.checked}), S.closed),
    # the supervision job marks a late item (督办); nothing else changes
    "overdue": Step(_l("超期督办"), frozenset({S.assigned, S.in_progress}), None),
}


def allowed(item: GridItem) -> list[str]:
    """The kinds of step the item's status allows now (whoever may take them)."""
    return [kind for kind, step in STEPS.items() if item.status in step.sources]


def advance(
    session: Session,
    item: GridItem,
    kind: str,
    actor_id: int | None,
    note: str = "",
    detail: str = "",
    **changes,
) -> ItemStep:
    """Take step ``kind`` on ``item``: check the item's status allows it, move the item (with
    ``changes`` to its columns) in one guarded UPDATE, and append the step to its timeline.

    :raise ServiceError: the step does not follow from where the item is (done before it was
        assigned, a follow-up before the check …), or someone else moved it first
    """
    step = STEPS[kind]
    if item.status not in step.sources:
        raise ServiceError(
            _("事项当前为“%(status)s”，不能%(step)s", status=status_label(item.status),
              step=step.label)
        )  # fmt: skip
    target = step.target or item.status
    now = utcnow()
    if not guarded_update(
        session, item, GridItem.status == item.status, status=target, updated_at=now, **changes
    ):
        raise ServiceError(_("事项刚被其他人处理过，请刷新后再试"))
    return add_step(session, item, kind, actor_id, note, detail)


def add_step(
    session: Session, item: GridItem, kind: str, actor_id: int | None, note: str = "",
    detail: str = "",
) -> ItemStep:  # fmt: skip
    """Append a step to the timeline as the item now stands (also the first, "report"), and tell
    the receivers of :data:`~tenants.grid.signals.item_advanced`."""
    row = ItemStep(item_id=item.id, kind=kind, actor_id=actor_id, note=note, status=item.status,
                   detail=detail[:200])  # fmt: skip
    session.add(row)
    session.flush()
    item_advanced.send(item, session=session, step=row, actor_id=actor_id)
    return row


STATUS_LABELS = {
    S.reported: _l("已上报"),
    S.accepted: _l("已受理"),
    S.rejected: _l("不予受理"),
    S.assigned: _l("已派单"),
    S.in_progress: _l("办理中"),
    S.done: _l("已办结"),
    S.checked: _l("已核查"),
    S.closed: _l("已关闭"),
}


def status_label(status: str) -> str:
    return str(STATUS_LABELS.get(status, status))


def open_statuses() -> Iterable[str]:
    return sorted(OPEN)
