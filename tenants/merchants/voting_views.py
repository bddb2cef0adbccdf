"""/<slug>/merchants/voting… (office: rounds, candidates, live results, exports) and
/<slug>/merchants/vote… (residents on the phone: the rounds, voting, results after the close)."""

from __future__ import annotations

import json

from flask import Blueprint, abort, current_app, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from flask_login import current_user
from wtforms import SelectChoice

from saas.auth.access import office, require_role, signed_in
from saas.errors import NotFound, ServiceError
from saas.extensions import db, limiter
from saas.forms import parse_id, parse_page
from saas.ui import render
from saas.views import submit_form
from saas.xlsx import download, export_limit, workbook_response
from tenants.merchants import voting as services
from tenants.merchants.models import VotingRound
from tenants.merchants.voting import RoundState
from tenants.merchants.voting_forms import CandidateForm, RoundForm

bp = Blueprint(
    "merchants_voting", __name__, url_prefix="/<slug:tenant>", template_folder="templates"
)
T = "merchants/voting/"
resident = require_role("volunteer")

#: how often one resident may post a vote (a person taps a few times; a script is stopped)
DEFAULT_VOTE_LIMIT = "20 per minute"


def _labels() -> dict:
    return {"state_labels": services.STATE_LABELS, "RoundState": RoundState}


# --- rounds (office) -----------------------------------------------------------------------------


def _state_filter() -> str:
    state = request.args.get("state", "")
    return state if state in services.STATE_LABELS else ""


@bp.route("/merchants/voting")
@office
def rounds():
    state = _state_filter()
    page = parse_page(request.args.get("page"))
    rows, total = services.list_rounds(db.session, state, page)
    return render(
        T + "rounds.html",
        "rows",
        rows=rows,
        total=total,
        page=page,
        page_size=services.PAGE,
        args={"state": state},
        **_labels(),
    )


@bp.route("/merchants/voting.xlsx")
@office
@download
def export_rounds():
    state = _state_filter()
    rows, total = services.list_rounds(db.session, state, 1, export_limit())
    return workbook_response(
        _("商户评选") + ".xlsx",
        [
            _("评选"),
            _("状态"),
            _("开始"),
            _("结束"),
            _("每人可投"),
            _("候选商户"),
            _("总票数"),
            _("投票人数"),
        ],  # fmt: skip
        (
            (
                r.round.title,
                str(services.STATE_LABELS[r.state]),
                r.round.starts_at,
                r.round.ends_at,
                r.round.votes_per_person,
                r.candidates,
                r.votes,
                r.voters,
            )
            for r in rows
        ),
        total,
    )


def _circle_choices(form: RoundForm) -> None:
    form.circle.choices = [SelectChoice("", _("不限商圈"))] + [
        SelectChoice(str(c.id), c.name) for c in services.circles(db.session)
    ]


def _round_data(form: RoundForm) -> services.RoundData:
    raw_circle = form.circle.data or ""
    circle_id = parse_id(raw_circle) if raw_circle else None
    if raw_circle and circle_id is None:
        circle_id = -1  # no circle has it: the service refuses it next to the field
    return services.RoundData(
        title=form.title.data,
        circle_id=circle_id,
        starts_at=form.starts_at.data,
        ends_at=form.ends_at.data,
        votes_per_person=form.votes_per_person.data,
    )


@bp.route("/merchants/voting/new", methods=["GET", "POST"])
@office
def new_round():
    form = RoundForm()
    if request.method == "GET" and form.votes_per_person.data is None:
        form.votes_per_person.data = 3
    _circle_choices(form)
    submitted = submit_form(
        form, lambda: services.create_round(db.session, current_user, _round_data(form))
    )
    if submitted.done:
        flash(_("评选已创建，请添加候选商户"), "success")
        return redirect(url_for("merchants_voting.round_detail", round_id=submitted.result.id))
    return render(T + "round_form.html", form=form, vround=None), submitted.status


@bp.route("/merchants/voting/<int:round_id>/edit", methods=["GET", "POST"])
@office
def edit_round(round_id: int):
    vround = services.get_round_or_404(db.session, round_id)
    form = RoundForm(
        obj=None if request.method == "POST" else vround,
        circle=str(vround.circle_id or ""),
    )
    _circle_choices(form)
    if services.state_of(vround) != RoundState.upcoming and request.method == "GET":
        flash(_("本轮评选已开始，规则不能再修改"), "warning")
        return redirect(url_for("merchants_voting.round_detail", round_id=round_id))
    submitted = submit_form(
        form, lambda: services.update_round(db.session, current_user, vround, _round_data(form))
    )
    if submitted.done:
        flash(_("评选规则已保存"), "success")
        return redirect(url_for("merchants_voting.round_detail", round_id=round_id))
    return render(T + "round_form.html", form=form, vround=vround), submitted.status


def _round_page(vround: VotingRound, form: CandidateForm | None = None, status: int = 200):
    rows = services.candidates_of(db.session, vround)
    state = services.state_of(vround)
    form = form or CandidateForm(formdata=None)
    eligible = services.eligible_merchants(db.session, vround) if state == "upcoming" else []
    form.organisation.choices = [SelectChoice("", _("请选择"))] + [
        SelectChoice(str(o.id), o.name) for o in eligible
    ]
    chart = {"labels": [r.name for r in rows], "values": [r.candidate.votes for r in rows]}
    return render(
        T + "round.html",
        vround=vround,
        state=state,
        rows=rows,
        total_votes=sum(r.candidate.votes for r in rows),
        voters=services.voters_of(db.session, vround),
        circle=services.circle_names(db.session).get(vround.circle_id)
        if vround.circle_id
        else None,
        form=form,
        eligible=eligible,
        chart_json=json.dumps(chart, ensure_ascii=False),
        **_labels(),
    ), status


@bp.route("/merchants/voting/<int:round_id>")
@office
def round_detail(round_id: int):
    return _round_page(services.get_round_or_404(db.session, round_id))


@bp.route("/merchants/voting/<int:round_id>/candidates", methods=["POST"])
@office
def add_candidate(round_id: int):
    vround = services.get_round_or_404(db.session, round_id)
    form = CandidateForm()
    submitted = submit_form(
        form,
        lambda: services.add_candidate(
            db.session, current_user, vround, parse_id(form.organisation.data)
        ),
    )
    if submitted.done:
        flash(_("已添加候选商户"), "success")
        return redirect(url_for("merchants_voting.round_detail", round_id=round_id))
    return _round_page(vround, form, submitted.status)


@bp.route("/merchants/voting/<int:round_id>/candidates/<int:candidate_id>/remove", methods=["POST"])
@office
def remove_candidate(round_id: int, candidate_id: int):
    vround = services.get_round_or_404(db.session, round_id)
    try:
        services.remove_candidate(db.session, current_user, vround, candidate_id)
    except NotFound:
        raise
    except ServiceError as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        db.session.commit()
        flash(_("已移出候选名单"), "success")
    return redirect(url_for("merchants_voting.round_detail", round_id=round_id))


@bp.route("/merchants/voting/<int:round_id>/results.xlsx")
@office
@download
def export_results(round_id: int):
    vround = services.get_round_or_404(db.session, round_id)
    rows = services.candidates_of(db.session, vround)
    return workbook_response(
        vround.title + ".xlsx",
        [_("名次"), _("商户"), _("类别"), _("党员示范商户"), _("票数"), _("占比（%）")],
        (
            (r.rank, r.name, r.category, _("是") if r.is_model else "", r.candidate.votes, r.share)
            for r in rows
        ),
    )


# --- voting (residents) --------------------------------------------------------------------------


@bp.route("/merchants/vote")
@resident
def vote_rounds():
    return render(
        T + "vote_rounds.html",
        rounds=[(r, services.state_of(r)) for r in services.rounds_for_residents(db.session)],
        **_labels(),
    )


def _vote_page(vround: VotingRound, error: str | None = None, status: int = 200):
    state = services.state_of(vround)
    rows = (
        services.candidates_of(db.session, vround)
        if state == RoundState.closed
        else services.candidates_by_name(db.session, vround)
    )
    return render(
        T + "vote.html",
        vround=vround,
        state=state,
        rows=rows,
        ballot=services.my_ballot(db.session, current_user, vround),
        error=error,
        **_labels(),
    ), status


def _round_for_resident(round_id: int) -> VotingRound:
    """The round (404 first, as for any id of another street), then: residents only (403)."""
    vround = services.get_round_or_404(db.session, round_id)
    if current_user.role != "volunteer":
        abort(403)
    return vround


@bp.route("/merchants/vote/<int:round_id>")
@signed_in
def vote(round_id: int):
    return _vote_page(_round_for_resident(round_id))


def _voter_key() -> str:
    """Votes are counted per account (many residents share one building's address)."""
    if current_user.is_authenticated:
        return f"merchant-vote:{current_user.tenant_id}:{current_user.id}"
    return get_remote_address()


def _vote_limit() -> str:
    return current_app.config.get("MERCHANT_VOTE_RATE_LIMIT", DEFAULT_VOTE_LIMIT)


@bp.route("/merchants/vote/<int:round_id>", methods=["POST"])
@limiter.limit(_vote_limit, key_func=_voter_key, methods=["POST"])
@signed_in
def cast_vote(round_id: int):
    vround = _round_for_resident(round_id)
    try:
        services.cast_vote(
            db.session, current_user, vround, parse_id(request.form.get("organisation_id"))
        )
    except NotFound:
        raise
    except ServiceError as error:
        db.session.rollback()
        return _vote_page(vround, error.message, 422)
    db.session.commit()
    flash(_("投票成功，感谢您的参与！"), "success")
    return redirect(url_for("merchants_voting.vote", round_id=round_id))
