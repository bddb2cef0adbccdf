"""Forms of the passport module: the street's points settings and an admin's adjustment.

Numbers are typed as text and read here with Chinese messages (wtforms' IntegerField answers in
English, and "²" or a forty-digit number must be a message, not a 500). What was typed is kept and
shown again on an error.
"""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, Length, ValidationError

from saas.text import fold_input, other_digits
from tenants.events.models import EventKind
from tenants.passport import ledger
from tenants.passport.services import MAX_ADJUST, MAX_POINTS_PER_HOUR, MAX_WISH_POINTS

_WHOLE = re.compile(r"[+-]?\d{1,12}")

#: the event kinds as the admin reads them
KIND_LABELS = {
    EventKind.volunteer: _l("志愿服务"),
    EventKind.alliance: _l("联盟共建"),
    EventKind.merchant_day: _l("商户会员日"),
    EventKind.campaign: _l("一季一品活动"),
    EventKind.meeting: _l("会议"),
}


class WholeNumber(StringField):
    """A whole number in a text box. ``value`` is the int (None when left empty and optional).

    :param minimum, maximum: the range allowed, said in the message when crossed
    :param required: whether an empty box is refused
    """

    def __init__(self, label=None, minimum=0, maximum=1000, required=True, **kwargs):
        kwargs.setdefault("render_kw", {"inputmode": "numeric", "autocomplete": "off"})
        kwargs["filters"] = [fold_input, *kwargs.get("filters", ())]  # full width: the same number
        super().__init__(label, **kwargs)
        self.minimum, self.maximum, self.required = minimum, maximum, required
        self.value: int | None = None

    def pre_validate(self, form) -> None:
        raw = (self.data or "").strip()
        self.value = None
        if not raw:
            if self.required:
                raise ValidationError(_l("请填写%(label)s", label=self.label.text))
            return
        if not (raw.isascii() and _WHOLE.fullmatch(raw)):
            raise ValidationError(other_digits(raw) or _l("请填写整数"))
        number = int(raw)
        if number < self.minimum:
            if self.minimum == 0:
                raise ValidationError(_l("不能为负数"))
            raise ValidationError(_l("不能小于 %(n)d", n=self.minimum))
        if number > self.maximum:
            raise ValidationError(_l("不能大于 %(n)d", n=self.maximum))
        self.value = number


EXPIRY_CHOICES = [
    SelectChoice("off", _l("永久有效")),
    SelectChoice("next_year_end", _l("获得次年的 12 月 31 日到期")),
    SelectChoice("months", _l("获得后若干个月到期")),
]


class PointSettingsForm(FlaskForm):
    default_points = WholeNumber(_l("每小时积分（默认）"), 0, MAX_POINTS_PER_HOUR)
    party_bonus_percent = WholeNumber(_l("党员加分比例（%）"), 0, 100)
    points_expiry = SelectField(_l("积分有效期"), choices=EXPIRY_CHOICES, validate_choice=False)
    points_expiry_months = WholeNumber(_l("有效月数"), 1, ledger.MAX_EXPIRY_MONTHS, required=False)
    entered_hours_earn_points = BooleanField(_l("补录的时长也获得积分"))
    auto_confirm = BooleanField(_l("签退后自动确认时长（无需工作人员确认）"))
    passport_prefix = StringField(
        _l("护照编号前缀"),
        validators=[Length(max=8, message=_l("编号前缀须为 2–8 位字母或数字"))],
        render_kw={"autocomplete": "off", "autocapitalize": "characters"},
    )
    wish_points = WholeNumber(_l("完成一个微心愿获得积分"), 0, MAX_WISH_POINTS)
    #: a people setting (tenants.people.verification), kept on this page with the street's others
    join_sms = BooleanField(_l("志愿者自助注册须短信验证手机号"))

    def validate_points_expiry(self, field) -> None:
        if field.data not in {choice.value for choice in EXPIRY_CHOICES}:
            raise ValidationError(_l("请选择积分有效期"))

    def validate_points_expiry_months(self, field) -> None:
        if self.points_expiry.data == "months" and field.value is None and not field.errors:
            raise ValidationError(_l("按月到期时请填写有效月数"))

    def validate_passport_prefix(self, field) -> None:
        raw = (field.data or "").strip()
        if raw and not re.fullmatch(r"[A-Za-z0-9]{2,8}", raw):
            raise ValidationError(_l("编号前缀须为 2–8 位字母或数字"))


def _add_kind_fields() -> None:
    for kind, label in KIND_LABELS.items():
        setattr(
            PointSettingsForm,
            f"kind_{kind.value}",
            WholeNumber(label, 0, MAX_POINTS_PER_HOUR, required=False),
        )


_add_kind_fields()


class AdjustForm(FlaskForm):
    delta = WholeNumber(_l("调整积分"), -MAX_ADJUST, MAX_ADJUST)
    reason = StringField(
        _l("调整原因"),
        validators=[
            DataRequired(_l("请填写调整原因")),
            Length(max=200, message=_l("原因不能超过200个字")),
        ],
    )

    def validate_delta(self, field) -> None:
        if field.value == 0:
            raise ValidationError(_l("调整积分不能为 0"))


class IdNumberForm(FlaskForm):
    """A volunteer's ID number for the service records (checked by the service, with Chinese
    messages; kept only as a hash and a mask)."""

    id_number = StringField(
        _l("身份证号"), validators=[Length(max=40, message=_l("身份证号应为 18 位"))]
    )
