"""The account's notification settings form. The per-kind ticks are plain checkboxes named
``by_sms`` and ``by_email`` whose values are kind names: the list of kinds is the registry's."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, RadioField, SelectChoice
from wtforms.validators import Length

#: each language is named in itself, as language pickers do
LANGUAGE_CHOICES = [SelectChoice("zh", "中文"), SelectChoice("en", "English")]


class NotificationSettingsForm(FlaskForm):
    # the address's shape is checked by the service (saas.notify.preferences.clean_email)
    email = EmailField(
        _l("电子邮箱（选填）"),
        validators=[Length(max=254, message=_l("邮箱地址过长"))],
        render_kw={"autocomplete": "email", "inputmode": "email"},
    )
    language = RadioField(_l("通知语言"), choices=LANGUAGE_CHOICES, validate_choice=False)
