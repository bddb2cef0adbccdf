from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional, Regexp

from saas.forms import parse_id, password_field, phone_field


class JoinForm(FlaskForm):
    phone = phone_field()
    name = StringField(
        _l("姓名"),
        validators=[DataRequired(_l("请填写姓名")), Length(max=50, message=_l("不能超过50个字"))],
        render_kw={"autocomplete": "name"},
    )
    community = SelectField(_l("所在社区"), coerce=parse_id, validate_choice=False)
    password = password_field(autocomplete="new-password")
    password_confirm = PasswordField(_l("再次输入密码"), render_kw={"autocomplete": "new-password"})
    party_member = BooleanField(_l("我是党员"))
    #: checked by the service (saas.streets.privacy.require_agreement), in its words
    agree_privacy = BooleanField(_l("我已阅读并同意《隐私政策》"))
    #: shown and checked only where the street asks for SMS verification (tenants.people.verification)
    code = StringField(
        _l("短信验证码"),
        validators=[Length(max=20, message=_l("验证码为 6 位数字"))],
        render_kw={"inputmode": "numeric", "autocomplete": "one-time-code", "maxlength": "6"},
    )


EMAIL_SHAPE = r"^[^@\s<>\"']+@[^@\s<>\"']+\.[^@\s<>\"']+\Z"


class AccountForm(FlaskForm):
    name = StringField(
        _l("姓名"),
        validators=[DataRequired(_l("请填写姓名")), Length(max=50, message=_l("不能超过50个字"))],
    )
    phone = phone_field()
    role = SelectField(
        _l("角色"),
        choices=[
            SelectChoice("staff", _l("社区工作人员")),
            SelectChoice("org", _l("共建单位/商户账号")),
            SelectChoice("admin", _l("街道管理员")),
        ],
        validate_choice=False,  # the service refuses any other role, in its own words
    )
    community = SelectField(_l("限定社区（选填）"), coerce=parse_id, validate_choice=False)
    email = EmailField(
        _l("电子邮箱（选填）"),
        validators=[
            Optional(),
            # a shape check, not wtforms' Email(): that one needs the email_validator package
            Regexp(EMAIL_SHAPE, message=_l("邮箱格式不正确")),
            Length(max=254, message=_l("邮箱格式不正确")),
        ],
    )
    password = password_field(_l("初始密码"), autocomplete="new-password")
