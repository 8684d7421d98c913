"""Reviews: scheduled from the plan, re-dated when its anchor moves, every KPI held against
its target over the window, misses explained, the day-90 answers, and no unexplained miss
published."""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from decimal import Decimal

from django.db.models import Avg
from django.utils import timezone

from accounts.models import User
from audit import services as audit
from audit.services import operation
from engagements.models import Engagement
from engagements.permissions import is_seated, require_editor, require_signing_off
from engagements.plan import day, review_anchor, review_window
from engagements.playbooks import PlaybookDefinition
from kernel.errors import InvalidInput, ItemsOpen, RuleBroken, found
from kernel.validation import a_number, no_nul
from reporting.models import (
    DAY_90_QUESTIONS,
    ForwardTarget,
    Kpi,
    KpiMeasurement,
    Review,
    ReviewKpiResult,
)

# What a review and a KPI copy from the playbook as they are (their dates are the plan's).
COPIED_FROM_PLAYBOOK = {
    Review: ("day", "title", "focus", "window_days"),
    Kpi: ("key", "name", "unit", "target", "direction"),
}


def _planned(model, engagement: Engagement, item, **dates):
    """An unsaved ``model`` row of ``engagement``, copied from a playbook item, and its dates."""
    copied = {field: getattr(item, field) for field in COPIED_FROM_PLAYBOOK[model]}
    return model(tenant_id=engagement.tenant_id, engagement=engagement, **copied, **dates)


def build_reviews_and_kpis_from_playbook(
    *, engagement: Engagement, playbook: PlaybookDefinition
) -> tuple[list[Review], list[Kpi]]:
    """The plan's reviews, dated from their anchor, and its KPIs, in two inserts (no events)."""
    anchor, signed = review_anchor(engagement=engagement).on, engagement.contract_signed_on
    reviews = [
        _planned(Review, engagement, review, scheduled_on=day(anchor, review.day))
        for review in playbook.reviews
    ]
    kpis = [
        _planned(
            Kpi,
            engagement,
            kpi,
            contractual_from=None
            if kpi.contractual_from_day is None
            else day(signed, kpi.contractual_from_day),
        )
        for kpi in playbook.kpis
    ]
    return Review.objects.bulk_create(reviews), Kpi.objects.bulk_create(kpis)


def redate_reviews(*, actor: User, engagement: Engagement, note: str = "") -> list[Review]:
    """The anchor moved: every unpublished review moves with it, each move in the log."""
    anchor = review_anchor(engagement=engagement).on
    moved, befores = [], []
    for review in Review.objects.filter(engagement=engagement, status=Review.Status.SCHEDULED):
        new_date = day(anchor, review.day)
        if review.scheduled_on != new_date:
            review.engagement = engagement
            befores.append(audit.snapshot(review))
            review.scheduled_on = new_date
            moved.append(review)
    if moved:
        Review.objects.bulk_update(moved, ["scheduled_on"])
        audit.record_many_updated(actor=actor, changed=zip(moved, befores, strict=True), note=note)
    return moved


def lock_review(review: Review) -> Review:
    """The review read again and locked for this transaction, its engagement loaded."""
    return found(
        Review.objects.select_for_update(of=("self",)).select_related("engagement"),
        "No such review.",
        pk=review.pk,
    )


def _require_unpublished(review: Review) -> None:
    if review.status == Review.Status.PUBLISHED:
        raise RuleBroken(f"The {review} was published; it can no longer change.")


def _locked_for_work(*, actor: User, review: Review) -> Review:
    """The review locked, for an editor of its engagement, while it is not published."""
    review = lock_review(review)
    require_editor(actor=actor, engagement=review.engagement)
    _require_unpublished(review)
    return review


@operation("review.refreshed", tenant_of="review")
def refresh_review(*, actor: User, review: Review) -> list[ReviewKpiResult]:
    """Hold every KPI against its target over the window (see ``_hold_kpis``)."""
    review = _locked_for_work(actor=actor, review=review)
    return _hold_kpis(actor=actor, review=review)


def _hold_kpis(*, actor: User, review: Review) -> list[ReviewKpiResult]:
    """Each KPI's mean of its daily values over the window, against its target: met, missed,
    or No data when the window holds no measurement of it (never met, never missed).
    Explanations already written for a KPI are kept. The caller holds the review's lock."""
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
        if value is None:
            outcome = ReviewKpiResult.Outcome.NO_DATA
        else:
            value = Decimal(value).quantize(Decimal("0.0001"))
            met = kpi.is_met_by(value)
            outcome = ReviewKpiResult.Outcome.MET if met else ReviewKpiResult.Outcome.MISSED
        met = outcome == ReviewKpiResult.Outcome.MET
        held = {"value": value, "target": kpi.target, "met": met, "outcome": outcome}
        result = existing.get(kpi.pk)
        if result is None:
            result = ReviewKpiResult(tenant_id=review.tenant_id, review=review, kpi=kpi, **held)
            result.save()
            audit.record_created(actor=actor, instance=result)
        elif (result.value, result.target, result.outcome) != (value, kpi.target, outcome):
            audit.change(actor=actor, instance=result, **held)
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
    if result.outcome != ReviewKpiResult.Outcome.MISSED:
        raise RuleBroken(
            f"{result.kpi.name} did not miss its target in this review"
            + (
                ": it has no data in the window, and No data is not a miss."
                if result.outcome == ReviewKpiResult.Outcome.NO_DATA
                else "."
            )
        )
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


@operation("review.answered", tenant_of="review")
def answer_day_90(
    *,
    actor: User,
    review: Review,
    answers: Mapping[str, str],
    forward_targets: Mapping[Kpi, Decimal],
) -> Review:
    """The day-90 review's four answers and the KPI targets for days 91-180."""
    no_nul(**answers)
    forward_targets = {
        kpi: a_number(target, field="forward_targets", label=f"The target for {kpi.name}")
        for kpi, target in forward_targets.items()
    }
    review = _locked_for_work(actor=actor, review=review)
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
        for result in ReviewKpiResult.objects.filter(
            review=review, outcome=ReviewKpiResult.Outcome.MISSED
        )
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


def window_closed(*, review: Review) -> bool:
    """The window's last day has ended where the engagement runs."""
    return review_window(review=review)[1] < review.engagement.today()


def publish_needs_reason(*, review: Review, results: Sequence[ReviewKpiResult]) -> list[str]:
    """Why publishing now needs PMO's written reason (empty when it does not)."""
    why = []
    if not window_closed(review=review):
        end = review_window(review=review)[1]
        why.append(f"Its window runs until {end.day} {end:%b %Y}: the data is not all in.")
    no_data = [r.kpi.name for r in results if r.outcome == ReviewKpiResult.Outcome.NO_DATA]
    if no_data:
        why.append(f"No data in the window for {', '.join(no_data)}.")
    return why


@operation("review.published", tenant_of="review")
def publish_review(*, actor: User, review: Review, reason: str = "") -> Review:
    """Publish the review with results computed now from the window's data, in this
    transaction: a measurement added after the last refresh is in what is published.

    Refused while any missed KPI lacks its explanation (and, at day 90, any answer). Before
    the window has closed, or with any KPI in No data, PMO must write why: the report
    prints it.
    """
    review = lock_review(review)
    require_signing_off(actor=actor, engagement=review.engagement, doing="publish a review")
    _require_unpublished(review)
    results = _hold_kpis(actor=actor, review=review)
    missing = unexplained_items(review=review)
    if missing:
        raise ItemsOpen(f"The {review} cannot be published yet", items=missing)
    reason = reason.strip()
    needs_reason = publish_needs_reason(review=review, results=results)
    if needs_reason and not reason:
        raise InvalidInput(
            f"The {review} needs a written reason to be published now.",
            errors={"reason": [*needs_reason, "Say why it is published anyway."]},
        )
    audit.change(
        actor=actor,
        instance=review,
        status=Review.Status.PUBLISHED,
        published_at=timezone.now(),
        published_by=actor,
        published_early=not window_closed(review=review),
        publish_reason=reason if needs_reason else "",
    )
    return review
