"""Export → import reproduces a plan; export → edit → re-import changes only what the file
changes, says so before it does, and reports (never deletes) a milestone left out."""

from __future__ import annotations

import datetime

import pytest

from milestones.models import Milestone, MilestoneDependency
from plans import services
from tests.plans.helpers import as_csv, plan_export

DAY0 = datetime.date(2026, 3, 2)
FACTS = {
    "name": "Imported desk",
    "client_name": "Acme",
    "provider_name": "Beta",
    "contract_signed_on": DAY0,
    "target_go_live": None,
    "time_zone": "UTC",
}


def plan_of(engagement) -> list[tuple]:
    """The plan as a person reads it: phases, titles, owners, sides, days, proof, dependencies."""
    milestones = list(
        Milestone.objects.filter(engagement=engagement).select_related("phase", "owner")
    )
    titles = {m.pk: m.title for m in milestones}
    deps: dict[int, list[str]] = {}
    for source, target in MilestoneDependency.objects.filter(
        milestone__engagement=engagement
    ).values_list("milestone_id", "depends_on_id"):
        deps.setdefault(source, []).append(titles[target])
    day0 = engagement.contract_signed_on
    return sorted(
        (
            m.phase.kind,
            m.title,
            m.owner.email,
            m.side,
            (m.due_date - day0).days,
            m.evidence_required,
            tuple(sorted(deps.get(m.pk, []))),
        )
        for m in milestones
    )


def import_new(world, content: bytes, facts=FACTS):
    upload = services.store(
        actor=world.pmo, tenant=world.tenant, name="plan.csv", content=content, facts=facts
    )
    return upload, services.preview(actor=world.pmo, upload=upload)[1]


def replan(world, content: bytes):
    upload = services.store(
        actor=world.pmo,
        tenant=world.tenant,
        engagement=world.engagement,
        name="plan.csv",
        content=content,
    )
    return upload, services.preview(actor=world.pmo, upload=upload)[1]


def test_an_exported_plan_imports_as_a_new_engagement_with_the_same_plan(world):
    rows = plan_export(actor=world.pmo, engagement=world.engagement)
    assert rows[0] == [
        "Phase",
        "Milestone",
        "Owner e-mail",
        "Side",
        "Due date",
        "Depends on",
        "Evidence required",
        "External ID",
    ]
    # Same day 0, so the same dates.
    facts = {**FACTS, "contract_signed_on": world.engagement.contract_signed_on}
    upload, checked = import_new(world, as_csv(rows), facts)
    assert checked.ok, checked.errors[:3]
    done = services.commit(actor=world.pmo, upload=upload)

    assert done.new == len(rows) - 1
    assert plan_of(done.engagement) == plan_of(world.engagement)
    # Its own export is the same file, but for the ids.
    again = plan_export(actor=world.pmo, engagement=done.engagement)
    assert [row[:5] + row[6:7] for row in again] == [row[:5] + row[6:7] for row in rows]
    phases = list(done.engagement.phases.order_by("position").values_list("kind", flat=True))
    assert len(phases) == 6
    assert done.engagement.gates.count() == 6


def test_a_reimport_of_the_unchanged_export_changes_nothing(world):
    before = plan_of(world.engagement)
    versions = dict(Milestone.objects.values_list("pk", "version"))
    upload, checked = replan(
        world, as_csv(plan_export(actor=world.pmo, engagement=world.engagement))
    )
    assert checked.ok
    assert checked.count("unchanged") == len(checked.rows)
    assert checked.missing == []
    done = services.commit(actor=world.pmo, upload=upload)
    assert (done.new, done.changed, done.missing) == (0, 0, 0)
    assert plan_of(world.engagement) == before
    assert dict(Milestone.objects.values_list("pk", "version")) == versions


def test_a_reimport_changes_only_what_the_file_changes(world):
    rows = plan_export(actor=world.pmo, engagement=world.engagement)
    header, body = rows[0], rows[1:]
    moved, reowned, dropped = body[3], body[5], body[-1]
    moved[4] = (datetime.date.fromisoformat(moved[4]) + datetime.timedelta(days=2)).isoformat()
    reowned[2] = world.client_staff.email
    reowned[3] = "Client"
    body.remove(dropped)
    body.append(
        [
            "Tooling",
            "Load-test the dialler",
            world.provider_staff.email,
            "Provider",
            "40",
            moved[7],
            "yes",
            "NEW-1",
        ]
    )
    versions = dict(Milestone.objects.values_list("external_id", "version"))
    ids = {str(m.public_id): m for m in Milestone.objects.all()}

    upload, checked = replan(world, as_csv([header, *body]))
    assert checked.ok, checked.errors[:3]
    effects = {row.number: (row.effect, row.changes) for row in checked.rows}
    assert effects[5][1] == [
        f"due {ids[moved[7]].due_date:%d %b %Y} → {datetime.date.fromisoformat(moved[4]):%d %b %Y}"
    ]
    assert effects[7][0] == "changed"
    assert any(change.startswith("owner ") for change in effects[7][1])
    assert effects[len(body) + 1] == ("new", [])
    assert checked.count("changed") == 2
    assert checked.count("new") == 1
    assert [m.public_id for m in checked.missing] == [ids[dropped[7]].public_id]

    before = {m.pk: (m.due_date, m.owner_id, m.version) for m in Milestone.objects.all()}
    done = services.commit(actor=world.pmo, upload=upload)
    assert (done.new, done.changed, done.missing) == (1, 2, 1)
    after = {m.pk: (m.due_date, m.owner_id, m.version) for m in Milestone.objects.all()}
    changed = {pk for pk in before if before[pk] != after[pk]}
    assert changed == {ids[moved[7]].pk, ids[reowned[7]].pk}
    assert ids[dropped[7]].pk in after  # reported, never deleted
    new = Milestone.objects.get(external_id="NEW-1")
    assert new.depends_on.get().public_id == ids[moved[7]].public_id
    assert versions  # the versions of the others did not move
    assert all(after[pk][2] == before[pk][2] for pk in before if pk not in changed)


@pytest.mark.parametrize("extension", ["xlsx"])
def test_the_xlsx_export_reimports_too(world, client, extension):
    client.force_login(world.pmo)
    client.get("/")
    response = client.get(f"/engagements/{world.engagement.public_id}/exports/plan.{extension}")
    content = b"".join(response.streaming_content) if response.streaming else response.content
    _upload, checked = replan(world, content)
    assert checked.ok
    assert checked.count("unchanged") == len(checked.rows)
