"""Reviews and KPIs: every KPI against its target, and no unexplained miss published."""

from __future__ import annotations

import datetime
import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.core.files.base import ContentFile
from django.db.models import Avg
from django.utils import timezone

from accounts.models import User
from audit import services as audit
from audit.services import operation
from engagements.models import Engagement
from engagements.permissions import is_seated, require_editor, require_pmo
from engagements.plan import day, review_anchor, review_window
from engagements.playbooks import PlaybookDefinition
from kernel.background import enqueue_on_commit
from kernel.errors import InvalidInput, ItemsOpen, RuleBroken, found
from kernel.text import required_text
from kernel.validation import a_date, a_number, check_fields, no_nul
from reporting import drift
from reporting.imports import RawRow, check_rows
from reporting.kpi_selectors import weekly_means
from reporting.models import (
    DAY_90_QUESTIONS,
    DriftAlert,
    ForwardTarget,
    Kpi,
    KpiMeasurement,
    Review,
    ReviewKpiResult,
    ReviewReport,
)

# --- KPIs and measurements ---------------------------------------------------------------

# The worker's entry point (``reporting.tasks``) calls this module; it is asked for by name.
RENDER_REPORT_TASK = "reporting.tasks.render_review_report"


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
    measured_on = a_date(measured_on, field="measured_on", label="The measurement date")
    value = a_number(value, field="value", label="The value")
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
    else:
        audit.change(actor=actor, instance=existing, value=value, recorded_by=actor)
        measurement = existing
    detect_drift(actor=actor, engagement=kpi.engagement)  # Drift hook (issue 10): see below.
    return measurement


# --- Reviews -----------------------------------------------------------------------------


def build_reviews_and_kpis_from_playbook(
    *, engagement: Engagement, playbook: PlaybookDefinition
) -> tuple[list[Review], list[Kpi]]:
    """The plan's reviews, dated from their anchor, and its KPIs, in two inserts (no events)."""
    anchor = review_anchor(engagement=engagement).on
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


def _require_unpublished(review: Review) -> None:
    if review.status == Review.Status.PUBLISHED:
        raise RuleBroken(f"The {review} was published; it can no longer change.")


@operation("review.refreshed", tenant_of="review")
def refresh_review(*, actor: User, review: Review) -> list[ReviewKpiResult]:
    """Hold every KPI against its target over the window (see ``_hold_kpis``)."""
    review = found(
        Review.objects.select_for_update(of=("self",)).select_related("engagement"),
        "No such review.",
        pk=review.pk,
    )
    require_editor(actor=actor, engagement=review.engagement)
    _require_unpublished(review)
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
        result = existing.get(kpi.pk)
        if result is None:
            result = ReviewKpiResult(
                tenant_id=review.tenant_id,
                review=review,
                kpi=kpi,
                value=value,
                target=kpi.target,
                met=met,
                outcome=outcome,
            )
            result.save()
            audit.record_created(actor=actor, instance=result)
        elif (result.value, result.target, result.outcome) != (value, kpi.target, outcome):
            audit.change(
                actor=actor,
                instance=result,
                value=value,
                target=kpi.target,
                met=met,
                outcome=outcome,
            )
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
    review = found(
        Review.objects.select_for_update(of=("self",)).select_related("engagement"),
        "No such review.",
        pk=review.pk,
    )
    require_pmo(actor=actor, engagement=review.engagement, doing="publish a review")
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


# --- Issue 10: measurement imports, drift alerts and stored review reports ---------------------
# Appended as one section: uploads write through import_measurements, every measurement write
# ends in detect_drift, and a published review's PDF is generated once and kept.


@dataclass(frozen=True)
class ImportResult:
    created: int
    replaced: int
    unchanged: int

    @property
    def total(self) -> int:
        return self.created + self.replaced + self.unchanged


class ImportRejected(InvalidInput):
    """At least one row is wrong, so no row was imported; ``row_errors`` says which and why."""

    def __init__(self, message: str, *, row_errors: list) -> None:
        super().__init__(
            message,
            errors={
                f"row {error.number}": [f"{error.column}: {error.reason}"] for error in row_errors
            },
        )
        self.row_errors = row_errors


@operation("kpi.imported", tenant_of="engagement")
def import_measurements(
    *, actor: User, engagement: Engagement, rows: Sequence[RawRow]
) -> ImportResult:
    """Every row of a file in one transaction, or none: one wrong row refuses the whole file.

    The rule of ``record_measurement`` holds: one value per KPI per day, a new value for a
    day replaces the earlier one. The rows are checked again here (the KPIs or the date may
    have changed since the preview), then drift detection runs once for the engagement.
    """
    engagement = found(
        Engagement.objects.select_for_update(of=("self",)), "No such engagement.", pk=engagement.pk
    )
    require_editor(actor=actor, engagement=engagement)
    kpis = {kpi.key: kpi for kpi in Kpi.objects.filter(engagement=engagement)}
    checked = check_rows(rows, kpi_keys=kpis, today=engagement.today())
    if checked.errors:
        raise ImportRejected(
            f"Nothing was imported: {len(checked.errors)} problem(s) in the file.",
            row_errors=checked.errors,
        )
    if not checked.rows:
        raise InvalidInput("The file has no measurements.", errors={"file": ["No rows."]})
    existing = {
        (measurement.kpi_id, measurement.measured_on): measurement
        for measurement in KpiMeasurement.objects.select_for_update().filter(
            kpi__in=kpis.values(),
            measured_on__range=(
                min(row.measured_on for row in checked.rows),
                max(row.measured_on for row in checked.rows),
            ),
        )
    }
    created, replaced, befores, unchanged = [], [], [], 0
    now = timezone.now()
    for row in checked.rows:
        kpi = kpis[row.kpi_key]
        earlier = existing.get((kpi.pk, row.measured_on))
        if earlier is None:
            created.append(
                KpiMeasurement(
                    tenant_id=engagement.tenant_id,
                    kpi=kpi,
                    measured_on=row.measured_on,
                    value=row.value,
                    recorded_by=actor,
                )
            )
        elif earlier.value != row.value:
            earlier.kpi = kpi
            befores.append(audit.snapshot(earlier))
            earlier.value, earlier.recorded_by, earlier.recorded_at = row.value, actor, now
            replaced.append(earlier)
        else:
            unchanged += 1
    KpiMeasurement.objects.bulk_create(created, batch_size=500)
    audit.record_many_created(actor=actor, instances=created)
    if replaced:
        KpiMeasurement.objects.bulk_update(
            replaced, ["value", "recorded_by", "recorded_at"], batch_size=500
        )
        audit.record_many_updated(actor=actor, changed=zip(replaced, befores, strict=True))
    detect_drift(actor=actor, engagement=engagement)
    return ImportResult(created=len(created), replaced=len(replaced), unchanged=unchanged)


def _alert_matches(alert: DriftAlert, episode: drift.Episode) -> bool:
    """The stored alert and the computed episode overlap in time: they are one episode."""
    alert_end = alert.ended_week or datetime.date.max
    episode_end = episode.ended_week or datetime.date.max
    return alert.started_week < episode_end and episode.started_week < alert_end


@operation("kpi.drift_detected", tenant_of="engagement")
def detect_drift(*, engagement: Engagement, actor: User | None = None) -> list[DriftAlert]:
    """Open an alert when a drift episode starts, close it when the KPI recovers.

    Runs after every measurement write and daily from beat; running it again changes nothing.
    Episodes come from the weekly means of weeks that have ended (``reporting.drift``). An
    alert stands for one episode: a stored alert that overlaps a computed episode is that
    episode (its weeks follow corrected data), an episode no alert covers opens a new one, and
    an open alert whose episode no longer holds is closed. Returns the alerts it opened.
    """
    kpis = list(Kpi.objects.select_for_update().filter(engagement_id=engagement.pk))
    if not kpis:
        return []
    last_week = drift.last_complete_week(engagement.today())
    means = weekly_means(kpis=kpis, until=last_week + datetime.timedelta(days=6))
    stored: dict[tuple[int, str], list[DriftAlert]] = {}
    for alert in DriftAlert.objects.filter(kpi__in=kpis).order_by("started_week"):
        stored.setdefault((alert.kpi_id, alert.kind), []).append(alert)
    opened, changes = [], []
    for kpi in kpis:
        episodes = drift.find_episodes(
            means.get(kpi.pk, []), target=kpi.target, direction=kpi.direction
        )
        for kind in DriftAlert.Kind.values:
            alerts = stored.get((kpi.pk, kind), [])
            matched: set[int] = set()
            for episode in (episode for episode in episodes if episode.kind == kind):
                alert = next(
                    (a for a in alerts if a.pk not in matched and _alert_matches(a, episode)),
                    None,
                )
                if alert is None:
                    alert = DriftAlert(
                        tenant_id=kpi.tenant_id,
                        kpi=kpi,
                        kind=kind,
                        started_week=episode.started_week,
                        ended_week=episode.ended_week,
                    )
                    (opened if episode.ended_week is None else changes).append((alert, {}))
                    continue
                matched.add(alert.pk)
                changes.append(
                    (
                        alert,
                        {
                            "started_week": min(alert.started_week, episode.started_week),
                            "ended_week": episode.ended_week,
                        },
                    )
                )
            # An open alert that no episode holds any more: corrected data says it never
            # started, so it ends in the week it started.
            changes += [
                (alert, {"ended_week": alert.started_week})
                for alert in alerts
                if alert.ended_week is None and alert.pk not in matched
            ]
    # Closings first, openings last: at most one open alert per KPI and kind at any moment.
    changes.sort(key=lambda change: change[1].get("ended_week", 0) is None)
    by_pk = {kpi.pk: kpi for kpi in kpis}
    for alert, values in changes + opened:
        alert.kpi = by_pk[alert.kpi_id]
        if alert.pk is None:
            alert.save()
            audit.record_created(actor=actor, instance=alert)
        elif any(getattr(alert, field) != value for field, value in values.items()):
            audit.change(actor=actor, instance=alert, **values)
    return [alert for alert, _values in opened]


@operation("review.report_generated", tenant_of="review")
def generate_review_report(*, actor: User, review: Review) -> ReviewReport:
    """The PDF of a published review, made once and kept: asking again returns the stored one,
    so the document leadership received never changes afterwards."""
    review = found(
        Review.objects.select_for_update(of=("self",)).select_related("engagement"),
        "No such review.",
        pk=review.pk,
    )
    require_editor(actor=actor, engagement=review.engagement)
    stored = ReviewReport.objects.filter(review=review).first()
    if stored is not None:
        return stored
    if review.status != Review.Status.PUBLISHED:
        raise RuleBroken(
            f"The {review} is not published yet: only a published review has a report."
        )
    # Rendering reads the selectors and templates; imported here, as they import this module.
    from reporting.reports import render_review_pdf

    pdf = render_review_pdf(review=review)
    report = ReviewReport(
        tenant_id=review.tenant_id,
        review=review,
        sha256=hashlib.sha256(pdf).hexdigest(),
        size=len(pdf),
        generated_by=actor,
    )
    report.file.save(
        f"day-{review.day}-review-{review.engagement.public_id}.pdf", ContentFile(pdf), save=False
    )
    report.save()
    audit.record_created(actor=actor, instance=report)
    Review.objects.filter(pk=review.pk).update(report_requested_at=None, report_failure="")
    return report


# A render asked for longer ago than this is taken as lost (its worker died): a new request
# may start another one.
REPORT_RENDER_LOST_AFTER = datetime.timedelta(minutes=10)


def report_in_flight(*, review: Review, now: datetime.datetime | None = None) -> bool:
    requested = review.report_requested_at
    return requested is not None and (now or timezone.now()) - requested < REPORT_RENDER_LOST_AFTER


@operation("review.report_requested", tenant_of="review")
def request_review_report(*, actor: User, review: Review) -> Review:
    """Ask for the PDF of a published review, rendered by a worker (it takes seconds).

    One render per review at a time: asking again while one is in flight, or once the PDF
    is stored, starts nothing and returns the review as it is.
    """
    review = found(
        Review.objects.select_for_update(of=("self",)).select_related("engagement"),
        "No such review.",
        pk=review.pk,
    )
    require_editor(actor=actor, engagement=review.engagement)
    if review.status != Review.Status.PUBLISHED:
        raise RuleBroken(
            f"The {review} is not published yet: only a published review has a report."
        )
    if ReviewReport.objects.filter(review=review).exists() or report_in_flight(review=review):
        return review
    review.report_requested_at, review.report_failure = timezone.now(), ""
    review.save(update_fields=["report_requested_at", "report_failure"])
    enqueue_on_commit(
        RENDER_REPORT_TASK, tenant_id=review.tenant_id, review_id=review.pk, actor_id=actor.pk
    )
    return review


def report_render_failed(*, review: Review, failure: str) -> None:
    """The worker could not render the PDF: say so on the page, and let it be asked again."""
    Review.objects.filter(pk=review.pk).update(report_requested_at=None, report_failure=failure)
