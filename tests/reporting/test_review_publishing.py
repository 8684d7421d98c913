"""Publishing a review: results computed at the moment of publishing, never before the window
has closed or with No data unless PMO writes why; the anchor said once (issue 16 §2)."""

import datetime
from decimal import Decimal

import pytest
import time_machine

from engagements.plan import review_anchor, review_window
from kernel.errors import InvalidInput, ItemsOpen, RuleBroken
from reporting.measurements import record_measurement
from reporting.models import DAY_90_QUESTIONS, Kpi, Review, ReviewKpiResult
from reporting.reviews import answer_day_90, explain_miss, publish_review, refresh_review
from tests.reporting.test_reviews import meet_every_kpi


@pytest.fixture
def review_14(world):
    return Review.objects.get(day=14)


def at(day: datetime.date):
    return time_machine.travel(datetime.datetime.combine(day, datetime.time(12)), tick=False)


def test_a_measurement_added_after_the_last_refresh_is_in_the_published_review(world, review_14):
    meet_every_kpi(world, review_14)
    refresh_review(actor=world.pmo, review=review_14)
    show_rate = Kpi.objects.get(key="show-rate")
    start, _end = review_window(review=review_14)
    # A late, very bad day arrives after the refresh: the review now misses show rate.
    for day in range(review_14.window_days):
        record_measurement(
            actor=world.provider_lead,
            kpi=show_rate,
            measured_on=start + datetime.timedelta(days=day),
            value=Decimal("1"),
        )

    with pytest.raises(ItemsOpen) as refused:
        publish_review(actor=world.pmo, review=review_14)

    assert refused.value.items == [
        f"{show_rate.name}: missed without root cause, corrective action, owner and due date"
    ]
    assert Review.objects.get(pk=review_14.pk).status == "scheduled"


def test_the_published_results_are_the_windows_data_at_publishing(world, review_14):
    meet_every_kpi(world, review_14)
    contact = Kpi.objects.get(key="contact-rate")
    refresh_review(actor=world.pmo, review=review_14)
    start, _end = review_window(review=review_14)
    record_measurement(
        actor=world.provider_lead, kpi=contact, measured_on=start, value=contact.target + 50
    )
    expected = ReviewKpiResult.objects.get(review=review_14, kpi=contact).value

    publish_review(actor=world.pmo, review=review_14)

    published = ReviewKpiResult.objects.get(review=review_14, kpi=contact)
    assert published.value > expected
    assert published.outcome == "met"


def test_publishing_before_the_window_has_closed_is_refused_without_a_reason(world, review_14):
    _start, end = review_window(review=review_14)
    with at(end):
        meet_every_kpi(world, review_14)
        with pytest.raises(InvalidInput) as refused:
            publish_review(actor=world.pmo, review=review_14)
        assert "reason" in refused.value.errors
        assert f"Its window runs until {end.day} {end:%b %Y}" in refused.value.errors["reason"][0]
        assert Review.objects.get(pk=review_14.pk).status == "scheduled"

        published = publish_review(
            actor=world.pmo, review=review_14, reason="  Steering committee meets tomorrow.  "
        )

    assert published.status == "published"
    assert published.published_early is True
    assert published.publish_reason == "Steering committee meets tomorrow."


def test_a_day_90_review_cannot_be_published_on_day_1(world):
    review = Review.objects.get(day=90)
    answer_day_90(
        actor=world.pmo,
        review=review,
        answers={field: "Answered" for field in DAY_90_QUESTIONS},
        forward_targets={kpi: kpi.target for kpi in Kpi.objects.all()},
    )
    with (
        at(world.engagement.contract_signed_on + datetime.timedelta(days=1)),
        pytest.raises(InvalidInput) as refused,
    ):
        publish_review(actor=world.pmo, review=review)
    assert refused.value.errors["reason"][0].startswith("Its window runs until")
    assert Review.objects.get(pk=review.pk).status == "scheduled"


def test_the_day_after_the_window_publishing_needs_no_reason(world, review_14):
    _start, end = review_window(review=review_14)
    with at(end + datetime.timedelta(days=1)):
        meet_every_kpi(world, review_14)
        published = publish_review(actor=world.pmo, review=review_14)
    assert published.status == "published" and published.published_early is False
    assert published.publish_reason == ""


def test_a_kpi_without_data_is_no_data_never_missed_and_needs_a_reason(world, review_14):
    meet_every_kpi(world, review_14, except_key="show-rate")
    results = {r.kpi.key: r for r in refresh_review(actor=world.pmo, review=review_14)}
    no_data = results["show-rate"]
    assert no_data.outcome == "no_data" and not no_data.met

    with pytest.raises(RuleBroken, match="No data is not a miss"):
        explain_miss(
            actor=world.pmo,
            result=no_data,
            root_cause="x",
            corrective_action="y",
            action_owner=world.pmo,
            action_due=datetime.date(2026, 2, 1),
        )
    with pytest.raises(InvalidInput) as refused:
        publish_review(actor=world.pmo, review=review_14)
    assert any("No data in the window for Show rate" in m for m in refused.value.errors["reason"])

    published = publish_review(
        actor=world.pmo, review=review_14, reason="The show-rate feed starts next week."
    )
    assert published.publish_reason == "The show-rate feed starts next week."
    assert ReviewKpiResult.objects.get(pk=no_data.pk).outcome == "no_data"


def test_the_anchor_is_one_function_for_scheduling_and_sentence(world):
    engagement = world.engagement
    anchor = review_anchor(engagement=engagement)
    assert anchor.on == engagement.contract_signed_on
    assert anchor.sentence.startswith("counted from the contract signature")
    assert all(
        review.scheduled_on == anchor.on + datetime.timedelta(days=review.day)
        for review in Review.objects.filter(engagement=engagement)
    )
    engagement.review_anchor = "go_live"
    anchor = review_anchor(engagement=engagement)
    assert anchor.on == engagement.target_go_live and anchor.field == "target_go_live"
    assert anchor.sentence.startswith("counted from go-live")
