"""Where a page stands: the breadcrumb trail every engagement page starts with.

A trail is a list of ``(label, url)``; the last item (the page itself) has no URL. The base
template draws it.
"""

from __future__ import annotations

from django.urls import reverse

from engagements.models import Engagement

Crumb = tuple[str, str | None]


def portfolio_trail(*trail: Crumb) -> list[Crumb]:
    """The portfolio, then ``trail``."""
    return [("Portfolio", reverse("home")), *trail]


def engagement_trail(engagement: Engagement, *trail: Crumb) -> list[Crumb]:
    """The portfolio, the engagement, then ``trail``."""
    return portfolio_trail(
        (
            engagement.name,
            reverse("engagements:detail", kwargs={"public_id": engagement.public_id}),
        ),
        *trail,
    )
