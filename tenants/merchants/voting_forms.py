"""Forms of the voting area: a round's rules, a candidate to add. Local times in (the events
engine's fields: shown in the street's time, ``data`` in UTC); the service checks the rules."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField

from tenants.events.forms import IntegerTextField, LocalDateTimeField
from tenants.merchants.voting import TITLE_MAX


class RoundForm(FlaskForm):
    title = StringField(_l("评选名称"), render_kw={"maxlength": TITLE_MAX})
    circle = SelectField(_l("商圈（选填）"), validate_choice=False)
    starts_at = LocalDateTimeField(_l("开始时间"))
    ends_at = LocalDateTimeField(_l("结束时间"))
    votes_per_person = IntegerTextField(_l("每人可投商户数"))


class CandidateForm(FlaskForm):
    organisation = SelectField(_l("候选商户"), validate_choice=False)
