import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import Membership
from audit.models import Event
from engagements.models import Engagement, EngagementMember, Phase
from engagements.playbooks import builtin_document, builtin_playbooks, parse_definition
from engagements.services import copy_playbook, update_playbook
from governance.models import Gate, GateCriterion
from kernel.errors import InvalidInput, NotAllowed, NotFound
from kernel.tenancy import tenant_context
from milestones.models import Milestone
from reporting.models import Kpi, Review
from tests import factories
from tests.world import DAY0, add_engagement, build_world, owners_for
from transition.services import create_engagement_from_playbook

SHIPPED = sorted(builtin_playbooks())
PHASES = ["kickoff", "transition", "access", "tooling", "controlled_go_live", "stabilisation"]


def test_the_four_seed_playbooks_are_shipped():
    assert SHIPPED == [
        "contact-centre-90-day",
        "implementation-outline",
        "post-signature-sequence",
        "seven-step-onboarding",
    ]


@pytest.mark.parametrize("key", SHIPPED)
def test_each_shipped_playbook_builds_a_whole_engagement(db, key):
    playbook = builtin_playbooks()[key]
    world = build_world("Alpha", playbook_key=key)
    owners = owners_for(key, world.__dict__)
    with tenant_context(world.tenant):
        engagement = Engagement.objects.get()
        phases = list(engagement.phases.order_by("position"))
        assert [phase.kind for phase in phases] == PHASES
        for phase, planned in zip(phases, playbook.phases, strict=True):
            assert phase.planned_start == DAY0 + datetime.timedelta(days=planned.start_day)
            assert phase.planned_end == DAY0 + datetime.timedelta(days=planned.end_day)
            assert phase.status == Phase.Status.NOT_STARTED

        milestones = {m.playbook_key: m for m in Milestone.objects.select_related("phase")}
        assert len(milestones) == playbook.milestone_count
        for planned_phase in playbook.phases:
            for item in planned_phase.milestones:
                milestone = milestones[item.key]
                assert milestone.due_date == DAY0 + datetime.timedelta(days=item.due_day)
                assert milestone.owner == owners[item.owner_role]
                assert milestone.phase.kind == planned_phase.kind
                assert sorted(d.playbook_key for d in milestone.depends_on.all()) == sorted(
                    item.depends_on
                )

        gates = list(Gate.objects.select_related("phase").order_by("phase__position"))
        assert [gate.name for gate in gates] == [p.gate.name for p in playbook.phases]
        assert GateCriterion.objects.count() == sum(len(p.gate.criteria) for p in playbook.phases)
        assert [r.day for r in Review.objects.order_by("day")] == [14, 30, 45, 60, 90]
        assert sorted(Kpi.objects.values_list("key", flat=True)) == sorted(
            kpi.key for kpi in playbook.kpis
        )
        # Every owner sits on the engagement, on the side of their role.
        seated = set(EngagementMember.objects.values_list("user_id", flat=True))
        assert {user.pk for user in owners.values()} <= seated


def test_contact_centre_launch_gate_is_on_day_10_and_reviews_fall_on_their_days(db):
    world = build_world(
        "Alpha", playbook_key="contact-centre-90-day", day0=datetime.date(2026, 3, 2)
    )
    with tenant_context(world.tenant):
        launch = Gate.objects.select_related("phase").get(phase__kind="controlled_go_live")
        assert launch.phase.planned_end == datetime.date(2026, 3, 12)  # day 10
        assert launch.client_attestation_required and launch.provider_attestation_required
        brief = Milestone.objects.get(playbook_key="campaign-brief-signed")
        assert brief.phase.kind == "kickoff"
        assert brief.due_date == datetime.date(2026, 3, 5)  # day 3
        assert brief.evidence_required
        assert {r.day: r.scheduled_on for r in Review.objects.all()} == {
            14: datetime.date(2026, 3, 16),
            30: datetime.date(2026, 4, 1),
            45: datetime.date(2026, 4, 16),
            60: datetime.date(2026, 5, 1),
            90: datetime.date(2026, 5, 31),
        }
        kpis = set(Kpi.objects.values_list("key", flat=True))
        assert {"contact-rate", "qualification-rate", "transfer-set-rate", "show-rate"} <= kpis
        assert world.engagement.target_go_live == datetime.date(2026, 3, 13)  # day 11


def test_go_live_anchored_reviews_count_from_target_go_live(db):
    world = build_world("Alpha", playbook_key="implementation-outline")
    with tenant_context(world.tenant):
        engagement = world.engagement
        review = Review.objects.get(day=30)
        assert review.scheduled_on == engagement.target_go_live + datetime.timedelta(days=30)


def test_an_unmapped_role_is_named_and_nothing_is_created(world):
    owners = owners_for("contact-centre-90-day", world.__dict__)
    del owners["provider_qa_lead"]
    before = (Engagement.objects.count(), Milestone.objects.count(), Event.objects.count())

    with pytest.raises(InvalidInput) as refused:
        add_engagement(world, actor=world.pmo, owners=owners)

    assert "provider_qa_lead" in refused.value.message
    assert refused.value.errors["owners"] == ["Role “provider_qa_lead” is not mapped to a person."]
    assert (Engagement.objects.count(), Milestone.objects.count(), Event.objects.count()) == before


def test_an_owner_from_another_tenant_is_refused(world, other_world):
    owners = owners_for("contact-centre-90-day", world.__dict__)
    owners["client_lead"] = other_world.client_lead
    with pytest.raises(InvalidInput) as refused:
        add_engagement(world, actor=world.pmo, owners=owners)
    assert "client_lead" in refused.value.message
    assert Engagement.objects.count() == 1


def test_one_person_cannot_sit_on_two_sides(world):
    owners = owners_for("contact-centre-90-day", world.__dict__)
    owners["provider_lead"] = world.client_lead
    with pytest.raises(InvalidInput) as refused:
        add_engagement(world, actor=world.pmo, owners=owners)
    assert "both the client and the provider side" in refused.value.message


def test_only_admins_and_pmo_create_engagements(world):
    with pytest.raises(NotAllowed):
        add_engagement(world, actor=world.provider_lead)


def test_instantiation_takes_the_same_number_of_queries_for_every_playbook(world):
    counts = {}
    for key in SHIPPED:
        with CaptureQueriesContext(connection) as queries:
            create_engagement_from_playbook(
                actor=world.pmo,
                tenant=world.tenant,
                playbook=builtin_playbooks()[key],
                name=key,
                client_name="A",
                provider_name="B",
                contract_signed_on=DAY0,
                owners=owners_for(key, world.__dict__),
            )
        counts[key] = len(queries)
    assert len(set(counts.values())) == 1, counts
    assert max(counts.values()) <= 20


def test_a_tenant_copies_and_edits_a_playbook(world):
    playbook = copy_playbook(
        actor=world.pmo,
        tenant=world.tenant,
        key="contact-centre-90-day",
        new_key="our-contact-centre",
        name="Our contact centre",
    )
    document = dict(playbook.definition)
    document["name"] = "Our contact centre, v2"
    document["kpis"] = [
        *document["kpis"],
        {"key": "csat", "name": "CSAT", "unit": "pts", "target": "4.5", "direction": "higher"},
    ]
    update_playbook(actor=world.pmo, playbook=playbook, definition=document)
    playbook.refresh_from_db()
    assert playbook.name == "Our contact centre, v2"
    assert parse_definition(playbook.definition).kpis[-1].name == "CSAT"

    engagement = create_engagement_from_playbook(
        actor=world.pmo,
        tenant=world.tenant,
        playbook=parse_definition(playbook.definition),
        name="Own plan",
        client_name="A",
        provider_name="B",
        contract_signed_on=DAY0,
        owners=owners_for("contact-centre-90-day", world.__dict__),
    )
    assert engagement.kpis.filter(key="csat").exists()


def test_an_invalid_playbook_edit_is_refused_whole(world):
    playbook = copy_playbook(actor=world.pmo, tenant=world.tenant, key="contact-centre-90-day")
    document = dict(playbook.definition)
    document["phases"] = list(reversed(document["phases"]))
    with pytest.raises(InvalidInput) as refused:
        update_playbook(actor=world.pmo, playbook=playbook, definition=document)
    assert "phases must be exactly" in refused.value.message
    playbook.refresh_from_db()
    assert playbook.definition["phases"][0]["kind"] == "kickoff"


def test_a_playbook_with_a_dependency_cycle_is_refused():
    document = builtin_document("seven-step-onboarding")
    first = document["phases"][0]["milestones"][0]
    second = document["phases"][0]["milestones"][1]
    first["depends_on"] = [second["key"]]
    second["depends_on"] = [first["key"]]
    with pytest.raises(InvalidInput, match="cycle"):
        parse_definition(document)


def _milestone(document: dict, key: str) -> dict:
    return next(m for phase in document["phases"] for m in phase["milestones"] if m["key"] == key)


def _move(document: dict, key: str, *, to: str) -> None:
    """Move a milestone, as it is, into another phase of the document."""
    for phase in document["phases"]:
        phase["milestones"] = [m for m in phase["milestones"] if m["key"] != key]
    moved = _milestone(builtin_document(document["key"]), key)
    next(p for p in document["phases"] if p["kind"] == to)["milestones"].append(moved)


BACKWARD = (
    "milestone “campaign-brief-signed” (kickoff) depends on “campaign-rules-defined” "
    "(transition), a later phase"
)


def test_a_dependency_on_a_later_phase_is_refused_naming_both_ends():
    document = builtin_document("contact-centre-90-day")
    _move(document, "campaign-rules-defined", to="transition")

    with pytest.raises(InvalidInput) as refused:
        parse_definition(document)

    assert refused.value.message == f"The playbook is not valid: {BACKWARD}"
    assert refused.value.errors == {"definition": [BACKWARD]}


def test_every_backward_dependency_is_listed():
    document = builtin_document("seven-step-onboarding")
    _milestone(document, "objectives-outline")["depends_on"] = ["pilot-start"]
    _milestone(document, "kickoff-meeting")["depends_on"].append("process-mapping")

    with pytest.raises(InvalidInput) as refused:
        parse_definition(document)

    assert refused.value.errors["definition"] == [
        "milestone “objectives-outline” (kickoff) depends on “pilot-start” "
        "(controlled_go_live), a later phase",
        "milestone “kickoff-meeting” (kickoff) depends on “process-mapping” "
        "(transition), a later phase",
    ]


def test_dependencies_within_a_phase_or_on_an_earlier_phase_are_accepted():
    document = builtin_document("contact-centre-90-day")
    # Same phase (kickoff), and an earlier phase reached from the last one.
    _milestone(document, "timeline-locked")["depends_on"].append("tech-needs-confirmed")
    _milestone(document, "ninety-day-summary")["depends_on"].append("campaign-brief-signed")

    playbook = parse_definition(document)

    kickoff, stabilisation = playbook.phases[0], playbook.phases[-1]
    locked = next(m for m in kickoff.milestones if m.key == "timeline-locked")
    summary = next(m for m in stabilisation.milestones if m.key == "ninety-day-summary")
    assert "tech-needs-confirmed" in locked.depends_on
    assert "campaign-brief-signed" in summary.depends_on


@pytest.mark.parametrize("key", SHIPPED)
def test_no_shipped_milestone_waits_on_a_later_phase(key):
    playbook = builtin_playbooks()[key]
    phase_of = {m.key: index for index, p in enumerate(playbook.phases) for m in p.milestones}
    backward = [
        (m.key, d)
        for index, phase in enumerate(playbook.phases)
        for m in phase.milestones
        for d in m.depends_on
        if phase_of[d] > index
    ]
    assert backward == []


def test_campaign_rules_are_set_in_the_kickoff_before_the_brief_is_signed():
    kickoff = builtin_playbooks()["contact-centre-90-day"].phases[0]
    by_key = {m.key: m for m in kickoff.milestones}
    assert kickoff.start_day <= by_key["campaign-rules-defined"].due_day <= kickoff.end_day
    assert "campaign-rules-defined" in by_key["campaign-brief-signed"].depends_on


def test_a_tenant_edit_with_a_backward_dependency_is_refused_whole(world):
    playbook = copy_playbook(actor=world.pmo, tenant=world.tenant, key="contact-centre-90-day")
    document = builtin_document("contact-centre-90-day")
    _move(document, "campaign-rules-defined", to="transition")
    document["name"] = "Renamed"

    with pytest.raises(InvalidInput) as refused:
        update_playbook(actor=world.pmo, playbook=playbook, definition=document)

    assert refused.value.errors == {"definition": [BACKWARD]}
    playbook.refresh_from_db()
    assert playbook.definition == builtin_document("contact-centre-90-day")
    assert playbook.name == "90-day contact-centre launch"


def test_a_non_member_cannot_copy_playbooks(world):
    outsider = factories.UserFactory()
    Membership.objects.create(user=outsider, tenant=factories.TenantFactory(), role="pmo")
    # Another tenant's PMO does not learn that this tenant exists.
    with pytest.raises(NotFound):
        copy_playbook(actor=outsider, tenant=world.tenant, key="contact-centre-90-day")


def test_an_unknown_time_zone_is_named_and_nothing_is_created(world):
    with pytest.raises(InvalidInput) as refused:
        create_engagement_from_playbook(
            actor=world.pmo,
            tenant=world.tenant,
            playbook=builtin_playbooks()["contact-centre-90-day"],
            name="Mars desk",
            client_name="A",
            provider_name="B",
            contract_signed_on=DAY0,
            owners=owners_for("contact-centre-90-day", world.__dict__),
            time_zone="Mars/Base",
        )
    assert refused.value.errors == {
        "time_zone": ["“Mars/Base” is not a known time zone (e.g. Europe/London)."]
    }
    assert Engagement.objects.count() == 1
