"""The inbox (/<slug>/inbox), its header badge, the account's own notification settings
(/<slug>/account/notifications), and the admin's failed-delivery list."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from saas.audit.services import record
from saas.auth.access import admin_only, signed_in
from saas.extensions import db
from saas.notify import kinds, preferences, services
from saas.notify.forms import NotificationSettingsForm
from saas.ui import local_path, render
from saas.views import submit_form
from saas.xlsx import download, export_limit, shown_phone, workbook_response

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


@bp.route("/account/notifications", methods=["GET", "POST"])
@signed_in
def settings():
    """Every role's own page: per kind, SMS and e-mail on or off; the address; the language."""
    user = current_user._get_current_object()
    form = NotificationSettingsForm(
        data={"email": user.email or "", "language": preferences.language_of(user)}
    )
    if request.method == "POST":
        # a refused form comes back with the boxes as they were ticked, not as they were saved
        chosen = {
            kind.name: {
                c for c in kinds.OPTIONAL_CHANNELS if kind.name in request.form.getlist(f"by_{c}")
            }
            for kind in kinds.all_kinds()
        }
    else:
        chosen = preferences.chosen_channels(user)
    outcome = submit_form(
        form,
        lambda: preferences.save_settings(
            db.session,
            user,
            email=form.email.data,
            language=form.language.data,
            choices=chosen,
        ),
    )
    if outcome.done:
        flash(_("通知设置已保存"), "success")
        return redirect(url_for("notify.settings"))
    return render(
        "notify/settings.html", form=form, kinds=kinds.all_kinds(), chosen=chosen
    ), outcome.status


@bp.route("/notifications/failed")
@admin_only
def failed():
    return render("notify/failed.html", notes=services.failed_notifications(db.session))


@bp.route("/notifications/failed/export.xlsx")
@admin_only
@download
def export_failed():
    """The failed notifications as the page lists them (up to the export's cap), with whom
    each was for, so the admin can reach them another way."""
    notes = services.failed_notifications(db.session, export_limit())
    people = services.recipients(db.session, notes)
    return workbook_response(
        _("发送失败的通知") + ".xlsx",
        [_("时间"), _("收件人"), _("手机号"), _("标题"), _("通道"), _("尝试次数"), _("错误")],
        (
            (
                note.created_at,
                people.get(note.user_id, ("", ""))[0],
                shown_phone(current_user, people.get(note.user_id, ("", ""))[1]),
                note.title,
                note.channels,
                note.attempts,
                note.last_error,
            )
            for note in notes
        ),
    )


@bp.route("/notifications/<int:notification_id>/resend", methods=["POST"])
@admin_only
def resend(notification_id: int):
    services.resend(db.session, notification_id)
    record(db.session, "notification.resend", current_user.id, f"notification:{notification_id}")
    db.session.commit()
    flash(_("已重新发送"), "success")
    return redirect(url_for("notify.failed"))
