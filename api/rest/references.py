"""How a request body names an engagement or a member of one, for the resources of every domain
(``<domain>/api.py``)."""

from __future__ import annotations

from accounts.models import User
from api.rest.serializers import StrictSerializer
from engagements.selectors import visible_engagements

OWNER_NOT_MEMBER = "The owner must be a member of the engagement."


def visible_engagement(serializer: StrictSerializer, public_id, errors: dict, *, field: str):
    """The engagement a body names (None, with ``field`` named, when the caller sees none)."""
    engagement = visible_engagements(actor=serializer.actor).filter(public_id=public_id).first()
    if engagement is None:
        errors[field] = ["No such engagement."]
    return engagement


def member_of(engagement, public_id):
    return User.objects.filter(
        public_id=public_id, engagement_memberships__engagement=engagement
    ).first()


def engagement_of_body(serializer: StrictSerializer, parsed: dict, errors: dict, *, noun: str):
    """The engagement a new object names, or the one an existing object keeps (``engagement``
    in the context): it cannot move to another."""
    fixed = serializer.context.get("engagement")
    if "engagement" not in parsed:
        return fixed
    public_id = parsed["engagement"]
    if fixed is None:
        return visible_engagement(serializer, public_id, errors, field="engagement")
    if public_id != fixed.public_id:
        errors["engagement"] = [f"A {noun} cannot move to another engagement."]
    return fixed
