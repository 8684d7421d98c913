"""A provider lead's real workload (issue 20): the demo's provider lead owns enough on the
second site that My work's filters, groups and pages matter."""

from __future__ import annotations

import datetime

from accounts.models import User
from engagements.models import Engagement
from transition.demo.roster import SECOND_SITE

# (kind, title, due in days from today: negative is overdue)
SECOND_SITE_WORK = [
    ("risk", "Night-shift team leads not hired by go-live", -9),
    ("action", "Send the second site's floor plan to facilities", -7),
    ("issue", "Headsets for the second site held at customs", -6),
    ("action", "Book the training rooms for wave 2", -4),
    ("risk", "Trainers shared between both sites in the same weeks", -3),
    ("action", "Confirm the badge photo day with client security", -2),
    ("issue", "VPN tokens for home agents not delivered", -1),
    ("action", "Share the wave 2 attendance list with the client", 1),
    ("risk", "Knowledge base not translated for the Spanish queue", 2),
    ("action", "Set up the second site's wallboards", 3),
    ("action", "Agree the escalation contacts for the night shift", 5),
    ("issue", "Two quality analysts still in notice period elsewhere", 6),
    ("action", "Dry-run the overflow routing between sites", 9),
    ("risk", "Attrition in the first month above the 8% assumed", 12),
    ("action", "Publish the second site's rota for month one", 15),
    ("action", "Run the fire drill with the new floor", 18),
    ("risk", "Client system licences capped at 120 seats", 22),
    ("action", "Hand over the site's asset register to the client", 27),
    ("action", "Plan the day-30 calibration sessions", 33),
    ("action", "Review the second site's hiring funnel with HR", 40),
]


def add_provider_workload(*, users: dict[str, User]) -> None:
    """Twenty RAID items of the second site owned by the provider lead, a third overdue
    (once only)."""
    from registers.models import RaidItem
    from registers.services import create_raid_item

    engagement = Engagement.objects.filter(name=SECOND_SITE).first()
    if (
        engagement is None
        or RaidItem.objects.filter(engagement=engagement, title=SECOND_SITE_WORK[0][1]).exists()
    ):
        return
    today = engagement.today()
    for number, (kind, title, days) in enumerate(SECOND_SITE_WORK):
        scores = {"probability": 2 + number % 3, "impact": 3 + number % 3} if kind == "risk" else {}
        create_raid_item(
            actor=users["pmo"],
            engagement=engagement,
            kind=kind,
            title=title,
            owner=users["provider.lead"],
            due_date=today + datetime.timedelta(days=days),
            **scores,
        )
