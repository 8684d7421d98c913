"""The baselines pages: PMO saves one by name (a taken name is refused beside the field, what
was typed kept); everyone on the engagement reads the plan against any baseline."""

from __future__ import annotations

import datetime

from baselines import services
from baselines.models import Baseline
from milestones.models import Milestone
from milestones.services import update_milestone


def _url(world, suffix: str = "") -> str:
    return f"/engagements/{world.engagement.public_id}/baselines/{suffix}"


def test_pmo_saves_a_named_baseline_from_the_page(world, client):
    client.force_login(world.pmo)
    response = client.post(_url(world), {"name": "Board plan", "note": "As agreed"}, follow=True)

    assert response.status_code == 200
    baseline = Baseline.objects.get(name="Board plan")
    assert response.redirect_chain[-1][0] == _url(world, f"{baseline.public_id}/")
    assert "Plan against “Board plan”" in response.text


def test_a_taken_name_is_refused_beside_the_field_keeping_what_was_typed(world, client):
    services.save_baseline(actor=world.pmo, engagement=world.engagement, name="Board plan")
    client.force_login(world.pmo)

    response = client.post(_url(world), {"name": "Board plan", "note": "Second try"})

    assert response.status_code == 400
    assert "is taken in this engagement" in response.text
    assert 'value="Second try"' in response.text
    assert Baseline.objects.count() == 1


def test_a_member_reads_the_slip_but_sees_no_save_form(world, client):
    baseline = services.save_baseline(actor=world.pmo, engagement=world.engagement, name="Plan")
    milestone = Milestone.objects.filter(engagement=world.engagement).order_by("id").first()
    update_milestone(
        actor=world.pmo,
        milestone=milestone,
        due_date=milestone.due_date + datetime.timedelta(days=6),
    )
    client.force_login(world.client_lead)

    listing = client.get(_url(world))
    assert "Save baseline" not in listing.text
    page = client.get(_url(world, f"{baseline.public_id}/"))
    assert page.status_code == 200
    assert "1 milestone slipped against “Plan”, the worst by 6 days." in page.text
    assert "+6 d" in page.text


def test_a_member_cannot_save_a_baseline(world, client):
    client.force_login(world.client_lead)
    response = client.post(_url(world), {"name": "Mine"})
    assert response.status_code == 403
    assert not Baseline.objects.exists()
