"""Forms of the map of the grids: a community's plan image, and a grid's place on it. They carry
what was sent; the rules (picture by content, size, places 0–10000, the grid of this community)
live in tenants.grid.gridmap and come back next to their field."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import SelectField, StringField


class PlanForm(FlaskForm):
    plan = FileField(_l("平面图"), render_kw={"accept": "image/jpeg,image/png,image/webp"})


class PinForm(FlaskForm):
    #: the choices are the community's grids; the service checks the one sent
    grid = SelectField(_l("网格"), choices=[], validate_choice=False)
    x = StringField(
        _l("横向位置（0–10000，从左到右）"),
        render_kw={"inputmode": "numeric", "maxlength": 6, "data-map-x": ""},
    )
    y = StringField(
        _l("纵向位置（0–10000，从上到下）"),
        render_kw={"inputmode": "numeric", "maxlength": 6, "data-map-y": ""},
    )
