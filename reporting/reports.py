"""A published review as a written report, in HTML and as PDF (seed 001's deliverables).

- Day 30, the baseline: every KPI against its target, the root cause and the fix of each
  miss, and the plan for days 31-60 (the one main bottleneck, the fixes, the work due).
- Day 60, optimisation: the bottleneck found at day 30, the fixes made, what moved since the
  baseline, and whether the service is ready to scale or still needs work.
- Day 90, summary and forward plan: the four questions answered and the targets for days
  91-180.
- Days 14 and 45: every KPI against its target and the misses.

Every report names the tenant and the engagement on every page, numbers its pages and opens
with a table of contents; each KPI has its chart against the target and its weekly trend.
The PDF is made by WeasyPrint from the same body as the page, by a worker
(``request_review_report`` asks for it), and stored once (``generate_review_report``).
"""

from __future__ import annotations

import datetime
import hashlib
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.files.base import ContentFile
from django.template.loader import render_to_string
from django.utils import timezone

from accounts.models import Tenant, User
from audit import services as audit
from audit.services import operation
from baselines.selectors import Comparison, baselines_of, compare
from engagements.models import Engagement
from engagements.permissions import require_editor
from engagements.plan import day as plan_day
from engagements.plan import review_anchor, review_window
from governance.models import GateDecision
from kernel import registry
from kernel.background import enqueue_on_commit
from kernel.errors import RuleBroken
from kernel.report_sections import ReportSection
from milestones.models import Milestone
from reporting import charts
from reporting.kpi_selectors import TrendWeek, measurements_by_kpi, trend_of, weekly_means
from reporting.models import (
    DAY_90_QUESTIONS,
    ForwardTarget,
    Kpi,
    Review,
    ReviewKpiResult,
    ReviewReport,
)
from reporting.reviews import lock_review

TITLES = {
    30: "30-day baseline report",
    60: "60-day optimisation report",
    90: "90-day summary and forward plan",
}


@dataclass
class KpiPart:
    kpi: Kpi
    result: ReviewKpiResult | None
    trend: list[TrendWeek]
    chart: charts.Chart | None
    trend_chart: charts.Chart | None

    @property
    def anchor(self) -> str:
        return f"kpi-{self.kpi.key}"


@dataclass
class Movement:
    """One KPI from the baseline to this review."""

    kpi: Kpi
    before: Decimal | None
    after: Decimal | None
    outcome: str  # this review's outcome of the KPI, "" when it was not reviewed

    @property
    def outcome_label(self) -> str:
        return ReviewKpiResult.Outcome(self.outcome).label if self.outcome else ""

    @property
    def change(self) -> Decimal | None:
        if self.before is None or self.after is None:
            return None
        return self.after - self.before

    @property
    def verdict(self) -> str:
        change = self.change
        if change is None:
            return "no data"
        if change == 0:
            return "unchanged"
        better = change > 0 if self.kpi.direction == Kpi.Direction.HIGHER else change < 0
        return "better" if better else "worse"


@dataclass
class ReportDocument:
    tenant: Tenant
    engagement: Engagement
    review: Review
    title: str
    window: tuple[datetime.date, datetime.date]
    anchor_date: datetime.date
    parts: list[KpiPart]
    sections: list[tuple[str, str]] = field(default_factory=list)
    bottleneck: ReviewKpiResult | None = None
    baseline_review: Review | None = None
    fixes: list[ReviewKpiResult] = field(default_factory=list)
    milestones_due: list[Milestone] = field(default_factory=list)
    movements: list[Movement] = field(default_factory=list)
    ready_to_scale: bool | None = None
    answers: list[tuple[str, str]] = field(default_factory=list)
    forward_targets: list[tuple[Kpi, Decimal]] = field(default_factory=list)
    gate_decisions: list[GateDecision] = field(default_factory=list)
    # The plan against a baseline chosen by name (default the latest), and the names to choose.
    baseline_comparison: Comparison | None = None
    baseline_names: list[str] = field(default_factory=list)
    baseline_unknown: str = ""  # a name asked for that no baseline has: the latest is shown
    # The sections domains add (``kernel.registry.report_sections``): (section, its content).
    contributed: list[tuple[ReportSection, Any]] = field(default_factory=list)

    @property
    def results(self) -> list[ReviewKpiResult]:
        return [part.result for part in self.parts if part.result is not None]

    @property
    def misses(self) -> list[ReviewKpiResult]:
        return [r for r in self.results if r.outcome == ReviewKpiResult.Outcome.MISSED]

    @property
    def no_data(self) -> list[ReviewKpiResult]:
        """KPIs without a measurement in the window: neither met nor missed."""
        return [r for r in self.results if r.outcome == ReviewKpiResult.Outcome.NO_DATA]

    @property
    def met_count(self) -> int:
        return sum(1 for r in self.results if r.outcome == ReviewKpiResult.Outcome.MET)

    @property
    def measured_count(self) -> int:
        return len(self.results) - len(self.no_data)

    def day(self, offset: int) -> datetime.date:
        return plan_day(self.anchor_date, offset)

    @property
    def plan_start(self) -> datetime.date:
        return self.day(31)

    @property
    def plan_end(self) -> datetime.date:
        return self.day(60)


def gap(result: ReviewKpiResult) -> Decimal:
    """How far a result is from its target, as a share of the target (worse is larger)."""
    if result.value is None:
        return Decimal("Infinity")
    if not result.target:
        return abs(result.value)
    shortfall = (
        result.target - result.value
        if result.kpi.direction == Kpi.Direction.HIGHER
        else result.value - result.target
    )
    return shortfall / abs(result.target)


def main_bottleneck(results: list[ReviewKpiResult]) -> ReviewKpiResult | None:
    """The one miss that, fixed, moves the most (seed 001): the largest gap to its target."""
    misses = [r for r in results if r.outcome == ReviewKpiResult.Outcome.MISSED]
    return max(misses, key=gap) if misses else None


def _results_of(review: Review) -> dict[int, ReviewKpiResult]:
    return {
        result.kpi_id: result
        for result in ReviewKpiResult.objects.filter(review=review).select_related(
            "kpi", "action_owner"
        )
    }


def build_report(
    *, review: Review, for_pdf: bool = False, baseline_name: str | None = None
) -> ReportDocument:
    """Everything a review's report shows, read in a fixed number of queries (the page's
    charts also in a phone size; the PDF's only in the wide one). The plan is compared with
    the baseline called ``baseline_name``, else (and when there is none so called, saying so)
    the latest."""
    engagement = review.engagement
    kpis = list(Kpi.objects.filter(engagement=engagement).order_by("name", "id"))
    results = _results_of(review)
    until = review.scheduled_on
    measurements = measurements_by_kpi(kpis=kpis, until=until)
    means = weekly_means(kpis=kpis, until=until)
    today = engagement.today()
    parts = []
    for kpi in kpis:
        kpi.engagement = engagement
        trend = trend_of(kpi, means.get(kpi.pk, []), today=today)
        parts.append(
            KpiPart(
                kpi=kpi,
                result=results.get(kpi.pk),
                trend=trend,
                chart=charts.kpi_chart(kpi, measurements.get(kpi.pk, []), trend, small=not for_pdf),
                trend_chart=charts.trend_chart(kpi, trend, small=not for_pdf),
            )
        )
    document = ReportDocument(
        tenant=Tenant.objects.get(pk=review.tenant_id),
        engagement=engagement,
        review=review,
        title=TITLES.get(review.day, f"Day-{review.day} review report"),
        window=review_window(review=review),
        anchor_date=review_anchor(engagement=engagement).on,
        parts=parts,
    )
    document.sections.append(("summary", "Summary"))
    document.sections.append(("kpis", "Every KPI against its target"))
    if review.day == 60:
        _optimisation(document)
    elif review.day == 90:
        _summary(document)
    else:
        document.sections.append(("misses", "Root cause and fix of each miss"))
        if review.day == 30:
            _baseline_plan(document)
    _contributed(document)
    _against_baseline(document, baseline_name)
    _gate_decisions(document)
    document.sections.append(("charts", "Charts and weekly trends"))
    return document


def _against_baseline(document: ReportDocument, name: str | None) -> None:
    """Each phase's and each moved milestone's baseline, plan and actual date and slip."""
    baselines = list(baselines_of(engagement=document.engagement))
    document.baseline_names = [baseline.name for baseline in baselines]
    chosen = next((baseline for baseline in baselines if baseline.name == name), None)
    if name and chosen is None:
        document.baseline_unknown = name
    chosen = chosen or (baselines[0] if baselines else None)
    if chosen is None:
        return
    document.baseline_comparison = compare(engagement=document.engagement, baseline=chosen)
    document.sections.append(("baseline", f"The plan against “{chosen.name}”"))


def _contributed(document: ReportDocument) -> None:
    """The sections other domains write for this review's day (the roster's readiness...)."""
    for section in sorted(registry.report_sections, key=lambda item: (item.position, item.key)):
        if document.review.day not in section.days:
            continue
        content = section.content(engagement=document.engagement, review=document.review)
        if content is not None:
            document.contributed.append((section, content))
            document.sections.append((section.key, section.title))


def _gate_decisions(document: ReportDocument) -> None:
    """Every gate decision made up to the report (its publishing, or now for a draft), each
    with who made it and whether that person had also requested it (four eyes off)."""
    until = document.review.published_at or timezone.now()
    document.gate_decisions = list(
        GateDecision.objects.filter(gate__engagement=document.engagement, decided_at__lte=until)
        .select_related("gate", "decided_by")
        .order_by("decided_at", "id")
    )
    document.sections.append(("gates", "Gate decisions"))


def _baseline_plan(document: ReportDocument) -> None:
    document.bottleneck = main_bottleneck(document.results)
    document.fixes = sorted(document.misses, key=gap, reverse=True)
    document.milestones_due = list(
        Milestone.objects.filter(
            engagement=document.engagement,
            due_date__range=(document.plan_start, document.plan_end),
        )
        .select_related("owner")
        .order_by("due_date", "id")
    )
    document.sections.append(("plan", "The plan for days 31\u201360"))


def _optimisation(document: ReportDocument) -> None:
    baseline = Review.objects.filter(engagement=document.engagement, day=30).first()
    document.baseline_review = baseline
    before = _results_of(baseline) if baseline is not None else {}
    document.bottleneck = main_bottleneck(list(before.values()))
    fixes_from = Review.objects.filter(
        engagement=document.engagement, day__lt=document.review.day
    ).values("pk")
    document.fixes = list(
        ReviewKpiResult.objects.filter(
            review__in=fixes_from, outcome=ReviewKpiResult.Outcome.MISSED
        )
        .exclude(corrective_action="")
        .select_related("kpi", "action_owner", "review")
        .order_by("review__day", "kpi__name")
    )
    document.movements = [
        Movement(
            kpi=part.kpi,
            before=before[part.kpi.pk].value if part.kpi.pk in before else None,
            after=part.result.value if part.result else None,
            outcome=part.result.outcome if part.result else "",
        )
        for part in document.parts
    ]
    document.ready_to_scale = (
        bool(document.results) and not document.misses and not document.no_data
    )
    document.sections += [
        ("bottleneck", "The bottleneck found at day 30"),
        ("fixes", "The fixes made"),
        ("moved", "What moved since the baseline"),
        ("scale", "Ready to scale?"),
    ]


def _summary(document: ReportDocument) -> None:
    review = document.review
    document.answers = [
        (question, getattr(review, name).strip()) for name, question in DAY_90_QUESTIONS.items()
    ]
    forward = {
        target.kpi_id: target.target for target in ForwardTarget.objects.filter(review=review)
    }
    document.forward_targets = [
        (part.kpi, forward[part.kpi.pk]) for part in document.parts if part.kpi.pk in forward
    ]
    document.sections += [
        ("misses", "Root cause and fix of each miss"),
        ("questions", "The four questions"),
        ("forward", "Targets for days 91\u2013180"),
    ]


def render_report_body(*, document: ReportDocument, for_pdf: bool) -> str:
    return render_to_string(
        "reporting/reports/_body.html", {"document": document, "for_pdf": for_pdf}
    )


def render_review_pdf(*, review: Review) -> bytes:
    """The report as a PDF: A4, the tenant and engagement in every page's header, page
    numbers in the footer, a table of contents with page numbers, the charts inline."""
    import weasyprint

    document = build_report(review=review, for_pdf=True)
    html = render_to_string(
        "reporting/reports/pdf.html",
        {"document": document, "generated_at": timezone.now()},
    )
    return weasyprint.HTML(string=html, base_url=None).write_pdf()


# The worker's entry point (``reporting.tasks``) renders the PDF; it is asked for by name.
RENDER_REPORT_TASK = "reporting.tasks.render_review_report"


@operation("review.report_generated", tenant_of="review")
def generate_review_report(*, actor: User, review: Review) -> ReviewReport:
    """The PDF of a published review, made once and kept: asking again returns the stored one,
    so the document leadership received never changes afterwards."""
    review = lock_review(review)
    require_editor(actor=actor, engagement=review.engagement)
    stored = ReviewReport.objects.filter(review=review).first()
    if stored is not None:
        return stored
    if review.status != Review.Status.PUBLISHED:
        raise RuleBroken(
            f"The {review} is not published yet: only a published review has a report."
        )
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
    review = lock_review(review)
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
