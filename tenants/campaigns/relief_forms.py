"""Forms of the relief registry: a household, an assistance record, a visit. They carry what was
typed; the rules (required, ID number, phone, ranges, dates, duplicates) live in
tenants.campaigns.relief and .relief_records and come back next to their field."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import Length, Optional

from saas.forms import parse_id
from saas.text import fold_input
from tenants.campaigns.relief import (
    ADDRESS_MAX,
    GRADE_LABELS,
    NAME_MAX,
    NOTE_MAX,
    REASON_LABELS,
    STATUS_LABELS,
)
from tenants.campaigns.relief_records import DESCRIPTION_MAX, FOUND_MAX, GIVER_MAX, KIND_LABELS

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


def _choices(labels: dict) -> list[SelectChoice]:
    return [SelectChoice("", _l("请选择"))] + [SelectChoice(str(k), v) for k, v in labels.items()]


class HouseholdForm(FlaskForm):
    head_name = StringField(_l("户主姓名"), validators=[_too_long(NAME_MAX)])
    id_number = StringField(
        _l("户主身份证号"),
        validators=[Length(max=40, message=_l("身份证号应为 18 位"))],
        render_kw={"autocomplete": "off", "spellcheck": "false", "autocapitalize": "characters"},
    )
    phone = StringField(
        _l("联系电话"),
        validators=[Length(max=30, message=_l("手机号格式不正确"))],
        filters=[fold_input],
        render_kw={"inputmode": "tel", "autocomplete": "off"},
    )
    grade = SelectField(_l("困难等级"), choices=_choices(GRADE_LABELS), validate_choice=False)
    reason = SelectField(_l("困难类别"), choices=_choices(REASON_LABELS), validate_choice=False)
    size = StringField(
        _l("家庭人口"),
        validators=[Length(max=10, message=_l("家庭人口应为 1 到 30 之间的整数"))],
        filters=[fold_input],
        render_kw={"inputmode": "numeric"},
    )
    community = SelectField(_l("所在社区"), coerce=parse_id, validate_choice=False)
    grid = SelectField(_l("所在网格"), coerce=parse_id, validate_choice=False)
    address = StringField(_l("住址"), validators=[_too_long(ADDRESS_MAX)])
    note = TextAreaField(_l("备注"), validators=[_too_long(NOTE_MAX)], render_kw={"rows": 3})
    status = SelectField(
        _l("帮扶状态"),
        choices=[SelectChoice(str(k), v) for k, v in STATUS_LABELS.items()],
        validate_choice=False,
    )


class AssistanceForm(FlaskForm):
    kind = SelectField(_l("帮扶方式"), choices=_choices(KIND_LABELS), validate_choice=False)
    amount = StringField(
        _l("金额（元）"),
        validators=[Length(max=30, message=_l("金额只能填写数字，如 200 或 35.50"))],
        render_kw={"inputmode": "decimal"},
    )
    description = StringField(_l("内容"), validators=[_too_long(DESCRIPTION_MAX)])
    given_on = LocalDateField(_l("帮扶日期"))
    giver_org = SelectField(_l("帮扶单位"), coerce=parse_id, validate_choice=False)
    giver_name = StringField(
        _l("或填写帮扶单位（人）"),
        validators=[_too_long(GIVER_MAX)],
        render_kw={"placeholder": _l("如：街道办事处、爱心人士")},
    )


class VisitForm(FlaskForm):
    visited_on = LocalDateField(_l("走访日期"))
    found = TextAreaField(_l("走访情况"), validators=[_too_long(FOUND_MAX)], render_kw={"rows": 3})
    next_due = LocalDateField(_l("下次走访日期"))
