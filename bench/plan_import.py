"""Benchmark: a 5,000-row plan file imported as a new engagement, preview and commit, each
against a COPY of the same rows.

The path measured is the one a PMO takes: the multipart POST of the CSV file with the new
engagement's facts (session, tenant middleware, the view, the file read and stored with its
guessed mapping) and the GET of the preview it redirects to (every row checked with the plan's
rules, the dated plan rendered); then the POST of its commit (the stored file read and checked
again; the engagement, its seats, six phases, gates, the milestones, their dependencies and
every audit event inserted in bulk). Both run in process through Django's test Client: the
whole stack but the HTTP server (like ``bench/roster_upload.py``; not yet through gunicorn).

The floor, in the same run, on the same rows: ``COPY milestones_milestone FROM STDIN`` of
exactly the milestones the commit writes (same columns and values, text format) and its
COMMIT; the rows are deleted again, untimed. Goal (issue 19): preview and commit each <= 3x
the floor. Exit 1 when a goal is missed or the commit's statements are not constant.

Data: three tenants, each with a 224-row engagement from a shipped playbook; the first is
measured (it gains an engagement of ``--rows`` milestones per round).

PostgreSQL only (COPY):

    psql -h 127.0.0.1 -U postgres -c 'create database bpo_planimport_bench'
    .venv/bin/python bench/plan_import.py \\
        --database-url postgres://postgres@127.0.0.1:5432/bpo_planimport_bench
    psql -h 127.0.0.1 -U postgres -c 'drop database bpo_planimport_bench'
"""

from __future__ import annotations

import argparse
import datetime
import io
import os
import platform
import re
import statistics
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GOAL_RATIO = 3.0
HEADER = "Phase,Milestone,Owner e-mail,Side,Due day,Depends on,Evidence required,External ID"
PHASES = ("Kickoff", "Transition", "Access", "Tooling", "Controlled go-live", "Stabilisation")
KINDS = ("kickoff", "transition", "access", "tooling", "controlled_go_live", "stabilisation")
DAY0 = datetime.date(2026, 3, 2)


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=3, help="imports measured (median)")
    parser.add_argument("--database-url", required=True, metavar="URL")
    return parser.parse_args(argv)


def configure_django(database_url: str) -> None:
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    os.environ["DJANGO_SETTINGS_MODULE"] = "bpo_transition.settings.test"
    os.environ["DATABASE_URL"] = database_url
    os.environ["ALLOWED_HOSTS"] = "testserver,localhost"
    os.environ["DEBUG"] = "false"
    import django

    django.setup()


def build(run_id: str):
    """Three tenants with an engagement each; the first is measured."""
    from accounts.models import Membership, Tenant, User
    from engagements.playbooks import get_builtin
    from kernel.tenancy import tenant_context
    from transition.services import create_engagement_from_playbook

    focus = None
    for number in range(3):
        slug = f"{run_id}-{number}"
        tenant = Tenant.objects.create(name=f"Plan bench {slug}", slug=slug)
        people = {
            side: User.objects.create_user(
                username=f"{slug}-{side}", password=None, email=f"{side}@{slug}.example"
            )
            for side in ("pmo", "client", "provider")
        }
        Membership.objects.create(user=people["pmo"], tenant=tenant, role=Membership.Role.PMO)
        for side in ("client", "provider"):
            Membership.objects.create(user=people[side], tenant=tenant, role="member")
        playbook = get_builtin("contact-centre-90-day")
        with tenant_context(tenant):
            engagement = create_engagement_from_playbook(
                actor=people["pmo"],
                tenant=tenant,
                playbook=playbook,
                name=f"Care desk {number}",
                client_name="Client",
                provider_name="Provider",
                contract_signed_on=DAY0,
                owners={role.key: people[role.side] for role in playbook.roles},
            )
        if focus is None:
            focus = (tenant, people, engagement)
    return focus


def plan_csv(round_number: int, rows: int, people, run_id: str) -> str:
    """``rows`` milestones over the six phases, four in five waiting on the one before."""
    owners = [
        (people["client"].email, "Client"),
        (people["provider"].email, "Provider"),
        (people["pmo"].email, "Joint"),
    ]
    lines = [HEADER]
    for index in range(rows):
        email, side = owners[index % 3]
        after = f"R{round_number}-{index - 1:05d}" if index % 5 else ""
        lines.append(
            f"{PHASES[index * 6 // rows]},Step {index:05d} of {run_id},{email},{side},"
            f"{index * 90 // rows},{after},{'yes' if index % 4 == 0 else 'no'},"
            f"R{round_number}-{index:05d}"
        )
    return "\n".join(lines) + "\n"


def copy_floor(csv_text: str, *, tenant, engagement, people) -> float:
    """COPY the milestones of ``csv_text`` into milestones_milestone and commit; wall ms of
    both. Deleted again afterwards (untimed)."""
    from django.db import connection, transaction
    from django.utils import timezone

    from engagements.models import Phase

    phases = dict(Phase.objects.filter(engagement=engagement).values_list("kind", "pk"))
    owner_of = {user.email: user.pk for user in people.values()}
    now = timezone.now().isoformat()
    buffer = io.StringIO()
    for line in csv_text.splitlines()[1:]:
        phase, title, email, side, day, _after, evidence, external_id = line.split(",")
        buffer.write(
            "\t".join(
                (
                    str(tenant.pk),
                    str(uuid.uuid4()),
                    str(engagement.pk),
                    str(phases[KINDS[PHASES.index(phase)]]),
                    title,
                    "",
                    str(owner_of[email]),
                    side.lower(),
                    (DAY0 + datetime.timedelta(days=int(day))).isoformat(),
                    "not_started",
                    "",
                    "",
                    "t" if evidence == "yes" else "f",
                    external_id,
                    "",
                    "1",
                    now,
                    now,
                )
            )
            + "\n"
        )
    columns = (
        "tenant_id, public_id, engagement_id, phase_id, title, description, owner_id, side, "
        "due_date, status, evidence, evidence_link, evidence_required, external_id, "
        "playbook_key, version, created_at, updated_at"
    )
    with connection.cursor() as cursor:
        buffer.seek(0)
        started = time.perf_counter()
        with transaction.atomic():
            cursor.cursor.copy_expert(f"COPY milestones_milestone ({columns}) FROM STDIN", buffer)
        elapsed = (time.perf_counter() - started) * 1000
        cursor.execute(
            "DELETE FROM milestones_milestone WHERE engagement_id = %s AND external_id LIKE %s",
            [engagement.pk, csv_text.splitlines()[1].rsplit(",", 1)[1].split("-")[0] + "-%"],
        )
    return elapsed


def main(argv=None) -> int:
    args = parse_args(argv)
    configure_django(args.database_url)
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from kernel.tenancy import tenant_context
    from milestones.models import Milestone

    if connection.vendor != "postgresql":
        raise SystemExit("PostgreSQL only: the floor is a COPY.")
    call_command("migrate", verbosity=0)
    run_id = f"pb{datetime.datetime.now():%H%M%S}{uuid.uuid4().hex[:4]}"
    started = time.perf_counter()
    tenant, people, engagement = build(run_id)
    built = time.perf_counter() - started
    client = Client()
    client.force_login(people["pmo"])

    def preview(text: str, name: str):
        posted = client.post(
            "/plans/new/",
            {
                "name": f"Imported {name}",
                "client_name": "Client",
                "provider_name": "Provider",
                "contract_signed_on": DAY0.isoformat(),
                "target_go_live": "",
                "time_zone": "UTC",
                "file": SimpleUploadedFile(name, text.encode()),
            },
        )
        if posted.status_code != 302:
            raise SystemExit(f"the upload answered {posted.status_code}")
        return client.get(posted["Location"])

    def commit_path(response) -> str:
        return re.search(rb'action="(/plans/uploads/[0-9a-f-]{36}/commit/)"', response.content)[
            1
        ].decode()

    # Warm-up: a small file previewed and committed (imports, templates, caches).
    warm = preview(plan_csv(0, 30, people, run_id), "warm.csv")
    client.post(commit_path(warm))

    previews, commits, floors, queries = [], [], [], []
    for round_number in range(1, args.rounds + 1):
        text = plan_csv(round_number, args.rows, people, run_id)
        with tenant_context(tenant):
            floors.append(copy_floor(text, tenant=tenant, engagement=engagement, people=people))
        begun = time.perf_counter()
        response = preview(text, f"plan-{round_number}.csv")
        previews.append((time.perf_counter() - begun) * 1000)
        if response.status_code != 200:
            raise SystemExit(f"preview answered {response.status_code}")
        with CaptureQueriesContext(connection) as captured:
            begun = time.perf_counter()
            committed = client.post(commit_path(response))
            commits.append((time.perf_counter() - begun) * 1000)
        queries.append(len(captured.captured_queries))
        if committed.status_code != 302 or "/engagements/" not in committed["Location"]:
            raise SystemExit(f"commit answered {committed.status_code}")
    with tenant_context(tenant):
        total = Milestone.objects.filter(external_id__startswith="R").count()
    expected = 30 + args.rounds * args.rows  # the warm-up's too
    if total != expected:
        raise SystemExit(f"{total} milestones imported, expected {expected}")

    with connection.cursor() as cursor:
        cursor.execute("SELECT version()")
        version = cursor.fetchone()[0].split(" on ")[0]
    floor = statistics.median(floors)
    print(f"Plan import benchmark, run {run_id}")
    print(
        f"  {version}, python {platform.python_version()}, {os.cpu_count()} cores; "
        f"data built in {built:.1f} s; {args.rows} rows per file, median of {args.rounds} rounds"
    )
    print("  in process (Django test Client, the whole stack but the HTTP server)")
    print()
    print(f"  {'path':<40} {'median ms':>9} {'floor ms':>9} {'ratio':>7}  goal")
    missed = []
    for label, times in (
        ("preview (POST the file, GET the preview)", previews),
        ("commit (POST the upload)", commits),
    ):
        median = statistics.median(times)
        ratio = median / floor
        verdict = "PASS" if ratio <= GOAL_RATIO else "MISS"
        if verdict == "MISS":
            missed.append(label)
        print(
            f"  {label:<40} {median:>9.1f} {floor:>9.1f} {ratio:>6.1f}x  "
            f"<= {GOAL_RATIO:.0f}x {verdict}"
        )
    print(f"  floor: COPY of the same {args.rows} milestones into milestones_milestone, COMMIT")
    print(f"  commit statements: {sorted(set(queries))} (constant: {len(set(queries)) == 1})")
    return 1 if missed or len(set(queries)) != 1 else 0


if __name__ == "__main__":
    sys.exit(main())
