"""Forms of the directory area: a circle, a merchant's record, inviting the merchant's contact.

The rules (required, unique, credit code, pledge, ranges) live in tenants.merchants.directory;
the forms only carry what was typed. The pledge has no length validator here: the service refuses
one over 500 characters in its own words, and the form comes back with everything else typed."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import Length

from saas.forms import parse_id
from saas.text import fold_input
from tenants.merchants.directory import CATEGORIES, PLEDGE_MAX, STATUS_LABELS


def _too_long(n: int):
    return Length(max=n, message=_l("不能超过 %(n)d 个字", n=n))


class CircleForm(FlaskForm):
    name = StringField(_l("商圈名称"), validators=[_too_long(60)])
    area = StringField(
        _l("范围"), validators=[_too_long(200)], render_kw={"placeholder": _l("如：建设路东段")}
    )
    community = SelectField(_l("所在社区"), coerce=parse_id, validate_choice=False)
    member_day = StringField(
        _l("每月会员日"),
        validators=[Length(max=10, message=_l("会员日应为 1 到 31 之间的整数"))],
        filters=[fold_input],
        render_kw={"inputmode": "numeric"},
    )


class MerchantForm(FlaskForm):
    name = StringField(_l("店名"), validators=[_too_long(100)])
    category = SelectField(
        _l("行业类别"),
        choices=[SelectChoice("", _l("请选择"))]
        + [SelectChoice(key, label) for key, label in CATEGORIES.items()],
        validate_choice=False,  # the service refuses anything else, in its own words
    )
    circle = SelectField(_l("所属商圈"), coerce=parse_id, validate_choice=False)
    community = SelectField(_l("所在社区"), coerce=parse_id, validate_choice=False)
    address = StringField(_l("地址"), validators=[_too_long(200)])
    opening_hours = StringField(
        _l("营业时间"),
        validators=[_too_long(60)],
        render_kw={"placeholder": _l("如：每天 8:00–21:00")},
    )
    status = SelectField(
        _l("经营状态"),
        choices=[SelectChoice(key.value, label) for key, label in STATUS_LABELS.items()],
        validate_choice=False,
    )
    contact_name = StringField(_l("联系人"), validators=[_too_long(50)])
    contact_phone = StringField(
        _l("联系电话"),
        validators=[Length(max=30, message=_l("手机号格式不正确"))],
        filters=[fold_input],
        render_kw={"inputmode": "tel"},
    )
    is_model = BooleanField(_l("党员示范商户"))
    pledge = TextAreaField(_l("公开承诺"), render_kw={"rows": 4, "data-maxlength": PLEDGE_MAX})
    credit_code = StringField(
        _l("统一社会信用代码（选填）"),
        validators=[Length(max=30, message=_l("统一社会信用代码为 18 位"))],
        filters=[fold_input],
        render_kw={"autocapitalize": "characters", "spellcheck": "false"},
    )
    tags = StringField(
        _l("标签"), validators=[_too_long(200)], render_kw={"placeholder": _l("如：早餐、送货上门")}
    )
