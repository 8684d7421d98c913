"""Creating an engagement from a playbook: roles mapped to people, a preview, a confirmation."""

import datetime

import pytest

from audit.models import Event
from engagements.models import Engagement, EngagementMember, Phase
from engagements.playbooks import get_builtin
from engagements.services import copy_playbook
from milestones.models import Milestone
from reporting.models import Review
from tests import factories
from tests.web.pages import table_rows, text_of

NEW = "/engagements/new/"
CONTACT_CENTRE = "shipped:contact-centre-90-day"
DASH = "\N{EN DASH}"  # between dates, as the page writes them


def filled_form(world, *, playbook=CONTACT_CENTRE, key="contact-centre-90-day", **changes):
    """What a PMO types: the facts, and a person for every role (by side)."""
    people = {
        "client_lead": world.client_lead,
        "provider_lead": world.provider_lead,
        "pmo": world.pmo,
        "client": world.client_staff,
        "provider": world.provider_staff,
    }
    form = {
        "playbook": playbook,
        "name": "Harbour care desk",
        "client_name": "Harbour Insurance",
        "provider_name": "Northstar Contact",
        "contract_signed_on": "2026-03-02",
        "target_go_live": "",
        "time_zone": "Europe/London",
    }
    for role in get_builtin(key).roles:
        person = people.get(role.key) or people["pmo" if role.side == "pmo" else role.side]
        form[f"role_{role.key}"] = str(person.public_id)
    return {**form, **changes}


def preview(client, form):
    return client.post(NEW, {**form, "action": "preview"})


def confirm(client, form, previewed):
    return client.post(
        NEW,
        {**form, "action": "create", "plan_checked": previewed.context["fingerprint"]},
    )


def test_pmo_chooses_a_shipped_playbook_or_the_tenants_copy(client, world):
    copy_playbook(
        actor=world.pmo,
        tenant=world.tenant,
        key="seven-step-onboarding",
        new_key="our-onboarding",
        name="Our onboarding",
    )
    client.force_login(world.pmo)

    page = client.get(NEW)

    text = text_of(page)
    assert page.status_code == 200
    for name in ("90-day contact-centre launch", "Our onboarding"):
        assert name in text
    assert "Your copy" in text
    assert f"?playbook={CONTACT_CENTRE.replace(':', '%3A')}" in page.content.decode()


def test_the_form_asks_a_person_for_every_role_of_the_playbook_with_its_side(client, world):
    client.force_login(world.pmo)
    page = client.get(NEW, {"playbook": CONTACT_CENTRE})
    html = page.content.decode()
    for role in get_builtin("contact-centre-90-day").roles:
        assert f'name="role_{role.key}"' in html
        assert role.label in html
    assert "Provider side" in html and "Client side" in html and "PMO side" in html
    # Only people of this tenant are offered.
    assert world.client_lead.username in html


def test_the_preview_shows_the_dated_plan_and_writes_nothing(client, world):
    client.force_login(world.pmo)
    before = (Engagement.objects.count(), Milestone.objects.count(), Event.objects.count())

    page = preview(client, filled_form(world))

    assert page.status_code == 200
    text = text_of(page)
    assert "The plan" in text
    # Day 0 is 2 Mar 2026; the playbook's go-live is day 11, its kickoff runs days 1-3.
    assert "target go-live 13 Mar 2026" in text
    assert f"1. Kickoff 3 Mar {DASH} 5 Mar 2026" in text
    assert "Gate: Kickoff gate on 5 Mar 2026" in text
    assert f"Day 14 {DASH} First data calibration: 16 Mar 2026" in text
    assert f"Day 90 {DASH} Steady state and forward plan: 31 May 2026" in text
    kickoff = next(row for row in table_rows(page) if row["Milestone"] == "Working kickoff session")
    assert kickoff == {
        "Milestone": "Working kickoff session",
        "Owner": str(world.pmo),
        "Side": "Joint",
        "Due": "3 Mar 2026",
    }
    assert (Engagement.objects.count(), Milestone.objects.count(), Event.objects.count()) == before


def test_confirming_the_preview_creates_the_engagement_and_opens_it(client, world):
    client.force_login(world.pmo)
    form = filled_form(world, target_go_live="2026-03-20")
    previewed = preview(client, form)

    response = confirm(client, form, previewed)

    engagement = Engagement.objects.get(name="Harbour care desk")
    assert response.status_code == 302
    assert response["Location"] == f"/engagements/{engagement.public_id}/"
    assert (engagement.client_name, engagement.provider_name) == (
        "Harbour Insurance",
        "Northstar Contact",
    )
    assert engagement.contract_signed_on == datetime.date(2026, 3, 2)
    assert engagement.target_go_live == datetime.date(2026, 3, 20)
    assert engagement.time_zone == "Europe/London"
    assert Phase.objects.filter(engagement=engagement).count() == 6
    playbook = get_builtin("contact-centre-90-day")
    assert Milestone.objects.filter(engagement=engagement).count() == playbook.milestone_count
    lead = EngagementMember.objects.get(engagement=engagement, user=world.provider_lead)
    assert (lead.side, lead.role) == ("provider", "lead")
    followed = client.get(response["Location"])
    assert "Harbour care desk was created from “90-day contact-centre launch”" in text_of(followed)


def test_details_changed_after_the_preview_are_previewed_again_not_created(client, world):
    client.force_login(world.pmo)
    form = filled_form(world)
    previewed = preview(client, form)

    response = confirm(client, {**form, "contract_signed_on": "2026-04-01"}, previewed)

    assert response.status_code == 200
    assert not Engagement.objects.filter(name="Harbour care desk").exists()
    assert "The details changed since the preview" in text_of(response)
    assert f"Day 14 {DASH} First data calibration: 15 Apr 2026" in text_of(response)
    # Creating without any preview is the same.
    client.post(NEW, {**form, "action": "create"})
    assert not Engagement.objects.filter(name="Harbour care desk").exists()


def test_an_unmapped_role_is_a_field_error_and_nothing_is_created(client, world):
    client.force_login(world.pmo)
    form = filled_form(world, role_provider_qa_lead="")
    events = Event.objects.count()

    response = client.post(NEW, {**form, "action": "create", "plan_checked": "x"})

    assert response.status_code == 400
    assert "Name the person who is the Provider QA lead." in text_of(response)
    assert 'value="Harbour Insurance"' in response.content.decode()  # what was typed stays
    assert not Engagement.objects.filter(name="Harbour care desk").exists()
    assert Event.objects.count() == events


def test_one_person_on_two_sides_is_refused_before_the_preview(client, world):
    client.force_login(world.pmo)
    form = filled_form(world, role_client_it_owner=str(world.provider_staff.public_id))

    response = preview(client, form)

    assert response.status_code == 400
    assert f"{world.provider_staff} cannot sit on both the client and the provider side." in (
        text_of(response)
    )
    assert "The plan" not in text_of(response)


def test_a_person_of_another_tenant_cannot_be_chosen(client, world, other_world):
    client.force_login(world.pmo)
    form = filled_form(world, role_provider_lead=str(other_world.provider_lead.public_id))

    response = preview(client, form)

    assert response.status_code == 400
    assert "is not one of the available choices" in text_of(response)


def test_bad_dates_and_a_missing_name_keep_what_was_typed(client, world):
    client.force_login(world.pmo)
    response = preview(client, filled_form(world, name="  ", contract_signed_on="02/03/2026"))
    assert response.status_code == 400
    assert "This field is required." in text_of(response)
    assert "Enter a valid date." in text_of(response)
    assert 'value="Northstar Contact"' in response.content.decode()


@pytest.mark.parametrize("label", ["client_lead", "bystander"])
def test_members_are_not_offered_it_and_are_refused_when_they_post(client, world, label):
    client.force_login(getattr(world, label))
    assert "/engagements/new/" not in client.get("/").content.decode()
    assert client.get(NEW).status_code == 403
    form = filled_form(world)

    response = client.post(NEW, {**form, "action": "create", "plan_checked": "anything"})

    assert response.status_code == 403
    assert not Engagement.objects.filter(name="Harbour care desk").exists()


def test_tenant_admins_may_create_engagements_too(client, world):
    client.force_login(world.admin)
    assert client.get(NEW).status_code == 200


def test_another_tenants_playbook_copy_is_not_found(client, world, other_world):
    from kernel.tenancy import tenant_context

    with tenant_context(other_world.tenant):
        foreign = copy_playbook(
            actor=other_world.pmo, tenant=other_world.tenant, key="seven-step-onboarding"
        )
    client.force_login(world.pmo)
    assert client.get(NEW, {"playbook": f"tenant:{foreign.public_id}"}).status_code == 404
    assert client.get(NEW, {"playbook": "shipped:no-such-playbook"}).status_code == 404


def test_reviews_anchored_on_go_live_are_dated_from_it_in_the_preview(client, world):
    client.force_login(world.pmo)
    key = "post-signature-sequence"
    playbook = get_builtin(key)
    assert playbook.review_anchor == "go_live"
    form = filled_form(world, playbook=f"shipped:{key}", key=key, target_go_live="2026-05-01")

    text = text_of(preview(client, form))

    first = min(playbook.reviews, key=lambda review: review.day)
    assert f"Day 14 {DASH} {first.title}: 15 May 2026" in text
    assert "counted from go-live" in text
    assert not Review.objects.filter(engagement__name="Harbour care desk").exists()


def test_a_person_without_any_tenant_is_told_so(client, db):
    client.force_login(factories.UserFactory())
    assert client.get(NEW).status_code == 403
