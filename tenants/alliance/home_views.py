"""Area "home": the unit's own home (/<slug>/alliance/unit), joining an event with named members,
cancelling a sign-up, and the admin's alliance settings. Thin: the rules are in
``tenants.alliance.home`` and ``tenants.alliance.agreement_rules``."""

from __future__ import annotations

from flask import Blueprint, flash, g, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from saas.auth.access import admin_only, require_role, signed_in
from saas.auth.models import Role
from saas.db import utcnow
from saas.errors import NotFound, ServiceError
from saas.extensions import db
from saas.forms import attach_error
from saas.ui import render, street_today
from tenants.alliance import agreement_rules, home
from tenants.alliance.home_forms import AllianceSettingsForm, JoinForm
from tenants.events.models import RegistrationStatus

bp = Blueprint("alliance_home", __name__, url_prefix="/<slug:tenant>", template_folder="templates")
unit_only = require_role(Role.org)
#: pages with an id: anyone signed in who is not an alliance unit's account gets the 404 the
#: service gives (as for another street's id), not a 403 that would tell the id exists
unit_id_page = signed_in


@bp.route("/alliance/unit")
@unit_only
def unit():
    data = home.unit_home(db.session, current_user, utcnow(), street_today())
    return render("alliance/home/unit.html", home=data, form=JoinForm(formdata=None))


def _members_context(form: JoinForm, source) -> dict:
    """The members picked so far (from the form's ``member_ids``) and, when something was
    searched, the volunteers found (those not picked yet)."""
    ids = home.parse_ids(source.getlist("member_ids"))
    found = home.volunteers_by_id(db.session, [i for i in ids if i > 0])
    picked = [found[i] for i in ids if i in found]
    results, search_error = [], ""
    query = (form.q.data or "").strip()
    if query:
        try:
            results = home.search_volunteers(db.session, current_user, query)
        except ServiceError as error:
            search_error = error.message
    chosen = {v.id for v in picked}
    return {
        "picked": picked,
        "results": [v for v in results if v.id not in chosen],
        "searched": bool(query),
        "search_error": search_error,
    }


@bp.route("/alliance/unit/events/<int:event_id>/join", methods=["GET", "POST"])
@unit_id_page
def join(event_id: int):
    """The join form. A GET with ``q`` (the search button, or htmx as one types) shows the
    volunteers found; ticking one moves it to the picked list (htmx asks again with the form)."""
    event = home.event_for_unit_or_404(db.session, current_user, event_id)
    posted = request.method == "POST"
    source = request.form if posted else request.args
    form = JoinForm(formdata=source if (posted or source) else None)
    if not posted and not source:
        form.headcount.data = 1
    status, member_error = 200, ""
    if posted:
        if form.validate():
            try:
                registration = home.join_event(
                    db.session,
                    current_user,
                    event,
                    form.headcount.data,
                    home.parse_ids(source.getlist("member_ids")),
                    form.other_names.data,
                )
            except ServiceError as error:
                db.session.rollback()
                if error.field == "member_ids":
                    member_error = error.message
                else:
                    attach_error(form, error)
                status = 422
            else:
                waitlisted = registration.status == RegistrationStatus.waitlisted
                db.session.commit()
                flash(
                    _("已进入候补名单，有名额时会通知您")
                    if waitlisted
                    else _("报名成功：%(title)s", title=event.title),
                    "success",
                )
                return redirect(url_for("alliance_home.unit"))
        else:
            status = 422
    context = _members_context(form, source)
    return render(
        "alliance/home/join.html",
        block="members",
        event=event,
        form=form,
        member_error=member_error,
        **context,
    ), status


@bp.route("/alliance/unit/signups/<int:registration_id>/cancel", methods=["POST"])
@unit_id_page
def cancel(registration_id: int):
    home.unit_or_404(db.session, current_user)
    form = JoinForm()  # the CSRF token
    if not form.validate():
        flash(_("页面已过期，请刷新后重试"), "error")
        return redirect(url_for("alliance_home.unit"))
    try:
        home.cancel_signup(db.session, current_user, registration_id)
    except NotFound:
        raise
    except ServiceError as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        db.session.commit()
        flash(_("已取消报名"), "success")
    return redirect(url_for("alliance_home.unit"))


@bp.route("/alliance/settings", methods=["GET", "POST"])
@admin_only
def settings():
    form = AllianceSettingsForm()
    status = 200
    if request.method == "GET":
        form.active_only.data = agreement_rules.active_only(g.tenant)
    elif form.validate_on_submit():
        try:
            changed = agreement_rules.save_active_only(
                db.session, current_user, g.tenant, bool(form.active_only.data)
            )
            db.session.commit()
        except ServiceError as error:
            db.session.rollback()
            attach_error(form, error)
            status = 422
        else:
            flash(_("联盟设置已保存") if changed else _("设置没有变化"), "success")
            return redirect(url_for("alliance_home.settings"))
    else:
        status = 422
    return render("alliance/home/settings.html", form=form), status
