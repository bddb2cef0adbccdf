"""/<slug>/campaigns… (office): the year view 四季如花 and its one-click plans, a campaign's form
and page, its targets and entries, outlines and activities, launch and close. /<slug>/seasons
(residents and units on their phones): this year's launched campaigns."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from saas.auth.access import office, require_role
from saas.errors import NotFound, ServiceError
from saas.extensions import db
from saas.forms import parse_id, parse_page
from saas.ui import render, street_today
from saas.views import submit_form
from saas.xlsx import download, workbook_response
from tenants.campaigns import activities, campaigns, kpis, targets, yearplan
from tenants.campaigns.campaigns_forms import (
    CampaignForm,
    EntryForm,
    LinkForm,
    OutlineForm,
    TargetForm,
)
from tenants.campaigns.models import Campaign, CampaignStatus, TargetSource
from tenants.campaigns.relief import sees_relief
from tenants.campaigns.template import SEASON_LABELS, THEME_LABELS, season_dates
from tenants.events.services import STATUS_LABELS as EVENT_STATUS_LABELS

bp = Blueprint(
    "campaigns_campaigns", __name__, url_prefix="/<slug:tenant>", template_folder="templates"
)
T = "campaigns/campaigns/"
phone = require_role("volunteer", "org")


def _labels() -> dict:
    return {
        "status_labels": campaigns.STATUS_LABELS,
        "season_labels": SEASON_LABELS,
        "source_labels": targets.SOURCE_LABELS,
        "theme_label": campaigns.theme_label,
        "number": targets.format_number,
    }


def _year_arg(raw) -> int:
    year = parse_id(raw, 9999)
    if year is None or not campaigns.YEAR_MIN <= year <= campaigns.YEAR_MAX:
        return street_today().year
    return year


def _act(action, success) -> bool:
    """Run a one-button service, commit, flash; a refusal is flashed and rolled back."""
    try:
        result = action()
    except NotFound:
        raise
    except ServiceError as error:
        db.session.rollback()
        flash(error.message, "error")
        return False
    db.session.commit()
    flash(success(result), "success")
    return True


# --- the year view ------------------------------------------------------------------------------


@bp.route("/campaigns")
@office
def year():
    year = _year_arg(request.args.get("year"))
    return render(
        T + "year.html",
        year=year,
        cards=yearplan.year_view(db.session, year),
        this_year=street_today().year,
        **_labels(),
    )


@bp.route("/campaigns.xlsx")
@office
@download
def export_year():
    year = _year_arg(request.args.get("year"))
    rows = []
    for card in yearplan.year_view(db.session, year):
        c = card.campaign
        if c is None:
            continue
        base = [str(SEASON_LABELS[card.season]), c.name, campaigns.theme_label(c),
                c.starts_on, c.ends_on, str(campaigns.STATUS_LABELS[c.status]), card.owner]  # fmt: skip
        if not card.progress:
            rows.append([*base, "", "", "", "", ""])
        for p in card.progress:
            rows.append([*base, p.target.name, p.target.target_value, p.actual, p.target.unit,
                         p.percent])  # fmt: skip
    return workbook_response(
        _("%(year)d 年一季一品", year=year) + ".xlsx",
        [_("季节"), _("活动名称"), _("主题"), _("开始日期"), _("结束日期"), _("状态"),
         _("负责人"), _("指标"), _("目标值"), _("完成数"), _("单位"), _("完成率（%）")],
        rows,
    )  # fmt: skip


def _plan_message(result: yearplan.PlanResult) -> str:
    parts = []
    if result.created:
        parts.append(_("已创建：%(names)s", names="、".join(result.created)))
    if result.skipped:
        parts.append(_("%(seasons)s季已有活动，已跳过", seasons="、".join(result.skipped)))
    return "；".join(parts) or _("没有需要创建的活动")


@bp.route("/campaigns/template", methods=["POST"])
@office
def from_template():
    year = request.form.get("year")
    _act(
        lambda: yearplan.create_from_template(db.session, current_user, year),
        _plan_message,
    )
    return redirect(url_for(".year", year=_year_arg(year)))


@bp.route("/campaigns/copy", methods=["POST"])
@office
def copy_year():
    year = request.form.get("year")
    _act(lambda: yearplan.copy_previous_year(db.session, current_user, year), _plan_message)
    return redirect(url_for(".year", year=_year_arg(year)))


# --- a campaign's form ----------------------------------------------------------------------------


def _owner_choices(form: CampaignForm) -> None:
    form.owner.choices = [SelectChoice("", _("暂不指定"))] + [
        SelectChoice(str(u.id), u.name) for u in campaigns.office_accounts(db.session)
    ]


def _campaign_data(form: CampaignForm) -> campaigns.CampaignData:
    raw_owner = form.owner.data or ""
    owner_id = parse_id(raw_owner) if raw_owner else None
    if raw_owner and owner_id is None:
        owner_id = -1  # nobody has it: the service refuses it next to the field
    return campaigns.CampaignData(
        season=form.season.data,
        year=form.year.data,
        theme=form.theme.data,
        custom_theme=form.custom_theme.data,
        name=form.name.data,
        starts_on=form.starts_on.data,
        ends_on=form.ends_on.data,
        description=form.description.data,
        owner_id=owner_id,
    )


@bp.route("/campaigns/new", methods=["GET", "POST"])
@office
def new_campaign():
    form = CampaignForm()
    if request.method == "GET":
        year = _year_arg(request.args.get("year"))
        season = request.args.get("season")
        season = season if season in SEASON_LABELS else "spring"
        form.year.data = str(year)
        form.season.data = season
        form.starts_on.data, form.ends_on.data = season_dates(year, season)
        form.owner.data = str(current_user.id)
    _owner_choices(form)
    submitted = submit_form(
        form, lambda: campaigns.create_campaign(db.session, current_user, _campaign_data(form))
    )
    if submitted.done:
        flash(_("活动已创建，请添加指标和活动安排"), "success")
        return redirect(url_for(".detail", campaign_id=submitted.result.id))
    return render(T + "form.html", form=form, campaign=None), submitted.status


@bp.route("/campaigns/<int:campaign_id>/edit", methods=["GET", "POST"])
@office
def edit_campaign(campaign_id: int):
    campaign = campaigns.get_campaign_or_404(db.session, campaign_id)
    form = CampaignForm(
        obj=None if request.method == "POST" else campaign,
        owner=str(campaign.owner_id or ""),
    )
    if request.method == "GET":
        form.year.data = str(campaign.year)
    _owner_choices(form)
    submitted = submit_form(
        form,
        lambda: campaigns.update_campaign(db.session, current_user, campaign, _campaign_data(form)),
    )
    if submitted.done:
        flash(_("活动已保存"), "success")
        return redirect(url_for(".detail", campaign_id=campaign_id))
    return render(T + "form.html", form=form, campaign=campaign), submitted.status


# --- a campaign's page ------------------------------------------------------------------------------


@bp.route("/campaigns/<int:campaign_id>")
@office
def detail(campaign_id: int):
    campaign = campaigns.get_campaign_or_404(db.session, campaign_id)
    return render(
        T + "detail.html",
        campaign=campaign,
        owner=campaigns.owner_name(db.session, campaign),
        progress=targets.progress_of(db.session, campaign),
        outlines=activities.outlines_of(db.session, campaign),
        events=activities.linked_events(db.session, campaign),
        kpi_labels={k: v.label for k, v in kpis.KPIS.items()},
        event_status_labels=EVENT_STATUS_LABELS,
        sees_relief=sees_relief,
        **_labels(),
    )


@bp.route("/campaigns/<int:campaign_id>/launch", methods=["POST"])
@office
def launch(campaign_id: int):
    campaign = campaigns.get_campaign_or_404(db.session, campaign_id)
    _act(
        lambda: campaigns.launch(db.session, current_user, campaign),
        lambda _r: _("活动已启动，正在通知辖区居民和单位"),
    )
    return redirect(url_for(".detail", campaign_id=campaign_id))


@bp.route("/campaigns/<int:campaign_id>/close", methods=["POST"])
@office
def close(campaign_id: int):
    campaign = campaigns.get_campaign_or_404(db.session, campaign_id)
    _act(lambda: campaigns.close(db.session, current_user, campaign), lambda _r: _("活动已结束"))
    return redirect(url_for(".detail", campaign_id=campaign_id))


# --- targets --------------------------------------------------------------------------------------


def _kpi_choices(form: TargetForm, campaign: Campaign) -> None:
    form.kpi.choices = [SelectChoice("", _("请选择"))] + [
        SelectChoice(k.key, f"{k.label}（{k.unit}）") for k in kpis.kpis_for(campaign.theme)
    ]


def _target_data(form: TargetForm) -> targets.TargetData:
    return targets.TargetData(
        name=form.name.data,
        source=form.source.data,
        target_value=form.target_value.data,
        unit=form.unit.data,
        kpi=form.kpi.data or None,
    )


@bp.route("/campaigns/<int:campaign_id>/targets/new", methods=["GET", "POST"])
@office
def new_target(campaign_id: int):
    campaign = campaigns.get_campaign_or_404(db.session, campaign_id)
    form = TargetForm()
    _kpi_choices(form, campaign)
    submitted = submit_form(
        form,
        lambda: targets.add_target(db.session, current_user, campaign, _target_data(form)),
    )
    if submitted.done:
        flash(_("指标已添加"), "success")
        return redirect(url_for(".detail", campaign_id=campaign_id))
    return render(
        T + "target_form.html", form=form, campaign=campaign, target=None
    ), submitted.status


@bp.route("/campaigns/<int:campaign_id>/targets/<int:target_id>/edit", methods=["GET", "POST"])
@office
def edit_target(campaign_id: int, target_id: int):
    campaign = campaigns.get_campaign_or_404(db.session, campaign_id)
    target = targets.get_target_or_404(db.session, campaign, target_id)
    form = TargetForm(obj=None if request.method == "POST" else target)
    if request.method == "GET":
        form.target_value.data = targets.format_number(target.target_value)
    _kpi_choices(form, campaign)
    submitted = submit_form(
        form,
        lambda: targets.update_target(
            db.session, current_user, campaign, target, _target_data(form)
        ),
    )
    if submitted.done:
        flash(_("指标已保存"), "success")
        return redirect(url_for(".detail", campaign_id=campaign_id))
    return render(
        T + "target_form.html", form=form, campaign=campaign, target=target
    ), submitted.status


@bp.route("/campaigns/<int:campaign_id>/targets/<int:target_id>/remove", methods=["POST"])
@office
def remove_target(campaign_id: int, target_id: int):
    campaign = campaigns.get_campaign_or_404(db.session, campaign_id)
    target = targets.get_target_or_404(db.session, campaign, target_id)
    _act(
        lambda: targets.remove_target(db.session, current_user, campaign, target),
        lambda _r: _("指标已删除"),
    )
    return redirect(url_for(".detail", campaign_id=campaign_id))


def _entries_page(campaign, target, form, status=200):
    page = parse_page(request.args.get("page"))
    rows, total = targets.entries_of(db.session, target, page)
    progress = next(
        (p for p in targets.progress_of(db.session, campaign) if p.target.id == target.id), None
    )
    return render(
        T + "entries.html",
        campaign=campaign,
        target=target,
        progress=progress,
        form=form,
        rows=rows,
        total=total,
        page=page,
        page_size=targets.ENTRY_PAGE,
        **_labels(),
    ), status


@bp.route("/campaigns/<int:campaign_id>/targets/<int:target_id>/entries", methods=["GET", "POST"])
@office
def entries(campaign_id: int, target_id: int):
    campaign = campaigns.get_campaign_or_404(db.session, campaign_id)
    target = targets.get_target_or_404(db.session, campaign, target_id)
    form = EntryForm()
    if request.method == "GET":
        form.entered_on.data = street_today()
    submitted = submit_form(
        form,
        lambda: targets.add_entry(
            db.session,
            current_user,
            campaign,
            target,
            targets.EntryData(form.entered_on.data, form.value.data, form.note.data),
        ),
    )
    if submitted.done:
        flash(_("已填报"), "success")
        return redirect(url_for(".entries", campaign_id=campaign_id, target_id=target_id))
    return _entries_page(campaign, target, form, submitted.status)


@bp.route("/campaigns/<int:campaign_id>/targets/<int:target_id>/entries.xlsx")
@office
@download
def export_entries(campaign_id: int, target_id: int):
    campaign = campaigns.get_campaign_or_404(db.session, campaign_id)
    target = targets.get_target_or_404(db.session, campaign, target_id)
    from saas.xlsx import export_limit

    rows, total = targets.entries_of(db.session, target, 1, export_limit())
    return workbook_response(
        f"{campaign.name}-{target.name}.xlsx",
        [_("日期"), _("完成数"), _("单位"), _("说明"), _("填报人")],
        ((e.entered_on, e.value, target.unit, e.note, name) for e, name in rows),
        total,
    )


# --- outlines and activities ---------------------------------------------------------------------


def _outline_data(form: OutlineForm) -> activities.OutlineData:
    return activities.OutlineData(form.title.data, form.description.data, form.month.data)


@bp.route("/campaigns/<int:campaign_id>/outlines/new", methods=["GET", "POST"])
@office
def new_outline(campaign_id: int):
    campaign = campaigns.get_campaign_or_404(db.session, campaign_id)
    form = OutlineForm()
    submitted = submit_form(
        form,
        lambda: activities.add_outline(db.session, current_user, campaign, _outline_data(form)),
    )
    if submitted.done:
        flash(_("活动安排已添加"), "success")
        return redirect(url_for(".detail", campaign_id=campaign_id))
    return render(
        T + "outline_form.html", form=form, campaign=campaign, outline=None
    ), submitted.status


@bp.route("/campaigns/<int:campaign_id>/outlines/<int:outline_id>/edit", methods=["GET", "POST"])
@office
def edit_outline(campaign_id: int, outline_id: int):
    campaign = campaigns.get_campaign_or_404(db.session, campaign_id)
    outline = activities.get_outline_or_404(db.session, campaign, outline_id)
    form = OutlineForm(obj=None if request.method == "POST" else outline)
    if request.method == "GET":
        form.month.data = str(outline.month or "")
    submitted = submit_form(
        form,
        lambda: activities.update_outline(
            db.session, current_user, campaign, outline, _outline_data(form)
        ),
    )
    if submitted.done:
        flash(_("活动安排已保存"), "success")
        return redirect(url_for(".detail", campaign_id=campaign_id))
    return render(
        T + "outline_form.html", form=form, campaign=campaign, outline=outline
    ), submitted.status


@bp.route("/campaigns/<int:campaign_id>/outlines/<int:outline_id>/remove", methods=["POST"])
@office
def remove_outline(campaign_id: int, outline_id: int):
    campaign = campaigns.get_campaign_or_404(db.session, campaign_id)
    outline = activities.get_outline_or_404(db.session, campaign, outline_id)
    _act(
        lambda: activities.remove_outline(db.session, current_user, campaign, outline),
        lambda _r: _("活动安排已删除"),
    )
    return redirect(url_for(".detail", campaign_id=campaign_id))


@bp.route("/campaigns/<int:campaign_id>/outlines/<int:outline_id>/event", methods=["POST"])
@office
def create_event(campaign_id: int, outline_id: int):
    campaign = campaigns.get_campaign_or_404(db.session, campaign_id)
    outline = activities.get_outline_or_404(db.session, campaign, outline_id)
    try:
        event = activities.create_event_from_outline(db.session, current_user, campaign, outline)
    except NotFound:
        raise
    except ServiceError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for(".detail", campaign_id=campaign_id))
    db.session.commit()
    flash(_("已按活动安排创建活动草稿，请补充地点、名额等后发布"), "success")
    return redirect(url_for("events.edit_event", event_id=event.id))


def _link_page(campaign: Campaign, form: LinkForm, status: int = 200):
    form.event.choices = [SelectChoice("", _("请选择"))] + [
        SelectChoice(str(e.id), f"{e.title}（{e.starts_at:%Y-%m-%d}）")
        for e in activities.linkable_events(db.session)
    ]
    return render(T + "link.html", form=form, campaign=campaign), status


@bp.route("/campaigns/<int:campaign_id>/link", methods=["GET", "POST"])
@office
def link_event(campaign_id: int):
    campaign = campaigns.get_campaign_or_404(db.session, campaign_id)
    form = LinkForm()
    if form.validate_on_submit():
        try:
            activities.link_event(db.session, current_user, campaign, form.event.data)
        except NotFound:
            raise
        except ServiceError as error:
            db.session.rollback()
            from saas.forms import attach_error

            attach_error(form, error)
            return _link_page(campaign, form, 422)
        db.session.commit()
        flash(_("已关联活动"), "success")
        return redirect(url_for(".detail", campaign_id=campaign_id))
    return _link_page(campaign, form, 422 if request.method == "POST" else 200)


@bp.route("/campaigns/<int:campaign_id>/events/<int:event_id>/unlink", methods=["POST"])
@office
def unlink_event(campaign_id: int, event_id: int):
    campaign = campaigns.get_campaign_or_404(db.session, campaign_id)
    _act(
        lambda: activities.unlink_event(db.session, current_user, campaign, event_id),
        lambda _r: _("已取消关联"),
    )
    return redirect(url_for(".detail", campaign_id=campaign_id))


# --- residents and units on their phones ------------------------------------------------------------


@bp.route("/seasons")
@phone
def seasons():
    return render(
        T + "seasons.html",
        year=street_today().year,
        rows=yearplan.residents_year(db.session),
        CampaignStatus=CampaignStatus,
        TargetSource=TargetSource,
        theme_labels=THEME_LABELS,
        **_labels(),
    )
