"""List endpoints: a fixed number of queries per page whatever the rows, and keyset paging
that neither repeats nor skips a row while others are written."""

from __future__ import annotations

import uuid
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from api.rest.pagination import decode_cursor
from kernel.tenancy import tenant_context
from milestones.models import Milestone
from milestones.services import create_milestone, update_milestone
from tests.world import add_engagement

# token, membership, the page, and each prefetched relation
LISTS = {
    "/api/v1/engagements/": 3,
    "/api/v1/phases/": 3,
    "/api/v1/milestones/": 3,  # dependencies come inside the page's query
    "/api/v1/gates/": 5,
    "/api/v1/gate-criteria/": 3,
    "/api/v1/reviews/": 4,
    "/api/v1/kpis/": 3,
    "/api/v1/kpi-measurements/": 3,
    "/api/v1/members/": 4,
    "/api/v1/api-tokens/": 3,
}


def queries_for(api, url, token) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as captured:
        response = api.get(url, token=token)
    assert response.status_code == 200
    return len(captured), len(response.json()["results"])


@pytest.mark.parametrize("url", LISTS)
def test_a_page_costs_the_same_queries_whatever_its_rows(
    api, home, url, django_assert_max_num_queries
):
    token = home.tokens["admin"]
    api.get(url, token=token)  # the token's first use of the minute is written once
    small, small_rows = queries_for(api, url + "?page_size=5", token)
    with tenant_context(home.tenant):
        add_engagement(home.world, name="Second desk")
        add_engagement(home.world, key="implementation-outline", name="Third desk")
    with django_assert_max_num_queries(LISTS[url]):
        large, large_rows = queries_for(api, url + "?page_size=1000", token)
    assert large == small
    assert large_rows >= small_rows


def sync(api, token, url="/api/v1/milestones/?page_size=7", between_pages=None) -> list[dict]:
    rows, page = [], 0
    while url:
        body = api.get(url, token=token).json()
        rows += body["results"]
        url, page = body["next"], page + 1
        if between_pages and url:
            between_pages(page)
    return rows


def test_cursors_name_no_integer_key_and_pages_follow_the_uuid_order(api, home):
    token = home.tokens["pmo"]
    first = api.get("/api/v1/milestones/?page_size=3", token=token).json()
    cursor = parse_qs(urlsplit(first["next"]).query)["cursor"][0]
    assert len(cursor) == 22
    assert decode_cursor(cursor) == uuid.UUID(first["results"][-1]["id"])
    rows = sync(api, token)
    ids = [row["id"] for row in rows]
    assert ids == sorted(ids)
    with tenant_context(home.tenant):
        assert len(ids) == len(set(ids)) == Milestone.objects.count()


def test_a_sync_sees_every_row_once_while_rows_are_inserted_and_updated(api, home):
    token = home.tokens["pmo"]
    with tenant_context(home.tenant):
        existing = set(map(str, Milestone.objects.values_list("public_id", flat=True)))
        phase = home.engagement.phases.get(kind="tooling")

    def meanwhile(page):
        with tenant_context(home.tenant):
            for milestone in Milestone.objects.order_by("-public_id")[:2]:
                update_milestone(actor=home.pmo, milestone=milestone, title=f"{page} changed")
            create_milestone(
                actor=home.pmo,
                engagement=home.engagement,
                phase=phase,
                title=f"Inserted during page {page}",
                owner=home.provider_lead,
                side="provider",
                due_date=phase.planned_end,
            )

    rows = sync(api, token, between_pages=meanwhile)
    ids = [row["id"] for row in rows]
    assert len(ids) == len(set(ids))  # no duplicates
    assert existing <= set(ids)  # no row that existed is skipped
    # Rows inserted meanwhile either appear (after the cursor) or wait for the next sync.
    with tenant_context(home.tenant):
        assert set(ids) <= set(map(str, Milestone.objects.values_list("public_id", flat=True)))


def test_updated_since_returns_only_what_changed(api, home):
    token = home.tokens["pmo"]
    all_rows = sync(api, token)
    mark = max(row["updated_at"] for row in all_rows)
    with tenant_context(home.tenant):
        milestone = Milestone.objects.order_by("public_id").first()
        update_milestone(actor=home.pmo, milestone=milestone, title="Changed after the mark")
    changed = sync(
        api, token, url=f"/api/v1/milestones/?updated_since={mark.replace('Z', '%2B00:00')}"
    )
    assert [row["title"] for row in changed if row["updated_at"] > mark] == [
        "Changed after the mark"
    ]


def test_milestone_filters(api, home):
    token = home.tokens["pmo"]
    rows = sync(api, token)
    provider_done = [r for r in rows if r["side"] == "provider" and r["phase"] == "kickoff"]
    got = sync(api, token, url="/api/v1/milestones/?side=provider&phase=kickoff")
    assert [r["id"] for r in got] == [r["id"] for r in provider_done]
    owner = rows[0]["owner"]
    got = sync(api, token, url=f"/api/v1/milestones/?owner={owner}&status=not_started&status=done")
    assert got and all(r["owner"] == owner for r in got)
    got = sync(
        api, token, url="/api/v1/milestones/?due_date_after=2026-01-10&due_date_before=2026-01-20"
    )
    assert got and all("2026-01-10" <= r["due_date"] <= "2026-01-20" for r in got)
    engagement = rows[0]["engagement"]
    assert len(sync(api, token, url=f"/api/v1/milestones/?engagement={engagement}")) == len(rows)


def test_a_milestone_lists_what_it_depends_on(api, home):
    with tenant_context(home.tenant):
        dependent = Milestone.objects.filter(depends_on__isnull=False).distinct().first()
        expected = sorted(str(d.public_id) for d in dependent.depends_on.all())
    one = api.get(f"/api/v1/milestones/{dependent.public_id}/", token=home.tokens["pmo"]).json()
    assert one["depends_on"] == expected
    listed = {row["id"]: row for row in sync(api, home.tokens["pmo"])}
    assert listed[str(dependent.public_id)]["depends_on"] == expected
    assert listed[str(dependent.public_id)] == one
