"""Benchmark: rendering the day-30 review report as a PDF (charts included).

Builds one contact-centre engagement (5 KPIs) in a throwaway SQLite database, imports 90 days
of daily values for each KPI (450 measurements) through the import service, publishes the
day-30 review with every miss explained, then renders the report's PDF: once cold (the first
WeasyPrint call of a process loads fonts) and ``--repeats`` times warm. Prints the time of each
step, the warm median beside its floor and the ratio median / floor; exits 1 when the floor
fails (the floor is on CPU time, the wall time is printed beside it).

    .venv/bin/python bench/report_pdf.py
    .venv/bin/python bench/report_pdf.py --repeats 10 --keep-pdf /tmp/day-30.pdf
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CONTRACT_SIGNED_ON = datetime.date(2026, 1, 5)
DAYS = 90

# The floor: the warm median CPU time of one day-30 PDF. The PDF is made once per published
# review (then stored), in the request of the person who asks for it: a few seconds is the
# budget of one slow click. Rendering is single-threaded, so on an idle machine the wall time
# is the CPU time; the floor is on CPU time so that other work on a shared machine does not
# decide it (the wall time is printed beside it).
MAX_WARM_MEDIAN_CPU_S = 3.0
MIN_PAGES = 5


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5, help="warm renders (default 5)")
    parser.add_argument("--keep-pdf", metavar="PATH", help="write the last PDF here")
    args = parser.parse_args(argv)
    if args.repeats < 1:
        parser.error("--repeats must be at least 1")
    return args


def configure_django(database_url: str) -> None:
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bpo_transition.settings.local")
    os.environ["DATABASE_URL"] = database_url

    import django

    django.setup()


def value_on(key: str, day: int) -> Decimal:
    """A campaign's story: contact rate below target until its day-31 fix, the rest near or
    above target, a weekly wobble on every KPI."""
    wobble = Decimal(("-0.6", "0.4", "0.2", "-0.3", "0.5", "-0.1", "-0.1")[day % 7])
    base = {
        "contact-rate": Decimal("24") + Decimal(min(day, 60)) * Decimal("0.15"),
        "qualification-rate": Decimal("37"),
        "transfer-set-rate": Decimal("57.5") + Decimal(max(day - 30, 0)) * Decimal("0.12"),
        "show-rate": Decimal("74") - Decimal(max(day - 60, 0)) * Decimal("0.12"),
        "speed-to-lead": Decimal("4.1"),
    }[key]
    if key == "speed-to-lead":
        wobble /= 4
    return (base + wobble).quantize(Decimal("0.01"))


def build_engagement():
    """A tenant, its people, the engagement, 90 days of 5 KPIs and the day-30 review
    published; returns the review and the seconds each step took."""
    from accounts.models import Membership, Tenant, User
    from engagements.playbooks import get_builtin
    from kernel.tenancy import tenant_context
    from reporting.imports import RawRow
    from reporting.measurements import import_measurements
    from reporting.models import Kpi, Review, ReviewKpiResult
    from reporting.reviews import explain_miss, publish_review, refresh_review
    from transition.services import create_engagement_from_playbook

    steps = {}
    tenant = Tenant.objects.create(name="Bench reports", slug="bench-reports")
    people = {}
    for side, role in (("pmo", "pmo"), ("client", "member"), ("provider", "member")):
        people[side] = User.objects.create_user(username=f"bench-{side}", password=None)
        Membership.objects.create(user=people[side], tenant=tenant, role=role)
    playbook = get_builtin("contact-centre-90-day")
    with tenant_context(tenant):
        started = time.perf_counter()
        engagement = create_engagement_from_playbook(
            actor=people["pmo"],
            tenant=tenant,
            playbook=playbook,
            name="Bench contact centre",
            client_name="Bench client",
            provider_name="Bench provider",
            contract_signed_on=CONTRACT_SIGNED_ON,
            owners={role.key: people[role.side] for role in playbook.roles},
        )
        steps["engagement from the playbook"] = time.perf_counter() - started
        keys = list(Kpi.objects.filter(engagement=engagement).values_list("key", flat=True))
        rows = [
            RawRow(
                len(keys) * (day - 1) + index + 2,
                key,
                (CONTRACT_SIGNED_ON + datetime.timedelta(days=day)).isoformat(),
                str(value_on(key, day)),
            )
            for day in range(1, DAYS + 1)
            for index, key in enumerate(keys)
        ]
        started = time.perf_counter()
        import_measurements(actor=people["provider"], engagement=engagement, rows=rows)
        steps[f"import of {len(rows)} measurements"] = time.perf_counter() - started
        started = time.perf_counter()
        review = Review.objects.get(engagement=engagement, day=30)
        refresh_review(actor=people["pmo"], review=review)
        for result in ReviewKpiResult.objects.filter(review=review, outcome="missed"):
            explain_miss(
                actor=people["provider"],
                result=result,
                root_cause="Leads called too late",
                corrective_action="Speed-to-lead automation",
                action_owner=people["provider"],
                action_due=review.scheduled_on + datetime.timedelta(days=7),
            )
        review = publish_review(actor=people["pmo"], review=review)
        steps["day-30 review refreshed, explained, published"] = time.perf_counter() - started
    return tenant, review, len(keys), len(rows), steps


def render_once(review) -> tuple[bytes, dict[str, float]]:
    """One PDF, with the wall time of each phase (and the CPU time of the whole)."""
    import weasyprint
    from django.template.loader import render_to_string
    from django.utils import timezone

    from reporting.reports import build_report

    times = {}
    cpu, wall = time.process_time(), time.perf_counter()
    document = build_report(review=review, for_pdf=True)
    times["build (queries + charts)"] = time.perf_counter() - wall
    started = time.perf_counter()
    html = render_to_string(
        "reporting/reports/pdf.html", {"document": document, "generated_at": timezone.now()}
    )
    times["template"] = time.perf_counter() - started
    started = time.perf_counter()
    pdf = weasyprint.HTML(string=html, base_url=None).write_pdf()
    times["WeasyPrint"] = time.perf_counter() - started
    times["total"] = time.perf_counter() - wall
    times["cpu"] = time.process_time() - cpu
    return pdf, times


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    scratch = Path(tempfile.mkdtemp(prefix="bpo-bench-report-"))
    try:
        configure_django(f"sqlite:///{scratch / 'bench.sqlite3'}")
        from django.core.management import call_command

        from kernel.tenancy import tenant_context
        from reporting.reports import render_review_pdf

        call_command("migrate", verbosity=0)
        print("Day-30 report PDF benchmark")
        print(f"  python {platform.python_version()}, {os.cpu_count()} cores, SQLite")
        tenant, review, kpis, measurements, steps = build_engagement()
        print(f"  engagement: {kpis} KPIs, {DAYS} days, {measurements} measurements")
        for step, seconds in steps.items():
            print(f"  setup: {step}: {seconds:.2f} s")
        with tenant_context(tenant):
            started = time.perf_counter()
            render_review_pdf(review=review)  # what generate_review_report calls
            cold = time.perf_counter() - started
            runs = []
            for _ in range(args.repeats):
                pdf, times = render_once(review)
                runs.append(times)
        import io

        from pypdf import PdfReader  # a dev dependency, as the tests read PDFs with it

        pages = len(PdfReader(io.BytesIO(pdf)).pages)
        if args.keep_pdf:
            Path(args.keep_pdf).write_bytes(pdf)
        print(f"  PDF: {len(pdf) / 1024:.0f} KB, {pages} pages")
        print(f"  cold render (first in the process, fonts loaded): {cold:.2f} s")
        for phase in ("build (queries + charts)", "template", "WeasyPrint"):
            values = [run[phase] for run in runs]
            print(f"  warm {phase}: median {statistics.median(values):.2f} s")
        wall = statistics.median(run["total"] for run in runs)
        cpu = statistics.median(run["cpu"] for run in runs)
        ratio = cpu / MAX_WARM_MEDIAN_CPU_S
        ok = cpu <= MAX_WARM_MEDIAN_CPU_S and pages >= MIN_PAGES
        print(f"  warm wall time: median {wall:.2f} s (load average {os.getloadavg()[0]:.1f})")
        print(
            f"  {'PASS' if ok else 'FAIL'}  warm median {cpu:.2f} s CPU per PDF over "
            f"{args.repeats} renders (floor: <= {MAX_WARM_MEDIAN_CPU_S:.1f} s; ratio "
            f"{ratio:.2f}), {pages} pages (floor: >= {MIN_PAGES})"
        )
        return 0 if ok else 1
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
