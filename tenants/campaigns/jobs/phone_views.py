"""/<slug>/jobs on the phone: residents read the current jobs campaign's open positions and
register themselves (登记求职), then see their own registration and its matches; an employer's
org account posts and closes its own positions (``/jobs/mine``) and sees how many seekers were put
forward (counts only)."""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from saas.auth.access import require_role, signed_in
from saas.errors import ServiceError
from saas.extensions import db
from saas.ui import render
from saas.views import submit_form
from tenants.campaigns.campaigns import current_campaign
from tenants.campaigns.jobs import employers, fairs, positions, seekers
from tenants.campaigns.jobs.common import AGE_BAND_LABELS, MATCH_LABELS, POSITION_LABELS
from tenants.campaigns.jobs.forms import PositionForm, SelfSeekerForm
from tenants.campaigns.jobs.views import T, bp, committed_or_flashed
from tenants.campaigns.models import Theme

volunteer = require_role("volunteer")
org = require_role("org")


def _resident_page(form=None, status: int = 200):
    campaign = current_campaign(db.session, Theme.jobs)
    own, own_matches = None, []
    resident = current_user.is_authenticated and current_user.role == "volunteer"
    if campaign is not None and resident:
        own = seekers.own_registration(db.session, current_user, campaign)
        if own is not None:
            own_matches = seekers.own_matches(db.session, own)
        elif form is None:
            form = SelfSeekerForm(
                formdata=None, data={"name": current_user.name, "phone": current_user.phone}
            )
    return render(
        T + "resident.html",
        campaign=campaign,
        open_positions=positions.open_positions(db.session, campaign) if campaign else [],
        fairs=fairs.public_fairs(db.session, campaign) if campaign else [],
        own=own,
        own_matches=own_matches,
        form=form,
        resident=resident,
        age_labels=AGE_BAND_LABELS,
        match_labels=MATCH_LABELS,
        pay_text=positions.pay_text,
    ), status


@bp.route("/jobs")
def resident_page():
    """Anyone may read the open positions; a signed-in resident registers here."""
    return _resident_page()


@bp.route("/jobs/register", methods=["POST"])
@volunteer
def register():
    campaign = current_campaign(db.session, Theme.jobs)
    form = SelfSeekerForm()

    def act():
        if campaign is None:
            raise ServiceError(_("目前没有进行中的助企帮招活动"))
        values = seekers.SeekerInput(name=form.name.data, phone=form.phone.data,
                                     age_band=form.age_band.data, skills=form.skills.data,
                                     wanted=form.wanted.data)  # fmt: skip
        return seekers.register_self(db.session, current_user, campaign, values)

    submitted = submit_form(form, act)
    if submitted.done:
        flash(_("登记成功，工作人员会尽快为你推荐岗位"), "success")
        return redirect(url_for(".resident_page"))
    return _resident_page(form, submitted.status)


# --- an employer's own positions ------------------------------------------------------------------


def _own_employer():
    employer = employers.employer_of(db.session, current_user)
    if employer is None:
        abort(404)
    return employer


@bp.route("/jobs/mine")
@org
def mine():
    employer = _own_employer()
    return render(
        T + "mine.html",
        employer=employer,
        campaign=current_campaign(db.session, Theme.jobs),
        rows=positions.own_positions(db.session, employer),
        status_labels=POSITION_LABELS,
        pay_text=positions.pay_text,
    )


@bp.route("/jobs/mine/new", methods=["GET", "POST"])
@org
def mine_new():
    employer = _own_employer()
    campaign = current_campaign(db.session, Theme.jobs)
    form = PositionForm()

    def act():
        if campaign is None:
            raise ServiceError(_("目前没有进行中的助企帮招活动，暂不能发布岗位"))
        values = positions.PositionInput(
            campaign_id=campaign.id, title=form.title.data, openings=form.openings.data,
            pay_min=form.pay_min.data, pay_max=form.pay_max.data,
            requirements=form.requirements.data, status="open",
        )  # fmt: skip
        return positions.save_position(db.session, current_user, values, own_employer=employer)

    submitted = submit_form(form, act)
    if submitted.done:
        flash(_("已发布岗位：%(title)s", title=submitted.result.title), "success")
        return redirect(url_for(".mine"))
    return render(T + "mine_form.html", form=form, employer=employer,
                  campaign=campaign), submitted.status  # fmt: skip


@bp.route("/jobs/mine/<int:position_id>/status", methods=["POST"])
@signed_in  # not an employer's account: the same 404 as another employer's position
def mine_status(position_id: int):
    employer = _own_employer()
    position = positions.get_own_position_or_404(db.session, employer, position_id)
    status = request.form.get("status", "")[:10]
    if committed_or_flashed(lambda: positions.set_status(db.session, current_user, position,
                                                         status)):  # fmt: skip
        flash(_("已保存"), "success")
    return redirect(url_for(".mine"))


from tenants.campaigns.jobs import fair_views  # noqa: E402, F401  (routes on this blueprint)
