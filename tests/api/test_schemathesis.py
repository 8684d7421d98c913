"""The API against its own OpenAPI schema: schemathesis generates requests for every
operation, valid and invalid, as a populated tenant's read-write token (on random ids and on
real ones), and no response may be a server error, undocumented, or off its schema.

Schemathesis' pytest integration (``parametrize``) does not run under pytest 9, so this test
drives its strategies with Hypothesis directly (``APIOperation.as_strategy``)."""

from __future__ import annotations

import time

from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.openapi import from_wsgi
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from kernel.tenancy import tenant_context
from tests.api.endpoints import a_raid_item
from tests.api.roster_objects import a_result, an_access_step

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
EXAMPLES_PER_STRATEGY = 10
# Each operation is tried with positive and negative data, and its detail routes also on a
# real object of the tenant; the whole run stays well under three minutes on two cores.
SETTINGS = hypothesis_settings(
    max_examples=EXAMPLES_PER_STRATEGY,
    deadline=None,
    derandomize=True,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)


def real_ids(api, token) -> dict[str, str]:
    """The id of one object of each resource, by the path prefix of its detail route."""
    found = {}
    for resource in (
        "engagements",
        "phases",
        "milestones",
        "gates",
        "gate-criteria",
        "reviews",
        "kpis",
        "kpi-measurements",
        "members",
        "api-tokens",
        "raid-items",
        "webhooks",
        "roster/people",
        "roster/results",
        "roster/access-steps",
        "baselines",
    ):
        rows = api.get(f"/api/v1/{resource}/", token=token).json()["results"]
        found[f"/api/v1/{resource}/"] = rows[0]["id"]
    # An engagement's forecast is read by the engagement's id.
    found["/api/v1/forecasts/"] = found["/api/v1/engagements/"]
    return found


def test_every_operation_keeps_to_the_schema(api, home, foreign, wsgi_app):
    token = home.tokens["admin"]
    headers = {"Authorization": f"Bearer {token}"}
    schema = from_wsgi("/api/schema/?format=json", wsgi_app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 40
    with tenant_context(home.tenant):
        a_raid_item(home)  # the register is empty until someone adds an item
        a_result(home)  # the roster too: a person with a result
        an_access_step(home)
    subscribed = api.post(
        "/api/v1/webhooks/",
        {"url": "https://hooks.example.com/bpo", "event_types": ["milestone.updated"]},
        token=token,
    )
    assert subscribed.status_code == 201, subscribed.content
    ids = real_ids(api, token)
    failures, calls, started = [], 0, time.monotonic()

    for operation in operations:
        strategies = {
            "positive": operation.as_strategy(headers=headers),
            "negative": operation.as_strategy(GenerationMode.NEGATIVE, headers=headers),
        }
        if "{id}" in operation.path:
            prefix = operation.path.split("{id}")[0]
            strategies["real id"] = operation.as_strategy(
                headers=headers, path_parameters={"id": ids[prefix]}
            )
        for mode, strategy in strategies.items():

            @SETTINGS
            @given(case=strategy)
            def check(case):
                nonlocal calls
                calls += 1
                case.call_and_validate(headers=headers, checks=CHECKS)

            try:
                check()
            except Unsatisfiable:
                # No negative value fits this operation (e.g. a path segment that may be
                # anything but a slash): nothing to send.
                assert mode == "negative", operation.label
            except (Exception, BaseExceptionGroup) as failure:  # every finding, then fail once
                failures.append(f"{operation.label} ({mode}): {failure}")

    elapsed = time.monotonic() - started
    print(f"schemathesis: {len(operations)} operations, {calls} calls in {elapsed:.0f} s")
    assert not failures, "\n\n".join(failures)
