"""What grid governance holds about a person who reported problems."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from saas.modules import PersonalData
from saas.rights.services import delete_theirs
from tenants.grid.models import GridItem, VisitReminder


def item_rows(session, user) -> list[tuple]:
    items = session.scalars(
        select(GridItem).where(GridItem.reporter_id == user.id).order_by(GridItem.created_at)
    )
    return [(i.number, i.created_at, i.description, i.place, i.status) for i in items]


def erase(session, user) -> None:
    """Items they reported stay (the closed loop and its figures) but no longer show who
    reported them; their visit reminders go."""
    session.execute(
        update(GridItem)
        .where(GridItem.reporter_id == user.id)
        .values(anonymous=True)
        .execution_options(synchronize_session=False)
    )
    delete_theirs(session, VisitReminder, user)


PERSONAL = (
    PersonalData(
        "grid_items",
        _l("反映的网格事项"),
        (_l("编号"), _l("反映时间"), _l("描述"), _l("地点"), _l("状态")),
        item_rows,
        erase,
    ),
)
