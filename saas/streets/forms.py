from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, PasswordField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from saas.forms import password_field, phone_field


class SignupForm(FlaskForm):
    street_name = StringField(
        _l("街道名称"),
        validators=[
            DataRequired(_l("请填写街道名称")),
            Length(max=100, message=_l("不能超过100个字")),
        ],
    )
    slug = StringField(
        _l("访问地址"),
        validators=[
            DataRequired(_l("请填写访问地址")),
            Length(max=40, message=_l("不能超过40个字符")),
        ],
        render_kw={"autocapitalize": "off", "spellcheck": "false"},
    )
    slug_suggested = HiddenField()
    district = StringField(
        _l("所属区县"),
        validators=[
            DataRequired(_l("请填写所属区县")),
            Length(max=100, message=_l("不能超过100个字")),
        ],
    )
    city = StringField(
        _l("所属城市（选填）"), validators=[Length(max=100, message=_l("不能超过100个字"))]
    )
    admin_name = StringField(
        _l("管理员姓名"),
        validators=[
            DataRequired(_l("请填写管理员姓名")),
            Length(max=50, message=_l("不能超过50个字")),
        ],
    )
    phone = phone_field(_l("管理员手机号"))
    password = password_field(autocomplete="new-password")
    password_confirm = PasswordField(_l("再次输入密码"), render_kw={"autocomplete": "new-password"})
    #: checked by the service (saas.streets.privacy.require_agreement), in its words
    agree_privacy = BooleanField(_l("我已阅读并同意《隐私政策》"))


class PrivacyNoticeForm(FlaskForm):
    body = TextAreaField(_l("隐私政策内容"), render_kw={"rows": "24"})
