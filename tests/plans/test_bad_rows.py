"""Every bad row of a plan file is named by its row and column, and nothing is created while
any row is wrong; the column mapping is guessed by name and corrected by the PMO."""

from __future__ import annotations

import datetime

import pytest

from accounts.models import Membership
from engagements.models import Engagement
from kernel.errors import InvalidInput
from plans import files, services
from tests import factories
from tests.plans.helpers import as_csv

DAY0 = datetime.date(2026, 3, 2)
FACTS = {
    "name": "Imported desk",
    "client_name": "Acme",
    "provider_name": "Beta",
    "contract_signed_on": DAY0,
    "target_go_live": None,
    "time_zone": "UTC",
}
HEADER = ["Stage", "Task", "Responsible", "Party", "Due", "After", "Proof required", "Ref"]


def good(world, ref: str, *, phase="Kickoff", due="3", after=""):
    return [phase, f"Step {ref}", world.pmo.email, "joint", due, after, "no", ref]


def test_every_problem_is_named_by_row_and_column_and_nothing_is_created(world):
    stranger = factories.UserFactory(email="stranger@example.com")  # in no tenant of ours
    rows = [
        HEADER,
        good(world, "A"),  # row 2
        ["", "No phase", world.pmo.email, "joint", "4", "", "no", "B"],  # 3: missing phase
        ["Access", "Unknown owner", stranger.email, "client", "5", "", "no", "C"],  # 4
        ["Kickoff", "Before day 0", world.pmo.email, "joint", "2026-02-27", "", "no", "D"],  # 5
        good(world, "A"),  # 6: duplicate external id
        good(world, "E", after="F"),  # 7: depends on a later phase
        good(world, "F", phase="Tooling"),  # 8
        good(world, "G", after="H"),  # 9: a cycle
        good(world, "H", after="G"),  # 10: the same cycle
        good(world, "I", after="row 99"),  # 11: no such row
    ]
    upload = services.store(
        actor=world.pmo, tenant=world.tenant, name="plan.csv", content=as_csv(rows), facts=FACTS
    )
    _sheet, checked = services.preview(actor=world.pmo, upload=upload)
    named = {(error.number, error.column) for error in checked.errors}
    assert named == {
        (3, "phase"),
        (4, "owner"),
        (5, "due date or day"),
        (6, "external id"),
        (7, "depends on"),
        (9, "depends on"),
        (10, "depends on"),
        (11, "depends on"),
    }
    reasons = {error.number: error.reason for error in checked.errors}
    assert "missing" in reasons[3]
    assert "Unknown owner" in reasons[4]
    assert "before day 0" in reasons[5]
    assert "Duplicate external id A: row 2" in reasons[6]
    assert "later phase (Tooling)" in reasons[7]
    assert "cycle" in reasons[9]
    assert not checked.ok
    count = Engagement.objects.count()
    with pytest.raises(services.PlanRejected, match="row 3 \\(phase\\)"):
        services.commit(actor=world.pmo, upload=upload)
    assert Engagement.objects.count() == count


def test_an_owner_who_is_not_a_member_of_the_engagement_is_named_on_a_replan(world):
    outsider = factories.UserFactory(email="outsider@example.com")
    Membership.objects.create(user=outsider, tenant=world.tenant, role="member")
    rows = [HEADER, ["Kickoff", "New step", outsider.email, "joint", "3", "", "no", "X-1"]]
    upload = services.store(
        actor=world.pmo,
        tenant=world.tenant,
        engagement=world.engagement,
        name="plan.csv",
        content=as_csv(rows),
    )
    _sheet, checked = services.preview(actor=world.pmo, upload=upload)
    assert [(e.number, e.column) for e in checked.errors] == [(2, "owner")]
    assert "not a member of this engagement" in checked.errors[0].reason
    # Every milestone of the engagement is missing from this file: reported, kept.
    assert len(checked.missing) == world.engagement.milestones.count()


def test_the_mapping_is_guessed_by_name_and_corrected_by_the_pmo(world):
    header = ["Stage", "Task", "Responsible", "Who", "Due", "Notes"]
    rows = [header, ["Kickoff", "Step", world.pmo.email, "joint", "3", "x"]]
    upload = services.store(
        actor=world.pmo, tenant=world.tenant, name="plan.csv", content=as_csv(rows), facts=FACTS
    )
    assert upload.mapping["phase"] == 0
    assert upload.mapping["side"] is None  # "Who" is no name we know
    _sheet, checked = services.preview(actor=world.pmo, upload=upload)
    assert checked.mapping_errors == ["Choose the column that holds the side."]
    with pytest.raises(InvalidInput, match="one field only"):
        services.remap(actor=world.pmo, upload=upload, mapping={**upload.mapping, "side": 0})
    services.remap(actor=world.pmo, upload=upload, mapping={**upload.mapping, "side": 3})
    _sheet, checked = services.preview(actor=world.pmo, upload=upload)
    assert checked.ok
    done = services.commit(actor=world.pmo, upload=upload)
    assert done.engagement.milestones.get().side == "joint"


def test_more_than_5000_rows_are_refused_with_a_clear_message(world):
    rows = [HEADER] + [good(world, str(n)) for n in range(files.MAX_ROWS + 1)]
    with pytest.raises(files.UnreadableFile, match="more than 5,000 milestone rows"):
        services.store(
            actor=world.pmo, tenant=world.tenant, name="p.csv", content=as_csv(rows), facts=FACTS
        )


def test_only_planners_import(world):
    from kernel.errors import NotAllowed

    with pytest.raises(NotAllowed):
        services.store(
            actor=world.client_lead,
            tenant=world.tenant,
            name="p.csv",
            content=as_csv([HEADER, good(world, "A")]),
            facts=FACTS,
        )
