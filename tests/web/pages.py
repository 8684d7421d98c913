"""Read pages as a person would: the rows of a table by their column labels, the text."""

from __future__ import annotations

import datetime
import re
from html.parser import HTMLParser

from engagements.models import Engagement, Phase
from governance.models import Gate
from kernel.tenancy import tenant_context
from milestones.models import Milestone


class _Rows(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.rows: list[dict[str, str]] = []
        self._row: dict[str, str] | None = None
        self._label: str | None = None
        self._text: list[str] = []
        self._depth = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "tr":
            self._row = {}
        elif tag == "td" and self._row is not None:
            self._label, self._text, self._depth = attrs.get("data-label", ""), [], 1
        elif self._label is not None:
            self._depth += 1

    def handle_endtag(self, tag):
        if tag == "td" and self._label is not None:
            self._row[self._label] = " ".join(" ".join(self._text).split())
            self._label = None
        elif tag == "tr" and self._row is not None:
            if self._row:
                self.rows.append(self._row)
            self._row = None

    def handle_data(self, data):
        if self._label is not None:
            self._text.append(data)


def table_rows(response) -> list[dict[str, str]]:
    """Every body row of every table on the page: {column label: the cell's text}."""
    parser = _Rows()
    parser.feed(response.content.decode())
    return parser.rows


def text_of(response) -> str:
    """The page's visible text, whitespace collapsed (for messages and empty states)."""
    html = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", response.content.decode(), flags=re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def bulk_engagements(world, count: int, *, today: datetime.date, prefix: str = "Bulk"):
    """``count`` engagements in the world's tenant, written in a few bulk inserts: each in
    transition with six phases and gates, the first active, and three milestones in it (done,
    overdue, due later) owned by the world's provider lead."""
    with tenant_context(world.tenant):
        engagements = Engagement.objects.bulk_create(
            [
                Engagement(
                    tenant=world.tenant,
                    name=f"{prefix} {number:03d}",
                    client_name=f"Client {number % 7}",
                    provider_name=f"Provider {number % 5}",
                    contract_signed_on=today - datetime.timedelta(days=10),
                    target_go_live=today + datetime.timedelta(days=30),
                    status=Engagement.Status.IN_TRANSITION,
                )
                for number in range(count)
            ]
        )
        phases = Phase.objects.bulk_create(
            [
                Phase(
                    tenant=world.tenant,
                    engagement=engagement,
                    kind=kind,
                    position=position,
                    planned_start=today + datetime.timedelta(days=10 * position - 20),
                    planned_end=today + datetime.timedelta(days=10 * position - 11),
                    status=Phase.Status.ACTIVE if position == 1 else Phase.Status.NOT_STARTED,
                )
                for engagement in engagements
                for position, kind in enumerate(Phase.ORDER, start=1)
            ]
        )
        Gate.objects.bulk_create(
            [
                Gate(
                    tenant=world.tenant,
                    engagement=phase.engagement,
                    phase=phase,
                    name=f"{phase.get_kind_display()} gate",
                )
                for phase in phases
            ]
        )
        first_phases = [phase for phase in phases if phase.position == 1]
        Milestone.objects.bulk_create(
            [
                Milestone(
                    tenant=world.tenant,
                    engagement=phase.engagement,
                    phase=phase,
                    title=title,
                    owner=world.provider_lead,
                    side="provider",
                    due_date=today + datetime.timedelta(days=offset),
                    status=status,
                )
                for phase in first_phases
                for title, offset, status in (
                    ("Kickoff held", -5, "done"),
                    ("Contacts agreed", -2, "in_progress"),
                    ("Brief signed", 3, "not_started"),
                )
            ]
        )
    return engagements
