"""Every registered kind of calendar event, whatever its domain (a later one too): it shows
its event in the feed of a person who may see it, and nothing to a person of another tenant.
``test_calendar_feed.py`` pins the feed's text and query count; this walks the registry."""

import dataclasses
import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from icalendar import Calendar

from accounts.models import User
from exports import ics
from kernel import registry
from kernel.calendar import CalendarEvent, CalendarKind, calendar_kinds, register
from kernel.tenancy import tenant_context
from registers.services import create_raid_item
from tests.roster.world import add_people, add_wave

PEOPLE = ("pmo", "client_lead", "client_staff", "provider_lead", "provider_staff")


def kinds():
    return [pytest.param(kind, id=kind.key) for kind in calendar_kinds()]


def give_everyone_something(world) -> None:
    """The playbook makes milestones, gates and reviews; a RAID item and a roster person are
    added by hand."""
    with tenant_context(world.tenant):
        add_people(world, add_wave(world), 1)
        create_raid_item(
            actor=world.pmo,
            engagement=world.engagement,
            kind="action",
            title="Send the badge list",
            owner=world.provider_staff,
            due_date=datetime.date(2026, 2, 3),
        )


def someone_with_rows(world, kind: CalendarKind) -> tuple[User, list]:
    """A person of ``world`` whose feed holds events of ``kind`` (fetched afresh, as a feed
    request does), and those rows; call it inside the world's tenant."""
    for label in PEOPLE:
        person = User.objects.get(pk=getattr(world, label).pk)
        rows = list(kind.rows(user=person))
        if rows:
            return person, rows
    raise AssertionError(f"nobody in {world.tenant.name} sees any {kind.key}")


def feed_events(person, tenant) -> dict[str, dict]:
    calendar = Calendar.from_ical(ics.build_calendar(user=person, tenant=tenant))
    return {str(event["UID"]): event for event in calendar.walk("VEVENT")}


def test_the_feed_lists_the_kinds_in_a_fixed_order():
    assert [kind.key for kind in calendar_kinds()][:4] == [
        "milestones",
        "raid-items",
        "gates",
        "reviews",
    ]


def test_a_kind_is_registered_once():
    kind = calendar_kinds()[0]
    with pytest.raises(ValueError, match="registered twice"):
        register(dataclasses.replace(kind, position=99))
    assert registry.calendar_events.get(kind.key) is kind


@pytest.mark.parametrize("kind", kinds())
def test_each_kind_shows_its_event_to_a_person_who_may_see_it(world, kind):
    give_everyone_something(world)
    person, rows = someone_with_rows(world, kind)

    with CaptureQueriesContext(connection) as captured:
        fields = [kind.event(row) for row in kind.rows(user=person)]
    assert len(captured) <= 2, [query["sql"] for query in captured]  # never one per row

    events = feed_events(person, world.tenant)
    for row, event in zip(rows, fields, strict=True):
        assert isinstance(event, CalendarEvent)
        assert event.public_id == row.public_id
        shown = events[f"{row.public_id}@bpo-transition"]
        assert str(shown["SUMMARY"]) == event.summary
        assert shown.decoded("DTSTART") == event.day
        assert str(shown["URL"]).endswith(event.path)
        assert [str(c) for c in shown["CATEGORIES"].cats] == [event.category]
        assert world.engagement.name in event.summary


@pytest.mark.parametrize("kind", kinds())
def test_each_kind_shows_nothing_to_a_person_of_another_tenant(world, other_world, kind):
    for built in (world, other_world):
        give_everyone_something(built)
    with tenant_context(other_world.tenant):
        stranger, theirs = someone_with_rows(other_world, kind)
    alpha_person, ours = someone_with_rows(world, kind)

    # In Alpha's tenant, Bravo's person has nothing of this kind, and Alpha's feed holds none
    # of Bravo's rows; the other way round too.
    assert list(kind.rows(user=stranger)) == []
    assert not {f"{row.public_id}@bpo-transition" for row in theirs} & set(
        feed_events(alpha_person, world.tenant)
    )
    with tenant_context(other_world.tenant):
        assert list(kind.rows(user=alpha_person)) == []
        assert not {f"{row.public_id}@bpo-transition" for row in ours} & set(
            feed_events(stranger, other_world.tenant)
        )
