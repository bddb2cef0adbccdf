"""/<slug>/audit: the admin browses and filters the street's audit log."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from flask import Blueprint, request, url_for
from flask_babel import to_utc

from saas.audit import services
from saas.auth.access import admin_only
from saas.extensions import db
from saas.ui import render

bp = Blueprint("audit", __name__, url_prefix="/<slug:tenant>")


def _date(name: str) -> datetime | None:
    raw = request.args.get(name, "")
    try:
        day = datetime.strptime(raw, "%Y-%m-%d").date()
    except ValueError:
        return None
    return to_utc(datetime.combine(day, time.min))


@bp.route("/audit")
@admin_only
def browse():
    action = request.args.get("action") or None
    if action not in services.ACTIONS:
        action = None
    actor = request.args.get("actor", "")
    until = _date("until")
    entries = services.browse(
        db.session,
        action=action,
        actor_id=int(actor) if actor.isdigit() else None,
        since=_date("since"),
        until=until + timedelta(days=1) if until else None,
        before_id=int(request.args["before"]) if request.args.get("before", "").isdigit() else None,
    )
    more_url = None
    if len(entries) == services.PAGE:
        args = {k: v for k, v in request.args.items() if k != "before"}
        more_url = url_for("audit.browse", before=entries[-1].id, **args)
    return render(
        "audit/list.html", "rows", entries=entries, actions=services.ACTIONS, more_url=more_url
    )
