"""The demo tells one story that could have happened, whatever day it is loaded (issue 16 §2):
every review it publishes had its window closed, with data in it and each miss explained; its
gates were decided near their planned dates and its reviews published after their windows,
each on the day it happened, never later than the load."""

import datetime
import io
import re

import pytest
import time_machine
from django.core.management import call_command

from accounts.models import Tenant, User
from audit.models import Event
from engagements.models import Engagement
from engagements.plan import review_window
from governance.models import Gate, GateDecision
from kernel.tenancy import tenant_context
from reporting.models import Review, ReviewKpiResult
from transition.demo.clock import LAUNCH_DAY
from transition.selectors import planned_gate_dates

# A Sunday, a leap day, the last day of a year, and a Wednesday.
DATES = [
    datetime.date(2026, 12, 6),
    datetime.date(2028, 2, 29),
    datetime.date(2026, 12, 31),
    datetime.date(2027, 3, 17),
]


@pytest.mark.parametrize("today", DATES, ids=str)
def test_the_demo_launch_is_on_its_day_with_every_published_review_closed(
    db, settings, tmp_path, client, today
):
    settings.DEMO_CREDENTIALS_FILE = tmp_path / "demo-logins.txt"
    with time_machine.travel(datetime.datetime.combine(today, datetime.time(10)), tick=False):
        call_command("load_demo", stdout=io.StringIO())
        with tenant_context(Tenant.objects.get(slug="demo")):
            launch = Engagement.objects.get(name="Contact centre launch")
            assert (today - launch.contract_signed_on).days == LAUNCH_DAY
            assert launch.today() == today
            reviews = {r.day: r for r in Review.objects.filter(engagement=launch)}
            published = [day for day, r in sorted(reviews.items()) if r.status == "published"]
            assert published == [14, 30, 45, 60]
            outcomes = {}
            for day, review in reviews.items():
                _start, end = review_window(review=review)
                assert end < today, day  # the window had closed
                results = ReviewKpiResult.objects.filter(review=review).select_related("kpi")
                outcomes[day] = {r.kpi.key: r.outcome for r in results}
                if review.status == "published":
                    assert review.publish_reason == "" and not review.published_early
                    assert all(r.explained for r in results if r.outcome == "missed")
            # The same story every day: contact rate is the bottleneck at every review,
            # transfer-set rate recovers by day 90, the others hold their targets.
            for day, by_kpi in outcomes.items():
                assert "no_data" not in by_kpi.values(), day
                assert by_kpi["contact-rate"] == "missed", day
                assert by_kpi["transfer-set-rate"] == ("met" if day == 90 else "missed"), day
                others = {
                    k: v
                    for k, v in by_kpi.items()
                    if k not in {"contact-rate", "transfer-set-rate"}
                }
                assert set(others.values()) == {"met"}, (day, others)
            # The plan matches the day: five gates approved, the sign-off waiting for PMO.
            gates = dict(
                Gate.objects.filter(engagement=launch).values_list("phase__kind", "status")
            )
            assert gates.pop("stabilisation") == "requested"
            assert set(gates.values()) == {"approved"}
            back_office = Engagement.objects.get(name="Back-office transition")
            assert not Review.objects.filter(engagement=back_office, status="published").exists()


@pytest.mark.parametrize("today", DATES, ids=str)
def test_the_demo_history_is_stamped_on_the_days_it_happened(db, settings, tmp_path, client, today):
    settings.DEMO_CREDENTIALS_FILE = tmp_path / "demo-logins.txt"
    loaded_at = datetime.datetime.combine(today, datetime.time(10), tzinfo=datetime.UTC)
    with time_machine.travel(loaded_at, tick=False):
        call_command("load_demo", stdout=io.StringIO())
        with tenant_context(Tenant.objects.get(slug="demo")):
            launch = Engagement.objects.get(name="Contact centre launch")
            baselines = planned_gate_dates(engagement=launch)
            approved = launch.phases.filter(gate__status="approved").order_by("position")
            assert approved.count() == 5
            for phase in approved:
                # What the engagement page's timeline calls late: approved day - planned day.
                late_by = (phase.actual_end - baselines[phase.pk]).days
                assert 0 <= late_by <= 3, (phase.kind, late_by)
                decision = GateDecision.objects.get(gate=phase.gate, outcome="approved")
                assert decision.decided_at.date() == phase.actual_end
                assert decision.decided_at < loaded_at
            published = Review.objects.filter(engagement=launch, status="published")
            assert published.count() == 4
            for review in published:
                _start, end = review_window(review=review)
                assert end < review.published_at.date() <= end + datetime.timedelta(days=2)
                assert review.published_at < loaded_at
            # Nothing the demo wrote is stamped after the moment it was loaded.
            assert not GateDecision.objects.filter(decided_at__gt=loaded_at).exists()
            assert not Event.objects.filter(occurred_at__gt=loaded_at).exists()
        # The engagement page's timeline says so in words.
        client.force_login(User.objects.get(username="pmo"))
        page = client.get(f"/engagements/{launch.public_id}/").content.decode()
    assert "Gate approved on time" in page
    late = [int(days) for days in re.findall(r"Gate approved (\d+) days? late", page)]
    assert all(days <= 3 for days in late), late
