"""Forms of the unit's home (area "home")."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, StringField, TextAreaField

from tenants.events.forms import IntegerTextField


class JoinForm(FlaskForm):
    """A unit signs up for an event: how many people, who among them are volunteers (picked from
    a search: ``member_ids``, read by the view), and the others by name."""

    headcount = IntegerTextField(_l("参加人数"))
    q = StringField(
        _l("查找志愿者"),
        render_kw={"maxlength": 50, "autocomplete": "off", "type": "search"},
    )
    other_names = TextAreaField(
        _l("其他参加人员（不是志愿者的，选填，每行一个）"), render_kw={"rows": 3}
    )


class AllianceSettingsForm(FlaskForm):
    active_only = BooleanField(_l("只允许联建协议有效的单位报名联盟活动"))
