"""Builders for the gate, PMO queue and review routes (governance and reporting)."""

from governance.models import Gate, GateCriterion
from reporting.models import Review, ReviewKpiResult
from reporting.reviews import refresh_review
from tests.routes import route


def _gate(world) -> Gate:
    return Gate.objects.filter(engagement=world.engagement).order_by("phase__position").first()


def _gates(world, action: str = "") -> str:
    return f"/engagements/{world.engagement.public_id}/gates/{action}"


def _gate_url(world, action: str = "") -> str:
    return _gates(world, f"{_gate(world).public_id}/{action}")


def _review(world, day: int = 14) -> Review:
    return Review.objects.get(engagement=world.engagement, day=day)


def _review_url(world, action: str = "", day: int = 14) -> str:
    review = _review(world, day)
    return f"/engagements/{world.engagement.public_id}/reviews/{review.public_id}/{action}"


@route("governance:list", engagement_scoped=True)
def gate_list(world):
    return _gates(world)


@route("governance:gate", engagement_scoped=True)
def gate_page(world):
    return _gate_url(world)


@route("governance:criterion", engagement_scoped=True, method="post")
def set_criterion(world):
    criterion = GateCriterion.objects.filter(gate=_gate(world)).order_by("position").first()
    return _gate_url(world, f"criteria/{criterion.public_id}/")


@route("governance:attest", engagement_scoped=True, method="post")
def attest(world):
    return _gate_url(world, "attest/")


@route("governance:request-decision", engagement_scoped=True, method="post")
def request_decision(world):
    return _gate_url(world, "request/")


@route("governance:approve", engagement_scoped=True, method="post")
def approve(world):
    return _gate_url(world, "approve/")


@route("governance:reject", engagement_scoped=True, method="post")
def reject(world):
    return _gate_url(world, "reject/")


@route("reporting:list", engagement_scoped=True)
def review_list(world):
    return f"/engagements/{world.engagement.public_id}/reviews/"


@route("reporting:review", engagement_scoped=True)
def review_page(world):
    return _review_url(world)


@route("reporting:record-measurement", engagement_scoped=True, method="post")
def record_measurement(world):
    return _review_url(world, "measurements/")


@route("reporting:explain-miss", engagement_scoped=True, method="post")
def explain_miss(world):
    review = _review(world)
    if not ReviewKpiResult.objects.filter(review=review).exists():
        refresh_review(actor=world.pmo, review=review)  # an engagement the walk did not populate
    result = ReviewKpiResult.objects.filter(review=review).order_by("id").first()
    return _review_url(world, f"results/{result.public_id}/explain/")


@route("reporting:answer-day-90", engagement_scoped=True, method="post")
def answer_day_90(world):
    return _review_url(world, "day-90/", day=90)


@route("reporting:refresh", engagement_scoped=True, method="post")
def refresh(world):
    return _review_url(world, "refresh/")


@route("reporting:publish", engagement_scoped=True, method="post")
def publish(world):
    return _review_url(world, "publish/")
