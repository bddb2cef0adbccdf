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
from saas.ui import render
from saas.xlsx import download, workbook_response

bp = Blueprint("reports", __name__, url_prefix="/<slug:tenant>")

_ARG = {MONTHLY: "month", QUARTERLY: "quarter"}


def _report(kind: str) -> tuple[Report, str | None]:
    period, problem = parse_period(kind, request.args.get(_ARG[kind]))
    return build(db.session, current_user._get_current_object(), kind, period), problem


def _community_name(report: Report) -> str | None:
    """The name of the community a report is limited to: the model ``users.community_id``
    refers to (saas.auth.models), found by its table, as saas imports no module."""
    if not report.community:
        return None
    table = next(
        fk.column.table for fk in User.__table__.foreign_keys if fk.parent.name == "community_id"
    )
    model = next(m.class_ for m in db.Model.registry.mappers if m.local_table is table)
    return db.session.scalar(select(model.name).where(model.id == report.community))


def _page(kind: str):
    report, problem = _report(kind)
    return render(
        "reports/report.html",
        report=report,
        problem=problem,
        arg=_ARG[kind],
        title=_("月度报表") if kind == MONTHLY else _("季度报表"),
        earlier=label_of(kind, report.before),
        later=label_of(kind, following(kind, report.period)),
        community_name=_community_name(report),
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
    report, _problem = _report(kind)
    title = _("月度报表") if kind == MONTHLY else _("季度报表")
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
