from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField

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
