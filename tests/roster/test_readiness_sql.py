"""The reminder scan's SQL form of readiness (``not_ready_sql``) says what ``readiness_of``
says, person by person: a module, the certification or a verified system missing."""

# ruff: noqa: S608

import pytest
import time_machine
from django.db import connection

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
