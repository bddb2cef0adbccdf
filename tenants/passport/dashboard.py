"""The passport module's dashboard panel: points issued and redeemed and new volunteers, the
last twelve months."""

from __future__ import annotations

import json
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from saas.auth.models import Role, User
from saas.cache import remember, viewer_key
from saas.charts import last_months
from saas.db import utcnow
from saas.ui import street_zone
from tenants.passport.models import EntryKind, Passport, PointEntry


def _points(session: Session, months, community: int | None) -> tuple[list, list]:
    """Points earned and points spent on rewards per month: one statement grouped by month and
    kind."""
    bucket = months.bucket(PointEntry.created_at)
    stmt = (
        select(bucket, PointEntry.kind, func.sum(func.abs(PointEntry.delta)))
        .where(
            PointEntry.kind.in_([EntryKind.earn, EntryKind.redeem]),
            PointEntry.created_at >= months.start,
            PointEntry.created_at < months.end,
        )
        .group_by(bucket, PointEntry.kind)
    )
    if community is not None:
        stmt = stmt.join(Passport, Passport.id == PointEntry.passport_id).where(
            Passport.community_id == community
        )
    rows = session.execute(stmt).all()
    issued = months.series((i, n) for i, kind, n in rows if kind == EntryKind.earn)
    redeemed = months.series((i, n) for i, kind, n in rows if kind == EntryKind.redeem)
    return issued, redeemed


def trends(session: Session, viewer: User, now: datetime) -> dict:
    """Points earned (``earn`` entries: attendance, wishes) and spent on rewards (``redeem``
    entries, refunds not netted), and volunteers who joined, per month of the last twelve.

    For staff limited to a community: its passports' points and its volunteers. Two grouped
    statements.
    """
    months = last_months(now)
    community = viewer.limited_to_community
    issued, redeemed = _points(session, months, community)
    joined = months.bucket(User.created_at)
    people = (
        select(joined, func.count())
        .where(
            User.role == Role.volunteer,
            User.created_at >= months.start,
            User.created_at < months.end,
        )
        .group_by(joined)
    )
    if community is not None:
        people = people.where(User.community_id == community)
    volunteers = months.series(session.execute(people).all())
    return {
        "labels": list(months.labels),
        "issued": issued,
        "redeemed": redeemed,
        "volunteers": volunteers,
        "issued_total": sum(issued),
        "redeemed_total": sum(redeemed),
        "volunteers_total": sum(volunteers),
        "first_day": months.start.astimezone(street_zone()).date().isoformat(),
    }


def trends_panel(session: Session, viewer: User, now: datetime | None = None) -> dict:
    """The panel's data, computed once per interval per street and scope (saas.cache)."""
    now = now or utcnow()
    figures = remember(viewer_key("passport-trends", viewer), lambda: trends(session, viewer, now))
    points = {
        "labels": figures["labels"],
        "series": [
            {"name": _("发放积分"), "type": "bar", "values": figures["issued"]},
            {"name": _("兑换积分"), "type": "bar", "values": figures["redeemed"]},
        ],
    }
    volunteers = {
        "labels": figures["labels"],
        "series": [{"name": _("新增志愿者"), "type": "line", "values": figures["volunteers"]}],
    }
    return {
        "figures": figures,
        "points_json": json.dumps(points),
        "volunteers_json": json.dumps(volunteers),
    }
