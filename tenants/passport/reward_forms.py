"""Forms of the rewards pages: the catalogue item, restocking, the hand-over code."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, ValidationError

from saas.forms import parse_id
from saas.text import fold_input, other_digits
from tenants.passport.rewards import DESCRIPTION_MAX, LIMIT_MAX, NAME_MAX, PRICE_MAX, STOCK_MAX

PICTURE_ACCEPT = "image/png,image/jpeg,image/webp"


class WholeNumberField(StringField):
    """A whole number typed on a phone, refused in Chinese when it is anything else.

    wtforms' IntegerField answers "²", "1e9" or "-" in English; this keeps what was typed on the
    page and gives ``data`` as an ``int`` (or None when left empty and ``required`` is off).
    """

    def __init__(
        self, label=None, minimum=0, maximum=PRICE_MAX, required=True, message=None, **kwargs
    ):
        kwargs.setdefault("render_kw", {"inputmode": "numeric", "autocomplete": "off"})
        kwargs["filters"] = [fold_input, *kwargs.get("filters", ())]  # full width: the same number
        super().__init__(label, **kwargs)
        self.minimum, self.maximum, self.required = minimum, maximum, required
        self.message = message

    def pre_validate(self, form) -> None:
        raw = self.data
        if isinstance(raw, int) and not isinstance(raw, bool):
            raw = str(raw)
        raw = (raw or "").strip() if isinstance(raw, str) else ""
        if not raw:
            if self.required:
                raise ValidationError(self.message)
            self.data = None
            return
        sign = -1 if raw.startswith("-") else 1
        digits = raw[1:] if sign < 0 else raw
        if not digits.isascii() or not digits.isdigit() or len(digits) > 9:
            raise ValidationError(other_digits(digits) or self.message)
        value = sign * int(digits)
        if not self.minimum <= value <= self.maximum:
            raise ValidationError(self.message)
        self.data = value


class RewardForm(FlaskForm):
    name = StringField(
        _l("名称"),
        validators=[
            DataRequired(_l("请填写名称")),
            Length(max=NAME_MAX, message=_l("名称不能超过100个字")),
        ],
    )
    description = TextAreaField(
        _l("说明（选填）"),
        validators=[Length(max=DESCRIPTION_MAX, message=_l("说明不能超过2000个字"))],
        render_kw={"rows": 3},
    )
    picture_file = FileField(_l("图片（选填）"), render_kw={"accept": PICTURE_ACCEPT})
    remove_picture = BooleanField(_l("删除现有图片"))
    price = WholeNumberField(
        _l("所需积分"), minimum=1, maximum=PRICE_MAX, message=_l("所需积分须为 1–100000 的整数")
    )
    limit = WholeNumberField(
        _l("每人限兑（选填）"),
        minimum=1,
        maximum=LIMIT_MAX,
        required=False,
        message=_l("每人限兑须为 1–100000 的整数，不限请留空"),
    )
    provider_kind = SelectField(
        _l("提供方"),
        choices=[
            SelectChoice("community", _l("社区爱心超市")),
            SelectChoice("merchant", _l("商户 / 共建单位")),
        ],
        validate_choice=False,  # the service refuses anything else in its own words
    )
    community = SelectField(_l("社区"), coerce=parse_id, validate_choice=False)
    merchant = SelectField(_l("商户 / 单位账号"), coerce=parse_id, validate_choice=False)
    is_active = BooleanField(_l("上架（志愿者可见、可兑换）"), default=True)


class NewRewardForm(RewardForm):
    stock = WholeNumberField(
        _l("库存"), minimum=0, maximum=STOCK_MAX, message=_l("库存须为 0–100000 的整数")
    )


class RestockForm(FlaskForm):
    amount = WholeNumberField(
        _l("补货数量"), minimum=1, maximum=STOCK_MAX, message=_l("补货数量须为 1–100000 的整数")
    )


class VerifyForm(FlaskForm):
    code = StringField(
        _l("兑换码"),
        validators=[DataRequired(_l("请输入兑换码")), Length(max=40, message=_l("兑换码无效"))],
        render_kw={
            "autocomplete": "off",
            "autocapitalize": "characters",
            "spellcheck": "false",
            "autofocus": True,
        },
    )
