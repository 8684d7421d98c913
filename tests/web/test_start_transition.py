"""PMO starts the transition from the browser: planning ends, the first phase is active."""

from engagements.models import Engagement, Phase
from tests.web.pages import text_of


def admin_url(world, rest=""):
    return f"/engagements/{world.engagement.public_id}/admin/{rest}"


def test_the_plan_says_how_work_begins_and_pmo_starts_the_transition(client, world):
    client.force_login(world.pmo)
    plan = text_of(client.get(f"/engagements/{world.engagement.public_id}/"))
    assert "being planned: no phase is active yet" in plan and "start the transition" in plan
    assert "Start the transition" in text_of(client.get(admin_url(world)))

    response = client.post(admin_url(world, "status/"), {"action": "start"}, follow=True)

    assert "Alpha care desk is in transition: its first phase is active" in text_of(response)
    assert "Start the transition" not in text_of(response)
    assert Engagement.objects.get().status == "in_transition"
    assert Phase.objects.get(kind="kickoff").status == "active"
    plan = text_of(client.get(f"/engagements/{world.engagement.public_id}/"))
    assert "being planned" not in plan


def test_members_read_that_pmo_starts_it_and_cannot_start_it(client, world):
    client.force_login(world.provider_lead)
    plan = text_of(client.get(f"/engagements/{world.engagement.public_id}/"))
    assert "work begins when PMO starts the transition" in plan

    assert client.post(admin_url(world, "status/"), {"action": "start"}).status_code == 403
    assert Engagement.objects.get().status == "planning"
    assert Phase.objects.get(kind="kickoff").status == "not_started"


def test_starting_twice_is_refused_and_says_why(client, world):
    client.force_login(world.pmo)
    client.post(admin_url(world, "status/"), {"action": "start"})

    response = client.post(admin_url(world, "status/"), {"action": "start"})

    assert response.status_code == 409
    assert "The transition can start only from planning; it is in transition." in text_of(response)
