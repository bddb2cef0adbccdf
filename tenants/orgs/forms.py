"""The form every module built on organisation records shows to invite an organisation's
contact (tenants.orgs.accounts.invite_contact does the rest)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import Length

from saas.forms import phone_field


class InviteForm(FlaskForm):
    name = StringField(
        _l("联系人姓名"), validators=[Length(max=50, message=_l("不能超过 %(n)d 个字", n=50))]
    )
    phone = phone_field(_l("联系人手机号"))
