"""Baselines over the API: listed per engagement, read with their rows, in the change feed;
hidden from a competing provider and from another tenant."""

from __future__ import annotations

import datetime

from baselines.models import Baseline
from engagements.models import Phase
from kernel.tenancy import tenant_context
from tests.world import add_engagement
from transition.services import reschedule_phase

V1 = "/api/v1"


def test_an_engagement_s_baselines_are_listed_and_read_with_their_rows(api, home):
    with tenant_context(home.tenant):
        baseline = Baseline.objects.get(engagement=home.engagement)
        milestones = home.engagement.milestones.count()
    listed = api.get(
        f"{V1}/baselines/?engagement={home.engagement.public_id}", token=home.tokens["client_lead"]
    )
    assert listed.status_code == 200
    assert [row["name"] for row in listed.json()["results"]] == ["Transition started"]
    assert listed.json()["results"][0]["reason"] == "started"

    one = api.get(f"{V1}/baselines/{baseline.public_id}/", token=home.tokens["client_lead"])
    assert one.status_code == 200 and one["ETag"]
    body = one.json()
    assert body["engagement"] == str(home.engagement.public_id)
    assert [row["phase"] for row in body["phases"]][:2] == ["kickoff", "transition"]
    assert len(body["milestones"]) == milestones


def test_a_replan_leaves_the_baseline_the_api_shows_unchanged(api, home):
    with tenant_context(home.tenant):
        baseline = Baseline.objects.get(engagement=home.engagement)
    url = f"{V1}/baselines/{baseline.public_id}/"
    before = api.get(url, token=home.tokens["pmo"]).json()
    with tenant_context(home.tenant):
        access = Phase.objects.get(engagement=home.engagement, kind="access")
        reschedule_phase(
            actor=home.pmo,
            phase=access,
            planned_end=access.planned_end + datetime.timedelta(days=5),
            reason="Badges",
        )
    assert api.get(url, token=home.tokens["pmo"]).json() == before


def test_a_saved_baseline_is_in_the_change_feed(api, home):
    with tenant_context(home.tenant):
        baseline = Baseline.objects.get(engagement=home.engagement)
    feed = api.get(f"{V1}/changes/?limit=1000", token=home.tokens["pmo"]).json()["results"]
    entries = [entry for entry in feed if entry["id"] == str(baseline.public_id)]
    assert [(entry["type"], entry["action"]) for entry in entries] == [("baseline", "created")]
    assert entries[0]["object"]["name"] == "Transition started"


def test_baselines_are_hidden_from_a_competing_provider_and_another_tenant(api, home, foreign):
    with tenant_context(home.tenant):
        baseline = Baseline.objects.get(engagement=home.engagement)
        # The same client's other engagement, with another provider's lead on it.
        competing = add_engagement(home.world, name="Competing desk")
        from engagements.services import start_transition

        start_transition(actor=home.pmo, engagement=competing)
        theirs = Baseline.objects.get(engagement=competing)
    url = f"{V1}/baselines/{baseline.public_id}/"
    for token in (home.tokens["bystander"], foreign.tokens["admin"], foreign.tokens["pmo"]):
        assert api.get(url, token=token).status_code == 404
        listed = api.get(f"{V1}/baselines/", token=token)
        assert str(baseline.public_id) not in listed.content.decode()
    # A member of one engagement does not see the other's baseline.
    assert (
        str(theirs.public_id)
        not in api.get(f"{V1}/baselines/", token=home.tokens["bystander"]).content.decode()
    )
