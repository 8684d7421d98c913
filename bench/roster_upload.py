"""Benchmark: a 2,000-row roster upload, preview and commit, each against a COPY of the same rows.

The path measured is the one a provider lead takes: a multipart POST of the CSV file to the
upload page (session, CSRF-exempt test client, tenant middleware, the view, the checks of every
row with the roster's rules, the file stored for its commit, the preview page rendered), then
the POST of its commit (the stored file read and checked again, the people and their audit
events inserted in bulk). Both run in process through Django's test Client, the whole stack
but the HTTP server.

The floors, in the same run, on the same rows: for the preview, ``COPY roster_person FROM
STDIN`` of exactly the 2,000 people the commit writes (same columns and values, text format)
and its COMMIT; for the commit, that plus ``COPY audit_event`` of their 2,000 creation events
and its COMMIT (every write is audited: the commit cannot leave them out). The people are then
deleted, untimed, so that the commit measured next inserts them for real. The goal:
preview and commit
each <= GOAL_RATIO x the floor (issue 18). The exit status is 1 when a goal is missed.

Data: three tenants, each with an engagement from a shipped playbook, a first wave and people
(the focus engagement gains ROUNDS x 2,000 people as the rounds commit).

PostgreSQL only (COPY):

    psql -h 127.0.0.1 -U postgres -c 'create database bpo_rio_bench'
    .venv/bin/python bench/roster_upload.py \\
        --database-url postgres://postgres@127.0.0.1:5432/bpo_rio_bench
    psql -h 127.0.0.1 -U postgres -c 'drop database bpo_rio_bench'
"""

from __future__ import annotations

import argparse
import datetime
import io
import json
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
# The floor's events take positions far above any the commit takes (positions are not unique).
FLOOR_POSITIONS = 10**12
HEADER = "external id,name,e-mail,role,wave,site,start date"


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=5, help="uploads measured (median)")
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
    """Three tenants with an engagement each, a wave and a few people; the first is measured."""
    from accounts.models import Membership, Tenant, User
    from engagements.playbooks import get_builtin
    from kernel.tenancy import tenant_context
    from roster import services
    from transition.services import create_engagement_from_playbook

    focus = None
    for number in range(3):
        slug = f"{run_id}-{number}"
        tenant = Tenant.objects.create(name=f"Roster bench {slug}", slug=slug)
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
                contract_signed_on=datetime.date.today() - datetime.timedelta(days=20),
                owners={role.key: people[role.side] for role in playbook.roles},
            )
            wave = services.save_wave(
                actor=people["pmo"],
                engagement=engagement,
                number=1,
                start_date=datetime.date.today(),
            )
            for index in range(20):
                services.add_person(
                    actor=people["pmo"],
                    engagement=engagement,
                    name=f"Seed {index}",
                    email=f"seed.{index}@{slug}.example",
                    role="agent",
                    wave=wave.number,
                    start_date=wave.start_date,
                    external_id=f"SEED-{index}",
                )
        if focus is None:
            focus = (tenant, people, engagement, wave)
    return focus


def roster_csv(round_number: int, rows: int, wave, run_id: str) -> str:
    lines = [HEADER]
    for index in range(rows):
        lines.append(
            f"R{round_number}-{index:05d},Person {round_number} {index:05d},"
            f"p{round_number}.{index:05d}@{run_id}.example,agent,{wave.number},Lisbon,"
            f"{wave.start_date.isoformat()}"
        )
    return "\n".join(lines) + "\n"


def copy_floor(csv_text: str, *, tenant, engagement, wave, actor) -> tuple[float, float]:
    """COPY the people of ``csv_text`` into roster_person and their creation events into
    audit_event (the same rows the commit writes: every write is audited), and commit; wall
    ms of both COPYs and the COMMIT. The people are deleted again afterwards (untimed) for the
    commit measured next; the events stay (the trail refuses deletes), as the commit's do.

    Two figures: the people's COPY and COMMIT (the preview's floor: it checks those rows), and
    that plus the events' COPY and COMMIT (the commit's floor: it writes both)."""
    from django.db import connection, transaction
    from django.utils import timezone

    now = timezone.now().isoformat()
    correlation = str(uuid.uuid4())
    people = io.StringIO()
    events = io.StringIO()
    for offset, line in enumerate(csv_text.splitlines()[1:]):
        external_id, name, email, role, _wave, site, start = line.split(",")
        public_id = str(uuid.uuid4())
        people.write(
            "\t".join(
                (
                    str(tenant.pk),
                    public_id,
                    str(engagement.pk),
                    str(wave.pk),
                    external_id,
                    name,
                    email,
                    role,
                    site,
                    start,
                    "planned",
                    r"\N",
                    now,
                    now,
                )
            )
            + "\n"
        )
        snapshot = json.dumps(
            {
                "engagement": str(engagement.public_id),
                "wave": str(wave.public_id),
                "external_id": external_id,
                "role": role,
                "site": site,
                "start_date": start,
                "status": "planned",
                "erased_at": None,
            }
        )
        events.write(
            "\t".join(
                (
                    str(tenant.pk),
                    now,
                    "roster.uploaded",
                    correlation,
                    str(FLOOR_POSITIONS + offset),
                    str(actor.pk),
                    str(engagement.pk),
                    str(engagement.public_id),
                    "roster_person",
                    public_id,
                    f"{role} {external_id}",
                    "created",
                    "{}",
                    snapshot,
                    "",
                )
            )
            + "\n"
        )
    person_columns = (
        "tenant_id, public_id, engagement_id, wave_id, external_id, name, email, role, site, "
        "start_date, status, erased_at, created_at, updated_at"
    )
    event_columns = (
        "tenant_id, occurred_at, operation, correlation_id, position, actor_id, engagement_id, "
        "engagement_uuid, object_type, object_id, object_label, action, changes, snapshot, note"
    )
    with connection.cursor() as cursor:
        people.seek(0)
        events.seek(0)
        started = time.perf_counter()
        with transaction.atomic():
            cursor.cursor.copy_expert(f"COPY roster_person ({person_columns}) FROM STDIN", people)
        rows = (time.perf_counter() - started) * 1000  # the COPY and its COMMIT
        started = time.perf_counter()
        with transaction.atomic():
            cursor.cursor.copy_expert(f"COPY audit_event ({event_columns}) FROM STDIN", events)
        trail = (time.perf_counter() - started) * 1000
        # Untimed: take the people out again, so that the commit measured next inserts them.
        cursor.execute(
            "DELETE FROM roster_person WHERE engagement_id = %s AND external_id LIKE %s",
            [engagement.pk, csv_text.splitlines()[1].split("-")[0] + "-%"],
        )
    return rows, rows + trail


def main(argv=None) -> int:
    args = parse_args(argv)
    configure_django(args.database_url)
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from kernel.tenancy import tenant_context
    from roster.models import Person

    if connection.vendor != "postgresql":
        raise SystemExit("PostgreSQL only: the floor is a COPY.")
    call_command("migrate", verbosity=0)
    run_id = f"rb{datetime.datetime.now():%H%M%S}{uuid.uuid4().hex[:4]}"
    started = time.perf_counter()
    tenant, people, engagement, wave = build(run_id)
    built = time.perf_counter() - started
    client = Client()
    client.force_login(people["provider"])
    url = f"/engagements/{engagement.public_id}/roster/upload/"

    def upload(text: str, name: str):
        return client.post(url, {"kind": "people", "file": SimpleUploadedFile(name, text.encode())})

    # Warm-up: a small file previewed and committed (imports, templates, caches).
    warm = upload(roster_csv(0, 10, wave, run_id), "warm.csv")
    commit_path = re.search(rb'action="([^"]+/upload/[0-9a-f-]{36}/)"', warm.content).group(1)
    client.post(commit_path.decode())

    previews, commits, floors, queries = [], [], [], []
    for round_number in range(1, args.rounds + 1):
        text = roster_csv(round_number, args.rows, wave, run_id)
        with tenant_context(tenant):
            floors.append(
                copy_floor(
                    text, tenant=tenant, engagement=engagement, wave=wave, actor=people["provider"]
                )
            )
        begun = time.perf_counter()
        response = upload(text, f"roster-{round_number}.csv")
        previews.append((time.perf_counter() - begun) * 1000)
        if response.status_code != 200:
            raise SystemExit(f"preview answered {response.status_code}")
        target = re.search(rb'action="([^"]+/upload/[0-9a-f-]{36}/)"', response.content)
        with CaptureQueriesContext(connection) as captured:
            begun = time.perf_counter()
            committed = client.post(target.group(1).decode())
            commits.append((time.perf_counter() - begun) * 1000)
        queries.append(len(captured.captured_queries))
        if committed.status_code != 302:
            raise SystemExit(f"commit answered {committed.status_code}")
    with tenant_context(tenant):
        total = Person.objects.filter(engagement=engagement).count()
    expected = 20 + 10 + args.rounds * args.rows
    if total != expected:
        raise SystemExit(f"the roster holds {total} people, expected {expected}")

    with connection.cursor() as cursor:
        cursor.execute("SELECT version()")
        version = cursor.fetchone()[0].split(" on ")[0]
    floor_rows = statistics.median(rows for rows, _ in floors)
    floor_written = statistics.median(written for _, written in floors)
    print(f"Roster upload benchmark, run {run_id}")
    print(
        f"  {version}, python {platform.python_version()}, {os.cpu_count()} cores; "
        f"data built in {built:.1f} s; {args.rows} rows per file, median of {args.rounds} rounds"
    )
    print("  in process (Django test Client, the whole stack but the HTTP server)")
    print()
    print(f"  {'path':<34} {'median ms':>9} {'floor ms':>9} {'ratio':>7}  goal")
    missed = []
    for label, times, floor in (
        ("preview (POST the file)", previews, floor_rows),
        ("commit (POST the upload)", commits, floor_written),
    ):
        median = statistics.median(times)
        ratio = median / floor
        verdict = "PASS" if ratio <= GOAL_RATIO else "MISS"
        if verdict == "MISS":
            missed.append(label)
        print(
            f"  {label:<34} {median:>9.1f} {floor:>9.1f} {ratio:>6.1f}x  "
            f"<= {GOAL_RATIO:.0f}x {verdict}"
        )
    print(
        f"  floors: preview, COPY of the same {args.rows} people into roster_person and "
        "COMMIT;\n          commit, that and a COPY of their creation events into audit_event"
    )
    print(f"  commit statements: {sorted(set(queries))} (constant: {len(set(queries)) == 1})")
    return 1 if missed or len(set(queries)) != 1 else 0


if __name__ == "__main__":
    sys.exit(main())
