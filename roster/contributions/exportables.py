"""The roster with each person's readiness, as CSV and XLSX (``kernel.exportables``).

Only what the reader may see: the rows are the engagement's people as ``visible_to`` the
actor, and an erased person is exported as erased (the replaced name, no e-mail)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from kernel.exportables import (
    ENGAGEMENT,
    Column,
    Exportable,
    choice,
    computed,
    day,
    number,
    register,
    text,
)
from roster.models import Person
from roster.services import ERASED_NAME
from roster.standing import is_ready, missing_words, with_standing


def roster_of_engagement(*, actor: Any, engagement: Any) -> QuerySet[Person]:
    """The engagement's roster with the counts readiness is decided by, one query."""
    return with_standing(
        Person.objects.visible_to(actor)
        .filter(engagement=engagement)
        .select_related("wave")
        .order_by("wave__number", "name", "id")
    )


def _name(person: Person) -> str:
    return ERASED_NAME if person.erased else person.name


def _email(person: Person) -> str:
    return "" if person.erased else person.email


def _certification(person: Person) -> str:
    if not person.certification_required:
        return "Not required"
    return "Passed" if person.certified else "Not passed"


register(
    Exportable(
        kind="roster",
        title="Readiness roster",
        description="Everyone on the roster by wave with their readiness: modules passed, "
        "certification, systems verified, and what each still lacks.",
        scope=ENGAGEMENT,
        rows=roster_of_engagement,
        columns=(
            number("Wave", "wave.number", width=6),
            text("External id", "external_id", width=14),
            Column("Name", _name, width=24),
            Column("E-mail", _email, width=30),
            text("Role", "role", width=12),
            text("Site", "site", width=14),
            day("Start date", "start_date"),
            choice("Status", "status", width=12),
            computed("Ready", lambda person: "Yes" if is_ready(person) else "No", width=7),
            number("Modules passed", "modules_passed", width=9),
            number("Modules required", "modules_required", width=9),
            computed("Certification", _certification, width=13),
            number("Systems verified", "systems_verified", width=9),
            number("Systems required", "systems_required", width=9),
            number("Access waiting on the client", "waiting_on_client", width=10),
            number("Access waiting on the provider", "waiting_on_provider", width=10),
            computed("Still needed", missing_words, width=36),
            computed("Erased", lambda person: "Yes" if person.erased else "No", width=7),
            text("Person ID", "public_id", width=38),
        ),
        position=40,
    )
)
