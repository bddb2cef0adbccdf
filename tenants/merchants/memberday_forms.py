"""Forms of the member-day area. The rules (required, ranges, one offer a day) live in
tenants.merchants.memberday and tenants.merchants.settlement; the forms carry what was typed."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, SelectChoice, StringField, TextAreaField
from wtforms.validators import Length

from saas.text import fold_input
from tenants.merchants.memberday import KIND_LABELS


class OfferForm(FlaskForm):
    kind = RadioField(
        _l("优惠方式"),
        choices=[SelectChoice(key.value, label) for key, label in KIND_LABELS.items()],
        default="discount",
        validate_choice=False,  # the service refuses any other kind, in its own words
    )
    # no length limit here: the service says how long it may be, next to the field
    text = TextAreaField(_l("优惠内容"), render_kw={"rows": 2, "maxlength": 200})
    price = StringField(
        _l("所需积分（兑换券）"),
        filters=[fold_input],
        validators=[Length(max=20, message=_l("所需积分须为整数"))],
        render_kw={"inputmode": "numeric"},
    )
    stock = StringField(
        _l("数量（兑换券）"),
        filters=[fold_input],
        validators=[Length(max=20, message=_l("数量须为整数"))],
        render_kw={"inputmode": "numeric"},
    )


class SettlementSettingsForm(FlaskForm):
    yuan_per_point = StringField(
        _l("每积分折合金额（元）"),
        filters=[fold_input],
        validators=[Length(max=20, message=_l("最多 4 位小数"))],
        render_kw={"inputmode": "decimal"},
    )
    pledge_points = StringField(
        _l("党员践诺积分（每人每月）"),
        filters=[fold_input],
        validators=[Length(max=20, message=_l("请填写 0–1000 的整数"))],
        render_kw={"inputmode": "numeric"},
    )


class MakeStatementsForm(FlaskForm):
    month = StringField(
        _l("月份"),
        validators=[Length(max=7, message=_l("请选择月份"))],
        render_kw={"type": "month"},
    )
