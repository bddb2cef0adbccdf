"""/<slug>/audit: the admin browses and filters the street's audit log."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from flask import Blueprint, request, url_for
from flask_babel import to_utc

from saas.audit import services
from saas.auth.access import admin_only
from saas.extensions import db
from saas.forms import parse_id
from saas.ui import render

bp = Blueprint("audit", __name__, url_prefix="/<slug:tenant>")


def _date(name: str) -> datetime | None:
    raw = request.args.get(name, "")
    try:
        day = datetime.strptime(raw, "%Y-%m-%d").date()
    except ValueError:
        return None
    if not 2000 <= day.year <= 2999:  # year 1 cannot be moved to UTC (an overflow, not a filter)
        return None
    # midnight where the street is, as an aware UTC time (to_utc alone drops the zone, and the
    # audit table refuses naive times)
    return to_utc(datetime.combine(day, time.min)).replace(tzinfo=UTC)


@bp.route("/audit")
@admin_only
def browse():
    action = request.args.get("action") or None
    actions = services.labels()
    if action not in actions:
        action = None
    who = request.args.get("who", "")[:50]
    until = _date("until")
    entries = services.browse(
        db.session,
        action=action,
        actor_id=parse_id(request.args.get("actor")),
        since=_date("since"),
        until=until + timedelta(days=1) if until else None,
        before_id=parse_id(request.args.get("before")),
        who=who,
    )
    more_url = None
    if len(entries) == services.PAGE:
        args = {k: v for k, v in request.args.items() if k != "before"}
        more_url = url_for("audit.browse", before=entries[-1].id, **args)
    return render(
        "audit/list.html",
        "rows",
        lines=services.present(db.session, entries),
        actions=actions,
        who=who,
        more_url=more_url,
    )
