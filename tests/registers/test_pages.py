"""The register pages as people use them: rows, filters, quick edits, refusals."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from engagements.models import EngagementMember
from kernel.tenancy import tenant_context
from milestones.models import Milestone
from registers.models import DecisionRight, EscalationLevel, RaidItem
from registers.services import create_raid_item, update_raid_item
from tests.registers.support import agree_escalation_path

PAST = datetime.date(2001, 1, 1)
FUTURE = datetime.date(2999, 1, 1)


def raid_url(world, suffix=""):
    return f"/engagements/{world.engagement.public_id}/raid/{suffix}"


def add(world, kind="action", *, title=None, owner=None, due_date=FUTURE, **fields):
    return create_raid_item(
        actor=world.pmo,
        engagement=world.engagement,
        kind=kind,
        title=title or f"A {kind}",
        owner=owner or world.provider_lead,
        due_date=due_date,
        **fields,
    )


def text(response) -> str:
    """The page's words, tags removed and spaces collapsed."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def heat_cell(response, probability, impact) -> int:
    found = re.search(
        rf'data-probability="{probability}" data-impact="{impact}" data-count="(\d+)"',
        response.content.decode(),
    )
    return int(found.group(1))


@pytest.fixture
def viewer(world):
    EngagementMember.objects.filter(user=world.client_staff).update(role="viewer")
    return world.client_staff


# --- The list --------------------------------------------------------------------------------


def test_the_list_shows_every_item_and_the_heat_map(client, world):
    add(world, "risk", title="Late certification", probability=4, impact=5)
    add(world, "risk", title="Attrition", probability=4, impact=5)
    add(world, "risk", title="Minor tooling delay", probability=1, impact=2)
    add(world, "issue", title="Badge readers offline", due_date=PAST)
    add(
        world,
        "exception",
        title="Refund without receipt",
        description="Customers ask for refunds without a receipt.",
        decision_rule="Refund up to 20 EUR on trust.",
    )
    client.force_login(world.provider_lead)

    response = client.get(raid_url(world))

    assert response.status_code == 200
    words = text(response)
    for title in ("Late certification", "Attrition", "Badge readers offline"):
        assert title in words
    assert "Rule: Refund up to 20 EUR on trust." in words
    assert "Probability 4 \u00d7 impact 5 = 20 Critical" in words
    assert "Overdue" in words
    assert "3 open risks" in words
    assert heat_cell(response, 4, 5) == 2
    assert heat_cell(response, 1, 2) == 1
    assert heat_cell(response, 5, 5) == 0
    assert "5 items" in words
    assert "Add Risk" in words  # an editor may add


def test_filters_narrow_the_list_by_kind_status_owner_and_overdue(client, world):
    add(world, "risk", title="Late certification", probability=3, impact=3)
    add(world, "issue", title="Badge readers offline", due_date=PAST)
    add(world, "action", title="Send the seating plan", owner=world.client_lead)
    closed = add(world, "issue", title="Old issue", due_date=PAST)
    update_raid_item(actor=world.pmo, item=closed, status="closed")
    client.force_login(world.pmo)

    def titles(query):
        words = text(client.get(raid_url(world) + query))
        return [
            title
            for title in (
                "Late certification",
                "Badge readers offline",
                "Send the seating plan",
                "Old issue",
            )
            if title in words
        ]

    assert titles("?kind=issue") == ["Badge readers offline", "Old issue"]
    assert titles("?kind=issue&status=not_closed") == ["Badge readers offline"]
    assert titles(f"?owner={world.client_lead.pk}") == ["Send the seating plan"]
    assert titles("?overdue=on") == ["Badge readers offline"]
    assert titles("?kind=risk&probability=3&impact=3") == ["Late certification"]
    assert "No item matches these filters" in text(client.get(raid_url(world) + "?kind=decision"))


def test_an_htmx_filter_gets_only_the_table(client, world):
    add(world, "issue", title="Badge readers offline")
    client.force_login(world.pmo)
    response = client.get(raid_url(world) + "?kind=issue", headers={"HX-Request": "true"})
    assert response.status_code == 200
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="raid-table">')
    assert "Badge readers offline" in body and "<html" not in body
    assert "HX-Request" in response["Vary"]


def test_list_queries_do_not_grow_with_the_rows(client, world, django_assert_max_num_queries):
    milestones = list(Milestone.objects.filter(engagement=world.engagement)[:3])
    kinds = ["risk", "issue", "action", "decision", "exception", "assumption"]

    def add_items(count):
        for n in range(count):
            kind = kinds[n % len(kinds)]
            extra = {"probability": 1 + n % 5, "impact": 1 + (n * 2) % 5} if kind == "risk" else {}
            if kind == "exception":
                extra["description"] = "A situation"
            if kind in ("decision", "exception"):
                extra["agreed_by"] = [world.client_lead, world.provider_lead]
            add(world, kind, title=f"Item {n}", milestones=milestones[: n % 4], **extra)

    client.force_login(world.provider_lead)
    add_items(10)
    with CaptureQueriesContext(connection) as ten:
        assert client.get(raid_url(world)).status_code == 200
    add_items(50)
    with django_assert_max_num_queries(len(ten.captured_queries)):
        response = client.get(raid_url(world))
    assert "60 items" in text(response)
    assert len(ten.captured_queries) <= 14


# --- Adding and editing ----------------------------------------------------------------------


def test_adding_a_risk_from_the_form(client, world):
    client.force_login(world.client_lead)
    response = client.get(raid_url(world, "new/?kind=risk"))
    assert response.status_code == 200
    assert "Mitigation" in text(response)
    response = client.post(
        raid_url(world, "new/?kind=risk"),
        {
            "kind": "risk",
            "title": "Trainers unavailable in week 3",
            "probability": "3",
            "impact": "4",
            "response": "Book the backup trainer now",
            "owner": str(world.provider_lead.pk),
            "due_date": "2026-02-20",
            "status": "open",
        },
        follow=True,
    )
    assert "Risk “Trainers unavailable in week 3” added." in text(response)
    item = RaidItem.objects.get()
    assert (item.score, item.owner, item.response) == (
        12,
        world.provider_lead,
        "Book the backup trainer now",
    )


def test_bad_input_is_refused_with_the_field_named_and_typed_values_kept(client, world):
    client.force_login(world.client_lead)
    response = client.post(
        raid_url(world, "new/?kind=exception"),
        {
            "kind": "exception",
            "title": "Refund without receipt",
            "description": "   ",
            "handling": "Team A refuses, team B refunds",
            "owner": str(world.bystander.pk),
            "due_date": "2026-02-20",
            "status": "open",
        },
    )
    assert response.status_code == 400
    words = text(response)
    assert "This field is required." in words  # the situation
    assert "Choose a member of this engagement." in words  # the owner
    assert 'value="Refund without receipt"' in response.content.decode()
    assert "Team A refuses, team B refunds" in words
    assert not RaidItem.objects.exists()


def test_closing_an_exception_without_a_rule_says_why(client, world):
    exception = add(world, "exception", title="Address change", description="No ID")
    client.force_login(world.provider_lead)
    response = client.post(raid_url(world, f"{exception.public_id}/close/"), follow=True)
    assert "An exception is closed by the decision rule everybody now applies." in text(response)
    assert response.redirect_chain[-1][0] == raid_url(world, f"{exception.public_id}/")
    assert RaidItem.objects.get().status == "open"


def test_the_item_page_saves_an_edit_and_shows_the_history(client, world):
    item = add(world, "issue", title="Badge readers offline")
    client.force_login(world.client_lead)
    page = client.get(raid_url(world, f"{item.public_id}/"))
    assert "added it" in text(page)
    response = client.post(
        raid_url(world, f"{item.public_id}/"),
        {
            "title": "Badge readers offline on floor 2",
            "description": "",
            "response": "Facilities replace the readers",
            "owner": str(world.client_lead.pk),
            "due_date": "2026-02-20",
            "status": "in_progress",
            "version": "1",
        },
        follow=True,
    )
    assert "“Badge readers offline on floor 2” saved." in text(response)
    assert "changed title, owner, due date, status, response" in text(
        client.get(raid_url(world, f"{item.public_id}/"))
    )


def test_the_item_page_says_overdue_in_words_until_the_item_is_closed(client, world):
    late = add(world, "action", title="Send the badge list", due_date=PAST)
    on_time = add(world, "action", title="Book the training room")
    client.force_login(world.provider_lead)
    header = text(client.get(raid_url(world, f"{late.public_id}/"))).split("History")[0]
    assert "due 1 Jan 2001 Overdue" in header
    assert "Overdue" not in text(client.get(raid_url(world, f"{on_time.public_id}/")))

    update_raid_item(actor=world.pmo, item=late, status="closed")
    assert "Overdue" not in text(client.get(raid_url(world, f"{late.public_id}/")))


def test_a_quick_edit_saves_the_row(client, world):
    item = add(world, "issue", title="Badge readers offline")
    client.force_login(world.provider_lead)
    form = client.get(raid_url(world, f"{item.public_id}/quick-edit/"), headers={"HX-Request": "1"})
    assert 'name="version" value="1"' in form.content.decode()
    response = client.post(
        raid_url(world, f"{item.public_id}/quick-edit/"),
        {
            "status": "in_progress",
            "owner": str(world.client_lead.pk),
            "due_date": "2026-03-01",
            "version": "1",
        },
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    words = text(response)
    assert "In progress" in words and "Saved" in words and str(world.client_lead) in words
    stored = RaidItem.objects.get()
    assert (stored.status, stored.owner, stored.due_date) == (
        "in_progress",
        world.client_lead,
        datetime.date(2026, 3, 1),
    )


def test_a_stale_quick_edit_is_refused_and_changes_nothing(client, world):
    item = add(world, "issue", title="Badge readers offline")
    update_raid_item(actor=world.pmo, item=item, status="in_progress")  # version 2
    client.force_login(world.provider_lead)
    response = client.post(
        raid_url(world, f"{item.public_id}/quick-edit/"),
        {
            "status": "closed",
            "owner": str(world.provider_lead.pk),
            "due_date": "2026-03-01",
            "version": "1",
        },
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 409
    assert "was changed by someone else" in text(response)
    stored = RaidItem.objects.get()
    assert (stored.status, stored.version) == ("in_progress", 2)


# --- Refusals --------------------------------------------------------------------------------


def test_a_viewer_reads_but_every_change_is_refused(client, world, viewer):
    item = add(world, "issue", title="Badge readers offline")
    client.force_login(viewer)
    page = client.get(raid_url(world))
    assert page.status_code == 200
    assert "Badge readers offline" in text(page)
    assert "Quick edit" not in text(page) and "Add Risk" not in text(page)
    detail = client.get(raid_url(world, f"{item.public_id}/"))
    assert detail.status_code == 200 and 'name="title"' not in detail.content.decode()
    posts = {
        raid_url(world, "new/?kind=issue"): {
            "kind": "issue",
            "title": "Viewer issue",
            "owner": str(viewer.pk),
            "due_date": "2026-02-20",
            "status": "open",
        },
        raid_url(world, f"{item.public_id}/"): {"title": "Changed", "version": "1"},
        raid_url(world, f"{item.public_id}/quick-edit/"): {"status": "closed", "version": "1"},
        raid_url(world, f"{item.public_id}/close/"): {},
    }
    for url, form in posts.items():
        assert client.post(url, form).status_code == 403, url
    assert client.get(raid_url(world, "new/?kind=issue")).status_code == 403
    stored = RaidItem.objects.get()
    assert (stored.title, stored.status, stored.version) == ("Badge readers offline", "open", 1)


def test_outsiders_get_404_and_change_nothing(client, world, other_world):
    item = add(world, "issue", title="Badge readers offline")
    agree_escalation_path(world)
    for outsider in (world.bystander, other_world.provider_lead):
        client.force_login(outsider)
        for url in (
            raid_url(world),
            raid_url(world, f"{item.public_id}/"),
            raid_url(world, "escalation/"),
        ):
            response = client.get(url)
            assert response.status_code == 404, url
            assert b"Badge readers offline" not in response.content
        assert client.post(raid_url(world, f"{item.public_id}/close/")).status_code == 404
        level = EscalationLevel.objects.first()
        assert (
            client.post(raid_url(world, f"escalation/levels/{level.public_id}/remove/")).status_code
            == 404
        )
    assert RaidItem.objects.get().status == "open"
    assert EscalationLevel.objects.count() == 2


# --- Escalation path and decision rights -----------------------------------------------------


def test_the_escalation_page_shows_the_path_the_rights_and_the_go_live_check(client, world):
    agree_escalation_path(world, levels=1)
    DecisionRight.objects.create(
        tenant=world.tenant,
        engagement=world.engagement,
        area="Scope changes",
        approver_side="client",
        consulted="Provider lead",
        informed="PMO",
    )
    client.force_login(world.provider_staff)
    response = client.get(raid_url(world, "escalation/"))
    words = text(response)
    assert response.status_code == 200
    assert "Team leads" in words and "4 hours" in words
    assert str(world.client_lead) in words and str(world.provider_lead) in words
    assert "Scope changes Client lead Provider lead PMO" in words
    assert "Not met An escalation path with at least two levels (1 so far)" in words
    assert "Add a level" not in words and "Add a decision right" not in words  # reads only

    client.force_login(world.pmo)
    assert "Add a level" in text(client.get(raid_url(world, "escalation/")))


def test_pmo_adds_a_level_and_a_lead_adds_a_decision_right(client, world):
    client.force_login(world.pmo)
    response = client.post(
        raid_url(world, "escalation/levels/new/"),
        {
            "name": "Operations managers",
            "client_contact": str(world.client_lead.pk),
            "provider_contact": str(world.provider_lead.pk),
            "response_hours": "24",
        },
        follow=True,
    )
    assert "Escalation level added." in text(response)
    assert EscalationLevel.objects.get().name == "Operations managers"

    client.force_login(world.client_lead)
    response = client.post(
        raid_url(world, "decision-rights/new/"),
        {
            "area": "System access",
            "approver_side": "client",
            "approver_role": "lead",
            "informed": "Provider lead",
        },
        follow=True,
    )
    assert "Decision right added." in text(response)
    assert DecisionRight.objects.get().approver_label == "Client lead"


def test_a_contact_from_the_wrong_side_is_refused_on_the_form(client, world):
    client.force_login(world.pmo)
    response = client.post(
        raid_url(world, "escalation/levels/new/"),
        {
            "name": "Team leads",
            "client_contact": str(world.provider_lead.pk),
            "provider_contact": str(world.provider_lead.pk),
            "response_hours": "4",
        },
    )
    assert response.status_code == 400
    assert "Choose a member of the client side." in text(response)
    assert 'value="Team leads"' in response.content.decode()
    assert not EscalationLevel.objects.exists()


def test_members_who_are_not_leads_cannot_change_the_path_or_the_rights(client, world):
    [level] = agree_escalation_path(world, levels=1)
    client.force_login(world.provider_staff)
    form = {
        "name": "Managers",
        "client_contact": str(world.client_lead.pk),
        "provider_contact": str(world.provider_lead.pk),
        "response_hours": "24",
        "area": "Go-live",
        "approver_side": "pmo",
    }
    for url in (
        raid_url(world, "escalation/levels/new/"),
        raid_url(world, f"escalation/levels/{level.public_id}/"),
        raid_url(world, f"escalation/levels/{level.public_id}/remove/"),
        raid_url(world, "decision-rights/new/"),
    ):
        assert client.post(url, form).status_code == 403, url
    assert client.get(raid_url(world, "escalation/levels/new/")).status_code == 403
    assert [(lv.name, lv.version) for lv in EscalationLevel.objects.all()] == [("Team leads", 1)]
    assert not DecisionRight.objects.exists()


def test_a_lead_edits_and_removes_a_level(client, world):
    first, _second = agree_escalation_path(world)
    client.force_login(world.provider_lead)
    response = client.post(
        raid_url(world, f"escalation/levels/{first.public_id}/"),
        {
            "name": "Shift leads",
            "client_contact": str(world.client_lead.pk),
            "provider_contact": str(world.provider_lead.pk),
            "response_hours": "2",
            "version": "1",
        },
        follow=True,
    )
    assert "Level 1 saved." in text(response)
    response = client.post(
        raid_url(world, f"escalation/levels/{first.public_id}/remove/"), follow=True
    )
    assert "Level 1 (Shift leads) removed." in text(response)
    assert [(lv.level, lv.name) for lv in EscalationLevel.objects.all()] == [
        (1, "Operations managers")
    ]


def test_a_foreign_tenants_item_id_under_my_engagement_is_404(client, world, other_world):
    with tenant_context(other_world.tenant):
        foreign = create_raid_item(
            actor=other_world.pmo,
            engagement=other_world.engagement,
            kind="issue",
            title="Bravo issue",
            owner=other_world.pmo,
            due_date=FUTURE,
        )
    client.force_login(world.pmo)
    response = client.get(raid_url(world, f"{foreign.public_id}/"))
    assert response.status_code == 404
    assert b"Bravo issue" not in response.content
