"""The grid loop's figures for the reports (saas.figures), kept per day: items reported,
closed, and closed on time (as ``tenants/grid/figures.py`` defines on time: the handler finished
by the deadline, or there was none) — counted by the day they were reported or closed."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from saas.figures.declare import FLOW, Figure, flow_of
from tenants.grid.figures import FINISHED_IN_TIME
from tenants.grid.models import GridItem, ItemStatus

_reported = flow_of(GridItem.created_at, GridItem.community_id)
_closed = flow_of(GridItem.closed_at, GridItem.community_id, GridItem.status == ItemStatus.closed)
_on_time = flow_of(
    GridItem.closed_at,
    GridItem.community_id,
    GridItem.status == ItemStatus.closed,
    FINISHED_IN_TIME,
)


FIGURES = (
    Figure(
        "grid.reported",
        _l("上报事项"),
        _l("件"),
        _l("本期上报的网格事项件数（含不予受理）。"),
        FLOW,
        _reported,
        chart=True,
    ),
    Figure(
        "grid.closed",
        _l("办结事项"),
        _l("件"),
        _l("本期关闭（办结并回访）的网格事项件数。"),
        FLOW,
        _closed,
        chart=True,
    ),
    Figure(
        "grid.closed_on_time",
        _l("按期办结"),
        _l("件"),
        _l("本期关闭的事项中，承办方在办理时限内完成（或无时限）的件数。"),
        FLOW,
        _on_time,
    ),
)
