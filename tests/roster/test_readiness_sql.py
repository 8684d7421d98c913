"""The reminder scan's SQL form of readiness (``not_ready_sql``) says what ``readiness_of``
says, person by person: a module, the certification or a verified system missing."""

# ruff: noqa: S608

import pytest
import time_machine
from django.db import connection

from roster import services
from roster.models import Person
from roster.readiness import not_ready_sql, readiness_of
from tests.roster.world import TODAY, add_people, add_wave, certify_person, give_access, train

pytestmark = pytest.mark.django_db


def test_the_sql_and_the_python_rule_agree_on_who_is_not_ready(world):
    with time_machine.travel(TODAY, tick=False):
        wave = add_wave(world)
        ready, no_access, failed, modules_only, nothing = add_people(world, wave, 5)
        train(world, ready)
        give_access(world, [ready, modules_only])
        train(world, no_access)
        train(world, failed, certify=False)
        certify_person(world, failed, passed=False, score=50)
        give_access(world, [failed])
        train(world, modules_only, certify=False)
    people = list(Person.objects.filter(wave=wave))
    expected = {row.person.pk for row in readiness_of(people, engagement=world.engagement)}
    expected -= {
        row.person.pk for row in readiness_of(people, engagement=world.engagement) if row.ready
    }
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT r.id FROM roster_person r WHERE r.wave_id = %s AND {not_ready_sql('r')}",
            [wave.pk],
        )
        found = {pk for (pk,) in cursor.fetchall()}
    assert found == expected == {no_access.pk, failed.pk, modules_only.pk, nothing.pk}


def test_the_gate_counts_name_the_first_ten_and_cost_the_same_queries_whatever_the_wave(world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from roster.selectors import gate_open_items

    def evaluated(check, phase):
        with CaptureQueriesContext(connection) as captured:
            lines = gate_open_items(engagement=world.engagement, phase_kind=phase, check=check)
        return lines, len(captured)

    with time_machine.travel(TODAY, tick=False):
        wave = add_wave(world)
        first = add_people(world, wave, 3)
        _lines, small_access = evaluated("access", "access")
        _lines, small_certification = evaluated("certification", "controlled_go_live")
        people = first + add_people(world, wave, 9, prefix="Later")
        give_access(world, people[:1])
        certify_person(world, people[1])
    (line,) = evaluated("access", "access")[0]
    assert line == (
        "Automatic: Wave 1: 1 of 12 provisioned and verified on every required system; "
        "not yet: Agent 02, Agent 03, Later 01, Later 02, Later 03, Later 04, Later 05, "
        "Later 06, Later 07, Later 08 and 1 more"
    )
    (line,) = evaluated("certification", "controlled_go_live")[0]
    assert line.startswith("Automatic: Wave 1: 1 of 12 certified; not yet certified: Agent 01, ")
    assert line.endswith(
        "Agent 03, Later 01, Later 02, Later 03, Later 04, Later 05, Later 06, Later 07, "
        "Later 08 and 1 more"
    )
    assert evaluated("access", "access")[1] == small_access
    assert evaluated("certification", "controlled_go_live")[1] == small_certification


def test_the_gate_statements_and_the_querysets_agree_on_who_is_short(world):
    from roster.readiness import gate_shortfall, not_certified, not_provisioned

    with time_machine.travel(TODAY, tick=False):
        wave = add_wave(world)
        people = add_people(world, wave, 4) + add_people(world, wave, 2, role="qa", prefix="QA")
        train(world, people[0])
        certify_person(world, people[1], passed=False, score=40)
        train(world, people[4])
        give_access(world, [people[0], people[2], people[4]])
        services.set_status(actor=world.provider_lead, person=people[3], status="left")
    for check, queryset in (("certification", not_certified), ("access", not_provisioned)):
        shortfall = gate_shortfall(world.engagement, check)
        expected = sorted(person.name for person in queryset(wave))
        assert shortfall.names == expected and shortfall.short_count == len(expected)
        assert shortfall.total == 5  # the one who left is not counted
    assert gate_shortfall(world.engagement, "access").names == ["Agent 02", "QA 02"]
