"""/<slug>/grid/settings…: the street's settings for the loop (admin); /<slug>/grid/figures: the
loop's figures with charts and their .xlsx (office; a community's staff see their community's).
Anyone else — a volunteer, an org account, staff on the settings — gets a 404: these pages do
not exist for them."""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import wraps

from flask import Blueprint, flash, g, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms import SelectChoice

from saas.auth.access import signed_in
from saas.auth.models import Role
from saas.errors import NotFound, ServiceError
from saas.extensions import db
from saas.ui import render
from saas.views import submit_form
from saas.xlsx import Sheet, download, sheets_response
from tenants.grid import figures as figures_service
from tenants.grid import settings
from tenants.grid.figures_forms import CategoryForm, DepartmentForm, LevelForm, PointsForm
from tenants.grid.supervision import overdue_by_handler

bp = Blueprint("grid_figures", __name__, url_prefix="/<slug:tenant>", template_folder="templates")

TEMPLATES = "grid/figures/"


def _only(allowed: Callable[[object], bool]) -> Callable:
    """Signed in (else the login page) and ``allowed(user)``; otherwise a 404."""

    def decorator(view: Callable) -> Callable:
        @signed_in
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not allowed(current_user):
                raise NotFound(_("页面不存在"))
            return view(*args, **kwargs)

        return wrapped

    return decorator


admin_page = _only(lambda user: user.role == Role.admin)
office_page = _only(lambda user: user.role in (Role.admin, Role.staff))


def _act(act: Callable[[], str], anchor: str):
    """A button's POST: run the service, commit, say what it did; a refusal is flashed."""
    try:
        message = act()
    except NotFound:
        raise
    except ServiceError as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        db.session.commit()
        flash(message, "success")
    return redirect(url_for("grid_figures.settings_page", _anchor=anchor))


# --- the settings page ------------------------------------------------------------------------------


def _settings_page(points_form: PointsForm, status: int = 200):
    session = db.session
    return render(
        TEMPLATES + "settings.html",
        levels=settings.levels(session),
        categories=settings.categories(session),
        departments=settings.departments(session),
        needs_usual=settings.needs_usual(session),
        points_form=points_form,
        deadline_text=settings.deadline_text,
    ), status


@bp.route("/grid/settings")
@admin_page
def settings_page():
    form = PointsForm(data={"points": str(settings.report_points(g.tenant))})
    return _settings_page(form)


@bp.route("/grid/settings/points", methods=["POST"])
@admin_page
def save_points():
    form = PointsForm()
    done = submit_form(
        form, lambda: settings.save_report_points(db.session, current_user, g.tenant,
                                                  form.points.data)
    )  # fmt: skip
    if done.done:
        flash(_("上报积分已保存") if done.result else _("设置没有变化"), "success")
        return redirect(url_for("grid_figures.settings_page", _anchor="points"))
    return _settings_page(form, done.status)


@bp.route("/grid/settings/usual", methods=["POST"])
@admin_page
def add_usual():
    def act() -> str:
        n = settings.add_usual(db.session, current_user)
        return (
            _("已添加常用的事项等级和 %(n)d 个类别", n=n) if n else _("已有事项等级或类别，未添加")
        )

    return _act(act, "levels")


# --- levels ----------------------------------------------------------------------------------------


def _level_form_page(form: LevelForm, level=None, status: int = 200):
    return render(TEMPLATES + "level_form.html", form=form, level=level), status


@bp.route("/grid/settings/levels/new", methods=["GET", "POST"])
@admin_page
def new_level():
    form = LevelForm()
    done = submit_form(form, lambda: settings.create_level(db.session, current_user, _level(form)))
    if done.done:
        flash(_("已添加事项等级“%(name)s”", name=done.result.name), "success")
        return redirect(url_for("grid_figures.settings_page", _anchor="levels"))
    return _level_form_page(form, None, done.status)


def _level(form: LevelForm) -> settings.LevelInput:
    return settings.LevelInput(form.name.data, form.amount.data, form.unit.data)


@bp.route("/grid/settings/levels/<int:level_id>", methods=["GET", "POST"])
@admin_page
def edit_level(level_id: int):
    level = settings.get_level_or_404(db.session, level_id)
    form = LevelForm()
    if request.method == "GET":
        form.name.data = level.name
        form.amount.data, form.unit.data = settings.deadline_form_values(level.deadline_hours)
    done = submit_form(
        form, lambda: settings.update_level(db.session, current_user, level_id, _level(form))
    )
    if done.done:
        flash(_("事项等级已保存") if done.result else _("没有修改"), "success")
        return redirect(url_for("grid_figures.settings_page", _anchor="levels"))
    return _level_form_page(form, level, done.status)


@bp.route("/grid/settings/levels/<int:level_id>/delete", methods=["POST"])
@admin_page
def delete_level(level_id: int):
    def act() -> str:
        name = settings.delete_level(db.session, current_user, level_id)
        return _("已删除事项等级“%(name)s”", name=name)

    return _act(act, "levels")


# --- categories ------------------------------------------------------------------------------------


def _category_form_page(form: CategoryForm, category=None, status: int = 200):
    form.level_id.choices = [SelectChoice("", _("请选择"))] + [
        SelectChoice(str(row.level.id),
                     f"{row.level.name}（{settings.deadline_text(row.level.deadline_hours)}）")
        for row in settings.levels(db.session)
    ]  # fmt: skip
    return render(TEMPLATES + "category_form.html", form=form, category=category), status


def _category(form: CategoryForm) -> settings.CategoryInput:
    return settings.CategoryInput(form.name.data, form.level_id.data)


@bp.route("/grid/settings/categories/new", methods=["GET", "POST"])
@admin_page
def new_category():
    form = CategoryForm()
    done = submit_form(
        form, lambda: settings.create_category(db.session, current_user, _category(form))
    )
    if done.done:
        flash(_("已添加事项类别“%(name)s”", name=done.result.name), "success")
        return redirect(url_for("grid_figures.settings_page", _anchor="categories"))
    return _category_form_page(form, None, done.status)


@bp.route("/grid/settings/categories/<int:category_id>", methods=["GET", "POST"])
@admin_page
def edit_category(category_id: int):
    category = settings.get_category_or_404(db.session, category_id)
    form = CategoryForm()
    if request.method == "GET":
        form.name.data, form.level_id.data = category.name, str(category.level_id)
    done = submit_form(
        form,
        lambda: settings.update_category(db.session, current_user, category_id, _category(form)),
    )
    if done.done:
        flash(_("事项类别已保存") if done.result else _("没有修改"), "success")
        return redirect(url_for("grid_figures.settings_page", _anchor="categories"))
    return _category_form_page(form, category, done.status)


@bp.route("/grid/settings/categories/<int:category_id>/remove", methods=["POST"])
@admin_page
def remove_category(category_id: int):
    def act() -> str:
        archived = settings.remove_category(db.session, current_user, category_id)
        return (
            _("已有事项使用该类别，已归档（不再出现在上报表单中）")
            if archived
            else _("已删除事项类别")
        )

    return _act(act, "categories")


@bp.route("/grid/settings/categories/<int:category_id>/restore", methods=["POST"])
@admin_page
def restore_category(category_id: int):
    def act() -> str:
        settings.restore_category(db.session, current_user, category_id)
        return _("事项类别已恢复")

    return _act(act, "categories")


# --- departments -----------------------------------------------------------------------------------


def _department_form_page(form: DepartmentForm, department=None, status: int = 200):
    people = settings.office_accounts(db.session)
    form.supervisor_id.choices = [SelectChoice("", _("不指定（超期时通知街道管理员）"))] + [
        SelectChoice(str(u.id), u.name) for u in people
    ]
    form.member_ids.choices = [SelectChoice(str(u.id), u.name) for u in people]
    return render(TEMPLATES + "department_form.html", form=form, department=department), status


def _department(form: DepartmentForm) -> settings.DepartmentInput:
    return settings.DepartmentInput(form.name.data, form.supervisor_id.data,
                                    list(form.member_ids.data or []))  # fmt: skip


@bp.route("/grid/settings/departments/new", methods=["GET", "POST"])
@admin_page
def new_department():
    form = DepartmentForm()
    done = submit_form(
        form, lambda: settings.create_department(db.session, current_user, _department(form))
    )
    if done.done:
        flash(_("已添加部门“%(name)s”", name=done.result.name), "success")
        return redirect(url_for("grid_figures.settings_page", _anchor="departments"))
    return _department_form_page(form, None, done.status)


@bp.route("/grid/settings/departments/<int:department_id>", methods=["GET", "POST"])
@admin_page
def edit_department(department_id: int):
    department = settings.get_department_or_404(db.session, department_id)
    form = DepartmentForm()
    if request.method == "GET":
        form.name.data = department.name
        form.supervisor_id.data = str(department.supervisor_id or "")
        row = next(r for r in settings.departments(db.session) if r.department.id == department.id)
        form.member_ids.data = [str(uid) for uid in row.member_ids]
    done = submit_form(
        form,
        lambda: settings.update_department(db.session, current_user, department_id,
                                           _department(form)),
    )  # fmt: skip
    if done.done:
        flash(_("部门已保存") if done.result else _("没有修改"), "success")
        return redirect(url_for("grid_figures.settings_page", _anchor="departments"))
    return _department_form_page(form, department, done.status)


@bp.route("/grid/settings/departments/<int:department_id>/remove", methods=["POST"])
@admin_page
def remove_department(department_id: int):
    def act() -> str:
        archived = settings.remove_department(db.session, current_user, department_id)
        return _("已有事项派给该部门，已归档（不再接收新事项）") if archived else _("已删除部门")

    return _act(act, "departments")


@bp.route("/grid/settings/departments/<int:department_id>/restore", methods=["POST"])
@admin_page
def restore_department(department_id: int):
    def act() -> str:
        settings.restore_department(db.session, current_user, department_id)
        return _("部门已恢复")

    return _act(act, "departments")


# --- figures ---------------------------------------------------------------------------------------


def _titles() -> dict[str, str]:
    return {
        "community": _("按社区"),
        "grid": _("按网格"),
        "category": _("按类别"),
        "handler": _("按办理人"),
    }


def _figures():
    period, problem = figures_service.parse_period(request.args.get("from"),
                                                   request.args.get("to"))  # fmt: skip
    found = figures_service.figures(db.session, current_user, period, request.args.get("community"))
    return found, problem


@bp.route("/grid/figures")
@office_page
def figures_page():
    found, problem = _figures()
    communities = figures_service.communities_for_filter(db.session, current_user)
    overdue = overdue_by_handler(db.session, current_user)
    charts = {key: json.dumps(figures_service.chart(rows), ensure_ascii=False)
              for key, rows in found.tables.items()}  # fmt: skip
    return render(
        TEMPLATES + "figures.html",
        found=found,
        problem=problem,
        communities=communities,
        overdue=overdue,
        charts=charts,
        titles=_titles(),
        headers=figures_service.headers(),
        args={"from": found.period.first.isoformat(), "to": found.period.last.isoformat(),
              **({"community": found.community_id} if found.community_id else {})},
    )  # fmt: skip


@bp.route("/grid/figures/export.xlsx")
@office_page
@download
def export_figures():
    found, _problem = _figures()
    titles = _titles()
    period = f"{found.period.first.isoformat()}_{found.period.last.isoformat()}"
    return sheets_response(
        _("网格事项统计") + f" {period}",
        [
            Sheet(
                titles[key],
                figures_service.headers(),
                [figures_service.cells(r) for r in rows]
                + [figures_service.cells(figures_service.total(rows))],
            )
            for key, rows in found.tables.items()
        ],
    )
