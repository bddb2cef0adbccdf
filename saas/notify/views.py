"""The inbox (/<slug>/inbox), its header badge, and the admin's failed-delivery list."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from saas.audit.services import record
from saas.auth.access import admin_only, signed_in
from saas.extensions import db
from saas.notify import services
from saas.ui import local_path, render

bp = Blueprint("notify", __name__, url_prefix="/<slug:tenant>")


#: the largest id a BIGINT column holds
_MAX_ID = 2**63 - 1


def _int_arg(name: str) -> int | None:
    """An id from the query string, or None for anything else: ``isdigit`` alone lets "²" (which
    ``int`` refuses) and 40 digits (which overflow BIGINT) through to a 500."""
    value = request.args.get(name, "")
    if not (value.isascii() and value.isdigit()) or len(value) > 19:
        return None
    number = int(value)
    return number if 0 < number <= _MAX_ID else None


@bp.route("/inbox")
@signed_in
def inbox():
    notes = services.inbox(db.session, current_user, before_id=_int_arg("before"))
    unread = services.unread_count(db.session, current_user)
    return render(
        "notify/inbox.html", "items", notes=notes, unread=unread, page_size=services.INBOX_PAGE
    )


@bp.route("/inbox/badge")
@signed_in
def badge():
    return render("components/badge.html", unread=services.unread_count(db.session, current_user))


@bp.route("/inbox/<int:notification_id>/read", methods=["POST"])
@signed_in
def read(notification_id: int):
    note = services.mark_read(db.session, current_user, notification_id)
    db.session.commit()
    if note.link and local_path(note.link, "") == note.link:
        return redirect(note.link)
    return redirect(url_for("notify.inbox"))


@bp.route("/inbox/read-all", methods=["POST"])
@signed_in
def read_all():
    services.mark_all_read(db.session, current_user)
    db.session.commit()
    return redirect(url_for("notify.inbox"))


@bp.route("/notifications/failed")
@admin_only
def failed():
    return render("notify/failed.html", notes=services.failed_notifications(db.session))


@bp.route("/notifications/<int:notification_id>/resend", methods=["POST"])
@admin_only
def resend(notification_id: int):
    services.resend(db.session, notification_id)
    record(db.session, "notification.resend", current_user.id, f"notification:{notification_id}")
    db.session.commit()
    flash(_("已重新发送"), "success")
    return redirect(url_for("notify.failed"))
