"""Builders for the roster's API routes (people, results, access steps and their actions)."""

from tests.api.roster_objects import a_result, a_roster_person, an_access_step
from tests.routes import route

V1 = "/api/v1/roster"


def _person(world) -> str:
    return f"{V1}/people/{a_roster_person(world).public_id}/"


def _step(world) -> str:
    return f"{V1}/access-steps/{an_access_step(world).public_id}/"


route("api:roster-person-detail", engagement_scoped=True)(_person)
route("api:roster-person-erase", engagement_scoped=True, method="post")(
    lambda world: _person(world) + "erase/"
)


@route("api:roster-person-by-external-id", engagement_scoped=True)
def person_by_external_id(world):
    return f"{V1}/people/by-external-id/{a_roster_person(world).external_id}/"


@route("api:roster-result-detail", engagement_scoped=True)
def result(world):
    return f"{V1}/results/{a_result(world).public_id}/"


route("api:roster-access-step-detail", engagement_scoped=True)(_step)
for _action in ("approve", "provision", "verify", "refuse"):
    route(f"api:roster-access-step-{_action}", engagement_scoped=True, method="post")(
        lambda world, action=_action: _step(world) + f"{action}/"
    )
