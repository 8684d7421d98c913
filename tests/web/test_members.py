"""Tenant members (tenant admins): roles, removal and invitations by e-mail."""

import datetime
import re

import pytest
from django.core import mail
from django.utils import timezone

from accounts.models import Membership, User
from audit.models import Event
from kernel.tenancy import tenant_context
from tests import factories
from tests.web.pages import table_rows, text_of
from transition.invitations import hash_token, invite_member
from transition.models import Invitation

MEMBERS = "/members/"


def role_of(world, user):
    return Membership.objects.get(tenant=world.tenant, user=user).role


def link_in(message) -> str:
    return re.search(r"http://testserver(/invitations/[\w-]+/)", message.body).group(1)


def test_the_admin_sees_every_member_with_their_role(client, world):
    client.force_login(world.admin)
    page = client.get(MEMBERS)
    assert page.status_code == 200
    rows = [row for row in table_rows(page) if "Person" in row]
    memberships = Membership.objects.filter(tenant=world.tenant).select_related("user")
    assert len(rows) == memberships.count() == 7
    for membership in memberships:
        (row,) = [row for row in rows if membership.user.username in row["Person"].split()]
        assert row["Person"].startswith(str(membership.user))
        assert row["E-mail"] == membership.user.email
    assert next(row for row in rows if "you" in row["Person"].split())["Person"].startswith(
        str(world.admin)
    )
    assert "No invitation is waiting" in text_of(page)
    assert 'href="/members/"' in page.content.decode()  # the navigation offers the page


@pytest.mark.parametrize("label", ["pmo", "client_lead"])
def test_people_who_are_not_admins_are_refused_and_change_nothing(client, world, label):
    client.force_login(getattr(world, label))
    assert 'href="/members/"' not in client.get("/").content.decode()
    assert client.get(MEMBERS).status_code == 403
    bystander = Membership.objects.get(tenant=world.tenant, user=world.bystander)
    responses = [
        client.post("/members/invite/", {"email": "new@example.com", "role": "admin"}),
        client.post(f"/members/{bystander.public_id}/role/", {"role": "admin"}),
        client.post(f"/members/{bystander.public_id}/remove/"),
    ]
    assert [response.status_code for response in responses] == [403, 403, 403]
    assert role_of(world, world.bystander) == "member"
    assert not Invitation.objects.exists()
    assert mail.outbox == []


@pytest.mark.dates
def test_an_invited_person_gets_an_email_sets_a_password_and_joins(
    client, world, django_capture_on_commit_callbacks
):
    client.force_login(world.admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/members/invite/", {"email": "Nadia@Harbour.example", "role": "pmo"}, follow=True
        )

    # The domain of an address is case-blind; it is kept in lower case, as Django keeps it.
    assert "Invitation sent to Nadia@harbour.example" in text_of(response)
    assert [row["E-mail"] for row in table_rows(response) if "E-mail" in row][-1] == (
        "Nadia@harbour.example"
    )
    (message,) = mail.outbox
    assert message.to == ["Nadia@harbour.example"]
    assert f"{world.admin} invites you to Alpha on BPO Transition" == message.subject
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    link = link_in(message)
    assert link in html
    token = link.split("/")[2]
    invitation = Invitation.objects.get()
    assert invitation.token_hash == hash_token(token) != token  # only the hash is kept
    assert invitation.expires_at.date() == (timezone.now() + datetime.timedelta(days=7)).date()

    client.logout()
    page = client.get(link)
    assert page.status_code == 200
    assert "Join Alpha" in text_of(page)
    response = client.post(
        link,
        {
            "first_name": "Nadia",
            "last_name": "Haddad",
            "username": "nadia",
            "password": "a long enough passphrase",
            "password_again": "a long enough passphrase",
        },
        follow=True,
    )

    assert "Welcome to Alpha. Sign in as nadia" in text_of(response)
    nadia = User.objects.get(username="nadia")
    assert nadia.email == "Nadia@harbour.example"
    assert nadia.check_password("a long enough passphrase")
    assert role_of(world, nadia) == "pmo"
    signed_in = client.post(
        "/accounts/login/", {"username": "nadia", "password": "a long enough passphrase"}
    )
    assert signed_in.status_code == 302
    assert "Alpha" in text_of(client.get("/"))
    assert Event.objects.filter(operation="invitation.accepted").count() == 2


def test_an_invitation_works_once(client, world):
    sent = invite_member(
        actor=world.admin, tenant=world.tenant, email="a@b.example", role="member", site_url=""
    )
    link = f"/invitations/{sent.token}/"
    form = {
        "username": "first",
        "password": "a long enough passphrase",
        "password_again": "a long enough passphrase",
    }
    assert client.post(link, form).status_code == 302

    again = client.post(link, {**form, "username": "second"})

    assert again.status_code == 410
    assert "This invitation has already been used" in text_of(again)
    assert not User.objects.filter(username="second").exists()


def test_an_expired_invitation_is_refused(client, world, settings):
    sent = invite_member(
        actor=world.admin, tenant=world.tenant, email="a@b.example", role="member", site_url=""
    )
    Invitation.objects.update(
        expires_at=timezone.now() - datetime.timedelta(minutes=1),
    )
    page = client.get(f"/invitations/{sent.token}/")
    assert page.status_code == 410
    assert "This invitation has expired" in text_of(page)
    client.force_login(world.admin)
    assert "Expired" in text_of(client.get(MEMBERS))


def test_a_made_up_link_is_not_found(client, world):
    assert client.get("/invitations/not-a-real-token/").status_code == 404


def test_weak_or_mismatched_passwords_and_taken_usernames_keep_what_was_typed(client, world):
    sent = invite_member(
        actor=world.admin, tenant=world.tenant, email="a@b.example", role="member", site_url=""
    )
    link = f"/invitations/{sent.token}/"
    weak = client.post(link, {"username": "newbie", "password": "short", "password_again": "short"})
    differ = client.post(
        link,
        {
            "username": "newbie",
            "password": "a long enough passphrase",
            "password_again": "another long passphrase",
        },
    )
    taken = client.post(
        link,
        {
            "username": world.pmo.username.upper(),
            "password": "a long enough passphrase",
            "password_again": "a long enough passphrase",
        },
    )
    assert (weak.status_code, differ.status_code, taken.status_code) == (400, 400, 400)
    assert "too short" in text_of(weak)
    assert 'value="newbie"' in weak.content.decode()
    assert "The two passwords differ." in text_of(differ)
    assert "This username is taken; choose another." in text_of(taken)
    assert not User.objects.filter(email="a@b.example").exists()
    assert Invitation.objects.get().accepted_at is None


def test_someone_signed_in_is_told_to_sign_out_and_sees_no_other_tenants_invitation(
    client, world, other_world
):
    own = invite_member(
        actor=world.admin, tenant=world.tenant, email="a@b.example", role="member", site_url=""
    )
    with tenant_context(other_world.tenant):
        foreign = invite_member(
            actor=other_world.admin,
            tenant=other_world.tenant,
            email="c@d.example",
            role="member",
            site_url="",
        )
    client.force_login(world.pmo)
    page = client.get(f"/invitations/{own.token}/")
    assert "sign out first" in text_of(page)
    response = client.get(f"/invitations/{foreign.token}/")
    assert response.status_code == 404
    assert b"c@d.example" not in response.content


def test_a_person_with_an_account_is_added_at_once(client, world, other_world):
    client.force_login(world.admin)
    someone = other_world.client_lead

    response = client.post(
        "/members/invite/", {"email": someone.email.upper(), "role": "member"}, follow=True
    )

    assert f"{someone} already had an account and is now a member (Member)." in text_of(response)
    assert role_of(world, someone) == "member"
    assert not Invitation.objects.exists()
    assert mail.outbox == []


def test_inviting_a_member_again_is_a_field_error(client, world):
    client.force_login(world.admin)
    response = client.post("/members/invite/", {"email": world.pmo.email, "role": "member"})
    assert response.status_code == 400
    assert "This person is already a member of this tenant." in text_of(response)
    assert f'value="{world.pmo.email}"' in response.content.decode()


def test_a_new_invitation_replaces_the_one_waiting_and_can_be_cancelled(client, world):
    client.force_login(world.admin)
    first = invite_member(
        actor=world.admin, tenant=world.tenant, email="a@b.example", role="member", site_url=""
    )
    second = invite_member(
        actor=world.admin, tenant=world.tenant, email="A@b.example", role="pmo", site_url=""
    )
    assert client.get(f"/invitations/{first.token}/").status_code == 200  # signed in
    client.logout()
    assert client.get(f"/invitations/{first.token}/").status_code == 410
    assert client.get(f"/invitations/{second.token}/").status_code == 200

    client.force_login(world.admin)
    response = client.post(
        f"/members/invitations/{second.invitation.public_id}/cancel/", follow=True
    )
    assert "The invitation for A@b.example is cancelled." in text_of(response)
    assert "No invitation is waiting" in text_of(response)
    client.logout()
    assert client.get(f"/invitations/{second.token}/").status_code == 410


def test_the_admin_changes_a_role_and_removes_a_member(client, world):
    client.force_login(world.admin)
    bystander = Membership.objects.get(tenant=world.tenant, user=world.bystander)

    changed = client.post(f"/members/{bystander.public_id}/role/", {"role": "pmo"}, follow=True)
    assert role_of(world, world.bystander) == "pmo"
    assert f"{world.bystander} is now PMO." in text_of(changed)

    removed = client.post(f"/members/{bystander.public_id}/remove/", follow=True)
    assert not Membership.objects.filter(tenant=world.tenant, user=world.bystander).exists()
    assert f"{world.bystander} no longer belongs to Alpha." in text_of(removed)


def test_the_last_admin_cannot_be_demoted_or_removed(client, world):
    client.force_login(world.admin)
    admin = Membership.objects.get(tenant=world.tenant, user=world.admin)
    page = client.get(MEMBERS)
    assert "Last admin" in text_of(page)
    assert f"/members/{admin.public_id}/remove/" not in page.content.decode()

    demoted = client.post(f"/members/{admin.public_id}/role/", {"role": "member"})
    removed = client.post(f"/members/{admin.public_id}/remove/")

    for response in (demoted, removed):
        assert response.status_code == 409
        assert f"{world.admin} is the last admin of Alpha" in text_of(response)
    assert role_of(world, world.admin) == "admin"


def test_a_member_who_owns_open_work_is_not_removed(client, world):
    client.force_login(world.admin)
    lead = Membership.objects.get(tenant=world.tenant, user=world.provider_lead)
    response = client.post(f"/members/{lead.public_id}/remove/")
    assert response.status_code == 409
    assert "still owns open milestones" in text_of(response)
    assert role_of(world, world.provider_lead) == "member"


def test_a_bad_role_or_address_is_refused(client, world):
    client.force_login(world.admin)
    bystander = Membership.objects.get(tenant=world.tenant, user=world.bystander)
    assert client.post(f"/members/{bystander.public_id}/role/", {"role": "king"}).status_code == 400
    response = client.post("/members/invite/", {"email": "not an address", "role": "member"})
    assert response.status_code == 400
    assert "Enter a valid email address." in text_of(response)
    assert role_of(world, world.bystander) == "member"


def test_another_tenants_member_is_not_found(client, world, other_world):
    client.force_login(world.admin)
    foreign = Membership.objects.get(tenant=other_world.tenant, user=other_world.bystander)
    assert client.post(f"/members/{foreign.public_id}/role/", {"role": "admin"}).status_code == 404
    assert client.post(f"/members/{foreign.public_id}/remove/").status_code == 404
    assert Membership.objects.get(pk=foreign.pk).role == "member"


def test_a_superuser_admin_of_no_tenant_sees_no_members(client, db):
    operator = factories.UserFactory(is_superuser=True, is_staff=True)
    client.force_login(operator)
    assert client.get(MEMBERS).status_code == 404
