"""The sample module listens to the events engine, as the alliance or campaigns will."""

from __future__ import annotations

from tenants.events.signals import event_published
from tests.saas.sample_module.module import SEEN


@event_published.connect
def note_published(event, **kwargs) -> None:
    SEEN.append(("published", event.title))
