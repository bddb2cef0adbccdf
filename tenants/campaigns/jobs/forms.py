"""Forms of the jobs registry. They carry what was typed; the rules (required, unique, ranges,
pay, phones) live in the services, which refuse in their own words next to the field."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import Length

from saas.forms import parse_id
from saas.text import fold_input
from tenants.campaigns.jobs.common import AGE_BAND_LABELS, POSITION_LABELS


def _too_long(n: int):
    return Length(max=n, message=_l("不能超过 %(n)d 个字", n=n))


def _phone(label):
    return StringField(
        label,
        validators=[Length(max=30, message=_l("手机号格式不正确"))],
        filters=[fold_input],
        render_kw={"inputmode": "tel", "autocomplete": "tel"},
    )


class EmployerForm(FlaskForm):
    organisation = SelectField(_l("本街道单位"), coerce=parse_id, validate_choice=False)
    name = StringField(_l("企业名称"), validators=[_too_long(80)])
    contact_name = StringField(_l("联系人"), validators=[_too_long(40)])
    contact_phone = _phone(_l("联系电话"))
    community = SelectField(_l("所在社区"), coerce=parse_id, validate_choice=False)


class PositionForm(FlaskForm):
    campaign = SelectField(_l("助企帮招活动"), coerce=parse_id, validate_choice=False)
    employer = SelectField(_l("用工企业"), coerce=parse_id, validate_choice=False)
    title = StringField(_l("岗位名称"), validators=[_too_long(60)])
    openings = StringField(
        _l("招聘人数"),
        validators=[Length(max=20, message=_l("招聘人数请填写整数"))],
        render_kw={"inputmode": "numeric"},
    )
    pay_min = StringField(
        _l("最低月薪（元/月）"),
        validators=[Length(max=20, message=_l("请填写整数金额（元/月），如 5000 或 5k"))],
        render_kw={"inputmode": "numeric", "placeholder": _l("如 4000，可不填")},
    )
    pay_max = StringField(
        _l("最高月薪（元/月）"),
        validators=[Length(max=20, message=_l("请填写整数金额（元/月），如 5000 或 5k"))],
        render_kw={"inputmode": "numeric", "placeholder": _l("如 6000，可不填")},
    )
    requirements = TextAreaField(_l("岗位要求"), render_kw={"rows": 4})
    status = SelectField(
        _l("招聘状态"),
        choices=[SelectChoice(k.value, v) for k, v in POSITION_LABELS.items()],
        validate_choice=False,
    )


def _age_choices():
    return [SelectChoice("", _l("请选择"))] + [
        SelectChoice(k.value, v) for k, v in AGE_BAND_LABELS.items()
    ]


class SeekerForm(FlaskForm):
    name = StringField(_l("姓名"), validators=[_too_long(40)])
    phone = _phone(_l("手机号"))
    age_band = SelectField(_l("年龄段"), choices=_age_choices(), validate_choice=False)
    skills = StringField(
        _l("技能特长"),
        validators=[_too_long(200)],
        render_kw={"placeholder": _l("如：电工证、叉车")},
    )
    wanted = StringField(
        _l("意向岗位"),
        validators=[_too_long(100)],
        render_kw={"placeholder": _l("如：操作工、保洁")},
    )
    community = SelectField(_l("所在社区"), coerce=parse_id, validate_choice=False)


class SelfSeekerForm(FlaskForm):
    """The resident's own 登记求职 (their community is their account's)."""

    name = StringField(_l("姓名"), validators=[_too_long(40)])
    phone = _phone(_l("手机号"))
    age_band = SelectField(_l("年龄段"), choices=_age_choices(), validate_choice=False)
    skills = StringField(_l("技能特长"), validators=[_too_long(200)])
    wanted = StringField(_l("意向岗位"), validators=[_too_long(100)])


class PutForwardForm(FlaskForm):
    """推荐: from a seeker's page (choose a position) or a position's (choose a seeker)."""

    position = SelectField(_l("推荐岗位"), coerce=parse_id, validate_choice=False)
    seeker = SelectField(_l("推荐求职者"), coerce=parse_id, validate_choice=False)
    note = StringField(_l("备注"), validators=[_too_long(200)])


class InterviewForm(FlaskForm):
    interview_at = StringField(
        _l("面试时间"), render_kw={"type": "datetime-local"}, filters=[fold_input]
    )


class HireForm(FlaskForm):
    hired_on = StringField(_l("入职日期"), render_kw={"type": "date"}, filters=[fold_input])


class DeclineForm(FlaskForm):
    note = StringField(_l("原因"), validators=[_too_long(200)])


class BoothForm(FlaskForm):
    employer = SelectField(_l("用工企业"), coerce=parse_id, validate_choice=False)
    label = StringField(
        _l("展位号"), validators=[_too_long(20)], render_kw={"placeholder": _l("如：A3")}
    )
