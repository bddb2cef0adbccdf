"""A passport follows its holder's community.

``passports.community_id`` repeats ``users.community_id`` so that the rank in a community is one
index range (``ix_passports_rank``), not a join over every member. Whatever code moves a person to
another community, the flush that saves it moves their passport too: the rule lives here once.
"""

from __future__ import annotations

from sqlalchemy import event, inspect, update
from sqlalchemy.orm import Session

from saas.auth.models import User
from tenants.passport.models import Passport


@event.listens_for(Session, "before_flush")
def _passport_follows_community(session: Session, flush_context, instances) -> None:
    for obj in session.dirty:
        if not isinstance(obj, User):
            continue
        history = inspect(obj).attrs.community_id.history
        if history.has_changes():
            session.execute(
                update(Passport)
                .where(Passport.user_id == obj.id)
                .values(community_id=obj.community_id)
                .execution_options(synchronize_session=False)
            )
