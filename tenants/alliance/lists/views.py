"""/<slug>/alliance/… pages of the members (双报到, 先锋岗位) and the three lists (需求, 资源,
项目): thin — parse, call the service, render."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, abort, flash, g, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from wtforms import SelectChoice

from saas.auth.access import office, signed_in
from saas.errors import Forbidden, NotFound, ServiceError
from saas.extensions import db
from saas.forms import parse_id, parse_page
from saas.ui import render
from saas.views import submit_form
from saas.xlsx import download, export_limit, shown_phone, workbook_response
from tenants.alliance.lists import common, members, ranking, services
from tenants.alliance.lists.forms import (
    MoveForm,
    NeedForm,
    PostForm,
    ProjectForm,
    ReasonForm,
    ReportForm,
    ResourceForm,
)
from tenants.alliance.models import Post, ProjectStatus
from tenants.orgs.records import organisation_of
from tenants.structure.services import communities_for, community_names

bp = Blueprint(
    "alliance_lists",
    __name__,
    url_prefix="/<slug:tenant>",
    template_folder=str(Path(__file__).resolve().parent.parent / "templates"),
)


@bp.context_processor
def _labels() -> dict:
    return {
        "report_labels": members.REPORT_LABELS,
        "need_labels": services.NEED_LABELS,
        "kind_labels": services.KIND_LABELS,
        "project_labels": services.PROJECT_LABELS,
        "shown_phone": shown_phone,
    }


def _or_404(load):
    """``load()``'s answer; its NotFound (or Forbidden) is the 404 page."""
    try:
        return load()
    except (NotFound, Forbidden):
        abort(404)


def _communities_for(user) -> list:
    return communities_for(db.session, user)


def _community_choices(user, blank: str) -> list[SelectChoice]:
    return [SelectChoice("", blank)] + [
        SelectChoice(str(c.id), c.name) for c in _communities_for(user)
    ]


def _unit_choices(blank: str) -> list[SelectChoice]:
    return [SelectChoice("", blank)] + [
        SelectChoice(str(u.id), u.name) for u in common.alliance_units(db.session)
    ]


def _arg(name: str, size: int = 40) -> str:
    return request.args.get(name, "")[:size]


def _id_filter(name: str) -> int | None:
    raw = _arg(name)
    if not raw:
        return None
    if raw == "other":
        return -1
    return parse_id(raw) or -2  # an unreadable id matches nothing


# --- members on their phones: report, posts ------------------------------------------------------


@bp.route("/alliance/report", methods=["GET", "POST"])
@signed_in
def report():
    if not members.can_report(current_user):
        abort(403)
    existing = members.report_of(db.session, current_user)
    form = ReportForm(obj=None)
    form.community.choices = _community_choices(current_user, _("请选择"))
    form.organisation.choices = _unit_choices(_("不在列表中（请在下面填写）"))
    if request.method == "GET":
        if existing is not None:
            form.community.data = existing.community_id
            form.organisation.data = existing.organisation_id
            form.work_unit.data = "" if existing.organisation_id else existing.work_unit
            chosen = [s for s in existing.specialties.split("、") if s]
            form.specialties.data = [s for s in chosen if s in members.SPECIALTIES]
            form.other_specialties.data = "、".join(
                s for s in chosen if s not in members.SPECIALTIES
            )
            form.availability.data = existing.availability
        elif current_user.community_id:
            form.community.data = current_user.community_id
    submitted = submit_form(
        form,
        lambda: members.submit_report(
            db.session,
            current_user,
            members.ReportInput(
                community_id=form.community.data,
                organisation_id=form.organisation.data,
                work_unit=form.work_unit.data or "",
                specialties=list(form.specialties.data or []),
                other_specialties=form.other_specialties.data or "",
                availability=form.availability.data or "",
            ),
        ),
    )
    if submitted.done:
        flash(_("已提交报到，社区工作人员确认后即可认领先锋岗位"), "success")
        return redirect(url_for("alliance_lists.report"))
    return render(
        "alliance/lists/report.html",
        form=form,
        existing=existing,
        suggestions=members.SPECIALTIES,
        rejection=(
            members.last_rejection(db.session, current_user)
            if existing is not None and existing.status == "rejected"
            else ""
        ),
        communities=community_names(db.session),
    ), submitted.status


@bp.route("/alliance/posts")
@signed_in
def member_posts():
    if not members.can_report(current_user):
        abort(403)
    report, posts = members.posts_for_member(db.session, current_user)
    return render(
        "alliance/lists/posts.html",
        report=report,
        posts=posts,
        communities=community_names(db.session),
    )


def _member_post_step(post_id: int, step, message: str):
    """Run a claim or a withdrawal; the post must be this street's (404 otherwise)."""
    if db.session.scalar(select(Post.id).where(Post.id == post_id)) is None:
        abort(404)
    try:
        step()
    except NotFound:
        db.session.rollback()
        abort(404)
    except ServiceError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for("alliance_lists.member_posts"))
    db.session.commit()
    flash(message, "success")
    return redirect(url_for("alliance_lists.member_posts"))


@bp.route("/alliance/posts/<int:post_id>/claim", methods=["POST"])
@signed_in
def claim_post(post_id: int):
    return _member_post_step(
        post_id,
        lambda: members.claim_post(db.session, current_user, post_id),
        _("认领成功，感谢您的担当！"),
    )


@bp.route("/alliance/posts/<int:post_id>/withdraw", methods=["POST"])
@signed_in
def withdraw_claim(post_id: int):
    return _member_post_step(
        post_id,
        lambda: members.withdraw_claim(db.session, current_user, post_id),
        _("已退出该岗位，名额已释放"),
    )


# --- the office: reports ------------------------------------------------------------------------


def _report_filters() -> tuple[members.ReportFilters, dict]:
    args = {key: _arg(key) for key in ("status", "community", "unit")}
    return members.ReportFilters(
        status=args["status"],
        community_id=_id_filter("community"),
        organisation_id=_id_filter("unit"),
    ), args


@bp.route("/alliance/reports")
@office
def reports():
    filters, args = _report_filters()
    page = parse_page(request.args.get("page"))
    rows, total = members.list_reports(db.session, current_user, filters, page)
    return render(
        "alliance/lists/reports.html",
        "rows",
        rows=rows,
        total=total,
        page=page,
        page_size=common.PAGE,
        args=args,
        communities=_communities_for(current_user),
        community_names=community_names(db.session),
        units=common.alliance_units(db.session),
        reason_form=ReasonForm(formdata=None),
    )


@bp.route("/alliance/reports.xlsx")
@office
@download
def export_reports():
    filters, _args = _report_filters()
    rows, total = members.list_reports(db.session, current_user, filters, 1, export_limit())
    names = community_names(db.session)
    return workbook_response(
        _("双报到") + ".xlsx",
        [
            _("姓名"),
            _("手机号"),
            _("报到社区"),
            _("工作单位"),
            _("特长"),
            _("可服务时间"),
            _("状态"),
            _("提交时间"),
        ],  # fmt: skip
        (
            (
                row.name,
                shown_phone(current_user, row.phone),
                names.get(row.report.community_id, ""),
                row.unit,
                row.report.specialties,
                row.report.availability,
                str(members.REPORT_LABELS.get(row.report.status, row.report.status)),
                row.report.created_at,
            )
            for row in rows
        ),
        total,
    )


def _decide(report_id: int, step, message: str):
    report = _or_404(lambda: members.get_report_or_404(db.session, current_user, report_id))
    try:
        step(report)
    except ServiceError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for("alliance_lists.reports", status="pending"))
    db.session.commit()
    flash(message, "success")
    return redirect(url_for("alliance_lists.reports", status="pending"))


@bp.route("/alliance/reports/<int:report_id>/confirm", methods=["POST"])
@office
def confirm_report(report_id: int):
    return _decide(
        report_id,
        lambda r: members.confirm_report(db.session, current_user, g.tenant, r),
        _("已确认报到"),
    )


@bp.route("/alliance/reports/<int:report_id>/reject", methods=["POST"])
@office
def reject_report(report_id: int):
    reason = request.form.get("reason", "")
    return _decide(
        report_id,
        lambda r: members.reject_report(db.session, current_user, g.tenant, r, reason),
        _("已退回报到"),
    )


# --- the office: posts --------------------------------------------------------------------------


def _post_filters() -> tuple[int | str | None, str, dict]:
    """The posts list's community ("street": street-wide posts; an unreadable id matches
    nothing) and state filters, and the raw values for the form."""
    community = _arg("community")
    community_id: int | str | None = None
    if community == "street":
        community_id = "street"
    elif community:
        community_id = parse_id(community) or -2
    state = _arg("state")
    return community_id, state, {"community": community, "state": state}


@bp.route("/alliance/posts/manage")
@office
def posts():
    community_id, state, args = _post_filters()
    page = parse_page(request.args.get("page"))
    rows, total = members.list_posts(db.session, current_user, community_id, state, page)
    return render(
        "alliance/lists/posts_manage.html",
        "rows",
        rows=rows,
        total=total,
        page=page,
        page_size=common.PAGE,
        args=args,
        communities=_communities_for(current_user),
        community_names=community_names(db.session),
    )


@bp.route("/alliance/posts/manage/export.xlsx")
@office
@download
def export_posts():
    """The posts as the list filters them, every row (up to the export's cap)."""
    community_id, state, _args = _post_filters()
    rows, total = members.list_posts(
        db.session, current_user, community_id, state, 1, export_limit()
    )
    names = community_names(db.session)
    return workbook_response(
        _("先锋岗位") + ".xlsx",
        [
            _("岗位"),
            _("社区"),
            _("所需特长"),
            _("已认领"),
            _("名额"),
            _("状态"),
            _("发布时间"),
        ],  # fmt: skip
        (
            (
                p.title,
                names.get(p.community_id, _("全街道")),
                p.specialties,
                p.claimed,
                p.slots,
                _("开放认领") if p.is_open else _("已停止"),
                p.created_at,
            )
            for p in rows
        ),
        total,
    )


@bp.route("/alliance/posts/new", methods=["GET", "POST"])
@office
def new_post():
    form = PostForm()
    blank = _("全街道") if current_user.limited_to_community is None else _("请选择")
    form.community.choices = _community_choices(current_user, blank)
    submitted = submit_form(
        form,
        lambda: members.publish_post(
            db.session,
            current_user,
            members.PostInput(
                title=form.title.data,
                description=form.description.data,
                community_id=form.community.data,
                specialties=form.specialties.data,
                slots=form.slots.data,
            ),
        ),
    )
    if submitted.done:
        flash(_("岗位已发布"), "success")
        return redirect(url_for("alliance_lists.post_claims", post_id=submitted.result.id))
    return render("alliance/lists/post_form.html", form=form), submitted.status


@bp.route("/alliance/posts/<int:post_id>")
@office
def post_claims(post_id: int):
    post = _or_404(lambda: members.get_managed_post_or_404(db.session, current_user, post_id))
    return render(
        "alliance/lists/post_detail.html",
        post=post,
        claimants=members.claimants(db.session, post),
        community=community_names(db.session).get(post.community_id, ""),
    )


@bp.route("/alliance/posts/<int:post_id>/claims.xlsx")
@office
@download
def export_post_claims(post_id: int):
    """A post's claimants as its page lists them; phones as the page shows them to the viewer."""
    post = _or_404(lambda: members.get_managed_post_or_404(db.session, current_user, post_id))
    rows = members.claimants(db.session, post, export_limit())
    return workbook_response(
        _("先锋岗位认领人-%(title)s", title=post.title) + ".xlsx",
        [_("姓名"), _("手机号"), _("工作单位"), _("特长"), _("认领时间")],
        (
            (c.name, shown_phone(current_user, c.phone), c.unit, c.specialties, c.claim.created_at)
            for c in rows
        ),
    )


@bp.route("/alliance/posts/<int:post_id>/open", methods=["POST"])
@office
def set_post_open(post_id: int):
    post = _or_404(lambda: members.get_managed_post_or_404(db.session, current_user, post_id))
    is_open = request.form.get("open") == "1"
    members.set_post_open(db.session, current_user, post, is_open)
    db.session.commit()
    flash(_("岗位已开放认领") if is_open else _("岗位已停止认领"), "success")
    return redirect(url_for("alliance_lists.post_claims", post_id=post_id))


# --- the office: needs --------------------------------------------------------------------------


def _need_filters() -> tuple[services.NeedFilters, dict]:
    args = {key: _arg(key) for key in ("status", "community")}
    return services.NeedFilters(status=args["status"], community_id=_id_filter("community")), args


@bp.route("/alliance/needs")
@office
def needs():
    filters, args = _need_filters()
    page = parse_page(request.args.get("page"))
    rows, total = services.list_needs(db.session, current_user, filters, page)
    return render(
        "alliance/lists/needs.html",
        "rows",
        rows=rows,
        total=total,
        page=page,
        page_size=common.PAGE,
        args=args,
        communities=_communities_for(current_user),
        community_names=community_names(db.session),
    )


@bp.route("/alliance/needs.xlsx")
@office
@download
def export_needs():
    filters, _args = _need_filters()
    rows, total = services.list_needs(db.session, current_user, filters, 1, export_limit())
    names = community_names(db.session)
    return workbook_response(
        _("需求清单") + ".xlsx",
        [_("需求"), _("社区"), _("标签"), _("状态"), _("说明"), _("发布时间")],
        (
            (
                n.title,
                names.get(n.community_id, ""),
                n.tags,
                str(services.NEED_LABELS.get(n.status, n.status)),
                n.description,
                n.created_at,
            )
            for n in rows
        ),
        total,
    )


def _need_input(form: NeedForm) -> services.NeedInput:
    return services.NeedInput(
        title=form.title.data,
        description=form.description.data,
        community_id=form.community.data,
        tags=form.tags.data,
    )


@bp.route("/alliance/needs/new", methods=["GET", "POST"])
@office
def new_need():
    form = NeedForm()
    form.community.choices = _community_choices(current_user, _("请选择"))
    if request.method == "GET" and current_user.limited_to_community:
        form.community.data = current_user.limited_to_community
    submitted = submit_form(
        form, lambda: services.post_need(db.session, current_user, _need_input(form))
    )
    if submitted.done:
        flash(_("需求已发布"), "success")
        return redirect(url_for("alliance_lists.need", need_id=submitted.result.id))
    return render("alliance/lists/need_form.html", form=form, need=None), submitted.status


@bp.route("/alliance/needs/<int:need_id>/edit", methods=["GET", "POST"])
@office
def edit_need(need_id: int):
    need = _or_404(lambda: services.get_need_or_404(db.session, current_user, need_id))
    form = NeedForm(obj=need if request.method == "GET" else None)
    form.community.choices = _community_choices(current_user, _("请选择"))
    if request.method == "GET":
        form.community.data = need.community_id
    submitted = submit_form(
        form, lambda: services.edit_need(db.session, current_user, need, _need_input(form))
    )
    if submitted.done:
        flash(_("已保存"), "success")
        return redirect(url_for("alliance_lists.need", need_id=need_id))
    return render("alliance/lists/need_form.html", form=form, need=need), submitted.status


def _need_page(need, form: ProjectForm | None = None, status: int = 200, chosen=None):
    form = form or ProjectForm(formdata=None, title=need.title)
    form.owner.choices = [SelectChoice("", _("请选择"))] + [
        SelectChoice(str(u.id), u.name) for u in common.office_people(db.session)
    ]
    if form.owner.data is None and request.method == "GET":
        form.owner.data = current_user.id
    projects = services.projects_of_need(db.session, need)
    return render(
        "alliance/lists/need.html",
        need=need,
        community=community_names(db.session).get(need.community_id, ""),
        candidates=ranking.candidates(db.session, need),
        projects=projects,
        partners=services.partners_of(db.session, [p.id for p in projects]),
        form=form,
        chosen=chosen or {},
    ), status


@bp.route("/alliance/needs/<int:need_id>")
@office
def need(need_id: int):
    return _need_page(_or_404(lambda: services.get_need_or_404(db.session, current_user, need_id)))


def _posted_partners() -> list[tuple[int | None, int | None]]:
    """The units ticked on the need's page (``unit``), each with its ``resource_<id>``."""
    partners = []
    for raw in request.form.getlist("unit")[: services.PARTNERS_MAX * 3]:
        unit_id = parse_id(raw)
        if unit_id is None:
            partners.append((None, None))  # refused by the service as unknown
            continue
        resource = request.form.get(f"resource_{unit_id}", "")
        partners.append((unit_id, parse_id(resource) if resource else None))
    return partners


@bp.route("/alliance/needs/<int:need_id>/project", methods=["POST"])
@office
def form_project(need_id: int):
    need = _or_404(lambda: services.get_need_or_404(db.session, current_user, need_id))
    form = ProjectForm()
    form.owner.choices = []
    partners = _posted_partners()
    submitted = submit_form(
        form,
        lambda: services.form_project(
            db.session,
            current_user,
            need,
            services.ProjectInput(
                title=form.title.data,
                owner_id=form.owner.data,
                due_on=form.due_on.data,
                partners=partners,
            ),
        ),
    )
    if submitted.done:
        flash(_("项目已立项，需求状态改为已对接"), "success")
        return redirect(url_for("alliance_lists.project", project_id=submitted.result.id))
    need = _or_404(lambda: services.get_need_or_404(db.session, current_user, need_id))
    return _need_page(need, form, submitted.status, dict(partners))


@bp.route("/alliance/needs/<int:need_id>/close", methods=["POST"])
@office
def close_need(need_id: int):
    need = _or_404(lambda: services.get_need_or_404(db.session, current_user, need_id))
    reopen = request.form.get("reopen") == "1"
    try:
        if reopen:
            services.reopen_need(db.session, current_user, need)
        else:
            services.close_need(db.session, current_user, need)
    except ServiceError as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        db.session.commit()
        flash(_("需求已重新开放") if reopen else _("需求已关闭"), "success")
    return redirect(url_for("alliance_lists.need", need_id=need_id))


# --- resources: the office's list, and a unit's own ---------------------------------------------


def _resource_filters() -> tuple[services.ResourceFilters, dict]:
    args = {key: _arg(key) for key in ("kind", "unit", "available")}
    return services.ResourceFilters(
        kind=args["kind"], organisation_id=_id_filter("unit"), available=args["available"]
    ), args


@bp.route("/alliance/resources")
@office
def resources():
    filters, args = _resource_filters()
    page = parse_page(request.args.get("page"))
    rows, total = services.list_resources(db.session, current_user, filters, page)
    return render(
        "alliance/lists/resources.html",
        "rows",
        rows=rows,
        total=total,
        page=page,
        page_size=common.PAGE,
        args=args,
        units=common.alliance_units(db.session),
        own_unit=None,
    )


@bp.route("/alliance/resources.xlsx")
@office
@download
def export_resources():
    filters, _args = _resource_filters()
    rows, total = services.list_resources(db.session, current_user, filters, 1, export_limit())
    return workbook_response(
        _("资源清单") + ".xlsx",
        [_("共建单位"), _("类型"), _("资源"), _("标签"), _("是否可提供"), _("说明")],
        (
            (
                row.unit,
                str(services.KIND_LABELS.get(row.resource.kind, row.resource.kind)),
                row.resource.title,
                row.resource.tags,
                _("是") if row.resource.is_available else _("否"),
                row.resource.description,
            )
            for row in rows
        ),
        total,
    )


def _resource_input(form: ResourceForm) -> services.ResourceInput:
    return services.ResourceInput(
        kind=form.kind.data or "",
        title=form.title.data,
        description=form.description.data,
        tags=form.tags.data,
        is_available=bool(form.is_available.data),
        organisation_id=form.organisation.data,
    )


def _resource_form(resource=None) -> ResourceForm:
    form = ResourceForm(obj=resource if request.method == "GET" else None)
    form.kind.choices = [SelectChoice("", _("请选择"))] + [
        SelectChoice(key.value, label) for key, label in services.KIND_LABELS.items()
    ]
    if current_user.is_office:
        form.organisation.choices = _unit_choices(_("请选择"))
        if request.method == "GET" and resource is not None:
            form.organisation.data = resource.organisation_id
    return form


def _own_unit():
    """The alliance unit an org account acts for; 403 for anyone else."""
    unit = organisation_of(db.session, current_user)
    if unit is None or unit.kind != "alliance":
        abort(403)
    return unit


def _resource_form_page(form, resource, back: str, status: int, unit=None):
    return render(
        "alliance/lists/resource_form.html",
        form=form,
        resource=resource,
        back=back,
        own_unit=unit,
    ), status


@bp.route("/alliance/resources/new", methods=["GET", "POST"])
@office
def new_resource():
    form = _resource_form()
    submitted = submit_form(
        form, lambda: services.add_resource(db.session, current_user, _resource_input(form))
    )
    if submitted.done:
        flash(_("资源已添加"), "success")
        return redirect(url_for("alliance_lists.resources"))
    return _resource_form_page(form, None, url_for("alliance_lists.resources"), submitted.status)


@bp.route("/alliance/resources/<int:resource_id>/edit", methods=["GET", "POST"])
@office
def edit_resource(resource_id: int):
    resource = _or_404(lambda: services.get_resource_or_404(db.session, current_user, resource_id))
    form = _resource_form(resource)
    submitted = submit_form(
        form,
        lambda: services.edit_resource(db.session, current_user, resource, _resource_input(form)),
    )
    if submitted.done:
        flash(_("已保存"), "success")
        return redirect(url_for("alliance_lists.resources"))
    return _resource_form_page(
        form, resource, url_for("alliance_lists.resources"), submitted.status
    )


@bp.route("/alliance/unit/resources")
@signed_in
def unit_resources():
    unit = _own_unit()
    rows, total = services.list_resources(
        db.session,
        current_user,
        services.ResourceFilters(),
        parse_page(request.args.get("page")),
        organisation_id=unit.id,
    )
    return render(
        "alliance/lists/unit_resources.html",
        rows=rows,
        total=total,
        own_unit=unit,
    )


@bp.route("/alliance/unit/resources/new", methods=["GET", "POST"])
@signed_in
def unit_new_resource():
    unit = _own_unit()
    form = _resource_form()
    submitted = submit_form(
        form, lambda: services.add_resource(db.session, current_user, _resource_input(form))
    )
    if submitted.done:
        flash(_("资源已添加"), "success")
        return redirect(url_for("alliance_lists.unit_resources"))
    return _resource_form_page(
        form, None, url_for("alliance_lists.unit_resources"), submitted.status, unit
    )


@bp.route("/alliance/unit/resources/<int:resource_id>/edit", methods=["GET", "POST"])
@signed_in
def unit_edit_resource(resource_id: int):
    # the lookup comes first: another unit's (or another street's) resource is not found
    resource = _or_404(lambda: services.get_resource_or_404(db.session, current_user, resource_id))
    unit = _own_unit()
    form = _resource_form(resource)
    submitted = submit_form(
        form,
        lambda: services.edit_resource(db.session, current_user, resource, _resource_input(form)),
    )
    if submitted.done:
        flash(_("已保存"), "success")
        return redirect(url_for("alliance_lists.unit_resources"))
    return _resource_form_page(
        form, resource, url_for("alliance_lists.unit_resources"), submitted.status, unit
    )


# --- the office: projects -----------------------------------------------------------------------


def _project_filters() -> tuple[services.ProjectFilters, dict]:
    args = {key: _arg(key) for key in ("status", "community", "unit")}
    return services.ProjectFilters(
        status=args["status"],
        community_id=_id_filter("community"),
        organisation_id=_id_filter("unit"),
    ), args


@bp.route("/alliance/projects")
@office
def projects():
    filters, args = _project_filters()
    page = parse_page(request.args.get("page"))
    rows, total = services.list_projects(db.session, current_user, filters, page)
    return render(
        "alliance/lists/projects.html",
        "rows",
        rows=rows,
        total=total,
        page=page,
        page_size=common.PAGE,
        args=args,
        communities=_communities_for(current_user),
        community_names=community_names(db.session),
        units=common.alliance_units(db.session),
    )


@bp.route("/alliance/projects.xlsx")
@office
@download
def export_projects():
    filters, _args = _project_filters()
    rows, total = services.list_projects(db.session, current_user, filters, 1, export_limit())
    names = community_names(db.session)
    return workbook_response(
        _("项目清单") + ".xlsx",
        [
            _("项目"),
            _("需求"),
            _("社区"),
            _("共建单位"),
            _("负责人"),
            _("完成期限"),
            _("状态"),
            _("服务人数"),
            _("成效说明"),
        ],  # fmt: skip
        (
            (
                row.project.title,
                row.need_title,
                names.get(row.community_id, ""),
                "、".join(row.partners),
                row.owner,
                row.project.due_on,
                str(services.PROJECT_LABELS.get(row.project.status, row.project.status)),
                row.project.people_served,
                row.project.outcome,
            )
            for row in rows
        ),
        total,
    )


def _project_page(project, form: MoveForm | None = None, status: int = 200):
    form = form or MoveForm(formdata=None)
    moves = services.allowed_moves(project.status)
    form.status.choices = [
        SelectChoice(s.value, services.PROJECT_LABELS[s]) for s in ProjectStatus if s in moves
    ]
    need = (
        _or_404(lambda: services.get_need_or_404(db.session, current_user, project.need_id))
        if project.need_id
        else None
    )
    owner = common.people(db.session, [project.owner_id]).get(project.owner_id)
    return render(
        "alliance/lists/project.html",
        project=project,
        need=need,
        owner=owner,
        partners=services.partners_of(db.session, [project.id])[project.id],
        community=community_names(db.session).get(need.community_id, "") if need else "",
        form=form,
        moves=moves,
    ), status


@bp.route("/alliance/projects/<int:project_id>")
@office
def project(project_id: int):
    return _project_page(
        _or_404(lambda: services.get_project_or_404(db.session, current_user, project_id))
    )


@bp.route("/alliance/projects/<int:project_id>/move", methods=["POST"])
@office
def move_project(project_id: int):
    project = _or_404(lambda: services.get_project_or_404(db.session, current_user, project_id))
    form = MoveForm()
    submitted = submit_form(
        form,
        lambda: services.move_project(
            db.session,
            current_user,
            project,
            form.status.data or "",
            form.outcome.data or "",
            form.people_served.data,
        ),
    )
    if submitted.done:
        flash(_("项目状态已更新"), "success")
        return redirect(url_for("alliance_lists.project", project_id=project_id))
    project = _or_404(lambda: services.get_project_or_404(db.session, current_user, project_id))
    return _project_page(project, form, submitted.status)
