"""The RAID register and the exception log: named owners, due dates, scores, versions, audit."""

import datetime

import pytest

from audit.models import Event
from audit.selectors import history_of
from engagements.models import EngagementMember
from kernel.errors import InvalidInput, NotAllowed, NotFound, StaleVersion
from kernel.tenancy import tenant_context
from milestones.models import Milestone
from registers.models import RaidItem
from registers.selectors import due_items, risk_heat_map
from registers.services import close_raid_item, create_raid_item, update_raid_item
from tests.world import add_engagement

DUE = datetime.date(2026, 2, 2)


def add(world, kind="action", *, title=None, owner=None, due_date=DUE, actor=None, **fields):
    return create_raid_item(
        actor=actor or world.pmo,
        engagement=fields.pop("engagement", world.engagement),
        kind=kind,
        title=title if title is not None else f"A {kind}",
        owner=owner or world.provider_lead,
        due_date=due_date,
        **fields,
    )


def risk(world, probability, impact, **fields):
    return add(world, "risk", probability=probability, impact=impact, **fields)


def cell(heat_map, probability, impact) -> int:
    rows = dict(heat_map.rows)
    return next(c.count for c in rows[probability] if c.impact == impact)


def test_a_risk_scores_probability_times_impact(world):
    assert risk(world, 4, 5).score == 20
    assert risk(world, 4, 5).severity == "critical"
    assert risk(world, 2, 3).score == 6
    assert risk(world, 2, 3).severity == "medium"
    assert risk(world, 1, 1).severity == "low"
    assert add(world, "issue").score is None


def test_the_heat_map_counts_open_risks_per_cell(world):
    risk(world, 4, 5)
    risk(world, 4, 5)
    risk(world, 1, 2)
    closed = risk(world, 3, 3)
    close_raid_item(actor=world.pmo, item=closed)
    add(world, "issue")  # not a risk: not on the map

    heat_map = risk_heat_map(engagement=world.engagement)

    assert heat_map.total == 3
    assert cell(heat_map, 4, 5) == 2
    assert cell(heat_map, 1, 2) == 1
    assert cell(heat_map, 3, 3) == 0  # closed
    assert sum(c.count for _p, cells in heat_map.rows for c in cells) == 3
    # Five rows, probability 5 at the top; five columns, impact 1 to 5.
    assert [p for p, _cells in heat_map.rows] == [5, 4, 3, 2, 1]
    assert [c.impact for c in dict(heat_map.rows)[5]] == [1, 2, 3, 4, 5]
    assert dict(heat_map.rows)[5][4].severity == "critical"


def test_a_risk_needs_probability_and_impact_from_1_to_5(world):
    with pytest.raises(InvalidInput) as refused:
        risk(world, 6, None)
    assert set(refused.value.errors) == {"probability", "impact"}
    assert not RaidItem.objects.exists()


def test_an_item_has_a_named_owner_who_stays_a_member(world):
    # That the owner is a member is stated once for every surface: tests/rules.
    with pytest.raises(InvalidInput) as refused:
        create_raid_item(
            actor=world.pmo,
            engagement=world.engagement,
            kind="issue",
            title="Nobody's",
            owner=None,
            due_date=DUE,
        )
    assert "owner" in refused.value.errors
    item = add(world)
    with pytest.raises(InvalidInput):
        update_raid_item(actor=world.pmo, item=item, owner=world.bystander)
    item.refresh_from_db()
    assert item.owner == world.provider_lead
    assert RaidItem.objects.count() == 1


def test_blank_required_text_is_refused_naming_the_field(world):
    with pytest.raises(InvalidInput) as refused:
        add(world, title="   ")
    assert refused.value.message == "Give the item a title."
    assert list(refused.value.errors) == ["title"]
    with pytest.raises(InvalidInput) as refused:
        add(world, "exception", title="Refund without receipt", description=" \n ")
    assert list(refused.value.errors) == ["description"]
    assert refused.value.message == "Describe the situation the exception covers."
    item = add(world)
    with pytest.raises(InvalidInput) as refused:
        update_raid_item(actor=world.pmo, item=item, title="")
    assert list(refused.value.errors) == ["title"]
    assert RaidItem.objects.get().title == "A action"


def test_a_due_date_is_required(world):
    with pytest.raises(InvalidInput) as refused:
        add(world, due_date=None)
    assert list(refused.value.errors) == ["due_date"]


def test_statuses_fit_the_kind(world):
    with pytest.raises(InvalidInput) as refused:
        add(world, "decision", status="closed")
    assert refused.value.errors == {"status": ["Choose proposed or agreed."]}
    with pytest.raises(InvalidInput):
        add(world, "issue", status="agreed")
    assert add(world, "decision").status == "proposed"
    assert add(world, "issue").status == "open"


def test_an_agreed_decision_names_who_agreed(world):
    decision = add(world, "decision", title="Calls recorded from day one")
    with pytest.raises(InvalidInput) as refused:
        close_raid_item(actor=world.pmo, item=decision)
    assert "agreed_by" in refused.value.errors
    update_raid_item(actor=world.pmo, item=decision, agreed_by=[world.client_lead, world.pmo])
    agreed = close_raid_item(actor=world.pmo, item=decision)
    assert agreed.status == "agreed" and agreed.closed_by == world.pmo
    assert set(agreed.agreed_by.all()) == {world.client_lead, world.pmo}


def test_an_exception_closes_on_an_agreed_decision_rule(world):
    exception = add(
        world,
        "exception",
        title="Address change without ID",
        description="A caller asks to change the delivery address but cannot confirm ID.",
        handling="Team A refuses; team B accepts after two security questions.",
    )
    with pytest.raises(InvalidInput) as refused:
        close_raid_item(actor=world.pmo, item=exception)
    assert refused.value.errors == {"decision_rule": ["Write the agreed decision rule."]}
    update_raid_item(
        actor=world.provider_lead,
        item=exception,
        decision_rule="Two security questions, then change; otherwise call back.",
    )
    with pytest.raises(InvalidInput) as refused:
        close_raid_item(actor=world.pmo, item=exception)
    assert "agreed_by" in refused.value.errors
    update_raid_item(
        actor=world.provider_lead,
        item=exception,
        agreed_by=[world.client_lead, world.provider_lead],
    )
    closed = close_raid_item(actor=world.pmo, item=exception)
    assert closed.status == "closed" and closed.closed_at is not None


def test_agreeing_members_must_be_seated(world):
    with pytest.raises(InvalidInput) as refused:
        add(world, "decision", agreed_by=[world.bystander])
    assert "agreed_by" in refused.value.errors


def test_items_link_only_to_milestones_of_their_engagement(world):
    own = Milestone.objects.filter(engagement=world.engagement).order_by("due_date", "id")[:2]
    item = add(world, "risk", probability=2, impact=2, milestones=own)
    assert set(item.milestones.all()) == set(own)
    second = add_engagement(world)
    foreign = Milestone.objects.filter(engagement=second).first()
    with pytest.raises(InvalidInput) as refused:
        update_raid_item(actor=world.pmo, item=item, milestones=[foreign])
    assert refused.value.errors == {"milestones": [f"“{foreign.title}” is in another engagement."]}
    assert set(RaidItem.objects.get(pk=item.pk).milestones.all()) == set(own)


def test_a_stale_edit_is_refused_and_changes_nothing(world):
    item = add(world, "issue", title="Badge readers offline")
    first = update_raid_item(
        actor=world.client_lead, item=item, status="in_progress", expected_version=1
    )
    assert first.version == 2
    with pytest.raises(StaleVersion) as refused:
        update_raid_item(
            actor=world.provider_lead, item=item, title="Stale title", expected_version=1
        )
    assert "changed by someone else" in refused.value.message
    stored = RaidItem.objects.get(pk=item.pk)
    assert (stored.title, stored.status, stored.version) == (
        "Badge readers offline",
        "in_progress",
        2,
    )
    same = update_raid_item(actor=world.pmo, item=item, status="in_progress")
    assert same.version == 2  # nothing changed, nothing bumped


def test_every_item_change_is_audited_with_old_and_new_values(world):
    item = add(world, "risk", title="Attrition in the first wave", probability=3, impact=4)
    update_raid_item(actor=world.provider_lead, item=item, probability=4, expected_version=1)
    close_raid_item(actor=world.client_lead, item=item)

    events = list(history_of(instance=item))
    assert [(e.action, e.operation, e.actor) for e in events] == [
        ("created", "raid.created", world.pmo),
        ("updated", "raid.updated", world.provider_lead),
        ("updated", "raid.closed", world.client_lead),
    ]
    assert events[0].snapshot["title"] == "Attrition in the first wave"
    assert events[0].engagement_uuid == world.engagement.public_id
    assert events[1].changes["probability"] == [3, 4]
    assert events[2].changes["status"] == ["open", "closed"]


def test_every_kind_is_audited(world):
    for kind in RaidItem.Kind.values:
        fields = {"probability": 1, "impact": 1} if kind == "risk" else {}
        if kind == "exception":
            fields["description"] = "A situation"
        add(world, kind, **fields)
    kinds = Event.objects.filter(object_type="raid_item", action="created").values_list(
        "snapshot__kind", flat=True
    )
    assert sorted(kinds) == sorted(RaidItem.Kind.values)


def test_viewers_and_outsiders_cannot_change_the_register(world):
    item = add(world)
    EngagementMember.objects.filter(user=world.client_staff).update(role="viewer")
    with pytest.raises(NotAllowed):
        add(world, actor=world.client_staff)
    with pytest.raises(NotFound):
        add(world, actor=world.bystander)
    for actor, refusal in ((world.client_staff, NotAllowed), (world.bystander, NotFound)):
        with pytest.raises(refusal):
            update_raid_item(actor=actor, item=item, title="Changed")
        with pytest.raises(refusal):
            close_raid_item(actor=actor, item=item)
    stored = RaidItem.objects.get()
    assert (stored.title, stored.status) == ("A action", "open")


def test_due_items_are_open_items_due_by_a_date_across_tenants(
    world, other_world, django_assert_num_queries
):
    today = datetime.date(2026, 2, 10)
    overdue = add(world, "issue", title="Overdue issue", due_date=datetime.date(2026, 2, 9))
    due_soon = add(world, "decision", title="Decide hours", due_date=datetime.date(2026, 2, 12))
    add(world, "action", title="Later action", due_date=datetime.date(2026, 3, 1))
    done = add(world, "action", title="Done action", due_date=datetime.date(2026, 2, 1))
    close_raid_item(actor=world.pmo, item=done)
    with tenant_context(other_world.tenant):
        foreign = add(other_world, "issue", title="Bravo issue", due_date=datetime.date(2026, 2, 1))

    with django_assert_num_queries(1):
        rows = [
            (i.title, i.overdue, i.owner.username) for i in due_items(today=today, days_ahead=3)
        ]
    assert rows == [
        ("Bravo issue", True, other_world.provider_lead.username),
        ("Overdue issue", True, world.provider_lead.username),
        ("Decide hours", False, world.provider_lead.username),
    ]
    in_tenant = due_items(today=today, tenant_id=world.tenant.pk)
    assert [i.pk for i in in_tenant] == [overdue.pk]
    in_engagement = due_items(today=today, days_ahead=3, engagement=world.engagement)
    assert [i.pk for i in in_engagement] == [overdue.pk, due_soon.pk]
    assert foreign.pk not in {i.pk for i in in_engagement}


def test_open_items_have_partial_due_date_indexes():
    from django.db.models import Q

    partial = {
        index.name: (index.fields, index.condition)
        for index in RaidItem._meta.indexes
        if index.condition is not None
    }
    open_only = Q(status__in=RaidItem.OPEN)
    assert partial == {
        "raid_open_due": (["due_date"], open_only),
        "raid_open_due_in_tenant": (["tenant", "due_date"], open_only),
    }
    assert set(RaidItem.OPEN) | set(RaidItem.CLOSED) == set(RaidItem.Status.values)
