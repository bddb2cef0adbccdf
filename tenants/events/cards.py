"""How an event card reads: its texts and links, written once per event for a page of cards.

A page of twenty cards used to ask Jinja for five time conversions, four links and a translated
label per card. Here the labels are translated once per page, each time is converted once, and
the links are cut from one ``url_for`` per endpoint (built with a stand-in id, then filled in).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from flask import url_for
from flask_wtf.csrf import generate_csrf

from saas.ui import street_zone
from tenants.events.models import Event
from tenants.events.registration import signup_deadline
from tenants.events.services import KIND_LABELS
from tenants.events.signups import points_text

#: an id no event has, replaced in the built link by the card's own
_STANDIN = 987654321987654321


@dataclass(frozen=True)
class CardText:
    kind: str
    #: "12-05 09:00 – 11:30", or with the end's date when it ends on another day
    when: str
    deadline: str
    #: what attending earns ("每小时 10 积分（全程约 20 积分）"), or ""
    earns: str
    page: str
    register: str
    cancel: str


class _Link:
    """``url_for(endpoint, event_id=…)`` for any id, from one build."""

    def __init__(self, endpoint: str) -> None:
        self._head, self._tail = url_for(endpoint, event_id=_STANDIN).split(str(_STANDIN))

    def __call__(self, event_id: int) -> str:
        return f"{self._head}{event_id}{self._tail}"


class CardWriter:
    """Made once per page (a view passes it to the template as ``write_card``)."""

    def __init__(self, points_rules: dict[str, int]) -> None:
        self._rules = points_rules
        self._zone = street_zone()
        self._kinds = {kind: str(label) for kind, label in KIND_LABELS.items()}
        #: what an event earns depends on four of its fields: most of a page's events share them
        self._earns: dict[tuple, str] = {}
        #: the session's CSRF token, for the card's sign-up and cancel forms
        self.csrf = generate_csrf()
        self._page = _Link("events.activity")
        self._register = _Link("events.register_for_event")
        self._cancel = _Link("events.cancel_event_registration")

    def __call__(self, event: Event) -> CardText:
        starts, ends = self._local(event.starts_at), self._local(event.ends_at)
        end_format = "%H:%M" if ends.date() == starts.date() else "%m-%d %H:%M"
        return CardText(
            kind=self._kinds.get(event.kind, event.kind),
            when=f"{starts:%m-%d %H:%M} – {ends.strftime(end_format)}",
            deadline=f"{self._local(signup_deadline(event)):%m-%d %H:%M}",
            earns=self._earned(event),
            page=self._page(event.id),
            register=self._register(event.id),
            cancel=self._cancel(event.id),
        )

    def _local(self, value: datetime) -> datetime:
        if value.tzinfo is None:  # SQLite hands back naive UTC
            value = value.replace(tzinfo=UTC)
        return value.astimezone(self._zone)

    def _earned(self, event: Event) -> str:
        key = (event.points_mode, event.points_value, event.kind, event.ends_at - event.starts_at)
        if key not in self._earns:
            self._earns[key] = points_text(event, self._rules)
        return self._earns[key]
