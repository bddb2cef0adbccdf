"""Forms of duty visits: a group, a subject, a visit. They carry what was typed; the rules live
in tenants.grid.visits and come back next to their field."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import Length, Optional

from saas.forms import parse_id
from saas.text import fold_input
from tenants.grid.visits import (
    ADDRESS_MAX,
    FOUND_MAX,
    FREQUENCY_LABELS,
    GROUP_NAME_MAX,
    NAME_MAX,
    NOTE_MAX,
)

_DATE = _l("请填写有效的日期，如 2026-05-01")


def _too_long(n: int):
    return Length(max=n, message=_l("不能超过 %(n)d 个字", n=n))


class LocalDateField(DateField):
    """A date whose malformed value is refused in Chinese; empty is None (the service says
    whether it is required)."""

    def __init__(self, label=None, **kw):
        super().__init__(label, validators=[Optional()], **kw)

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError as error:
            raise ValueError(str(_DATE)) from error


class GroupForm(FlaskForm):
    name = StringField(_l("分组名称"), validators=[_too_long(GROUP_NAME_MAX)],
                       render_kw={"placeholder": _l("如：独居老人")})  # fmt: skip
    frequency = SelectField(
        _l("走访频次"),
        choices=[SelectChoice(str(k), v) for k, v in FREQUENCY_LABELS.items()],
        validate_choice=False,
        default="monthly",
    )


class SubjectForm(FlaskForm):
    group = SelectField(_l("走访分组"), coerce=parse_id, validate_choice=False)
    name = StringField(_l("姓名"), validators=[_too_long(NAME_MAX)])
    community = SelectField(_l("所在社区"), coerce=parse_id, validate_choice=False)
    grid = SelectField(_l("所在网格"), coerce=parse_id, validate_choice=False)
    building = SelectField(_l("楼栋"), coerce=parse_id, validate_choice=False)
    address = StringField(_l("室号"), validators=[_too_long(ADDRESS_MAX)],
                          render_kw={"placeholder": _l("如：3 单元 502")})  # fmt: skip
    phone = StringField(
        _l("联系电话"),
        validators=[Length(max=30, message=_l("手机号格式不正确"))],
        filters=[fold_input],
        render_kw={"inputmode": "tel", "autocomplete": "off"},
    )
    note = TextAreaField(_l("备注"), validators=[_too_long(NOTE_MAX)], render_kw={"rows": 3})


class VisitForm(FlaskForm):
    visited_on = LocalDateField(_l("走访日期"))
    found = TextAreaField(_l("走访情况"), validators=[_too_long(FOUND_MAX)],
                          render_kw={"rows": 4})  # fmt: skip
    needs_follow_up = BooleanField(_l("需要跟进"))
    category = SelectField(_l("开立网格事项"), coerce=parse_id, validate_choice=False)
