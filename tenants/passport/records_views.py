"""/<slug>/… pages of the service records out (志愿服务记录): the ID number a volunteer or office
staff enter, and the exports in the national record's fields (:mod:`tenants.passport.records`)."""

from __future__ import annotations

from flask import Blueprint, flash, g, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from saas.auth.access import office, signed_in
from saas.auth.models import Role
from saas.errors import NotFound, ServiceError
from saas.extensions import db
from saas.ui import render
from saas.views import submit_form
from saas.xlsx import download
from tenants.passport import records, services
from tenants.passport.forms import IdNumberForm

bp = Blueprint("service_records", __name__, url_prefix="/<slug:tenant>")


def _volunteer_only() -> None:
    if current_user.role != Role.volunteer:
        raise NotFound(_("页面不存在"))


def _id_number_page(person, back: str):
    form = IdNumberForm()
    submitted = submit_form(
        form, lambda: records.set_id_number(db.session, current_user, person, form.id_number.data)
    )
    if submitted.done:
        flash(_("证件号码已保存：%(masked)s", masked=submitted.result.number_masked), "success")
        return redirect(back)
    if request.method == "GET":
        form.id_number.data = ""
    return render(
        "passport/id_number.html",
        form=form,
        person=person,
        identity=records.identity_of(db.session, person.id),
        own=person.id == current_user.id,
        back=back,
    ), submitted.status


@bp.route("/me/id-number", methods=["GET", "POST"])
@signed_in
def my_id_number():
    _volunteer_only()
    return _id_number_page(current_user, url_for("passport.my_certificate"))


@bp.route("/people/<int:user_id>/id-number", methods=["GET", "POST"])
@office
def person_id_number(user_id: int):
    person = services.get_person_or_404(db.session, current_user, user_id)
    return _id_number_page(person, url_for("passport.person_certificate", user_id=user_id))


def _export(filename: str, detail: dict, **where):
    response = records.export(db.session, current_user, g.tenant, filename, detail, **where)
    db.session.commit()
    return response


@bp.route("/me/service-records.xlsx")
@signed_in
@download
def my_export():
    _volunteer_only()
    return _export(
        _("志愿服务记录") + ".xlsx",
        {"user_id": current_user.id},
        people=records.of_person(current_user.id),
    )


@bp.route("/people/<int:user_id>/service-records.xlsx")
@office
@download
def person_export(user_id: int):
    person = services.get_person_or_404(db.session, current_user, user_id)
    return _export(
        _("志愿服务记录-%(name)s", name=person.name) + ".xlsx",
        {"user_id": person.id},
        people=records.of_person(person.id),
    )


def _period():
    raw_from, raw_to = request.args.get("from", ""), request.args.get("to", "")
    try:
        start, end = services.parse_period(raw_from, raw_to)
    except ServiceError as refusal:
        return None, refusal.message, raw_from[:10], raw_to[:10]
    return (start, end), None, start.isoformat(), end.isoformat()


@bp.route("/service-records")
@office
def street_records():
    """The street's records for a date range: the page with the form and what it will hold."""
    _, error, raw_from, raw_to = _period()
    return render(
        "passport/service_records.html",
        error=error,
        raw_from=raw_from,
        raw_to=raw_to,
    ), (422 if error else 200)


@bp.route("/service-records/export.xlsx")
@office
@download
def street_export():
    period, error, raw_from, raw_to = _period()
    if error:
        return render(
            "passport/service_records.html", error=error, raw_from=raw_from, raw_to=raw_to
        ), 422
    start, end = period
    return _export(
        _("志愿服务记录-%(start)s至%(end)s", start=raw_from, end=raw_to) + ".xlsx",
        {"from": raw_from, "to": raw_to},
        people=records.in_community(current_user.limited_to_community),
        start=start,
        end=end,
    )
