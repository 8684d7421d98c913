"""The demo's readiness roster (issue 18): a newcomer signed in as ``pmo`` finds a wave of 40
at mixed readiness, a controlled go-live gate blocked naming who is not certified, a batch
waiting on the client, and a second wave planned; loading the demo again adds nothing."""

import datetime
import io

import pytest
import time_machine
from django.core.management import call_command

from accounts.models import Tenant, User
from engagements.models import Engagement
from governance.models import Gate
from governance.selectors import open_items_for_gate
from kernel.tenancy import tenant_context
from notifications.models import Notification
from roster.models import AccessStep, Person, Result, Wave
from roster.readiness import readiness_of
from transition.demo.roster import FAILED, IN_TRAINING, RETAKES, SECOND_SITE, person_names

# Its data is built relative to today: pinned, and run on awkward days on CI.
pytestmark = pytest.mark.dates

TODAY = datetime.datetime(2026, 12, 6, 10, tzinfo=datetime.UTC)  # a Sunday


def test_the_demo_has_a_roster_with_a_blocked_go_live_gate_and_access_waiting(
    db, settings, tmp_path, client
):
    settings.DEMO_CREDENTIALS_FILE = tmp_path / "demo-logins.txt"
    with time_machine.travel(TODAY, tick=False):
        call_command("load_demo", stdout=io.StringIO())
        call_command("load_demo", stdout=io.StringIO())  # again: nothing added
        pmo = User.objects.get(username="pmo")
        with tenant_context(Tenant.objects.get(slug="demo")):
            site = Engagement.objects.get(name=SECOND_SITE)
            waves = {
                wave.number: wave.people.count() for wave in Wave.objects.filter(engagement=site)
            }
            assert waves == {1: 40, 2: 12}
            wave_1 = list(Person.objects.filter(wave__engagement=site, wave__number=1))
            rows = readiness_of(wave_1, engagement=site)
            ready = [row for row in rows if row.ready]
            assert 15 <= len(ready) < 40  # mixed readiness
            statuses = {person.status for person in wave_1}
            assert statuses == {"certified", "in_training"}
            names = person_names(40)
            retaken = Person.objects.get(engagement=site, name=names[RETAKES[0]])
            attempts = Result.objects.filter(person=retaken, requirement__kind="certification")
            assert [r.passed for r in attempts.order_by("attempt")] == [False, True]

            gate = Gate.objects.get(engagement=site, phase__kind="controlled_go_live")
            [line] = [item for item in open_items_for_gate(gate=gate) if "certified" in item]
            assert line.startswith("Automatic: Wave 1: 36 of 40 certified; not yet certified: ")
            assert names[FAILED] in line
            assert all(names[index] in line for index in IN_TRAINING)

            waiting = AccessStep.objects.filter(person__engagement=site, status="requested")
            batches = {step.batch.label for step in waiting.select_related("batch")}
            assert batches == {"Wave 1 access, first 30", "Wave 1 access, last 10"}
            assert waiting.filter(batch__label="Wave 1 access, first 30").count() > 0
            assert AccessStep.objects.filter(person__engagement=site, status="verified").exists()

            # The client lead is chased about the batch that has waited four days.
            client_lead = User.objects.get(username="client.lead")
            chased = Notification.objects.filter(
                recipient=client_lead, kind="roster_access_waiting"
            )
            assert [n.title for n in chased if "first 30" in n.title]
            assert Notification.objects.filter(recipient=pmo, kind="roster_wave_not_ready").exists()

        # pmo's pages: the gate page says who blocks go-live.
        client.force_login(pmo)
        page = client.get(f"/engagements/{site.public_id}/gates/{gate.public_id}/")
        assert page.status_code == 200
        assert names[FAILED] in page.content.decode()
        roster = client.get(f"/engagements/{site.public_id}/roster/")
        assert roster.status_code == 200 and names[FAILED] in roster.content.decode()
