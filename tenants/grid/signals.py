"""What the loop tells the rest of the grid module (and any module built on it): one signal per
step taken, so points for a confirmed report, notices to handlers and reporters, and figures
follow the steps without the loop calling them.

Sent inside the transaction of the step, after it is flushed: a receiver's writes commit or roll
back with it. Receivers take ``**kwargs``.
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

item_advanced = _signals.signal(
    "grid-item-advanced",
    doc="""A step was taken on a grid item (also "report", its first).

    The sender is the :class:`~tenants.grid.models.GridItem` as it now stands. Keyword arguments:
    ``session``; ``step`` (the :class:`~tenants.grid.models.ItemStep` appended, with ``kind``);
    ``actor_id`` (who took it; None for the supervision job).
    """,
)
