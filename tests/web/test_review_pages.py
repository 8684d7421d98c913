"""The review pages: KPI table, daily measurement grid, explanations, day-90, publish."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import Membership
from audit.models import Event
from engagements.plan import review_window
from engagements.services import add_member
from reporting.kpis import define_kpi
from reporting.measurements import record_measurement
from reporting.models import ForwardTarget, Kpi, KpiMeasurement, Review, ReviewKpiResult
from reporting.reviews import explain_miss
from reporting.reviews import refresh_review as refresh
from tests import factories

HTMX = {"HTTP_HX_REQUEST": "true"}


def page_url(review: Review, action: str = "") -> str:
    return f"/engagements/{review.engagement.public_id}/reviews/{review.public_id}/{action}"


def state_of(review: Review) -> tuple:
    """Everything a review action could change, to prove a refused one changed nothing."""
    review.refresh_from_db()
    return (
        review.status,
        review.target_standing,
        list(
            ReviewKpiResult.objects.filter(review=review)
            .order_by("id")
            .values_list("value", "met", "root_cause", "corrective_action", "action_owner")
        ),
        list(KpiMeasurement.objects.order_by("id").values_list("kpi_id", "measured_on", "value")),
        ForwardTarget.objects.count(),
        Event.objects.count(),
    )


def measure_window(world, review: Review, key: str, value: str) -> None:
    start, end = review_window(review=review)
    kpi = Kpi.objects.get(key=key)
    day = start
    while day <= end:
        record_measurement(
            actor=world.provider_lead, kpi=kpi, measured_on=day, value=Decimal(value)
        )
        day += datetime.timedelta(days=1)


def on_target(kpi: Kpi) -> str:
    return str(kpi.target + 5 if kpi.direction == "higher" else kpi.target - 1)


@pytest.fixture
def review_14(world):
    return Review.objects.select_related("engagement").get(day=14)


@pytest.fixture
def one_miss(world, review_14):
    """Every KPI on target over the day-14 window except speed to lead (lower is better)."""
    for kpi in Kpi.objects.exclude(key="speed-to-lead"):
        measure_window(world, review_14, kpi.key, on_target(kpi))
    measure_window(world, review_14, "speed-to-lead", "9")
    refresh(actor=world.pmo, review=review_14)
    return ReviewKpiResult.objects.get(review=review_14, kpi__key="speed-to-lead")


@pytest.fixture
def viewer(world):
    user = factories.UserFactory(username="alpha-viewer")
    Membership.objects.create(user=user, tenant=world.tenant, role="member")
    add_member(
        actor=world.pmo, engagement=world.engagement, user=user, side="client", role="viewer"
    )
    return user


def explanation(owner, **changes) -> dict:
    return {
        "root_cause": "Leads routed to the evening shift",
        "corrective_action": "Route web leads to the day queue",
        "action_owner": str(owner.public_id),
        "action_due": "2026-02-02",
        **changes,
    }


# --- The list and the page ----------------------------------------------------------------------


def test_the_review_list_shows_each_review_with_its_date_and_status(
    client, world, review_14, one_miss, django_assert_max_num_queries
):
    client.force_login(world.client_lead)
    client.get("/")  # the first request of a session loads what later ones reuse

    # Constant, whatever the number of reviews; one of them is the engagement tabs asking
    # whether this person may administer it (their seat).
    with django_assert_max_num_queries(7):
        response = client.get(f"/engagements/{world.engagement.public_id}/reviews/")

    assert response.status_code == 200
    rows = re.findall(r"<tr>.*?</tr>", response.content.decode().split("<tbody>")[1], re.S)
    assert [re.search(r"Day (\d+)</td>", row).group(1) for row in rows] == [
        "14",
        "30",
        "45",
        "60",
        "90",
    ]
    assert "19 Jan 2026" in rows[0] and ">Scheduled</span>" in rows[0]
    assert "4 of 5" in rows[0]
    assert "Not computed yet" in rows[1]


def test_the_review_page_holds_each_kpi_against_its_target_in_words(
    client, world, review_14, one_miss
):
    client.force_login(world.client_lead)

    response = client.get(page_url(review_14))

    assert response.status_code == 200
    rows = {
        re.search(r'<th scope="row" data-label="KPI">([^<]+)</th>', row).group(1): row
        for row in re.findall(r"<tr>.*?</tr>", response.content.decode(), re.S)
        if 'data-label="KPI"' in row
    }
    contact = rows["Contact rate"]
    assert 'data-label="Target">30 %' in contact
    assert 'data-label="Mean over the window">35 %' in contact
    assert "Higher is better" in contact and ">Met</span>" in contact
    speed = rows["Speed to lead"]
    assert 'data-label="Mean over the window">9 minutes' in speed
    assert "Lower is better" in speed and ">Missed</span>" in speed
    assert "Needs an explanation" in speed
    # The page says which computation the numbers and their status come from.
    basis = re.search(r'id="results-basis">(.*?)</p>', response.content.decode(), re.S).group(1)
    assert "mean of the KPI's daily measurements over the window" in basis
    assert "4 of 5 KPIs with data on target" in basis


def test_the_review_page_query_count_does_not_grow_with_kpis(
    client, world, review_14, one_miss, django_assert_max_num_queries
):
    client.force_login(world.pmo)
    client.get(page_url(review_14))
    with CaptureQueriesContext(connection) as few:
        client.get(page_url(review_14))
    for number in range(10):
        kpi = define_kpi(
            actor=world.pmo,
            engagement=world.engagement,
            key=f"extra-{number}",
            name=f"Extra {number}",
            target=Decimal("10"),
            direction="higher",
        )
        record_measurement(
            actor=world.pmo, kpi=kpi, measured_on=review_14.scheduled_on, value=Decimal("1")
        )
    refresh(actor=world.pmo, review=review_14)

    with django_assert_max_num_queries(10):
        response = client.get(page_url(review_14))

    assert response.status_code == 200
    assert response.content.decode().count("Needs an explanation") == 11
    with CaptureQueriesContext(connection) as many:
        client.get(page_url(review_14))
    assert len(many) == len(few)


# --- The daily measurement grid -----------------------------------------------------------------


def test_the_grid_shows_the_last_seven_days_of_the_window(client, world, review_14, one_miss):
    client.force_login(world.provider_lead)

    html = client.get(page_url(review_14)).content.decode()

    grid = html.split('id="measurements"')[1]
    assert re.findall(r'<th scope="col" class="">(\w{3} \d+ \w{3})', grid) == [
        "Tue 13 Jan",
        "Wed 14 Jan",
        "Thu 15 Jan",
        "Fri 16 Jan",
        "Sat 17 Jan",
        "Sun 18 Jan",
        "Mon 19 Jan",
    ]
    assert 'aria-label="Speed to lead on 19 Jan"' in grid
    speed = re.search(r'name="value"[^>]*\n[^>]*\n[^>]*value="(\d+)"', grid)
    assert speed is not None


def test_an_earlier_week_of_the_grid_comes_alone_for_htmx(client, world, review_14):
    client.force_login(world.provider_lead)

    response = client.get(page_url(review_14) + "?until=2026-01-12", **HTMX)

    html = response.content.decode()
    assert html.strip().startswith('<section id="measurements"')
    assert "Tue 6 Jan" in html and "Mon 12 Jan" in html and "Tue 13 Jan" not in html
    assert "HX-Request" in response["Vary"]


def test_a_measurement_entered_in_the_grid_updates_its_cell(client, world, review_14):
    kpi = Kpi.objects.get(key="contact-rate")
    client.force_login(world.provider_lead)

    response = client.post(
        page_url(review_14, "measurements/"),
        {"kpi": kpi.public_id, "measured_on": "2026-01-18", "value": "42.5"},
        **HTMX,
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert html.strip().startswith('<td data-label="Sun 18 Jan"')
    assert 'value="42.5"' in html and "Contact rate on 18 Jan saved." in html
    stored = KpiMeasurement.objects.get(kpi=kpi, measured_on=datetime.date(2026, 1, 18))
    assert (stored.value, stored.recorded_by) == (Decimal("42.5"), world.provider_lead)


@pytest.mark.parametrize(
    ("day", "value", "status", "message"),
    [
        ("2026-01-18", "forty", 400, "Enter a number."),
        ("2999-01-01", "40", 400, "A measurement cannot be dated in the future."),
    ],
)
def test_a_refused_measurement_is_shown_in_its_cell_keeping_what_was_typed(
    client, world, review_14, day, value, status, message
):
    kpi = Kpi.objects.get(key="contact-rate")
    before = state_of(review_14)
    client.force_login(world.provider_lead)

    response = client.post(
        page_url(review_14, "measurements/"),
        {"kpi": kpi.public_id, "measured_on": day, "value": value},
        **HTMX,
    )

    assert response.status_code == status
    html = response.content.decode()
    assert html.strip().startswith("<td") and message in html
    assert f'value="{value}"' in html and 'aria-invalid="true"' in html
    assert state_of(review_14) == before


def test_without_htmx_a_measurement_returns_to_the_grid(client, world, review_14):
    kpi = Kpi.objects.get(key="contact-rate")
    client.force_login(world.provider_lead)

    response = client.post(
        page_url(review_14, "measurements/"),
        {"kpi": kpi.public_id, "measured_on": "2026-01-18", "value": "31"},
        follow=True,
    )

    assert response.redirect_chain[-1][0].endswith("#measurements")
    assert "Contact rate on 18 Jan 2026 recorded." in response.content.decode()


def test_refresh_holds_the_kpis_against_their_targets(client, world, review_14):
    measure_window(world, review_14, "contact-rate", "31")
    client.force_login(world.provider_lead)

    response = client.post(page_url(review_14, "refresh/"), follow=True)

    assert (
        "Results refreshed: 1 of 1 KPIs with data on target over the window; 4 with no data."
        in response.content.decode()
    )
    assert ReviewKpiResult.objects.filter(review=review_14).count() == 5


# --- Misses and publishing -------------------------------------------------------------------


def test_an_incomplete_explanation_is_refused_beside_its_fields(client, world, review_14, one_miss):
    before = state_of(review_14)
    client.force_login(world.provider_lead)

    response = client.post(
        page_url(review_14, f"results/{one_miss.public_id}/explain/"),
        explanation(world.provider_lead, corrective_action=" ", action_due=""),
        **HTMX,
    )

    assert response.status_code == 400
    html = response.content.decode()
    assert html.strip().startswith(f'<article id="miss-{one_miss.public_id}"')
    assert "Say what is being done about it." in html
    assert "Give the date the fix is due." in html
    assert "Leads routed to the evening shift</textarea>" in html  # what was typed is kept
    assert state_of(review_14) == before


def test_a_miss_is_explained_in_place(client, world, review_14, one_miss):
    client.force_login(world.provider_lead)

    response = client.post(
        page_url(review_14, f"results/{one_miss.public_id}/explain/"),
        explanation(world.client_staff),
        **HTMX,
    )

    assert response.status_code == 200
    assert ">Explained</span>" in response.content.decode()
    one_miss.refresh_from_db()
    assert one_miss.explained and one_miss.action_owner == world.client_staff


def test_only_members_can_own_a_corrective_action(client, world, review_14, one_miss):
    before = state_of(review_14)
    client.force_login(world.provider_lead)

    response = client.post(
        page_url(review_14, f"results/{one_miss.public_id}/explain/"),
        explanation(world.bystander),
    )

    assert response.status_code == 400
    assert "Select a valid choice." in response.content.decode()
    assert str(world.bystander) not in response.content.decode().split('id="misses"')[1]
    assert state_of(review_14) == before


def test_publishing_is_refused_while_a_miss_is_unexplained(client, world, review_14, one_miss):
    before = state_of(review_14)
    client.force_login(world.pmo)

    response = client.post(page_url(review_14, "publish/"))

    assert response.status_code == 409
    html = response.content.decode()
    refusal = re.search(r'id="publish-refused">(.*?)</div>', html, re.S).group(1)
    assert "The Day-14 review cannot be published yet:" in refusal
    assert re.findall(r"<li>([^<]+)</li>", refusal) == [
        "Speed to lead: missed without root cause, corrective action, owner and due date"
    ]
    assert state_of(review_14) == before


def test_a_published_review_is_read_only(client, world, review_14, one_miss):
    explain_miss(
        actor=world.provider_lead,
        result=one_miss,
        root_cause="Evening routing",
        corrective_action="Day queue",
        action_owner=world.provider_lead,
        action_due=datetime.date(2026, 2, 2),
    )
    client.force_login(world.pmo)

    response = client.post(page_url(review_14, "publish/"), follow=True)

    html = response.content.decode()
    assert "The Day-14 review is published." in html
    assert "This review is read-only." in html and ">Print</button>" in html
    main = html.split('<main id="main"')[1]
    assert "<form" not in main and "<textarea" not in main and 'name="value"' not in main
    assert "Evening routing" in main and "Day queue" in main
    review_14.refresh_from_db()
    assert (review_14.status, review_14.published_by) == ("published", world.pmo)


# --- Day 90 ----------------------------------------------------------------------------------


def test_the_day_90_answers_and_targets_are_saved(client, world):
    review = Review.objects.get(day=90)
    targets = {f"target-{kpi.public_id}": "40" for kpi in Kpi.objects.all()}
    client.force_login(world.provider_lead)

    response = client.post(
        page_url(review, "day-90/"),
        {
            "target_standing": "Above target on four of five",
            "misses_understood": "Yes",
            "lessons_learned": "Web leads convert best before noon",
            "next_period_changes": "Add a second campaign",
            **targets,
        },
        follow=True,
    )

    html = response.content.decode()
    assert "The day-90 answers and the targets for days 91-180 are saved." in html
    assert "Web leads convert best before noon</textarea>" in html
    review.refresh_from_db()
    assert review.lessons_learned == "Web leads convert best before noon"
    assert set(ForwardTarget.objects.values_list("target", flat=True)) == {Decimal("40")}


def test_a_bad_forward_target_is_refused_beside_its_field(client, world):
    review = Review.objects.get(day=90)
    kpi = Kpi.objects.get(key="contact-rate")
    before = state_of(review)
    client.force_login(world.provider_lead)

    response = client.post(
        page_url(review, "day-90/"),
        {"lessons_learned": "Kept", f"target-{kpi.public_id}": "lots"},
    )

    assert response.status_code == 400
    html = response.content.decode()
    assert f'id="day90-target-{kpi.public_id}_error">Enter a number.' in html
    assert "Kept</textarea>" in html
    assert state_of(review) == before


def test_only_the_day_90_review_answers_the_four_questions(client, world, review_14):
    before = state_of(review_14)
    client.force_login(world.provider_lead)

    response = client.post(page_url(review_14, "day-90/"), {"lessons_learned": "x"})

    assert response.status_code == 409
    assert "Only the day-90 review answers the four questions." in response.content.decode()
    assert state_of(review_14) == before


# --- Every action, tried by someone without the right -------------------------------------------


def _actions(review_14, one_miss, owner):
    kpi = Kpi.objects.get(key="contact-rate")
    review_90 = Review.objects.get(day=90)
    return {
        "measure": (
            page_url(review_14, "measurements/"),
            {"kpi": kpi.public_id, "measured_on": "2026-01-18", "value": "1"},
        ),
        "explain": (
            page_url(review_14, f"results/{one_miss.public_id}/explain/"),
            explanation(owner),
        ),
        "day 90": (page_url(review_90, "day-90/"), {"lessons_learned": "x"}),
        "refresh": (page_url(review_14, "refresh/"), {}),
        "publish": (page_url(review_14, "publish/"), {}),
    }


REFUSED = [
    *[("bystander", action, 404) for action in ("measure", "explain", "day 90", "refresh")],
    ("bystander", "publish", 404),
    *[("viewer", action, 403) for action in ("measure", "explain", "day 90", "refresh")],
    ("viewer", "publish", 403),
    ("provider_lead", "publish", 403),
    ("client_lead", "publish", 403),
]


@pytest.mark.parametrize(("who", "action", "status"), REFUSED)
@pytest.mark.parametrize("htmx", [False, True], ids=["form", "htmx"])
def test_an_action_without_the_right_is_refused_and_changes_nothing(
    client, world, viewer, review_14, one_miss, who, action, status, htmx
):
    review_90 = Review.objects.get(day=90)
    before = (state_of(review_14), state_of(review_90))
    client.force_login(viewer if who == "viewer" else getattr(world, who))
    url, form = _actions(review_14, one_miss, world.provider_lead)[action]

    response = client.post(url, form, **(HTMX if htmx else {}))

    assert response.status_code == status
    assert (state_of(review_14), state_of(review_90)) == before


def test_a_viewer_sees_the_review_without_any_action(client, world, viewer, review_14, one_miss):
    client.force_login(viewer)

    html = client.get(page_url(review_14)).content.decode()

    assert "Speed to lead" in html
    main = html.split('<main id="main"')[1]
    assert "<form" not in main
    assert "Not explained yet." in main


def test_another_tenants_review_is_not_found(client, world, other_world, review_14):
    client.force_login(other_world.pmo)
    before = state_of(review_14)

    assert client.get(page_url(review_14)).status_code == 404
    assert client.post(page_url(review_14, "refresh/")).status_code == 404
    assert state_of(review_14) == before


@pytest.mark.parametrize("until", ["2026-02-30", "0001-01-01", "soon"])
def test_a_nonsense_grid_date_shows_the_last_days_of_the_window(client, world, review_14, until):
    client.force_login(world.provider_lead)

    response = client.get(page_url(review_14) + f"?until={until}")

    assert response.status_code == 200
    assert "Mon 19 Jan" in response.content.decode().split('id="measurements"')[1]


def test_without_htmx_a_refused_measurement_is_shown_on_the_page(client, world, review_14):
    kpi = Kpi.objects.get(key="contact-rate")
    before = state_of(review_14)
    client.force_login(world.provider_lead)

    response = client.post(
        page_url(review_14, "measurements/"),
        {"kpi": kpi.public_id, "measured_on": "2026-01-18", "value": "a lot"},
    )

    assert response.status_code == 400
    assert "Contact rate on 18 Jan: Enter a number." in response.content.decode()
    assert state_of(review_14) == before


# --- No data, publishing early, the report's links (issue 16 §2) ------------------------------


def test_a_kpi_without_data_shows_no_data_not_missed(client, world, review_14):
    for kpi in Kpi.objects.exclude(key="show-rate"):
        measure_window(world, review_14, kpi.key, on_target(kpi))
    refresh(actor=world.pmo, review=review_14)
    client.force_login(world.pmo)

    html = client.get(page_url(review_14)).content.decode()

    row = next(
        row
        for row in re.findall(r"<tr>.*?</tr>", html, re.S)
        if 'data-label="KPI">Show rate' in row
    )
    assert ">No data</span>" in row and "Missed" not in row and "Needs an explanation" not in row
    assert 'id="misses"' not in html
    assert "4 of 4 KPIs with data on target; 1 with no data in the window" in html
    form = html.split('id="publish-with-reason"')[1].split("</form>")[0]
    assert "No data in the window for Show rate on transferred prospects." in form


def test_publishing_with_no_data_asks_for_a_reason_and_the_report_prints_it(
    client, world, review_14
):
    for kpi in Kpi.objects.exclude(key="show-rate"):
        measure_window(world, review_14, kpi.key, on_target(kpi))
    client.force_login(world.pmo)
    before = state_of(review_14)

    refused = client.post(page_url(review_14, "publish/"), {"reason": "  "})

    assert refused.status_code == 400
    error = re.search(r'id="publish-reason-error"[^>]*>(.*?)</div>', refused.content.decode())
    assert "Say why it is published anyway." in error.group(1)
    assert state_of(review_14) == before

    published = client.post(
        page_url(review_14, "publish/"),
        {"reason": "The show-rate feed is connected next week."},
        follow=True,
    )

    html = published.content.decode()
    override = re.search(r'id="publish-override">(.*?)</div>', html, re.S).group(1)
    assert "Published with 1 KPI without data" in override
    assert "The show-rate feed is connected next week." in override
    report_url = f"/engagements/{world.engagement.public_id}/kpis/reports/{review_14.public_id}/"
    assert f'href="{report_url}">Read the report</a>' in html
    report = client.get(report_url).content.decode()
    assert "4 of 4 KPIs with data on target" in report
    assert "1 KPI had no data in the window" in report
    assert "The show-rate feed is connected next week." in report
    assert ">No data</span>" in report
    listing = client.get(f"/engagements/{world.engagement.public_id}/reviews/").content.decode()
    assert f'href="{report_url}">Read the report' in listing
    assert "4 of 4 with data" in listing and "1 no data" in listing


def test_the_reviews_list_says_the_anchor_the_reviews_are_dated_from(client, world):
    engagement = world.engagement
    client.force_login(world.pmo)
    html = client.get(f"/engagements/{engagement.public_id}/reviews/").content.decode()
    signed = engagement.contract_signed_on
    assert f"counted from the contract signature ({signed.day} {signed:%b %Y})" in html

    engagement.review_anchor = "go_live"
    engagement.save()
    html = client.get(f"/engagements/{engagement.public_id}/reviews/").content.decode()
    go_live = engagement.target_go_live
    assert f"counted from go-live ({go_live.day} {go_live:%b %Y})" in html
