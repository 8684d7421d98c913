"""Object builders for the generated cross-tenant and cross-engagement route walk.

Every named URL that takes an argument needs a builder, or the walk in
``tests/test_cross_tenant_urls.py`` fails. Put the builders of a feature in a module of this
package (one module per feature, so that features do not edit one file):

    from tests.routes import populates, route

    @route("engagements:milestone", engagement_scoped=True)
    def milestone_page(world):
        milestone = Milestone.objects.filter(engagement=world.engagement).first()
        return f"/engagements/{world.engagement.public_id}/milestones/{milestone.public_id}/"

    @populates
    def add_a_comment(world):  # runs inside world's tenant, after the base population
        ...

Rules for a builder:
- Derive every object from ``world.engagement`` (engagement-scoped routes) or ``world.tenant``:
  the walk calls it with a world whose engagement is another tenant's, or another engagement
  of the same tenant that the user is not in, and expects 404 there.
- It runs inside ``world.tenant``'s context. Return None for a route that names no object.
- ``method="post"``: the route is an action; the walk posts an empty form to the foreign URL
  and expects 404 (never a change, never a 500).
- ``status``: the status the signed-in home admin gets for its own object (default 200).
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Builder:
    name: str
    build: Callable
    engagement_scoped: bool
    method: str
    status: int


BUILDERS: dict[str, Builder] = {}
POPULATORS: list[Callable] = []


def route(
    name: str, *, engagement_scoped: bool = False, method: str = "get", status: int = 200
) -> Callable:
    def register(build: Callable) -> Callable:
        if name in BUILDERS:
            raise AssertionError(f"Two builders for route {name}")
        BUILDERS[name] = Builder(name, build, engagement_scoped, method, status)
        return build

    return register


def populates(function: Callable) -> Callable:
    POPULATORS.append(function)
    return function


def load_all() -> None:
    for module in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{module.name}")
