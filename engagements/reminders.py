"""What a reminder about an engagement's object needs from engagements: who it reaches, whether
the engagement is quiet, and where its pages are.

The routes are the seat predicates of ``engagements.permissions`` written as SQL joins for the
reminder scan (which runs over every tenant at once, so it cannot ask a predicate per person):
``seated`` is ``is_seated``, ``TENANT_PMO`` and ``PMO_SEATS`` together are ``is_pmo``, ``leads``
is ``is_side_lead``. ``tests/rules/test_reminder_routes.py`` holds each route to its predicate.
A route joins the person's user row as ``u``, from the engagement ``e``.
"""

from __future__ import annotations

from engagements.models import Engagement, EngagementMember
from kernel.occasions import Route

# No reminder goes out about an engagement in these statuses.
QUIET_STATUSES = (Engagement.Status.CLOSED, Engagement.Status.ON_HOLD)

_SEATS = "JOIN engagements_engagementmember s ON s.engagement_id = e.id"
_PERSON = "JOIN accounts_user u ON u.id = s.user_id"


def seated(column: str) -> Route:
    """The person named in ``column``, while they hold a seat on the engagement."""
    return Route(
        f"JOIN accounts_user u ON u.id = {column}",
        "EXISTS (SELECT 1 FROM engagements_engagementmember s "
        "WHERE s.engagement_id = e.id AND s.user_id = u.id)",
    )


TENANT_PMO = Route(
    "JOIN accounts_membership ms ON ms.tenant_id = e.tenant_id AND ms.role = 'pmo' "
    "JOIN accounts_user u ON u.id = ms.user_id"
)
PMO_SEATS = Route(
    f"{_SEATS} AND s.side = '{EngagementMember.Side.PMO}' "
    f"AND s.role <> '{EngagementMember.Role.VIEWER}' {_PERSON}"
)


def leads(sides: str = "") -> Route:
    """The leads of the engagement's sides; ``sides``, a test on ``s.side``, picks some."""
    which = f" AND ({sides})" if sides else ""
    return Route(f"{_SEATS} AND s.role = '{EngagementMember.Role.LEAD}'{which} {_PERSON}")


LEADS = leads()


def quiet_reason(engagement: Engagement) -> str:
    """Why no reminder goes out about the engagement now ("" when they do)."""
    if engagement.status in QUIET_STATUSES:
        return f"the engagement is {engagement.get_status_display().lower()}"
    return ""


def engagement_path(engagement: Engagement) -> str:
    return f"/engagements/{engagement.public_id}/"
