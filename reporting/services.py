"""Reviews and KPIs: every KPI against its target, and no unexplained miss published."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from decimal import Decimal

from django.db.models import Avg
from django.utils import timezone

from accounts.models import User
from audit import services as audit
from audit.services import operation
from bpo_transition.errors import InvalidInput, ItemsOpen, RuleBroken, check_fields, found
from bpo_transition.text import required_text
from engagements.models import Engagement
from engagements.permissions import is_seated, require_editor, require_pmo
from engagements.playbooks import PlaybookDefinition
from engagements.services import day
from reporting.models import ForwardTarget, Kpi, KpiMeasurement, Review, ReviewKpiResult

# --- KPIs and measurements ---------------------------------------------------------------


@operation("kpi.defined", tenant_of="engagement")
def define_kpi(
    *,
    actor: User,
    engagement: Engagement,
    key: str,
    name: str,
    target: Decimal,
    direction: str,
    unit: str = "",
    contractual_from: datetime.date | None = None,
) -> Kpi:
    require_pmo(actor=actor, engagement=engagement, doing="define KPIs")
    key, name = required_text(key=key, name=name).values()
    if Kpi.objects.filter(engagement=engagement, key=key).exists():
        raise InvalidInput(
            f"This engagement already has a KPI “{key}”.",
            errors={"key": ["Already used in this engagement."]},
        )
    kpi = Kpi(
        tenant_id=engagement.tenant_id,
        engagement=engagement,
        key=key,
        name=name,
        unit=unit,
        target=target,
        direction=direction,
        contractual_from=contractual_from,
    )
    check_fields(kpi)
    kpi.save()
    audit.record_created(actor=actor, instance=kpi)
    return kpi


@operation("kpi.updated", tenant_of="kpi")
def update_kpi(*, actor: User, kpi: Kpi, **changes) -> Kpi:
    allowed = {"name", "unit", "target", "direction", "contractual_from"}
    unknown = set(changes) - allowed
    if unknown:
        raise InvalidInput(
            f"Cannot change {', '.join(sorted(unknown))}.",
            errors={field: ["Cannot be changed."] for field in sorted(unknown)},
        )
    require_pmo(actor=actor, engagement=kpi.engagement, doing="change KPI targets")
    if "name" in changes:
        changes["name"] = required_text(name=changes["name"])["name"]
    before = audit.snapshot(kpi)
    for field, value in changes.items():
        setattr(kpi, field, value)
    check_fields(kpi)
    kpi.save()
    audit.record_updated(actor=actor, instance=kpi, before=before)
    return kpi


@operation("kpi.measured", tenant_of="kpi")
def record_measurement(
    *, actor: User, kpi: Kpi, measured_on: datetime.date, value: Decimal
) -> KpiMeasurement:
    """One value per KPI per day; sending the same day again replaces it."""
    require_editor(actor=actor, engagement=kpi.engagement)
    if measured_on > kpi.engagement.today():
        raise InvalidInput(
            "A measurement cannot be dated in the future.",
            errors={"measured_on": ["Use today or an earlier date."]},
        )
    existing = (
        KpiMeasurement.objects.select_for_update().filter(kpi=kpi, measured_on=measured_on).first()
    )
    if existing is None:
        measurement = KpiMeasurement.objects.create(
            tenant_id=kpi.tenant_id,
            kpi=kpi,
            measured_on=measured_on,
            value=value,
            recorded_by=actor,
        )
        audit.record_created(actor=actor, instance=measurement)
        return measurement
    audit.change(actor=actor, instance=existing, value=value, recorded_by=actor)
    return existing


# --- Reviews -----------------------------------------------------------------------------


def review_anchor(*, engagement: Engagement) -> datetime.date:
    if engagement.review_anchor == Engagement.ReviewAnchor.GO_LIVE:
        return engagement.target_go_live
    return engagement.contract_signed_on


def build_reviews_and_kpis_from_playbook(
    *, engagement: Engagement, playbook: PlaybookDefinition
) -> tuple[list[Review], list[Kpi]]:
    """The plan's reviews, dated from their anchor, and its KPIs, in two inserts (no events)."""
    anchor = review_anchor(engagement=engagement)
    reviews = Review.objects.bulk_create(
        [
            Review(
                tenant_id=engagement.tenant_id,
                engagement=engagement,
                day=review.day,
                title=review.title,
                focus=review.focus,
                window_days=review.window_days,
                scheduled_on=day(anchor, review.day),
            )
            for review in playbook.reviews
        ]
    )
    kpis = Kpi.objects.bulk_create(
        [
            Kpi(
                tenant_id=engagement.tenant_id,
                engagement=engagement,
                key=kpi.key,
                name=kpi.name,
                unit=kpi.unit,
                target=kpi.target,
                direction=kpi.direction,
                contractual_from=None
                if kpi.contractual_from_day is None
                else day(engagement.contract_signed_on, kpi.contractual_from_day),
            )
            for kpi in playbook.kpis
        ]
    )
    return reviews, kpis


def redate_reviews(*, actor: User, engagement: Engagement, note: str = "") -> list[Review]:
    """The anchor moved: every unpublished review moves with it, each move in the log."""
    anchor = review_anchor(engagement=engagement)
    moved, befores = [], []
    for review in Review.objects.filter(engagement=engagement, status=Review.Status.SCHEDULED):
        new_date = anchor + datetime.timedelta(days=review.day)
        if review.scheduled_on != new_date:
            review.engagement = engagement
            befores.append(audit.snapshot(review))
            review.scheduled_on = new_date
            moved.append(review)
    if moved:
        Review.objects.bulk_update(moved, ["scheduled_on"])
        audit.record_many_updated(actor=actor, changed=zip(moved, befores, strict=True), note=note)
    return moved


def review_window(*, review: Review) -> tuple[datetime.date, datetime.date]:
    end = review.scheduled_on
    return end - datetime.timedelta(days=review.window_days - 1), end


def _require_unpublished(review: Review) -> None:
    if review.status == Review.Status.PUBLISHED:
        raise RuleBroken(f"The {review} was published; it can no longer change.")


@operation("review.refreshed", tenant_of="review")
def refresh_review(*, actor: User, review: Review) -> list[ReviewKpiResult]:
    """Hold every KPI against its target: the mean of its daily values over the window.

    A KPI with no measurement in the window counts as missed. Explanations already written
    for a KPI are kept.
    """
    review = found(
        Review.objects.select_for_update(of=("self",)).select_related("engagement"),
        "No such review.",
        pk=review.pk,
    )
    require_editor(actor=actor, engagement=review.engagement)
    _require_unpublished(review)
    start, end = review_window(review=review)
    kpis = list(Kpi.objects.filter(engagement_id=review.engagement_id).order_by("name"))
    means = dict(
        KpiMeasurement.objects.filter(kpi__in=kpis, measured_on__range=(start, end))
        .values("kpi_id")
        .annotate(mean=Avg("value"))
        .values_list("kpi_id", "mean")
    )
    existing = {
        result.kpi_id: result
        for result in ReviewKpiResult.objects.filter(review=review).select_related("kpi")
    }
    results = []
    for kpi in kpis:
        value = means.get(kpi.pk)
        if value is not None:
            value = Decimal(value).quantize(Decimal("0.0001"))
        met = value is not None and kpi.is_met_by(value)
        result = existing.get(kpi.pk)
        if result is None:
            result = ReviewKpiResult(
                tenant_id=review.tenant_id,
                review=review,
                kpi=kpi,
                value=value,
                target=kpi.target,
                met=met,
            )
            result.save()
            audit.record_created(actor=actor, instance=result)
        else:
            audit.change(actor=actor, instance=result, value=value, target=kpi.target, met=met)
        results.append(result)
    return results


@operation("review.miss_explained", tenant_of="result")
def explain_miss(
    *,
    actor: User,
    result: ReviewKpiResult,
    root_cause: str,
    corrective_action: str,
    action_owner: User | None,
    action_due: datetime.date | None,
) -> ReviewKpiResult:
    """A missed KPI's root cause and the fix, with a named owner and a due date."""
    result = found(
        ReviewKpiResult.objects.select_for_update(of=("self",)).select_related(
            "review__engagement", "kpi"
        ),
        "No such KPI result.",
        pk=result.pk,
    )
    review = result.review
    require_editor(actor=actor, engagement=review.engagement)
    _require_unpublished(review)
    errors = {}
    if not root_cause.strip():
        errors["root_cause"] = ["Say why the target was missed."]
    if not corrective_action.strip():
        errors["corrective_action"] = ["Say what is being done about it."]
    if action_owner is None:
        errors["action_owner"] = ["Name the person who owns the fix."]
    elif not is_seated(user=action_owner, engagement=review.engagement):
        errors["action_owner"] = ["The owner must be a member of the engagement."]
    if action_due is None:
        errors["action_due"] = ["Give the date the fix is due."]
    if errors:
        raise InvalidInput(f"The explanation of {result.kpi.name} is incomplete.", errors=errors)
    audit.change(
        actor=actor,
        instance=result,
        root_cause=root_cause.strip(),
        corrective_action=corrective_action.strip(),
        action_owner=action_owner,
        action_due=action_due,
    )
    return result


DAY_90_QUESTIONS = {
    "target_standing": "Is the service at, above or below target?",
    "misses_understood": "Is each miss understood, and is its fix working?",
    "lessons_learned": "What was learned that was not known at launch?",
    "next_period_changes": "What changes for the next 90 days?",
}


@operation("review.answered", tenant_of="review")
def answer_day_90(
    *,
    actor: User,
    review: Review,
    answers: Mapping[str, str],
    forward_targets: Mapping[Kpi, Decimal],
) -> Review:
    """The day-90 review's four answers and the KPI targets for days 91-180."""
    review = found(
        Review.objects.select_for_update(of=("self",)).select_related("engagement"),
        "No such review.",
        pk=review.pk,
    )
    require_editor(actor=actor, engagement=review.engagement)
    _require_unpublished(review)
    if review.day != 90:
        raise RuleBroken("Only the day-90 review answers the four questions.")
    unknown = set(answers) - set(DAY_90_QUESTIONS)
    foreign = [kpi.name for kpi in forward_targets if kpi.engagement_id != review.engagement_id]
    if unknown or foreign:
        raise InvalidInput(
            "Unknown answers or KPIs of another engagement.",
            errors={
                **{field: ["Not a day-90 question."] for field in sorted(unknown)},
                **(
                    {
                        "forward_targets": [
                            f"{name} is not a KPI of this engagement." for name in foreign
                        ]
                    }
                    if foreign
                    else {}
                ),
            },
        )
    before = audit.snapshot(review)
    for field, answer in answers.items():
        setattr(review, field, answer.strip())
    review.save()
    audit.record_updated(actor=actor, instance=review, before=before)
    for kpi, target in forward_targets.items():
        forward, created = ForwardTarget.objects.get_or_create(
            review=review, kpi=kpi, defaults={"target": target, "tenant_id": review.tenant_id}
        )
        if created:
            audit.record_created(actor=actor, instance=forward)
        elif forward.target != target:
            previous = audit.snapshot(forward)
            forward.target = target
            forward.save()
            audit.record_updated(actor=actor, instance=forward, before=previous)
    return review


def unexplained_items(*, review: Review) -> list[str]:
    items = [
        f"{result.kpi.name}: missed without root cause, corrective action, owner and due date"
        for result in ReviewKpiResult.objects.filter(review=review, met=False)
        .select_related("kpi")
        .order_by("kpi__name")
        if not result.explained
    ]
    if review.day == 90:
        items += [
            f"Day-90 question unanswered: {question}"
            for field, question in DAY_90_QUESTIONS.items()
            if not getattr(review, field).strip()
        ]
        targeted = set(ForwardTarget.objects.filter(review=review).values_list("kpi_id", flat=True))
        items += [
            f"No target for days 91-180: {kpi.name}"
            for kpi in Kpi.objects.filter(engagement_id=review.engagement_id).order_by("name")
            if kpi.pk not in targeted
        ]
    return items


@operation("review.published", tenant_of="review")
def publish_review(*, actor: User, review: Review) -> Review:
    """Refused while any missed KPI lacks its explanation (and, at day 90, any answer)."""
    review = found(
        Review.objects.select_for_update(of=("self",)).select_related("engagement"),
        "No such review.",
        pk=review.pk,
    )
    require_pmo(actor=actor, engagement=review.engagement, doing="publish a review")
    _require_unpublished(review)
    if not ReviewKpiResult.objects.filter(review=review).exists():
        refresh_review(actor=actor, review=review)
    missing = unexplained_items(review=review)
    if missing:
        raise ItemsOpen(f"The {review} cannot be published yet", items=missing)
    audit.change(
        actor=actor,
        instance=review,
        status=Review.Status.PUBLISHED,
        published_at=timezone.now(),
        published_by=actor,
    )
    return review
