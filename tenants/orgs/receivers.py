"""What organisation records tell the events engine and the passport.

- An org account linked to an alliance unit joins alliance events, one linked to a merchant
  joins merchants' events; both join public ones. An org account not linked to a record keeps
  what its role allows (both).
- Accounts acting for one organisation (a merchant's contact and a deputy) hand over each
  other's vouchers at the counter.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from saas.auth.models import User
from tenants.events.models import Audience
from tenants.events.signals import account_audiences
from tenants.orgs.models import OrgAccount, OrgKind
from tenants.orgs.records import acting_organisation
from tenants.passport.signals import acts_for_provider

AUDIENCES = {
    OrgKind.alliance: {Audience.alliance, Audience.public},
    OrgKind.merchant: {Audience.merchants, Audience.public},
}


@account_audiences.connect
def audiences_of_kind(user: User, *, session: Session, **_kwargs) -> set[str] | None:
    organisation = acting_organisation(session, user)
    if organisation is None or organisation.kind not in AUDIENCES:
        return None
    return {str(a) for a in AUDIENCES[organisation.kind]}


@acts_for_provider.connect
def same_organisation(actor: User, *, session: Session, provider_id: int, **_kwargs) -> bool | None:
    """Two accounts acting for one organisation (the contact and a deputy) hand over each other's
    vouchers at the counter."""
    mine = select(OrgAccount.organisation_id).where(OrgAccount.user_id == actor.id)
    shared = session.scalar(
        select(OrgAccount.id)
        .where(OrgAccount.user_id == provider_id, OrgAccount.organisation_id.in_(mine))
        .limit(1)
    )
    return True if shared is not None else None
