"""Forms of the units area: a unit's record, an agreement, inviting the unit's contact.

The rules (required, unique, credit code, ranges) live in tenants.alliance.units; the forms only
carry what was typed, with lengths a browser can enforce."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import DateField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import Length, Optional

from saas.forms import parse_id
from saas.text import fold_input
from tenants.alliance.units import TYPE_LABELS


def _too_long(n: int):
    return Length(max=n, message=_l("不能超过 %(n)d 个字", n=n))


class UnitForm(FlaskForm):
    name = StringField(_l("单位名称"), validators=[_too_long(100)])
    org_type = SelectField(
        _l("单位类型"),
        choices=[SelectChoice("", _l("请选择"))]
        + [SelectChoice(key.value, label) for key, label in TYPE_LABELS.items()],
        validate_choice=False,  # the service refuses any other type, in its own words
    )
    credit_code = StringField(
        _l("统一社会信用代码（选填）"),
        validators=[Length(max=30, message=_l("统一社会信用代码为 18 位"))],
        filters=[fold_input],
        render_kw={"autocapitalize": "characters", "spellcheck": "false"},
    )
    party_org = StringField(_l("党组织名称"), validators=[_too_long(100)])
    party_members = StringField(
        _l("党员人数"),
        validators=[Length(max=10, message=_l("党员人数应为整数"))],
        filters=[fold_input],
        render_kw={"inputmode": "numeric"},
    )
    contact_name = StringField(_l("联系人"), validators=[_too_long(50)])
    contact_phone = StringField(
        _l("联系电话"),
        validators=[Length(max=30, message=_l("手机号格式不正确"))],
        filters=[fold_input],
        render_kw={"inputmode": "tel"},
    )
    address = StringField(_l("地址"), validators=[_too_long(200)])
    community = SelectField(_l("所在社区"), coerce=parse_id, validate_choice=False)
    tags = StringField(
        _l("标签"),
        validators=[_too_long(200)],
        render_kw={"placeholder": _l("如：政策宣讲、医疗义诊")},
    )


class AgreementForm(FlaskForm):
    signed_on = DateField(_l("签订日期"), validators=[Optional()], render_kw={"required": True})
    starts_on = DateField(_l("开始日期"), validators=[Optional()], render_kw={"required": True})
    ends_on = DateField(_l("结束日期"), validators=[Optional()], render_kw={"required": True})
    summary = TextAreaField(_l("协议内容摘要"), validators=[_too_long(2000)])
    attachment = FileField(
        _l("协议扫描件（选填，PDF、JPEG 或 PNG，不超过 10 MB）"),
        render_kw={"accept": ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"},
    )
