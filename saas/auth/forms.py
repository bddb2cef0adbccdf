from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, StringField
from wtforms.validators import Length

from saas.forms import password_field, phone_field


class LoginForm(FlaskForm):
    phone = phone_field()
    password = password_field()
    remember = BooleanField(_l("在本机保持登录"))


class ChangePasswordForm(FlaskForm):
    current_password = password_field(_l("当前密码"))
    password = password_field(_l("新密码"), autocomplete="new-password")
    password_confirm = PasswordField(
        _l("再次输入新密码"), render_kw={"autocomplete": "new-password"}
    )


class ForgotPasswordForm(FlaskForm):
    phone = phone_field()
    code = StringField(
        _l("短信验证码"),
        validators=[Length(max=20, message=_l("验证码为 6 位数字"))],
        render_kw={"inputmode": "numeric", "autocomplete": "one-time-code", "maxlength": "6"},
    )
    password = password_field(_l("新密码"), autocomplete="new-password")
    password_confirm = PasswordField(
        _l("再次输入新密码"), render_kw={"autocomplete": "new-password"}
    )
