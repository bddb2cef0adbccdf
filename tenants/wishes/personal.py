"""What the wishes module holds about a person: the wishes they posted and those they claimed."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select, update

from saas.modules import PersonalData
from tenants.wishes.models import Wish, WishStatus

_STATUS = {
    "pending": _l("待审核"),
    "approved": _l("待认领"),
    "rejected": _l("未通过"),
    "claimed": _l("已认领"),
    "fulfilled": _l("已完成"),
    "confirmed": _l("已确认"),
}


def wish_rows(session, user) -> list[tuple]:
    wishes = session.scalars(
        select(Wish)
        .where(or_(Wish.wisher_id == user.id, Wish.claimer_id == user.id))
        .order_by(Wish.id)
    )
    return [
        (
            str(_l("发布")) if w.wisher_id == user.id else str(_l("认领")),
            w.title,
            w.description,
            str(_STATUS.get(w.status, w.status)),
            w.fulfilment_note if w.claimer_id == user.id else "",
        )
        for w in wishes
    ]


def erase(session, user) -> None:
    """Wishes they posted lose the name shown with them and their description (it may say who
    they are); those nobody has started on are withdrawn. Wishes they fulfilled stay (the points
    they earned, the street's counts)."""
    session.execute(
        update(Wish)
        .where(
            Wish.wisher_id == user.id,
            Wish.status.in_((WishStatus.pending, WishStatus.approved)),
        )
        .values(status=WishStatus.rejected, reject_reason="发布人已注销")  # data, as written
        .execution_options(synchronize_session=False)
    )
    session.execute(
        update(Wish)
        .where(Wish.wisher_id == user.id)
        .values(wisher_name="", description="")
        .execution_options(synchronize_session=False)
    )


PERSONAL = (
    PersonalData(
        "wishes",
        _l("微心愿"),
        (_l("关系"), _l("心愿"), _l("描述"), _l("状态"), _l("完成说明")),
        wish_rows,
        erase,
    ),
)
