"""Engagement membership is the second boundary inside a tenant."""

import re

import pytest

from engagements.models import EngagementMember
from tests import factories


@pytest.fixture
def two_provider_engagements(tenant_a):
    first = factories.EngagementFactory(tenant=tenant_a, name="Provider A care desk")
    second = factories.EngagementFactory(tenant=tenant_a, name="Provider B care desk")
    return first, second


def test_provider_lead_sees_only_their_engagement(
    client, tenant_a, member_of, two_provider_engagements
):
    first, second = two_provider_engagements
    provider_a = member_of(tenant_a)
    factories.EngagementMemberFactory(
        engagement=first, user=provider_a, side=EngagementMember.Side.PROVIDER
    )
    client.force_login(provider_a)

    home = client.get("/")
    assert b"Provider A care desk" in home.content
    assert b"Provider B care desk" not in home.content
    assert client.get(f"/engagements/{first.public_id}/").status_code == 200
    assert client.get(f"/engagements/{second.public_id}/").status_code == 404


@pytest.mark.parametrize("role", ["admin", "pmo"])
def test_admin_and_pmo_see_every_engagement(
    client, tenant_a, member_of, role, two_provider_engagements
):
    client.force_login(member_of(tenant_a, role=role))
    home = client.get("/")
    assert b"Provider A care desk" in home.content
    assert b"Provider B care desk" in home.content
    for engagement in two_provider_engagements:
        assert client.get(f"/engagements/{engagement.public_id}/").status_code == 200


def test_another_tenants_engagement_is_a_404_even_for_pmo(client, tenant_a, tenant_b, member_of):
    foreign = factories.EngagementFactory(tenant=tenant_b, name="Foreign desk")
    client.force_login(member_of(tenant_a, role="pmo"))
    response = client.get(f"/engagements/{foreign.public_id}/")
    assert response.status_code == 404
    assert b"Foreign desk" not in response.content
    assert b"Foreign desk" not in client.get("/").content


def test_home_and_engagement_pages_take_a_fixed_number_of_queries(
    client, db, django_assert_max_num_queries
):
    from engagements.playbooks import get_builtin
    from kernel.tenancy import tenant_context
    from tests.world import DAY0, build_world, owners_for
    from transition.services import create_engagement_from_playbook

    world = build_world("Alpha")
    with tenant_context(world.tenant):
        for number in range(5):
            create_engagement_from_playbook(
                actor=world.pmo,
                tenant=world.tenant,
                playbook=get_builtin("seven-step-onboarding"),
                name=f"Desk {number}",
                client_name="A",
                provider_name="B",
                contract_signed_on=DAY0,
                owners=owners_for("seven-step-onboarding", world.__dict__),
            )
    client.force_login(world.pmo)
    # Three of them for the go-live forecast column (issue 19), whatever the engagements.
    with django_assert_max_num_queries(13):
        home = client.get("/")
    engagement_links = re.findall(r'href="/engagements/[0-9a-f-]{36}/"', home.content.decode())
    assert len(engagement_links) == 6

    # Issue 19's baseline and forecast, issue 20's bulk bar: see tests/web/test_engagement_page.py.
    with django_assert_max_num_queries(15):
        detail = client.get(f"/engagements/{world.engagement.public_id}/")
    assert detail.status_code == 200
    with tenant_context(world.tenant):
        milestones = world.engagement.milestones.count()
    assert detail.content.decode().count('<tr id="milestone-') == milestones


def test_a_missing_page_is_a_friendly_404(client, tenant_a, member_of, settings):
    settings.DEBUG = False
    client.force_login(member_of(tenant_a))
    response = client.get("/engagements/00000000-0000-0000-0000-000000000000/")
    assert response.status_code == 404
    assert b"not yours to see" in response.content
