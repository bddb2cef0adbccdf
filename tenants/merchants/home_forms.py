"""Forms of area "home": an event's co-hosting merchants, a party member linked to a merchant."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, SelectMultipleField, StringField


class HostsForm(FlaskForm):
    #: organisation ids as the form sends them; the service checks each one
    hosts = SelectMultipleField(_l("联合商户"), choices=[], validate_choice=False)


class PartyMemberForm(FlaskForm):
    organisation = SelectField(_l("所在商户"), choices=[], validate_choice=False)
    phone = StringField(
        _l("党员手机号"), render_kw={"inputmode": "numeric", "maxlength": 20, "autocomplete": "off"}
    )


class RemoveForm(FlaskForm):
    """The CSRF token of a remove button."""
