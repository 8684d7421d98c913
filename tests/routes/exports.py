"""Builders for exports and the calendar link (issue 10)."""

from exports.services import regenerate_calendar_feed
from tests.routes import populates, route


@populates
def make_a_calendar_link(world):
    made = regenerate_calendar_feed(actor=world.provider_lead, tenant=world.tenant)
    # Only the hash is stored; the walk needs the link the page showed once.
    world.calendar_token = made.token


def _exports(world, rest=""):
    return f"/engagements/{world.engagement.public_id}/exports/{rest}"


@route("exports:engagement", engagement_scoped=True)
def engagement_exports_page(world):
    return _exports(world)


@route("exports:engagement-csv", engagement_scoped=True)
def engagement_csv(world):
    return _exports(world, "milestones.csv")


@route("exports:engagement-xlsx", engagement_scoped=True)
def engagement_xlsx(world):
    return _exports(world, "kpi-measurements.xlsx")


# Exports across the tenant name a kind of export, never an object: each person gets the rows
# they may see in their active tenant (tests/exports/test_exports.py checks which).
@route("exports:mine-csv")
def my_csv(world):
    return None


@route("exports:mine-xlsx")
def my_xlsx(world):
    return None


# A secret link: the walk only checks that it works (see SECRET_LINK_ROUTES there).
@route("exports:calendar-feed")
def calendar_feed(world):
    return f"/calendar/{world.calendar_token}.ics"
