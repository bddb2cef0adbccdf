"""Forms of the members' and the three lists' pages. They carry the fields; the services read
and refuse them in their own words (one place for each rule), so these hold no validators but
the lengths a browser is told."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)

from saas.forms import parse_id


def _ids(raw):
    return parse_id(raw)


class ReportForm(FlaskForm):
    community = SelectField(_l("报到社区"), coerce=_ids, validate_choice=False)
    organisation = SelectField(_l("工作单位（共建单位）"), coerce=_ids, validate_choice=False)
    work_unit = StringField(_l("其他工作单位"), render_kw={"maxlength": 100})
    specialties = SelectMultipleField(_l("特长"), validate_choice=False)
    other_specialties = StringField(
        _l("其他特长"), render_kw={"placeholder": _l("多个用顿号或逗号分开")}
    )
    availability = StringField(
        _l("可服务时间"),
        render_kw={"placeholder": _l("例如：周末、工作日晚上"), "maxlength": 100},
    )


class ReasonForm(FlaskForm):
    reason = StringField(_l("未通过的理由"), render_kw={"maxlength": 200})


class PostForm(FlaskForm):
    title = StringField(_l("岗位名称"), render_kw={"maxlength": 100})
    description = TextAreaField(_l("岗位说明"), render_kw={"rows": 4})
    community = SelectField(_l("社区"), coerce=_ids, validate_choice=False)
    specialties = StringField(
        _l("所需特长"), render_kw={"placeholder": _l("如：政策宣讲、医疗义诊")}
    )
    slots = StringField(_l("名额"), default="1", render_kw={"inputmode": "numeric"})


class NeedForm(FlaskForm):
    title = StringField(_l("需求名称"), render_kw={"maxlength": 100})
    description = TextAreaField(_l("需求说明"), render_kw={"rows": 4})
    community = SelectField(_l("社区"), coerce=_ids, validate_choice=False)
    tags = StringField(_l("标签"), render_kw={"placeholder": _l("如：医疗义诊、助老")})


class ResourceForm(FlaskForm):
    organisation = SelectField(_l("共建单位"), coerce=_ids, validate_choice=False)
    kind = SelectField(_l("资源类型"), validate_choice=False)
    title = StringField(_l("资源名称"), render_kw={"maxlength": 100})
    description = TextAreaField(_l("资源说明"), render_kw={"rows": 4})
    tags = StringField(_l("标签"), render_kw={"placeholder": _l("如：场地、教育辅导")})
    is_available = BooleanField(_l("目前可提供"), default=True)


class ProjectForm(FlaskForm):
    """The units and their resources come as ``unit`` values and ``resource_<unit id>``."""

    title = StringField(_l("项目名称"), render_kw={"maxlength": 100})
    owner = SelectField(_l("负责人"), coerce=_ids, validate_choice=False)
    due_on = StringField(_l("完成期限"), render_kw={"type": "date"})


class MoveForm(FlaskForm):
    status = SelectField(_l("新状态"), validate_choice=False)
    outcome = TextAreaField(_l("成效说明"), render_kw={"rows": 3})
    people_served = StringField(_l("服务人数"), render_kw={"inputmode": "numeric"})
