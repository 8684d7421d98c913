from __future__ import annotations

import uuid

from accounts.models import Membership, User
from kernel.errors import NotFound


def switch_tenant(*, actor: User, tenant_public_id: uuid.UUID | str) -> Membership:
    """The membership to make active; a tenant the actor is not in is simply not found."""
    membership = (
        Membership.objects.filter(user=actor, tenant__public_id=tenant_public_id)
        .select_related("tenant")
        .first()
    )
    if membership is None:
        raise NotFound("No such tenant.")
    return membership
