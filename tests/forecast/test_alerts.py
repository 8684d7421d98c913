"""When the go-live forecast passes its target, the engagement's leads and PMO hear of it once
per episode, through the reminder ledger; the episode ends when the forecast is back on target
and the next slip is a new episode."""

from __future__ import annotations

import datetime

import pytest

from engagements.models import Engagement
from forecast.models import SlipEpisode
from forecast.selectors import forecast_of
from forecast.services import refresh_slip_episodes
from forecast.tasks import refresh_forecasts_in_tenant
from milestones.models import Milestone
from notifications.models import Kind, Reminder
from notifications.occasions import describe
from notifications.scan import run_scan
from tests.notifications.conftest import at

pytestmark = pytest.mark.django_db

# The world's contract is signed on 5 January 2026; its go-live gate is planned for 15
# January. By the 14th nothing is done: the forecast is past the target.
LATE_DAY = datetime.date(2026, 1, 14)


def slip(world, day=LATE_DAY) -> list[SlipEpisode]:
    return refresh_slip_episodes(engagements=[world.engagement], today=day)


def recipients(world) -> set[str]:
    labels = {
        getattr(world, label).pk: label
        for label in ("pmo", "client_lead", "provider_lead", "client_staff", "provider_staff")
    }
    return {
        labels[pk]
        for pk in Reminder.objects.filter(kind=Kind.FORECAST_PAST_TARGET).values_list(
            "recipient_id", flat=True
        )
    }


def test_a_forecast_past_the_target_alerts_pmo_and_the_leads_once_with_its_reasons(world):
    go_live = forecast_of(engagement=world.engagement, today=LATE_DAY).go_live
    assert go_live.late and go_live.reasons

    (episode,) = slip(world)
    assert slip(world, LATE_DAY + datetime.timedelta(days=1)) == []  # still the same episode
    for day in ("2026-01-14", "2026-01-15", "2026-01-16"):
        run_scan(now=at(day, 9), dispatch=lambda batch: None)

    assert recipients(world) == {"pmo", "client_lead", "provider_lead"}
    reminders = Reminder.objects.filter(kind=Kind.FORECAST_PAST_TARGET)
    assert reminders.count() == 3 and {r.object_id for r in reminders} == {episode.pk}
    described = describe(reminders.first())
    assert described.title.startswith(f"{world.engagement.name}: Go-live forecast")
    assert f"(target {go_live.target:%-d %b})" in described.title
    assert "What drives the slip:\n- " in described.body


def test_back_on_target_ends_the_episode_and_the_next_slip_alerts_again(world):
    (first,) = slip(world)
    run_scan(now=at("2026-01-14", 9), dispatch=lambda batch: None)
    Milestone.objects.filter(engagement=world.engagement).update(
        status="done", completed_at=at("2026-01-14", 10)
    )

    assert slip(world, datetime.date(2026, 1, 15)) == []
    first.refresh_from_db()
    assert first.ended_on == datetime.date(2026, 1, 15)
    assert describe(Reminder.objects.filter(kind=Kind.FORECAST_PAST_TARGET).first()).skip

    Milestone.objects.filter(engagement=world.engagement, phase__kind="tooling").update(
        status="blocked", completed_at=None, due_date=datetime.date(2026, 1, 10)
    )
    (second,) = slip(world, datetime.date(2026, 1, 16))
    run_scan(now=at("2026-01-16", 9), dispatch=lambda batch: None)

    assert second.pk != first.pk
    assert Reminder.objects.filter(kind=Kind.FORECAST_PAST_TARGET, object_id=second.pk).count() == 3


def test_a_quiet_engagement_ends_its_episode(world):
    (episode,) = slip(world)
    Engagement.objects.filter(pk=world.engagement.pk).update(status="on_hold")
    world.engagement.refresh_from_db()

    slip(world, LATE_DAY + datetime.timedelta(days=1))

    episode.refresh_from_db()
    assert episode.ended_on is not None


def test_the_tenant_task_refreshes_every_running_engagement(world, other_world):
    import time_machine

    with time_machine.travel(at("2026-01-14", 9), tick=False):
        opened = refresh_forecasts_in_tenant.run()

    assert opened == 1
    assert list(SlipEpisode.objects.values_list("engagement_id", flat=True)) == [
        world.engagement.pk
    ]


def test_an_episode_opening_moving_and_ending_is_in_the_audit_trail_and_the_feed(world):
    """Each change of an episode is an event (so the change feed and webhooks carry it, as the
    engagement's forecast), written by nobody: the forecast moved on its own."""
    from audit.models import Event

    (episode,) = slip(world)
    Milestone.objects.filter(engagement=world.engagement).update(
        status="done", completed_at=at("2026-01-14", 10)
    )
    slip(world, datetime.date(2026, 1, 15))
    events = list(
        Event.objects.filter(object_type="slip_episode", object_id=str(episode.public_id))
        .order_by("position")
        .values_list("action", "actor_id", "note")
    )
    assert events == [("created", None, ""), ("updated", None, "back on target")]
    ended = Event.objects.get(object_id=str(episode.public_id), action="updated")
    assert ended.changes == {"ended_on": [None, "2026-01-15"]}
    assert ended.position is not None  # in the change feed
