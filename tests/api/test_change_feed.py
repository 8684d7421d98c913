"""GET /api/v1/changes/: the event log as the API shows it, in commit order, per caller."""

from __future__ import annotations

import datetime

from django.db import connection
from django.test.utils import CaptureQueriesContext

from engagements.models import Phase
from kernel.tenancy import tenant_context
from milestones.models import Milestone
from milestones.services import create_milestone, delete_milestone, update_milestone

FEED = "/api/v1/changes/"


def read_feed(api, token, *, after=None, limit=200):
    """Every entry after ``after``, following ``next``; the cursor to resume from."""
    entries, url = [], f"{FEED}?limit={limit}" + (f"&after={after}" if after else "")
    while url:
        page = api.get(url, token=token)
        assert page.status_code == 200, page.content
        body = page.json()
        entries += body["results"]
        after = body["cursor"]
        url = body["next"]
    return entries, after


def mirror_of(entries, kind="milestone"):
    mirror = {}
    for entry in entries:
        if entry["type"] != kind:
            continue
        if entry["action"] == "deleted":
            mirror.pop(entry["id"], None)
        elif entry["object"] is not None:
            mirror[entry["id"]] = entry["object"]
    return mirror


def api_milestones(api, token):
    rows, url = {}, "/api/v1/milestones/?page_size=1000"
    while url:
        body = api.get(url, token=token).json()
        rows.update({row["id"]: row for row in body["results"]})
        url = body["next"]
    return rows


def test_replaying_the_feed_ends_with_an_exact_copy(api, home):
    token = home.tokens["pmo"]
    with tenant_context(home.tenant):
        first, second = Milestone.objects.filter(engagement=home.engagement).order_by("id")[:2]
        update_milestone(actor=home.pmo, milestone=first, title="Renamed in the feed")
        phase = Phase.objects.get(engagement=home.engagement, kind="access")
        added = create_milestone(
            actor=home.pmo,
            engagement=home.engagement,
            phase=phase,
            title="Added, then deleted",
            owner=home.pmo,
            side="joint",
            due_date=datetime.date(2026, 2, 2),
        )
        delete_milestone(actor=home.pmo, milestone=added)
        delete_milestone(actor=home.pmo, milestone=second)

    entries, _cursor = read_feed(api, token, limit=37)

    cursors = [entry["cursor"] for entry in entries]
    assert len(cursors) == len(set(cursors))
    assert mirror_of(entries) == api_milestones(api, token)
    about_added = [e for e in entries if e["id"] == str(added.public_id)]
    # Created, then deleted: the creation no longer has an object to show.
    assert [(e["action"], e["object"]) for e in about_added] == [
        ("created", None),
        ("deleted", {"id": str(added.public_id)}),
    ]
    renamed = [e for e in entries if e["id"] == str(first.public_id)][-1]
    assert renamed["object"]["title"] == "Renamed in the feed"
    assert renamed["operation"] == "milestone.updated"


def test_a_consumer_resumes_from_its_cursor_and_sees_only_what_followed(api, home):
    token = home.tokens["pmo"]
    _entries, cursor = read_feed(api, token)
    with tenant_context(home.tenant):
        milestone = Milestone.objects.filter(engagement=home.engagement).first()
        update_milestone(actor=home.pmo, milestone=milestone, title="After the cursor")

    entries, _ = read_feed(api, token, after=cursor)

    assert [(e["type"], e["action"], e["object"]["title"]) for e in entries] == [
        ("milestone", "updated", "After the cursor")
    ]
    caught_up = api.get(f"{FEED}?after={entries[-1]['cursor']}", token=token).json()
    assert caught_up == {"results": [], "cursor": entries[-1]["cursor"], "next": None}


def test_a_member_outside_the_engagement_sees_none_of_its_changes(api, home):
    seated, _ = read_feed(api, home.tokens["provider_lead"])
    outside, _ = read_feed(api, home.tokens["bystander"])

    assert {e["object"]["engagement"] for e in seated if e["type"] == "milestone"} == {
        str(home.engagement.public_id)
    }
    assert outside == []


def test_another_tenants_changes_never_appear(api, home, foreign):
    entries, _ = read_feed(api, home.tokens["pmo"])
    with tenant_context(foreign.tenant):
        foreign_ids = {str(m.public_id) for m in Milestone.objects.all()}
    assert foreign_ids.isdisjoint({e["id"] for e in entries})
    assert (
        str(foreign.engagement.public_id).encode()
        not in api.get(f"{FEED}?limit=1000", token=home.tokens["pmo"]).content
    )


def test_a_bad_cursor_or_limit_is_a_400_problem(api, home):
    token = home.tokens["pmo"]
    for bad in ("5", "not-a-cursor", "cA", "%00", "cC0x"):
        response = api.get(f"{FEED}?after={bad}", token=token)
        assert response.status_code == 400, bad
        assert response["Content-Type"] == "application/problem+json"
        assert list(response.json()["errors"]) == ["after"]
    response = api.get(f"{FEED}?limit=0", token=token)
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["limit"]


def page_queries(api, token) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as queries:
        response = api.get(f"{FEED}?limit=1000", token=token)
    assert response.status_code == 200
    return len(queries), len(response.json()["results"])


def test_a_page_costs_the_same_queries_however_many_entries_it_holds(api, home):
    token = home.tokens["provider_lead"]
    page_queries(api, token)  # warm what is not per page
    before, entries_before = page_queries(api, token)
    with tenant_context(home.tenant):
        for milestone in Milestone.objects.filter(engagement=home.engagement)[:30]:
            update_milestone(actor=home.pmo, milestone=milestone, title=f"{milestone.title}!")

    after, entries_after = page_queries(api, token)

    assert entries_after == entries_before + 30
    # One query for the events, then one per type on the page (with its prefetches).
    assert after == before, (before, after)
