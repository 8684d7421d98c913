"""Benchmark: the roster's automatic gate criteria for a wave of 500, against one SQL count.

Issue 18's goal: gate evaluation for a wave of 500 <= 2x one indexed SQL count over the same
rows, with an engagement of 2,000 people x (6 modules + 1 certification + 10 systems).

Data: three tenants, each with an engagement from the contact-centre playbook whose agents
need 6 modules, the certification and 10 client systems; 2,000 agents in four waves of 500;
every wave trained (a few failed certifications, some passed on a retake) with access mostly
verified and a few steps still waiting: about 14,000 results and 20,000 access steps a tenant,
bulk-inserted, then ANALYZE.

Measured in process, median of R runs after a warm-up, figure and floor taken in turns:

- the figure: ``roster.selectors.gate_open_items`` for each check (access before the access
  gate, certification before controlled go-live) on the focus tenant's engagement: what the
  gate page and an approval ask, the wave's count and the first people short, by name;
- the floor: one SQL count of the wave's people short of that check, on a bare cursor (the
  same rows: the wave's people, their role's requirements, their results or access steps).

It prints figure, floor, ratio and goal per check, and the figure's query count; exit status 1
when a ratio misses its goal.

    psql -h 127.0.0.1 -U postgres -c 'create database bpo_bench_roster'
    .venv/bin/python bench/roster_gate.py \\
        --database-url postgres://postgres@127.0.0.1:5432/bpo_bench_roster
    psql -h 127.0.0.1 -U postgres -c 'drop database bpo_bench_roster'
"""

# ruff: noqa: S608

from __future__ import annotations

import argparse
import datetime
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import pages  # noqa: E402  (bench/pages.py: configure_django, timed_runs, queries_of)

GOAL_RATIO = 2.0
PEOPLE = 2000
WAVES = 4
MODULES = 6
SYSTEMS = 10
TENANTS = 3
ON_ROSTER = ("planned", "in_training", "certified", "live")

# The floor: one count of the wave's people short of the check, by hand, through the indexes
# (each person's results or access steps by ``person_id``); the requirement ids are
# parameters, read before the clock starts.
STATUSES = ", ".join(f"'{status}'" for status in ON_ROSTER)
FLOORS = {
    "certification": (
        "SELECT count(*) FROM roster_person p WHERE p.wave_id = %s "
        f"AND p.status IN ({STATUSES}) AND NOT EXISTS (SELECT 1 FROM roster_result r "
        "WHERE r.person_id = p.id AND r.requirement_id = %s AND r.passed)"
    ),
    "access": (
        "SELECT count(*) FROM roster_person p WHERE p.wave_id = %s "
        f"AND p.status IN ({STATUSES}) AND (SELECT count(*) FROM roster_accessstep a "
        "WHERE a.person_id = p.id AND a.status = 'verified' AND a.system_id IN "
        f"({', '.join(['%s'] * SYSTEMS)})) < {SYSTEMS}"
    ),
}
PHASES = {"certification": "controlled_go_live", "access": "access"}


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=PEOPLE, metavar="N")
    parser.add_argument("--requests", type=int, default=30, metavar="R")
    parser.add_argument("--database-url", metavar="URL")
    parser.add_argument("--show-plans", action="store_true")
    return parser.parse_args(argv)


def build_tenant(*, run_id: str, number: int, people: int):
    """A tenant with one contact-centre engagement of ``people`` agents in four waves."""
    from accounts.models import Membership, Tenant, User
    from engagements.playbooks import get_builtin
    from kernel.tenancy import tenant_context
    from roster.models import AccessStep, Person, Requirement, Result, Wave
    from transition.services import create_engagement_from_playbook

    slug = f"{run_id}-{number}"
    tenant = Tenant.objects.create(name=f"Roster bench {slug}", slug=slug)
    users = {}
    for side in ("pmo", "client", "provider"):
        users[side] = User.objects.create_user(username=f"{slug}-{side}", password=None)
        role = Membership.Role.PMO if side == "pmo" else Membership.Role.MEMBER
        Membership.objects.create(user=users[side], tenant=tenant, role=role)
    playbook = get_builtin("contact-centre-90-day")
    day0 = datetime.date.today() - datetime.timedelta(days=20)
    with tenant_context(tenant):
        engagement = create_engagement_from_playbook(
            actor=users["pmo"],
            tenant=tenant,
            playbook=playbook,
            name=f"Roster bench {number}",
            client_name="Client",
            provider_name="Provider",
            contract_signed_on=day0,
            owners={role.key: users[role.side] for role in playbook.roles},
        )
        # The agent's requirements: 6 modules, the certification, 10 systems.
        Requirement.objects.filter(engagement=engagement, role="agent").delete()
        rows = [
            Requirement(
                tenant=tenant,
                engagement=engagement,
                role="agent",
                kind=kind,
                key=key,
                name=key.replace("-", " ").title(),
                position=position,
                pass_mark=80 if kind == "certification" else None,
            )
            for position, (kind, key) in enumerate(
                [("module", f"module-{n}") for n in range(1, MODULES + 1)]
                + [("certification", "certification")]
                + [("system", f"system-{n}") for n in range(1, SYSTEMS + 1)],
                start=1,
            )
        ]
        requirements = Requirement.objects.bulk_create(rows)
        trained = [r for r in requirements if r.kind != "system"]
        systems = [r for r in requirements if r.kind == "system"]
        waves = Wave.objects.bulk_create(
            Wave(
                tenant=tenant,
                engagement=engagement,
                number=n,
                start_date=day0 + datetime.timedelta(days=7 * n),
            )
            for n in range(1, WAVES + 1)
        )
        per_wave = people // WAVES
        persons = Person.objects.bulk_create(
            (
                Person(
                    tenant=tenant,
                    engagement=engagement,
                    wave=waves[index // per_wave],
                    external_id=f"HR{index:05d}",
                    name=f"Agent {index:05d}",
                    email=f"agent.{index:05d}@example.com",
                    role="agent",
                    start_date=waves[index // per_wave].start_date,
                    status="in_training",
                )
                for index in range(per_wave * WAVES)
            ),
            batch_size=2000,
        )
        now = datetime.datetime.now(tz=datetime.UTC)
        results, steps = [], []
        for index, person in enumerate(persons):
            # Every wave trained, a few short (the largest the gate can meet).
            done = len(trained)
            for requirement in trained[:done]:
                failed_first = requirement.kind == "certification" and index % 37 == 0
                never = requirement.kind == "certification" and index % 41 == 0
                if failed_first or never:
                    results.append(
                        Result(
                            tenant=tenant,
                            person=person,
                            requirement=requirement,
                            attempt=1,
                            passed=False,
                            score=60,
                            taken_on=day0,
                        )
                    )
                if never:
                    continue
                results.append(
                    Result(
                        tenant=tenant,
                        person=person,
                        requirement=requirement,
                        attempt=2 if failed_first else 1,
                        passed=True,
                        score=90,
                        taken_on=day0,
                    )
                )
            for number, system in enumerate(systems):
                waiting = index % 23 == 0 and number >= SYSTEMS - 2
                steps.append(
                    AccessStep(
                        tenant=tenant,
                        person=person,
                        system=system,
                        status="requested" if waiting else "verified",
                        requested_at=now,
                        requested_by=users["provider"],
                        waiting_since=now,
                        verified_at=None if waiting else now,
                        verified_by=None if waiting else users["provider"],
                    )
                )
        Result.objects.bulk_create(results, batch_size=5000)
        AccessStep.objects.bulk_create(steps, batch_size=5000)
    return tenant, engagement, waves[0], len(results), len(steps)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    scratch = None
    if args.database_url:
        database_url = args.database_url
    else:
        scratch = Path(tempfile.mkdtemp(prefix="bpo-bench-roster-"))
        database_url = f"sqlite:///{scratch / 'bench.sqlite3'}"
    try:
        pages.configure_django(database_url)
        from django.core.management import call_command
        from django.db import connection

        from kernel.tenancy import tenant_context
        from roster.selectors import gate_open_items

        call_command("migrate", verbosity=0)
        run_id = f"bench-roster-{datetime.datetime.now():%Y%m%d%H%M%S}-{uuid.uuid4().hex[:6]}"
        started = time.perf_counter()
        built = [
            build_tenant(run_id=run_id, number=number, people=args.people)
            for number in range(TENANTS)
        ]
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
        tenant, engagement, wave, results, steps = built[TENANTS // 2]
        from roster.models import Requirement

        with tenant_context(tenant):
            agent = Requirement.objects.filter(engagement=engagement, role="agent")
            params = {
                "certification": [
                    wave.pk,
                    agent.get(kind="certification").pk,
                ],
                "access": [wave.pk, *agent.filter(kind="system").values_list("pk", flat=True)],
            }
        print(f"Roster gate benchmark, run {run_id}, {pages.describe_database()}")
        print(
            f"{TENANTS} tenants x {args.people} people ({MODULES} modules + 1 certification + "
            f"{SYSTEMS} systems), waves of {args.people // WAVES}; focus tenant: {results} "
            f"results, {steps} access steps; built in {time.perf_counter() - started:.1f} s"
        )
        failed = False
        with tenant_context(tenant):
            for check, floor_sql in FLOORS.items():
                phase = PHASES[check]

                def figure(check=check, phase=phase):
                    return gate_open_items(engagement=engagement, phase_kind=phase, check=check)

                def floor(floor_sql=floor_sql, values=params[check]):
                    with connection.cursor() as cursor:
                        cursor.execute(floor_sql, values)
                        return cursor.fetchone()[0]

                queries, lines = pages.queries_of(figure)
                short = floor()
                assert (
                    lines
                    and f"{args.people // WAVES - short} of {args.people // WAVES}" in (lines[0])
                ), (lines, short)
                figure_times, floor_times = pages.timed_runs(figure, floor, args.requests)
                ms, floor_ms = statistics.median(figure_times), statistics.median(floor_times)
                ratio = ms / floor_ms
                verdict = "PASS" if ratio <= GOAL_RATIO else "FAIL"
                failed |= ratio > GOAL_RATIO
                print(
                    f"  {check:<13} gate_open_items {ms:7.2f} ms ({queries} queries) | "
                    f"floor, one SQL count {floor_ms:6.2f} ms ({short} short) | "
                    f"ratio {ratio:4.2f}, goal <= {GOAL_RATIO:.0f}x: {verdict}"
                )
                if args.show_plans and connection.vendor == "postgresql":
                    with connection.cursor() as cursor:
                        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {floor_sql}", params[check])
                        print("\n".join(f"    {row[0]}" for row in cursor.fetchall()))
        return 1 if failed else 0
    finally:
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
