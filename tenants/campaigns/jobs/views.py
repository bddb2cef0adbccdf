"""/<slug>/jobs…: the office's employers, positions, seekers and matches (with .xlsx exports);
the resident's page (``/jobs``), an employer's own positions (``/jobs/mine``) and job fairs
(``phone_views`` and ``fair_views``, on this same blueprint)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms import SelectChoice

from saas.auth.access import office
from saas.errors import NotFound, ServiceError
from saas.extensions import db
from saas.forms import attach_error, parse_id, parse_page
from saas.ui import render
from saas.views import submit_form
from saas.xlsx import download, export_limit, shown_phone, workbook_response
from tenants.campaigns.jobs import employers, matches, positions, seekers
from tenants.campaigns.jobs.common import (
    AGE_BAND_LABELS,
    MATCH_LABELS,
    PAGE,
    POSITION_LABELS,
    chosen_campaign,
    get_jobs_campaign_or_404,
    jobs_campaigns,
    kpi_strip,
)
from tenants.campaigns.jobs.forms import (
    DeclineForm,
    EmployerForm,
    HireForm,
    InterviewForm,
    PositionForm,
    PutForwardForm,
    SeekerForm,
)
from tenants.structure.services import communities_for

bp = Blueprint(
    "campaigns_jobs", __name__, url_prefix="/<slug:tenant>", template_folder="../templates"
)
T = "campaigns/jobs/"


def committed_or_flashed(act) -> bool:
    """Run a one-button action's service: commit, or roll back and flash its refusal."""
    try:
        act()
    except ServiceError as error:
        if isinstance(error, NotFound):
            raise
        db.session.rollback()
        flash(error.message, "error")
        return False
    db.session.commit()
    return True


def _communities():
    return communities_for(db.session, current_user)


def _community_choices(field, empty_label=None) -> None:
    choices = [SelectChoice(str(c.id), c.name) for c in _communities()]
    if current_user.limited_to_community is None:
        choices.insert(0, SelectChoice("", empty_label or _("全街道")))
    field.choices = choices


def _campaign():
    """(the street's jobs campaigns, the one the page shows)."""
    campaigns = jobs_campaigns(db.session)
    return campaigns, chosen_campaign(campaigns, request.args.get("campaign"), db.session)


# --- employers -----------------------------------------------------------------------------------


def _employer_filters() -> employers.EmployerFilters:
    args = request.args
    return employers.EmployerFilters(source=args.get("source", "")[:8], q=args.get("q", "")[:50])


@bp.route("/jobs/employers")
@office
def employer_list():
    filters = _employer_filters()
    page = parse_page(request.args.get("page"))
    rows, total = employers.list_employers(db.session, current_user, filters, page)
    return render(T + "employers.html", "rows", rows=rows, total=total, page=page,
                  page_size=PAGE, filters=filters, kinds=employers.ORG_KIND_LABELS)  # fmt: skip


@bp.route("/jobs/employers/export.xlsx")
@office
@download
def export_employers():
    rows, total = employers.list_employers(
        db.session, current_user, _employer_filters(), 1, export_limit()
    )
    kinds = employers.ORG_KIND_LABELS
    return workbook_response(
        _("用工企业") + ".xlsx",
        [
            _("企业名称"),
            _("类型"),
            _("社区"),
            _("联系人"),
            _("联系电话"),
            _("在招岗位"),
            _("在招人数"),
        ],  # fmt: skip
        (
            (
                r.employer.name,
                _(kinds[r.org_kind]) if r.org_kind in kinds else _("其他企业"),
                r.community or _("全街道"),
                r.employer.contact_name,
                shown_phone(current_user, r.employer.contact_phone),
                r.open_positions,
                r.openings,
            )
            for r in rows
        ),  # fmt: skip
        total,
    )


def _employer_form(form: EmployerForm) -> EmployerForm:
    form.organisation.choices = [SelectChoice("", _("不是本街道的单位（按名称登记）"))] + [
        SelectChoice(str(i), f"{name}（{_(employers.ORG_KIND_LABELS.get(kind, ''))}）")
        for i, name, kind in employers.organisation_choices(db.session)
    ]
    _community_choices(form.community)
    return form


def _employer_input(form: EmployerForm) -> employers.EmployerInput:
    return employers.EmployerInput(
        organisation_id=form.organisation.data,
        name=form.name.data,
        contact_name=form.contact_name.data,
        contact_phone=form.contact_phone.data,
        community_id=form.community.data,
    )


@bp.route("/jobs/employers/new", methods=["GET", "POST"])
@office
def create_employer():
    form = _employer_form(EmployerForm())
    submitted = submit_form(
        form, lambda: employers.save_employer(db.session, current_user, _employer_input(form))
    )
    if submitted.done:
        flash(_("已登记用工企业：%(name)s", name=submitted.result.name), "success")
        return redirect(url_for(".employer_list"))
    return render(T + "employer_form.html", form=form, employer=None), submitted.status


@bp.route("/jobs/employers/<int:employer_id>/edit", methods=["GET", "POST"])
@office
def edit_employer(employer_id: int):
    employer = employers.get_employer_or_404(db.session, current_user, employer_id)
    if request.method == "GET":
        values = employers.employer_input(employer)
        form = EmployerForm(data={"organisation": values.organisation_id, "name": values.name,
                                  "contact_name": values.contact_name,
                                  "contact_phone": values.contact_phone,
                                  "community": values.community_id})  # fmt: skip
        if not current_user.sees_phones:
            form.contact_phone.data = ""  # the contact's number is for the admin's eyes only
    else:
        form = EmployerForm()
    _employer_form(form)

    def act():
        values = _employer_input(form)
        if not current_user.sees_phones and not (values.contact_phone or "").strip():
            values.contact_phone = employer.contact_phone  # left empty: keep the number
        return employers.save_employer(db.session, current_user, values, employer)

    submitted = submit_form(form, act)
    if submitted.done:
        flash(_("已保存"), "success")
        return redirect(url_for(".employer_list"))
    return render(T + "employer_form.html", form=form, employer=employer), submitted.status


# --- positions -----------------------------------------------------------------------------------


def _position_filters() -> positions.PositionFilters:
    args = request.args
    return positions.PositionFilters(
        employer=args.get("employer", "")[:20],
        status=args.get("status", "")[:10],
        q=args.get("q", "")[:50],
    )


@bp.route("/jobs/positions")
@office
def position_list():
    campaigns, campaign = _campaign()
    filters = _position_filters()
    page = parse_page(request.args.get("page"))
    rows, total = ([], 0)
    if campaign is not None:
        rows, total = positions.list_positions(db.session, campaign, filters, page)
    return render(
        T + "positions.html", "rows", campaigns=campaigns, campaign=campaign, rows=rows,
        total=total, page=page, page_size=PAGE, filters=filters,
        employers=employers.employer_choices(db.session, current_user),
        status_labels=POSITION_LABELS, pay_text=positions.pay_text,
        kpis=kpi_strip(db.session, campaign),
    )  # fmt: skip


@bp.route("/jobs/positions/export.xlsx")
@office
@download
def export_positions():
    _campaigns, campaign = _campaign()
    rows, total = ([], 0)
    if campaign is not None:
        rows, total = positions.list_positions(
            db.session, campaign, _position_filters(), 1, export_limit()
        )
    return workbook_response(
        _("用工岗位") + ".xlsx",
        [
            _("岗位名称"),
            _("用工企业"),
            _("招聘人数"),
            _("月薪"),
            _("岗位要求"),
            _("招聘状态"),
            _("已推荐"),
            _("面试"),
            _("已入职"),
            _("发布时间"),
        ],  # fmt: skip
        (
            (
                r.position.title,
                r.employer,
                r.position.openings,
                positions.pay_text(r.position),
                r.position.requirements,
                str(POSITION_LABELS.get(r.position.status, "")),
                r.matched,
                r.interviews,
                r.hired,
                r.position.created_at,
            )
            for r in rows
        ),  # fmt: skip
        total,
    )


def _position_form(form: PositionForm, campaigns) -> PositionForm:
    form.campaign.choices = [SelectChoice(str(c.id), c.name) for c in campaigns]
    form.employer.choices = [SelectChoice("", _("请选择"))] + [
        SelectChoice(str(i), name) for i, name in employers.employer_choices(db.session,
                                                                              current_user)
    ]  # fmt: skip
    return form


def _position_input(form: PositionForm) -> positions.PositionInput:
    return positions.PositionInput(
        campaign_id=form.campaign.data,
        employer_id=form.employer.data,
        title=form.title.data,
        openings=form.openings.data,
        pay_min=form.pay_min.data,
        pay_max=form.pay_max.data,
        requirements=form.requirements.data,
        status=form.status.data or "open",
    )


@bp.route("/jobs/positions/new", methods=["GET", "POST"])
@office
def create_position():
    campaigns, campaign = _campaign()
    if request.method == "POST":
        form = PositionForm()
    else:
        form = PositionForm(data={"campaign": campaign.id if campaign else None,
                                  "employer": parse_id(request.args.get("employer"))})  # fmt: skip
    _position_form(form, campaigns)
    submitted = submit_form(
        form, lambda: positions.save_position(db.session, current_user, _position_input(form))
    )
    if submitted.done:
        flash(_("已发布岗位：%(title)s", title=submitted.result.title), "success")
        return redirect(url_for(".position_detail", position_id=submitted.result.id))
    return render(T + "position_form.html", form=form, position=None,
                  campaigns=campaigns), submitted.status  # fmt: skip


@bp.route("/jobs/positions/<int:position_id>/edit", methods=["GET", "POST"])
@office
def edit_position(position_id: int):
    position = positions.get_position_or_404(db.session, current_user, position_id)
    campaigns = jobs_campaigns(db.session)
    if request.method == "GET":
        values = positions.position_input(position).__dict__
        form = PositionForm(data=values | {"campaign": values["campaign_id"],
                                           "employer": values["employer_id"]})  # fmt: skip
    else:
        form = PositionForm()
    _position_form(form, campaigns)
    submitted = submit_form(
        form,
        lambda: positions.save_position(db.session, current_user, _position_input(form), position),
    )
    if submitted.done:
        flash(_("已保存"), "success")
        return redirect(url_for(".position_detail", position_id=position.id))
    return render(T + "position_form.html", form=form, position=position,
                  campaigns=campaigns), submitted.status  # fmt: skip


def _match_forms():
    return {"interview": InterviewForm(formdata=None), "hire": HireForm(formdata=None),
            "decline": DeclineForm(formdata=None)}  # fmt: skip


def _position_page(position, put_form=None, failed=None, status: int = 200):
    campaign = get_jobs_campaign_or_404(db.session, position.campaign_id)
    put_form = put_form or PutForwardForm(formdata=None)
    put_form.seeker.choices = [SelectChoice("", _("请选择"))] + [
        SelectChoice(str(i), label)
        for i, label in seekers.seeker_choices(db.session, current_user, campaign.id)
    ]
    employer = employers.employer_by_id(db.session, position.employer_id)
    return render(
        T + "position.html", position=position, campaign=campaign, employer=employer,
        matches=matches.matches_of_position(db.session, current_user, position),
        put_form=put_form, failed=failed or {}, forms=_match_forms(),
        status_labels=POSITION_LABELS, match_labels=MATCH_LABELS, pay_text=positions.pay_text,
    ), status  # fmt: skip


@bp.route("/jobs/positions/<int:position_id>")
@office
def position_detail(position_id: int):
    return _position_page(positions.get_position_or_404(db.session, current_user, position_id))


@bp.route("/jobs/positions/<int:position_id>/status", methods=["POST"])
@office
def position_status(position_id: int):
    position = positions.get_position_or_404(db.session, current_user, position_id)
    status = request.form.get("status", "")[:10]
    if committed_or_flashed(lambda: positions.set_status(db.session, current_user, position,
                                                         status)):  # fmt: skip
        flash(_("已保存"), "success")
    return redirect(url_for(".position_detail", position_id=position.id))


@bp.route("/jobs/positions/<int:position_id>/matches", methods=["POST"])
@office
def position_put_forward(position_id: int):
    position = positions.get_position_or_404(db.session, current_user, position_id)
    form = PutForwardForm()

    def act():
        seeker = seekers.campaign_seeker(
            db.session, current_user, position.campaign_id, form.seeker.data
        )
        return matches.put_forward(db.session, current_user, seeker, position.id, form.note.data)

    submitted = submit_form(form, act)
    if submitted.done:
        flash(_("已推荐"), "success")
        return redirect(url_for(".position_detail", position_id=position.id))
    return _position_page(position, put_form=form, status=submitted.status)


# --- seekers -------------------------------------------------------------------------------------


def _seeker_filters() -> seekers.SeekerFilters:
    args = request.args
    return seekers.SeekerFilters(
        community=args.get("community", "")[:20],
        age_band=args.get("age_band", "")[:10],
        matches=args.get("matches", "")[:8],
        q=args.get("q", "")[:50],
    )


@bp.route("/jobs/seekers")
@office
def seeker_list():
    campaigns, campaign = _campaign()
    filters = _seeker_filters()
    page = parse_page(request.args.get("page"))
    rows, total = ([], 0)
    if campaign is not None:
        rows, total = seekers.list_seekers(db.session, current_user, campaign, filters, page)
    return render(
        T + "seekers.html", "rows", campaigns=campaigns, campaign=campaign, rows=rows,
        total=total, page=page, page_size=PAGE, filters=filters, communities=_communities(),
        age_labels=AGE_BAND_LABELS, kpis=kpi_strip(db.session, campaign),
    )  # fmt: skip


@bp.route("/jobs/seekers/export.xlsx")
@office
@download
def export_seekers():
    _campaigns, campaign = _campaign()
    rows, total = ([], 0)
    if campaign is not None:
        rows, total = seekers.list_seekers(
            db.session, current_user, campaign, _seeker_filters(), 1, export_limit()
        )
    return workbook_response(
        _("求职登记") + ".xlsx",
        [
            _("姓名"),
            _("手机号"),
            _("年龄段"),
            _("社区"),
            _("技能特长"),
            _("意向岗位"),
            _("登记方式"),
            _("已推荐"),
            _("推荐中"),
            _("已入职"),
            _("登记时间"),
        ],  # fmt: skip
        (
            (
                r.seeker.name,
                shown_phone(current_user, r.seeker.phone),
                str(AGE_BAND_LABELS.get(r.seeker.age_band, "")),
                r.community or "",
                r.seeker.skills,
                r.seeker.wanted,
                _("窗口登记") if r.seeker.created_by else _("本人登记"),
                r.matched,
                r.active,
                r.hired,
                r.seeker.created_at,
            )
            for r in rows
        ),  # fmt: skip
        total,
    )


def _seeker_input(form) -> seekers.SeekerInput:
    return seekers.SeekerInput(
        name=form.name.data,
        phone=form.phone.data,
        age_band=form.age_band.data,
        skills=form.skills.data,
        wanted=form.wanted.data,
        community_id=form.community.data if hasattr(form, "community") else None,
    )


@bp.route("/jobs/seekers/new", methods=["GET", "POST"])
@office
def create_seeker():
    campaigns, campaign = _campaign()
    if request.method == "POST":
        campaign = next((c for c in campaigns if c.id == parse_id(request.form.get("campaign"))),
                        None)  # fmt: skip
    form = SeekerForm()
    _community_choices(form.community, _("请选择"))

    def act():
        if campaign is None:
            raise ServiceError(_("请先选择助企帮招活动"))
        return seekers.register_seeker(db.session, current_user, campaign, _seeker_input(form))

    submitted = submit_form(form, act)
    if submitted.done:
        flash(_("已登记求职：%(name)s", name=submitted.result.name), "success")
        return redirect(url_for(".seeker_detail", seeker_id=submitted.result.id))
    return render(T + "seeker_form.html", form=form, campaigns=campaigns,
                  campaign=campaign), submitted.status  # fmt: skip


def _seeker_page(seeker, put_form=None, failed=None, status: int = 200):
    campaign = get_jobs_campaign_or_404(db.session, seeker.campaign_id)
    put_form = put_form or PutForwardForm(formdata=None)
    put_form.position.choices = [SelectChoice("", _("请选择"))] + [
        SelectChoice(str(p.id), f"{name} · {p.title}")
        for p, name in positions.open_positions(db.session, campaign)
    ]
    community = seekers.community_name(db.session, seeker)
    return render(
        T + "seeker.html", seeker=seeker, campaign=campaign, community=community,
        matches=matches.matches_of_seeker(db.session, seeker), put_form=put_form,
        failed=failed or {}, forms=_match_forms(), age_labels=AGE_BAND_LABELS,
        match_labels=MATCH_LABELS,
    ), status  # fmt: skip


@bp.route("/jobs/seekers/<int:seeker_id>")
@office
def seeker_detail(seeker_id: int):
    return _seeker_page(seekers.get_seeker_or_404(db.session, current_user, seeker_id))


@bp.route("/jobs/seekers/<int:seeker_id>/matches", methods=["POST"])
@office
def seeker_put_forward(seeker_id: int):
    seeker = seekers.get_seeker_or_404(db.session, current_user, seeker_id)
    form = PutForwardForm()
    submitted = submit_form(
        form,
        lambda: matches.put_forward(
            db.session, current_user, seeker, form.position.data, form.note.data
        ),
    )
    if submitted.done:
        flash(_("已推荐"), "success")
        return redirect(url_for(".seeker_detail", seeker_id=seeker.id))
    return _seeker_page(seeker, put_form=form, status=submitted.status)


# --- a match's steps: interview, hire, decline ----------------------------------------------------


def _match_step(campaign_id: int, match_id: int, form, act):
    campaign = get_jobs_campaign_or_404(db.session, campaign_id)
    match, seeker, position = matches.get_match_or_404(db.session, current_user, campaign,
                                                       match_id)  # fmt: skip
    submitted = submit_form(form, lambda: act(match))
    back_to_position = request.form.get("back") == "position"
    if submitted.done:
        flash(_("已保存"), "success")
        if back_to_position:
            return redirect(url_for(".position_detail", position_id=position.id))
        return redirect(url_for(".seeker_detail", seeker_id=seeker.id))
    if not form.errors and not form.form_errors and submitted.refusal is None:
        attach_error(form, ServiceError(_("请重新提交")))
    failed = {match.id: form}
    if back_to_position:
        return _position_page(position, failed=failed, status=422)
    return _seeker_page(seeker, failed=failed, status=422)


@bp.route("/jobs/<int:campaign_id>/matches/<int:match_id>/interview", methods=["POST"])
@office
def match_interview(campaign_id: int, match_id: int):
    form = InterviewForm()
    return _match_step(campaign_id, match_id, form, lambda m: matches.record_interview(
        db.session, current_user, m, form.interview_at.data))  # fmt: skip


@bp.route("/jobs/<int:campaign_id>/matches/<int:match_id>/hire", methods=["POST"])
@office
def match_hire(campaign_id: int, match_id: int):
    form = HireForm()
    return _match_step(campaign_id, match_id, form, lambda m: matches.record_hire(
        db.session, current_user, m, form.hired_on.data))  # fmt: skip


@bp.route("/jobs/<int:campaign_id>/matches/<int:match_id>/decline", methods=["POST"])
@office
def match_decline(campaign_id: int, match_id: int):
    form = DeclineForm()
    return _match_step(campaign_id, match_id, form, lambda m: matches.record_decline(
        db.session, current_user, m, form.note.data))  # fmt: skip


from tenants.campaigns.jobs import phone_views  # noqa: E402, F401  (routes on this blueprint)
