from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from saas.forms import password_field


class DeletionRequestForm(FlaskForm):
    understood = BooleanField(
        _l("我已了解：注销后无法恢复，积分和服务时长不再可用"),
        validators=[DataRequired(_l("请勾选确认"))],
    )
    password = password_field(_l("登录密码"))


class RefuseForm(FlaskForm):
    reason = TextAreaField(
        _l("拒绝原因"),
        validators=[
            DataRequired(_l("请填写拒绝原因")),
            Length(max=200, message=_l("原因不能超过 200 个字")),
        ],
    )


class RetentionForm(FlaskForm):
    audit_days = StringField(
        _l("操作日志保留天数"),
        validators=[Length(max=10, message=_l("请填写天数（整数）"))],
        render_kw={"inputmode": "numeric"},
    )
    inactive_days = StringField(
        _l("志愿者账号闲置多少天后匿名化"),
        validators=[Length(max=10, message=_l("请填写天数（整数）"))],
        render_kw={"inputmode": "numeric"},
    )
