"""What the loop area does when a step is taken (:data:`tenants.grid.signals.item_advanced`,
listed in the module's declaration under ``receivers``): it tells the people the step concerns.
The signal is sent once per step, so each message goes once per step.

- assign: the handler — the staff member, every member of the department, every account of the
  alliance unit (not the one who assigned it);
- reopen (回访不满意): the handler, that the item is back with them;
- done: the reporter, that it was handled;
- check (the grid worker saw it done): the reporter, asked to rate it on their reports' page.
"""

from __future__ import annotations

from flask import g, has_request_context
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from saas.auth.models import User
from saas.notify.services import notify
from saas.streets.models import Tenant
from tenants.grid.models import DepartmentMember, GridItem, HandlerKind, ItemStep
from tenants.grid.signals import item_advanced
from tenants.orgs.models import OrgAccount

ASSIGNED = "grid.item_assigned"
DONE = "grid.item_done"
FOLLOW_UP = "grid.item_follow_up"
REOPENED = "grid.item_reopened"


def _slug(session: Session, item: GridItem) -> str:
    tenant = g.get("tenant") if has_request_context() else None
    if tenant is not None and tenant.id == item.tenant_id:
        return tenant.slug
    return session.scalar(select(Tenant.slug).where(Tenant.id == item.tenant_id)) or ""


def handler_users(session: Session, item: GridItem) -> list[User]:
    """The enabled accounts that handle ``item`` now (one statement)."""
    if item.handler_kind == HandlerKind.staff:
        condition = User.id == item.handler_user_id
    elif item.handler_kind == HandlerKind.department:
        condition = User.id.in_(
            select(DepartmentMember.user_id).where(
                DepartmentMember.department_id == item.handler_department_id
            )
        )
    elif item.handler_kind == HandlerKind.unit:
        condition = User.id.in_(
            select(OrgAccount.user_id).where(OrgAccount.organisation_id == item.handler_org_id)
        )
    else:
        return []
    return list(
        session.scalars(select(User).where(condition, User.is_enabled.is_(True)).order_by(User.id))
    )


def _reporter(session: Session, item: GridItem, actor_id: int | None) -> User | None:
    if item.reporter_id is None or item.reporter_id == actor_id:
        return None
    return session.scalar(
        select(User).where(User.id == item.reporter_id, User.is_enabled.is_(True))
    )


@item_advanced.connect
def tell_about_step(
    item: GridItem, *, session: Session, step: ItemStep, actor_id: int | None = None, **_kwargs
) -> None:
    kind = step.kind
    if kind not in ("assign", "reopen", "done", "check"):
        return
    slug = _slug(session, item)
    if kind in ("assign", "reopen"):
        link = f"/{slug}/grid/items/{item.id}"
        if kind == "assign":
            title = _l("新派单：%(number)s", number=item.number)
            body = _l("事项 %(number)s 已派给您（%(detail)s），请按时办理。", number=item.number,
                      detail=step.detail)  # fmt: skip
        else:
            title = _l("事项重新办理：%(number)s", number=item.number)
            body = _l("上报人对事项 %(number)s 的办理结果不满意，事项已退回，请重新办理。",
                      number=item.number)  # fmt: skip
        chosen = ASSIGNED if kind == "assign" else REOPENED
        for user in handler_users(session, item):
            if user.id != actor_id:
                notify(session, user, chosen, title, body, link)
        return
    reporter = _reporter(session, item, actor_id)
    if reporter is None:
        return
    link = f"/{slug}/my-reports"
    if kind == "done":
        notify(session, reporter, DONE, _l("您上报的事项已办结：%(number)s", number=item.number),
               _l("您上报的事项 %(number)s 已办理完毕，网格员核查后会请您评价。",
                  number=item.number), link)  # fmt: skip
    else:
        notify(session, reporter, FOLLOW_UP, _l("请评价事项办理结果：%(number)s",
                                                number=item.number),
               _l("您上报的事项 %(number)s 已办结并经网格员核查，请告诉我们您是否满意。",
                  number=item.number), link)  # fmt: skip
