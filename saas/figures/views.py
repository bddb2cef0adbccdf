"""/<slug>/reports/monthly and /<slug>/reports/quarterly (月度报表 / 季度报表), and their .xlsx."""

from __future__ import annotations

from flask import Blueprint, request
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from saas.auth.access import office
from saas.auth.models import User
from saas.extensions import db
from saas.figures.reports import (
    MONTHLY,
    QUARTERLY,
    Report,
    build,
    following,
    label_of,
    parse_period,
)
from saas.forms import parse_id
from saas.ui import render
from saas.xlsx import download, workbook_response

bp = Blueprint("reports", __name__, url_prefix="/<slug:tenant>")

_ARG = {MONTHLY: "month", QUARTERLY: "quarter"}


def _community_model():
    """The model ``users.community_id`` refers to (saas.auth.models), found by its table, as saas
    imports no module."""
    table = next(
        fk.column.table for fk in User.__table__.foreign_keys if fk.parent.name == "community_id"
    )
    return next(m.class_ for m in db.Model.registry.mappers if m.local_table is table)


def _communities(viewer) -> list[tuple[int, str]]:
    """The communities whose report ``viewer`` may choose (one statement): every community of
    the street still in use for the admin and street-wide staff, their own for a community's
    staff."""
    model = _community_model()
    stmt = select(model.id, model.name)
    limited = viewer.limited_to_community
    if limited is not None:
        stmt = stmt.where(model.id == limited)
    elif hasattr(model, "archived_at"):
        stmt = stmt.where(model.archived_at.is_(None))
    if hasattr(model, "position"):
        stmt = stmt.order_by(model.position)
    return [(cid, name) for cid, name in db.session.execute(stmt.order_by(model.id)).all()]


def _report(kind: str) -> tuple[Report, str | None, list[tuple[int, str]]]:
    """The report the query string asks for, and the communities the viewer may choose; a
    community that is not one of them is the street's report."""
    viewer = current_user._get_current_object()
    period, problem = parse_period(kind, request.args.get(_ARG[kind]))
    communities = _communities(viewer)
    asked = parse_id(request.args.get("community"))
    if asked not in {cid for cid, _name in communities}:
        asked = None
    return build(db.session, viewer, kind, period, asked), problem, communities


def _page(kind: str):
    report, problem, communities = _report(kind)
    names = dict(communities)
    return render(
        "reports/report.html",
        report=report,
        problem=problem,
        arg=_ARG[kind],
        title=_("月度报表") if kind == MONTHLY else _("季度报表"),
        earlier=label_of(kind, report.before),
        later=label_of(kind, following(kind, report.period)),
        community_name=names.get(report.community) if report.community else None,
        # the selector: for the admin and street-wide staff only
        communities=communities if current_user.limited_to_community is None else [],
    )


@bp.route("/reports/monthly")
@office
def monthly():
    return _page(MONTHLY)


@bp.route("/reports/quarterly")
@office
def quarterly():
    return _page(QUARTERLY)


def _export(kind: str):
    report, _problem, communities = _report(kind)
    title = _("月度报表") if kind == MONTHLY else _("季度报表")
    if report.community:
        title = f"{title}-{dict(communities).get(report.community, '')}"
    headers = [
        _("模块"),
        _("指标"),
        _("单位"),
        _("本期（%(p)s）", p=report.label),
        _("上期（%(p)s）", p=report.before_label),
        _("增减"),
        _("增减率（%）"),
        _("口径"),
    ]
    rows = [
        [
            str(group.label),
            str(line.figure.label),
            str(line.figure.unit),
            line.current,
            line.before,
            line.change,
            line.percent if line.percent is not None else "",
            str(line.figure.meaning),
        ]
        for group in report.groups
        for line in group.lines
    ]
    return workbook_response(f"{title}-{report.label}.xlsx", headers, rows)


@bp.route("/reports/monthly/export")
@office
@download
def monthly_export():
    return _export(MONTHLY)


@bp.route("/reports/quarterly/export")
@office
@download
def quarterly_export():
    return _export(QUARTERLY)
