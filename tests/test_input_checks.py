"""Dates in order and bad input refused by the services: each a domain error naming the field,
never a raw TypeError, ValueError, IntegrityError or DataError, and nothing written (issue 16,
sections 3 and 4)."""

import datetime
from decimal import Decimal

import pytest

from accounts.models import Tenant
from audit.models import Event
from engagements.models import Engagement, Playbook
from engagements.playbooks import get_builtin
from engagements.services import copy_playbook
from kernel.errors import InvalidInput
from milestones.models import Milestone
from milestones.services import create_milestone, update_milestone
from reporting.measurements import record_measurement
from reporting.models import ForwardTarget, Kpi, KpiMeasurement, Review
from reporting.reviews import answer_day_90
from tests import factories
from tests.world import DAY0, owners_for
from transition.services import create_engagement_from_playbook, create_tenant, update_engagement

BEFORE_DAY0 = DAY0 - datetime.timedelta(days=1)


def refused_on(field: str, call, *args, **kwargs) -> InvalidInput:
    events = Event.objects.count()
    with pytest.raises(InvalidInput) as refused:
        call(*args, **kwargs)
    assert field in refused.value.errors, refused.value.errors
    assert Event.objects.count() == events  # nothing written
    return refused.value


def new_engagement(world, **overrides):
    arguments = {
        "actor": world.pmo,
        "tenant": world.tenant,
        "playbook": get_builtin("contact-centre-90-day"),
        "name": "Third desk",
        "client_name": "Acme",
        "provider_name": "Beta",
        "contract_signed_on": DAY0,
        "owners": owners_for("contact-centre-90-day", world.__dict__),
    }
    return create_engagement_from_playbook(**{**arguments, **overrides})


def new_milestone(world, **overrides):
    arguments = {
        "actor": world.pmo,
        "engagement": world.engagement,
        "phase": world.engagement.phases.get(kind="kickoff"),
        "title": "Badge access",
        "owner": world.provider_lead,
        "side": "provider",
        "due_date": DAY0 + datetime.timedelta(days=2),
    }
    return create_milestone(**{**arguments, **overrides})


# --- 3. Dates in order ----------------------------------------------------------------------


def test_a_milestone_due_before_day_0_is_refused_on_create_and_on_update(world):
    count = Milestone.objects.count()
    refused = refused_on("due_date", new_milestone, world, due_date=BEFORE_DAY0)
    assert "before the contract signature date (day 0)" in refused.message
    assert Milestone.objects.count() == count

    existing = Milestone.objects.order_by("id").first()
    due = existing.due_date
    refused_on(
        "due_date", update_milestone, actor=world.pmo, milestone=existing, due_date=BEFORE_DAY0
    )
    existing.refresh_from_db()
    assert existing.due_date == due

    assert new_milestone(world, due_date=DAY0).due_date == DAY0  # day 0 itself is fine


def test_a_milestone_without_a_due_date_is_refused_naming_it(world):
    refused_on("due_date", new_milestone, world, due_date=None)
    refused_on("due_date", new_milestone, world, due_date="soon")


def test_a_target_go_live_before_day_0_is_refused_on_create_and_on_update(world):
    count = Engagement.objects.count()
    refused = refused_on("target_go_live", new_engagement, world, target_go_live=BEFORE_DAY0)
    assert "The target go-live" in refused.message
    assert Engagement.objects.count() == count

    engagement = world.engagement
    go_live = engagement.target_go_live
    refused_on(
        "target_go_live",
        update_engagement,
        actor=world.pmo,
        engagement=engagement,
        target_go_live=BEFORE_DAY0,
    )
    # Moving day 0 past the target go-live is the same disorder.
    refused_on(
        "target_go_live",
        update_engagement,
        actor=world.pmo,
        engagement=engagement,
        contract_signed_on=go_live + datetime.timedelta(days=1),
    )
    engagement.refresh_from_db()
    assert (engagement.contract_signed_on, engagement.target_go_live) == (DAY0, go_live)


def test_a_playbook_instantiated_with_no_day_0_is_refused_naming_it(world):
    count = Engagement.objects.count()
    refused = refused_on("contract_signed_on", new_engagement, world, contract_signed_on=None)
    assert refused.message == "The contract signature date (day 0) is required."
    assert Engagement.objects.count() == count


# --- 4. Raw errors become domain errors -----------------------------------------------------

NUL = "Kick\x00off"


def test_a_nul_character_is_refused_naming_the_field(world):
    refused_on("title", new_milestone, world, title=NUL)
    refused_on("description", new_milestone, world, description=NUL)
    refused_on("name", new_engagement, world, name=NUL)
    refused_on("name", create_tenant, name=NUL, slug="nul-tenant", admin=world.admin)
    refused_on(
        "name",
        copy_playbook,
        actor=world.pmo,
        tenant=world.tenant,
        key="contact-centre-90-day",
        name=NUL,
    )
    refused_on(
        "key",
        copy_playbook,
        actor=world.pmo,
        tenant=world.tenant,
        key="contact-centre-90-day",
        new_key="bad\x00key",
    )
    existing = Milestone.objects.order_by("id").first()
    refused_on("title", update_milestone, actor=world.pmo, milestone=existing, title=NUL)
    assert not Tenant.objects.filter(slug="nul-tenant").exists()
    assert not Playbook.objects.exists()


@pytest.mark.parametrize(
    ("value", "measured_on", "field"),
    [
        (None, DAY0, "value"),
        ("", DAY0, "value"),
        ("lots", DAY0, "value"),
        ("NaN", DAY0, "value"),
        ("1e20", DAY0, "value"),
        (Decimal("20"), None, "measured_on"),
        (Decimal("20"), "yesterday", "measured_on"),
    ],
)
def test_record_measurement_refuses_a_missing_or_malformed_value_or_date(
    world, value, measured_on, field
):
    kpi = Kpi.objects.order_by("id").first()
    refused_on(
        field,
        record_measurement,
        actor=world.provider_lead,
        kpi=kpi,
        measured_on=measured_on,
        value=value,
    )
    assert not KpiMeasurement.objects.exists()


@pytest.mark.parametrize("target", [None, "", "high", "Infinity"])
def test_answer_day_90_refuses_a_missing_or_non_numeric_target(world, target):
    review = Review.objects.get(day=90)
    kpi = Kpi.objects.order_by("id").first()
    refused = refused_on(
        "forward_targets",
        answer_day_90,
        actor=world.pmo,
        review=review,
        answers={"lessons_learned": "Evenings work best"},
        forward_targets={kpi: target},
    )
    assert kpi.name in refused.message
    review.refresh_from_db()
    assert review.lessons_learned == ""
    assert not ForwardTarget.objects.exists()


def test_create_tenant_refuses_a_taken_long_or_malformed_slug(world):
    admin = factories.UserFactory()
    create_tenant(name="Initech", slug="initech", admin=admin)

    taken = refused_on("slug", create_tenant, name="Initech 2", slug="initech", admin=admin)
    assert "“initech” already exists" in taken.message
    long = refused_on("slug", create_tenant, name="Long", slug="a" * 300, admin=admin)
    assert "at most 80" in long.message
    refused_on("slug", create_tenant, name="Odd", slug="Not a slug!", admin=admin)
    refused_on("name", create_tenant, name="N" * 201, slug="long-name", admin=admin)
    assert list(
        Tenant.objects.filter(name__startswith="Initech").values_list("slug", flat=True)
    ) == ["initech"]


def test_copy_playbook_refuses_a_long_or_malformed_key(world):
    long = refused_on(
        "key",
        copy_playbook,
        actor=world.pmo,
        tenant=world.tenant,
        key="contact-centre-90-day",
        new_key="k" * 81,
    )
    assert "at most 80" in long.message
    refused_on(
        "key",
        copy_playbook,
        actor=world.pmo,
        tenant=world.tenant,
        key="contact-centre-90-day",
        new_key="Not a slug!",
    )
    assert not Playbook.objects.exists()
    assert (
        copy_playbook(
            actor=world.pmo, tenant=world.tenant, key="contact-centre-90-day", new_key="k" * 80
        ).key
        == "k" * 80
    )
