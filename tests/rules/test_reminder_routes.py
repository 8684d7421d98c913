"""Who a reminder reaches is the permission rule, in SQL: each route of ``engagements.reminders``
reaches exactly the people its predicate in ``engagements.permissions`` says yes to (the lead of
a side, PMO, a person seated on the engagement)."""

# ruff: noqa: S608

import pytest
from django.db import connection

from accounts.models import User
from engagements.models import EngagementMember
from engagements.permissions import is_pmo, is_seated, is_side_lead
from engagements.reminders import LEADS, PMO_SEATS, TENANT_PMO, leads, seated
from kernel.occasions import Route


def reached(engagement, *routes: Route) -> set[int]:
    """The people the routes reach from ``engagement`` (``x``: every user, for a column)."""
    people = set()
    for route in routes:
        sql = (
            "SELECT u.id FROM engagements_engagement e CROSS JOIN accounts_user x "
            f"{route.joins} WHERE e.id = %s AND ({route.where})"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [engagement.pk])
            people |= {pk for (pk,) in cursor.fetchall()}
    return people


def said_yes(predicate) -> set[int]:
    return {user.pk for user in User.objects.all() if predicate(user)}


@pytest.fixture
def engagement(world, other_world):
    """Alpha's engagement, with a viewer on the PMO side and a second client lead."""
    EngagementMember.objects.create(
        engagement=world.engagement, user=world.admin, side="pmo", role="viewer"
    )
    EngagementMember.objects.filter(engagement=world.engagement, user=world.client_staff).update(
        role="lead"
    )
    return world.engagement


@pytest.mark.parametrize("side", [None, "client", "provider", "pmo"])
def test_the_leads_route_is_the_lead_of_a_side(engagement, side):
    route = LEADS if side is None else leads(f"s.side = '{side}'")
    sides = None if side is None else (side,)
    expected = said_yes(lambda user: is_side_lead(user=user, engagement=engagement, sides=sides))
    assert reached(engagement, route) == expected
    assert side == "pmo" or expected


def test_the_pmo_routes_are_is_pmo(engagement):
    expected = said_yes(lambda user: is_pmo(user=user, engagement=engagement))
    assert reached(engagement, TENANT_PMO, PMO_SEATS) == expected and expected


def test_the_seated_route_is_a_seat_on_the_engagement(engagement, world):
    expected = said_yes(lambda user: is_seated(user=user, engagement=engagement))
    assert reached(engagement, seated("x.id")) == expected
    assert world.bystander.pk not in expected
