"""Builders for the REST API's routes (session-authenticated, as the walk signs in) and the
API token page. API actions are POSTs: the walk posts to the foreign object and expects 404."""

import datetime
from decimal import Decimal

from django.utils import timezone

from api.models import ApiToken, IdempotencyKey
from api.services import issue_token
from engagements.models import EngagementMember, Phase
from governance.models import Gate
from milestones.models import Milestone
from reporting.measurements import record_measurement
from reporting.models import Kpi, KpiMeasurement, Review
from tests.routes import populates, route

V1 = "/api/v1"


@populates
def issue_a_token_and_remember_a_key(world):
    token, _secret = issue_token(
        actor=world.admin, tenant=world.tenant, user=world.pmo, name="Route walk"
    )
    IdempotencyKey.objects.create(
        caller=f"token:{token.public_id}",
        key="route-walk",
        fingerprint="0" * 64,
        created_at=timezone.now(),
        response_status=201,
    )


def _gate(world):
    return Gate.objects.filter(engagement=world.engagement).order_by("phase__position").first()


def _milestone(world):
    return Milestone.objects.filter(engagement=world.engagement).order_by("due_date", "id").first()


def _external_id(world) -> str:
    milestone = _milestone(world)
    if milestone.external_id is None:
        milestone.external_id = f"walk-{milestone.public_id}"
        Milestone.objects.filter(pk=milestone.pk).update(external_id=milestone.external_id)
    return milestone.external_id


def _measurement(world):
    found = KpiMeasurement.objects.filter(kpi__engagement=world.engagement).first()
    if found is None:
        found = record_measurement(
            actor=world.pmo,
            kpi=Kpi.objects.filter(engagement=world.engagement).order_by("key").first(),
            measured_on=datetime.date(2026, 1, 19),
            value=Decimal("1"),
        )
    return found


def _token(world):
    return ApiToken.objects.order_by("created_at", "id").first()


def _object_routes(basename, plural, find, *, actions=(), engagement_scoped=True):
    def detail(world):
        return f"{V1}/{plural}/{find(world).public_id}/"

    route(f"api:{basename}-detail", engagement_scoped=engagement_scoped)(detail)
    for action in actions:
        route(f"api:{basename}-{action}", engagement_scoped=engagement_scoped, method="post")(
            lambda world, action=action: f"{detail(world)}{action}/"
        )


_object_routes("engagement", "engagements", lambda world: world.engagement)
_object_routes(
    "phase", "phases", lambda world: Phase.objects.filter(engagement=world.engagement).first()
)
_object_routes("milestone", "milestones", _milestone)
_object_routes("gate", "gates", _gate, actions=("approve", "reject", "attest", "request-decision"))
_object_routes(
    "gate-criterion",
    "gate-criteria",
    lambda world: _gate(world).criteria.order_by("position").first(),
    actions=("met", "not-met", "waive"),
)
_object_routes(
    "review",
    "reviews",
    lambda world: Review.objects.filter(engagement=world.engagement).first(),
    actions=("publish",),
)
_object_routes("kpi", "kpis", lambda world: Kpi.objects.filter(engagement=world.engagement).first())
_object_routes("kpi-measurement", "kpi-measurements", _measurement)
_object_routes("api-token", "api-tokens", _token, actions=("revoke",), engagement_scoped=False)


@route("api:member-detail", engagement_scoped=True)
def member(world):
    # The engagement's provider lead: someone an outsider to this engagement does not meet.
    seat = EngagementMember.objects.get(engagement=world.engagement, side="provider", role="lead")
    return f"{V1}/members/{seat.user.public_id}/"


@route("api:milestone-by-external-id", engagement_scoped=True)
def milestone_by_external_id(world):
    return f"{V1}/milestones/by-external-id/{_external_id(world)}/"


@route("api-tokens:revoke", method="post")
def revoke_token_page(world):
    return f"/api-tokens/{_token(world).public_id}/revoke/"
