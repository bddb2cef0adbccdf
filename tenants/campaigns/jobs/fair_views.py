"""/<slug>/jobs/fairs…: the office marks a jobs campaign's events as job fairs and assigns booths;
anyone reads a fair's public page (``/jobs/fairs/<event_id>``)."""

from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms import SelectChoice

from saas.auth.access import office
from saas.extensions import db
from saas.forms import parse_id
from saas.ui import render
from saas.views import submit_form
from saas.xlsx import download, export_limit, workbook_response
from tenants.campaigns.jobs import employers, fairs, positions
from tenants.campaigns.jobs.forms import BoothForm
from tenants.campaigns.jobs.views import T, bp, committed_or_flashed


@bp.route("/jobs/fairs")
@office
def fair_list():
    return render(T + "fairs.html", rows=fairs.campaign_events(db.session))


@bp.route("/jobs/fairs/export.xlsx")
@office
@download
def export_fairs():
    """The jobs campaigns' events as the page lists them (up to the export's cap), each with
    whether it is a job fair and its booths."""
    rows = fairs.campaign_events(db.session, export_limit())
    yes = _("是")
    return workbook_response(
        _("招聘会") + ".xlsx",
        [_("活动"), _("时间"), _("所属活动"), _("招聘会"), _("展位")],
        (
            (
                r.event.title,
                r.event.starts_at,
                r.campaign.name,
                yes if r.link.is_job_fair else "",
                r.booths if r.link.is_job_fair else "",
            )
            for r in rows
        ),
    )


@bp.route("/jobs/fairs/<int:event_id>/mark", methods=["POST"])
@office
def fair_mark(event_id: int):
    on = request.form.get("on") == "1"
    committed_or_flashed(lambda: fairs.mark_fair(db.session, current_user, event_id, on))
    if on:
        return redirect(url_for(".fair_booths", event_id=event_id))
    return redirect(url_for(".fair_list"))


def _booths_page(event_id: int, form=None, status: int = 200):
    link, event, campaign = fairs.get_fair_or_404(db.session, current_user, event_id)
    form = form or BoothForm(formdata=None)
    form.employer.choices = [SelectChoice("", _("请选择"))] + [
        SelectChoice(str(i), name) for i, name in employers.employer_choices(db.session,
                                                                              current_user)
    ]  # fmt: skip
    return render(
        T + "fair.html", event=event, campaign=campaign, form=form,
        booths=fairs.booths(db.session, event_id),
        registered=fairs.registered_employers(db.session, event_id),
    ), status  # fmt: skip


@bp.route("/jobs/fairs/<int:event_id>/booths", methods=["GET", "POST"])
@office
def fair_booths(event_id: int):
    fairs.get_fair_or_404(db.session, current_user, event_id)
    form = BoothForm()
    if request.method == "GET":
        return _booths_page(event_id)
    submitted = submit_form(
        form,
        lambda: fairs.add_booth(
            db.session, current_user, event_id, form.employer.data, form.label.data
        ),  # fmt: skip
    )
    if submitted.done:
        flash(_("已添加展位"), "success")
        return redirect(url_for(".fair_booths", event_id=event_id))
    return _booths_page(event_id, form, submitted.status)


@bp.route("/jobs/fairs/<int:event_id>/booths/registered", methods=["POST"])
@office
def fair_add_registered(event_id: int):
    fairs.get_fair_or_404(db.session, current_user, event_id)
    added = fairs.add_registered(db.session, current_user, event_id)
    db.session.commit()
    flash(_("已添加 %(n)d 个展位", n=added), "success")
    return redirect(url_for(".fair_booths", event_id=event_id))


@bp.route("/jobs/fairs/<int:event_id>/booths/<int:booth_id>/remove", methods=["POST"])
@office
def fair_remove_booth(event_id: int, booth_id: int):
    fairs.get_fair_or_404(db.session, current_user, event_id)
    fairs.remove_booth(db.session, current_user, event_id, booth_id)
    db.session.commit()
    flash(_("已移除展位"), "success")
    return redirect(url_for(".fair_booths", event_id=event_id))


@bp.route("/jobs/fairs/<int:event_id>")
def fair_public(event_id: int):
    """The fair for residents, signed in or not."""
    event, campaign, rows = fairs.public_fair(db.session, parse_id(event_id) or 0)
    return render(T + "fair_public.html", event=event, campaign=campaign, booths=rows,
                  pay_text=positions.pay_text)  # fmt: skip
