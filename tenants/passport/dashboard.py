"""The passport module's dashboard panel: points issued and redeemed and new volunteers, the
last twelve months, read from the figures kept per day (saas.figures) as the reports read them."""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy.orm import Session

from saas.auth.models import User
from saas.cache import remember, viewer_key
from saas.charts import plain
from saas.db import utcnow
from saas.figures.reports import MONTHLY, label_of
from saas.figures.store import for_viewer, months_to
from saas.ui import street_zone

#: the figures the panel shows (saas.figures: declared by the passport and people modules)
ISSUED, SPENT, JOINED = "passport.points_issued", "passport.points_spent", "people.new_volunteers"
#: the panel's declaration lists them (saas.modules.Panel.figures)
TREND_FIGURES = (ISSUED, SPENT, JOINED)


def trends(session: Session, viewer: User, now: datetime) -> dict:
    """Points earned (``earn`` entries: attendance, wishes) and spent on rewards (``redeem``
    entries, refunds not netted), and volunteers who joined, per month of the last twelve: the
    figures the monthly report shows (saas.figures), the kept days up to yesterday and today's
    counted live.

    For staff limited to a community: its passports' points and its volunteers (a figure not
    allowed per community is None). One statement for the months, one per figure for today.
    """
    today = now.astimezone(street_zone()).date()
    periods = months_to(today)
    values = for_viewer(session, viewer, periods, TREND_FIGURES, today)

    def series(key: str) -> list | None:
        return [plain(v) for v in values[key]] if key in values else None

    def total(key: str):
        return plain(sum(values[key], Decimal(0))) if key in values else None

    return {
        "labels": [label_of(MONTHLY, p) for p in periods],
        "issued": series(ISSUED),
        "redeemed": series(SPENT),
        "volunteers": series(JOINED),
        "issued_total": total(ISSUED),
        "redeemed_total": total(SPENT),
        "volunteers_total": total(JOINED),
        "first_day": periods[0].first.isoformat(),
    }


def trends_panel(session: Session, viewer: User, now: datetime | None = None) -> dict:
    """The panel's data, computed once per interval per street and scope (saas.cache)."""
    now = now or utcnow()
    figures = remember(viewer_key("passport-trends", viewer), lambda: trends(session, viewer, now))
    points = {
        "labels": figures["labels"],
        "series": [
            {"name": name, "type": "bar", "values": figures[key]}
            for name, key in ((_("发放积分"), "issued"), (_("兑换积分"), "redeemed"))
            if figures[key] is not None
        ],
    }
    volunteers = {
        "labels": figures["labels"],
        "series": [{"name": _("新增志愿者"), "type": "line", "values": figures["volunteers"]}]
        if figures["volunteers"] is not None
        else [],
    }
    return {
        "figures": figures,
        "points_json": json.dumps(points),
        "volunteers_json": json.dumps(volunteers),
    }
