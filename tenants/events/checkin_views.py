"""/<slug>/… pages of 签到/签退 (check-in and check-out): the event QR, the staff scanner, the volunteer's link.

Staff (admin, staff):
  GET  /events/<event_id>/checkin-screen   the rotating QR for a screen (redrawn every 10 s)
  GET  /events/<event_id>/checkin-poster   the printable fixed codes
  POST /events/<event_id>/checkin-secret   void every code shown or printed so far
  GET  /events/<event_id>/scanner          the phone camera scanner (offline queue in the browser)
  POST /events/<event_id>/scans            the queue's scans, JSON; each nonce counted once
  GET  /checkin-sw.js                      the scanner's service worker (scope /<slug>/events/)
Anyone signed in to the street:
  GET/POST /checkin/<token>                what the event's QR opens: confirm check-in or check-out
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

from flask import (
    Blueprint,
    current_app,
    flash,
    g,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import to_user_timezone
from flask_login import current_user

from saas.auth.access import office, signed_in
from saas.db import utcnow
from saas.errors import ServiceError
from saas.extensions import db
from saas.qr import qr_svg
from saas.ui import render
from tenants.events import checkin
from tenants.events.models import Event, EventStatus
from tenants.events.services import get_managed_event_or_404

bp = Blueprint("checkin", __name__, url_prefix="/<slug:tenant>")


def get_event_or_404(event_id: int) -> Event:
    """An event the signed-in staff member manages.

    :raise 404: unknown, another street's, or another community's for staff limited to one
    """
    return get_managed_event_or_404(db.session, current_user, event_id)


@bp.app_template_test("checkin_today")
def checkin_today(event: Event) -> bool:
    """A published event on today's date in the street's time: its list row links to check-in."""
    if event.status != EventStatus.published:
        return False
    today = g.get("checkin_today")
    if today is None:  # once per request, however many rows ask
        today = g.checkin_today = to_user_timezone(utcnow()).date()
    starts, ends = (to_user_timezone(at).date() for at in (event.starts_at, event.ends_at))
    return starts <= today <= ends


def _mode(raw: str | None) -> str:
    return checkin.CHECK_OUT if raw == checkin.CHECK_OUT else checkin.CHECK_IN


@bp.route("/events/<int:event_id>/checkin-screen")
@office
def screen(event_id: int):
    event = get_event_or_404(event_id)
    mode = _mode(request.args.get("mode"))
    link = url_for("checkin.link", token=checkin.checkin_token(event, mode), _external=True)
    return render(
        "checkin/screen.html",
        "qr",
        event=event,
        mode=mode,
        qr=qr_svg(link),
        counts=checkin.counts(db.session, event),
        window=checkin.WINDOW,
    )


@bp.route("/events/<int:event_id>/checkin-poster")
@office
def poster(event_id: int):
    event = get_event_or_404(event_id)
    codes = {
        mode: qr_svg(
            url_for(
                "checkin.link",
                token=checkin.checkin_token(event, mode, fixed=True),
                _external=True,
            )
        )
        for mode in checkin.MODES
    }
    return render("checkin/poster.html", event=event, codes=codes)


@bp.route("/events/<int:event_id>/checkin-secret", methods=["POST"])
@office
def reset_secret(event_id: int):
    event = get_event_or_404(event_id)
    checkin.reset_checkin_secret(db.session, current_user, event)
    db.session.commit()
    flash(_("已重置签到码：之前显示或打印的签到码全部作废"), "success")
    target = "checkin.screen" if request.form.get("back") == "screen" else "checkin.poster"
    return redirect(url_for(target, event_id=event.id))


@bp.route("/checkin/<token>", methods=["GET", "POST"])
@signed_in
def link(token: str):
    """The volunteer's side of the event QR: what will happen, and a button to do it."""
    try:
        code = checkin.read_checkin_token(db.session, token)
    except checkin.TokenExpired as expired:
        code = None
        if request.method == "POST":  # read in time, confirmed a little later: still good
            code = checkin.read_confirm_ticket(
                db.session, request.form.get("ticket", ""), current_user.id
            )
        if code is None:
            return render("checkin/link.html", error=expired.message, code=None), 422
    except ServiceError as error:
        return render("checkin/link.html", error=error.message, code=None), 422

    if request.method == "POST":
        try:
            if code.mode == checkin.CHECK_IN:
                outcome = checkin.check_in(db.session, current_user, code.event)
            else:
                outcome = checkin.check_out(db.session, g.tenant, current_user, code.event)
        except ServiceError as error:
            db.session.rollback()
            return render("checkin/link.html", error=error.message, code=code), 422
        db.session.commit()
        return render("checkin/link.html", code=code, outcome=outcome)

    refusal, attendance = checkin.precheck(db.session, code.event, current_user, code.mode)
    return render(
        "checkin/link.html",
        code=code,
        error=refusal,
        attendance=attendance,
        ticket=checkin.confirm_ticket(code.event, code.mode, current_user.id),
    ), (422 if refusal else 200)


@bp.route("/events/<int:event_id>/scanner")
@office
def scanner(event_id: int):
    event = get_event_or_404(event_id)
    return render(
        "checkin/scanner.html",
        "attendees",
        event=event,
        rows=checkin.attendance_rows(db.session, event),
        counts=checkin.counts(db.session, event),
    )


@bp.route("/events/<int:event_id>/scans", methods=["POST"])
@office
def scans(event_id: int):
    """The scanner's queue: a JSON list of scans; answers ok / already / refused for each."""
    event = get_event_or_404(event_id)
    try:
        batch = checkin.parse_batch(request.get_json(silent=True))
    except ServiceError as error:
        return jsonify(error=error.message), 422
    results = checkin.record_scans(db.session, g.tenant, current_user, event, batch)
    db.session.commit()
    return jsonify(results=[result.as_json() for result in results])


#: what the scanner page loads, kept by its service worker so that it opens without a network
SCANNER_ASSETS = (
    "app.css",
    "favicon.svg",
    "vendor/htmx.min.js",
    "app.js",
    "vendor/jsqr.js",
    "qrscan.js",
    "checkin.js",
)


def _stamp(path: Path) -> int:
    try:
        return path.stat().st_mtime_ns
    except OSError:
        return 0


@lru_cache(maxsize=8)
def _digest(files: tuple[tuple[str, int], ...]) -> str:
    digest = hashlib.sha256()
    for name, _stamped in files:
        path = Path(name)
        digest.update(name.encode())
        digest.update(path.read_bytes() if path.is_file() else b"missing")
    return digest.hexdigest()[:16]


def _assets_version(static_folder: str, template: Path) -> str:
    """A digest of the worker and the files it keeps: a change to any of them is a new worker
    (the browser compares the script byte for byte), which fetches them again. Read again only
    when a file's modification time changes."""
    paths = [template, *(Path(static_folder, name) for name in SCANNER_ASSETS)]
    return _digest(tuple((str(path), _stamp(path)) for path in paths))


@bp.route("/checkin-sw.js")
@office
def service_worker():
    """The scanner's service worker. Served under the street, its scope is the street's event
    pages only (``Service-Worker-Allowed``), so it never stands between a volunteer and a page."""
    scope = url_for("events.event_list") + "/"
    template = Path(current_app.root_path, current_app.template_folder, "checkin", "sw.js")
    body = render_template(
        "checkin/sw.js",
        version=_assets_version(current_app.static_folder, template),
        assets=[url_for("static", filename=name) for name in SCANNER_ASSETS],
        static_prefix=url_for("static", filename=""),
        offline_title=_("离线"),
        offline_text=_("本机还没有保存这个扫码页面：请在有网络时打开一次，之后没有网络也能打开。"),
    )
    response = make_response(body)
    response.headers["Content-Type"] = "text/javascript; charset=utf-8"
    response.headers["Service-Worker-Allowed"] = scope
    # a worker is checked for updates on navigations; never let a cache answer for it
    response.headers["Cache-Control"] = "no-cache"
    return response
