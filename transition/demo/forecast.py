"""The go-live forecast in the demo (issue 19): a claims desk whose provider keeps its pace
while the client's access approvals stall, so that its go-live forecast has passed its target
and says why (the access milestones waiting on the client, on one approver)."""

from __future__ import annotations

import datetime

from engagements.models import Engagement
from engagements.playbooks import get_builtin
from engagements.services import start_transition
from milestones.models import Milestone
from milestones.services import update_milestone
from transition.demo.clock import demo_anchor, moment_on, on_the_day
from transition.services import create_engagement_from_playbook

NAME = "Claims desk migration"
SIGNED_DAYS_AGO = 36


def add_demo_forecast(*, tenant, users) -> Engagement | None:
    """The claims desk, signed 36 days ago: the provider closed its work about on time (a few
    days late), the client closed little of its share; the slip episode is recorded so that
    the morning scan alerts PMO and the leads."""
    from forecast.services import refresh_slip_episodes

    if Engagement.objects.filter(name=NAME).exists():
        return None
    day0 = demo_anchor() - datetime.timedelta(days=SIGNED_DAYS_AGO)
    playbook = get_builtin("seven-step-onboarding")
    people = {"client": users["client.lead"], "provider": users["provider.b"], "pmo": users["pmo"]}
    with on_the_day(moment_on(day0, 9)):
        engagement = create_engagement_from_playbook(
            actor=users["pmo"],
            tenant=tenant,
            playbook=playbook,
            name=NAME,
            client_name="Acme",
            provider_name="Bluewater Services",
            contract_signed_on=day0,
            owners={role.key: people[role.side] for role in playbook.roles},
        )
        start_transition(actor=users["pmo"], engagement=engagement)
    today = demo_anchor()
    done: set[int] = set()
    # The provider's (and joint) work due by today, each closed two days after its date; the
    # client's only through its kickoff, and one access approval in four.
    client_seen = 0
    for milestone in Milestone.objects.filter(engagement=engagement).order_by("due_date", "id"):
        if milestone.due_date > today - datetime.timedelta(days=2):
            break
        if milestone.side == "client" and milestone.phase.kind != "kickoff":
            client_seen += 1
            if client_seen % 4:
                continue
        if not all(dependency.pk in done for dependency in milestone.depends_on.all()):
            continue
        with on_the_day(moment_on(milestone.due_date + datetime.timedelta(days=2), 15)):
            update_milestone(
                actor=users["pmo"],
                milestone=milestone,
                status="done",
                evidence="Checked in the weekly call",
            )
        done.add(milestone.pk)
    refresh_slip_episodes(engagements=[engagement])
    return engagement
