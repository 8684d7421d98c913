import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from audit.models import Event
from engagements.plan import review_window
from kernel.errors import InvalidInput, ItemsOpen, NotAllowed, RuleBroken
from reporting.kpis import define_kpi, update_kpi
from reporting.measurements import record_measurement
from reporting.models import Kpi, KpiMeasurement, Review, ReviewKpiResult
from reporting.reviews import answer_day_90, explain_miss, publish_review, refresh_review
from transition.services import update_engagement


@pytest.fixture
def review_14(world):
    return Review.objects.get(day=14)


def measure(world, key: str, review: Review, value: str) -> None:
    start, end = review_window(review=review)
    kpi = Kpi.objects.get(key=key)
    day = start
    while day <= end:
        record_measurement(
            actor=world.provider_lead, kpi=kpi, measured_on=day, value=Decimal(value)
        )
        day += datetime.timedelta(days=1)


def meet_every_kpi(world, review: Review, except_key: str | None = None) -> None:
    for kpi in Kpi.objects.exclude(key=except_key or ""):
        good = kpi.target + 1 if kpi.direction == "higher" else kpi.target - 1
        measure(world, kpi.key, review, str(good))


def test_a_review_holds_each_kpi_against_its_target_over_its_window(world, review_14):
    contact = Kpi.objects.get(key="contact-rate")
    start, end = review_window(review=review_14)
    assert (end - start).days + 1 == review_14.window_days
    record_measurement(
        actor=world.provider_lead, kpi=contact, measured_on=start, value=Decimal("20")
    )
    record_measurement(actor=world.provider_lead, kpi=contact, measured_on=end, value=Decimal("30"))
    # Outside the window: ignored.
    record_measurement(
        actor=world.provider_lead,
        kpi=contact,
        measured_on=start - datetime.timedelta(days=1),
        value=Decimal("99"),
    )

    results = {r.kpi.key: r for r in refresh_review(actor=world.pmo, review=review_14)}

    assert results["contact-rate"].value == Decimal("25.0000")
    assert results["contact-rate"].target == contact.target
    assert results["contact-rate"].met is (Decimal("25") >= contact.target)
    # No measurement in the window: No data, neither met nor missed.
    assert results["show-rate"].value is None and results["show-rate"].met is False
    assert results["show-rate"].outcome == "no_data"


def test_lower_is_better_kpis_are_met_below_target(world, review_14):
    speed = Kpi.objects.get(key="speed-to-lead")
    assert speed.direction == "lower"
    measure(world, "speed-to-lead", review_14, str(speed.target - 1))
    result = {r.kpi.key: r for r in refresh_review(actor=world.pmo, review=review_14)}
    assert result["speed-to-lead"].met is True


def test_publishing_is_refused_while_a_miss_is_unexplained(world, review_14):
    meet_every_kpi(world, review_14, except_key="show-rate")
    measure(world, "show-rate", review_14, "1")
    refresh_review(actor=world.pmo, review=review_14)

    with pytest.raises(ItemsOpen) as refused:
        publish_review(actor=world.pmo, review=review_14)
    show_rate = Kpi.objects.get(key="show-rate")
    assert refused.value.items == [
        f"{show_rate.name}: missed without root cause, corrective action, owner and due date"
    ]
    assert Review.objects.get(pk=review_14.pk).status == "scheduled"

    miss = ReviewKpiResult.objects.get(review=review_14, kpi=show_rate)
    with pytest.raises(InvalidInput) as incomplete:
        explain_miss(
            actor=world.provider_lead,
            result=miss,
            root_cause="Closers unavailable",
            corrective_action="",
            action_owner=None,
            action_due=None,
        )
    assert set(incomplete.value.errors) == {"corrective_action", "action_owner", "action_due"}

    explain_miss(
        actor=world.provider_lead,
        result=miss,
        root_cause="Closers unavailable during transfer hours",
        corrective_action="Closer rota moved to match calling hours",
        action_owner=world.client_lead,
        action_due=datetime.date(2026, 1, 30),
    )
    published = publish_review(actor=world.pmo, review=review_14)
    assert published.status == "published" and published.published_by == world.pmo

    with pytest.raises(RuleBroken):
        refresh_review(actor=world.pmo, review=review_14)


def test_the_fix_owner_must_be_on_the_engagement(world, review_14):
    measure(world, "show-rate", review_14, "1")
    refresh_review(actor=world.pmo, review=review_14)
    miss = ReviewKpiResult.objects.get(review=review_14, outcome="missed")
    with pytest.raises(InvalidInput) as refused:
        explain_miss(
            actor=world.pmo,
            result=miss,
            root_cause="x",
            corrective_action="y",
            action_owner=world.bystander,
            action_due=datetime.date(2026, 2, 1),
        )
    assert refused.value.errors == {
        "action_owner": ["The owner must be a member of the engagement."]
    }


def test_only_pmo_publishes(world, review_14):
    meet_every_kpi(world, review_14)
    with pytest.raises(NotAllowed):
        publish_review(actor=world.provider_lead, review=review_14)


def test_day_90_needs_its_four_answers_and_next_targets(world):
    review = Review.objects.get(day=90)
    meet_every_kpi(world, review)
    refresh_review(actor=world.pmo, review=review)
    with pytest.raises(ItemsOpen) as refused:
        publish_review(actor=world.pmo, review=review)
    assert sum("Day-90 question unanswered" in item for item in refused.value.items) == 4
    assert (
        sum("No target for days 91-180" in item for item in refused.value.items)
        == Kpi.objects.count()
    )

    answer_day_90(
        actor=world.pmo,
        review=review,
        answers={
            "target_standing": "Above target on all five KPIs",
            "misses_understood": "No misses this window",
            "lessons_learned": "Evening leads contact best",
            "next_period_changes": "Add a second campaign type",
        },
        forward_targets={kpi: kpi.target for kpi in Kpi.objects.all()},
    )
    assert publish_review(actor=world.pmo, review=review).status == "published"
    assert review.forward_targets.count() == Kpi.objects.count()


def test_only_day_90_answers_the_questions(world, review_14):
    with pytest.raises(RuleBroken):
        answer_day_90(actor=world.pmo, review=review_14, answers={}, forward_targets={})


def test_moving_the_anchor_re_dates_the_reviews_visibly(world):
    engagement = world.engagement
    old = dict(Review.objects.values_list("day", "scheduled_on"))
    update_engagement(
        actor=world.pmo,
        engagement=engagement,
        contract_signed_on=engagement.contract_signed_on + datetime.timedelta(days=7),
    )
    new = dict(Review.objects.values_list("day", "scheduled_on"))
    assert all(new[day] == old[day] + datetime.timedelta(days=7) for day in old)
    moves = Event.objects.filter(object_type="review", action="updated")
    assert moves.count() == 5
    assert all("scheduled_on" in event.changes for event in moves)


def test_a_published_review_keeps_its_date(world, review_14):
    meet_every_kpi(world, review_14)
    publish_review(actor=world.pmo, review=review_14)
    update_engagement(
        actor=world.pmo,
        engagement=world.engagement,
        contract_signed_on=world.engagement.contract_signed_on + datetime.timedelta(days=3),
    )
    assert Review.objects.get(day=14).scheduled_on == review_14.scheduled_on
    assert Review.objects.get(day=30).scheduled_on == world.engagement.contract_signed_on + (
        datetime.timedelta(days=33)
    )


def test_a_measurement_per_day_is_replaced_not_duplicated(world):
    kpi = Kpi.objects.get(key="contact-rate")
    day = datetime.date(2026, 1, 20)
    record_measurement(actor=world.provider_lead, kpi=kpi, measured_on=day, value=Decimal("10"))
    record_measurement(actor=world.provider_lead, kpi=kpi, measured_on=day, value=Decimal("12"))
    assert list(KpiMeasurement.objects.filter(kpi=kpi).values_list("value", flat=True)) == [
        Decimal("12")
    ]
    events = Event.objects.filter(object_type="kpi_measurement").order_by("id")
    assert [e.action for e in events] == ["created", "updated"]
    assert events[1].changes == {"value": ["10", "12"]}


@pytest.mark.dates
def test_future_measurements_are_refused(world):
    with pytest.raises(InvalidInput) as refused:
        record_measurement(
            actor=world.provider_lead,
            kpi=Kpi.objects.first(),
            measured_on=timezone.localdate() + datetime.timedelta(days=1),
            value=Decimal("1"),
        )
    assert "future" in refused.value.message


def test_kpi_definitions_are_pmo_only_and_unique(world):
    with pytest.raises(NotAllowed):
        define_kpi(
            actor=world.provider_lead,
            engagement=world.engagement,
            key="aht",
            name="Average handle time",
            target=Decimal("300"),
            direction="lower",
        )
    define_kpi(
        actor=world.pmo,
        engagement=world.engagement,
        key="aht",
        name="Average handle time",
        target=Decimal("300"),
        direction="lower",
        unit="s",
    )
    with pytest.raises(InvalidInput):
        define_kpi(
            actor=world.pmo,
            engagement=world.engagement,
            key="aht",
            name="Again",
            target=Decimal("1"),
            direction="lower",
        )


def test_a_kpi_change_names_the_fields_it_does_not_know(world):
    kpi = Kpi.objects.get(key="contact-rate")
    with pytest.raises(InvalidInput) as refused:
        update_kpi(actor=world.pmo, kpi=kpi, key="renamed", target=Decimal("1"))
    assert refused.value.message == "Unknown field(s): key."
    assert refused.value.errors == {"key": ["Unknown field."]}
    kpi.refresh_from_db()
    assert kpi.key == "contact-rate" and kpi.target != Decimal("1")

    update_kpi(actor=world.pmo, kpi=kpi, target=Decimal("1"))
    kpi.refresh_from_db()
    assert kpi.target == Decimal("1")
