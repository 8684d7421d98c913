"""Every registered API resource and change-feed type, whatever its domain (a later one too):
a resource answers a member's list and 404s another tenant's object; a feed type's objects
appear in the feed, as the API resource it names shows them."""

from __future__ import annotations

import datetime
from operator import attrgetter

import pytest

from kernel.registry import api_resources, feed_types
from kernel.tenancy import tenant_context
from tests.api.endpoints import a_raid_item, a_webhook
from tests.api.roster_objects import a_result, a_roster_person, an_access_step

V1 = "/api/v1"


# Resources whose objects the API world does not hold until one is made.
def a_slip_episode(world):
    """The go-live forecast passed its target: an episode, as the service records it."""
    from django.db import transaction

    from audit import services as audit
    from forecast.models import SlipEpisode

    with transaction.atomic():
        episode = SlipEpisode.objects.create(
            tenant_id=world.tenant.pk,
            engagement=world.engagement,
            started_on=datetime.date(2026, 2, 2),
            target=datetime.date(2026, 4, 1),
            forecast=datetime.date(2026, 4, 20),
            worst_forecast=datetime.date(2026, 4, 20),
        )
        audit.record_created(actor=None, instance=episode)


MAKERS = {
    "forecast": a_slip_episode,
    "raid-item": a_raid_item,
    "webhook": a_webhook,
    "roster-person": a_roster_person,
    "roster-result": a_result,
    "roster-access-step": an_access_step,
}


def resources():
    return [pytest.param(resource, id=resource.basename) for resource in api_resources]


def ids_of(resource, world) -> list:
    """The ids the resource's URLs name for the objects of ``world``'s tenant."""
    viewset = resource.viewset
    read = attrgetter(viewset.lookup_field.replace("__", "."))
    with tenant_context(world.tenant):
        held = viewset.queryset.model.objects.filter(tenant=world.tenant)
        if not held.exists() and resource.basename in MAKERS:
            MAKERS[resource.basename](world)
        return [read(found) for found in held.order_by("pk")]


def another_tenants_object(resource, home, foreign):
    """An object only the other tenant holds (a person may belong to both tenants)."""
    ours = set(ids_of(resource, home))
    theirs = [found for found in ids_of(resource, foreign) if found not in ours]
    assert theirs, f"give the API world an object of {resource.basename}"
    return theirs[0]


# A list that answers only with a query parameter (the search needs its words).
REQUIRED_QUERY = {"search": "?q=desk"}


@pytest.mark.parametrize("resource", resources())
def test_each_resource_lists_for_a_member_and_hides_another_tenants_objects(
    api, home, foreign, resource
):
    token = home.tokens["admin"]
    query = REQUIRED_QUERY.get(resource.basename, "")
    listed = api.get(f"{V1}/{resource.prefix}/{query}", token=token)
    assert listed.status_code == 200, listed.content
    if not hasattr(resource.viewset, "retrieve"):
        return  # a list only (the change feed)
    theirs = another_tenants_object(resource, home, foreign)
    answer = api.get(f"{V1}/{resource.prefix}/{theirs}/", token=token)
    assert answer.status_code == 404, answer.content
    ours = ids_of(resource, home)[0]
    assert api.get(f"{V1}/{resource.prefix}/{ours}/", token=token).status_code == 200


def test_each_feed_type_is_shown_as_a_registered_resource():
    for feed_type in feed_types:
        assert api_resources.get(feed_type.resource).show is not None, feed_type


def test_each_feed_type_appears_in_the_feed(api, home):
    token = home.tokens["admin"]
    with tenant_context(home.tenant):
        for feed_type in feed_types:
            if feed_type.resource in MAKERS:
                MAKERS[feed_type.resource](home)
    seen: set[str] = set()
    url = f"{V1}/changes/?limit=1000"
    while url:
        page = api.get(url, token=token).json()
        seen |= {entry["type"] for entry in page["results"] if entry["object"] is not None}
        url = page["next"]
    assert {feed_type.resource for feed_type in feed_types} <= seen
