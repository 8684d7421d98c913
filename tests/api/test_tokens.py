"""API tokens: shown once, stored hashed, pinned to one member of one tenant, revocable."""

from __future__ import annotations

import datetime
import re

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.utils import timezone

from accounts.models import Membership
from api.models import ApiToken
from api.services import issue_token
from audit.models import Event
from kernel.errors import NotAllowed
from kernel.tenancy import tenant_context
from transition.services import remove_membership

TOKEN = re.compile(r"bpo_[0-9a-f]{12}_[A-Za-z0-9_-]{43}")


def stored_token(world, secret: str) -> ApiToken:
    with tenant_context(world.tenant):
        return ApiToken.objects.get(prefix=secret[4:16])


def test_a_token_is_stored_only_as_a_digest(home):
    secret = home.tokens["pmo"]
    token = stored_token(home, secret)
    assert TOKEN.fullmatch(secret)
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM api_apitoken")
        dump = repr(cursor.fetchall())
    assert secret not in dump
    assert secret[17:] not in dump
    assert token.digest in dump and len(token.digest) == 64


def test_a_token_acts_as_its_user_in_its_tenant_only(api, home, foreign):
    mine = api.get("/api/v1/engagements/", token=home.tokens["provider_lead"]).json()["results"]
    assert [row["name"] for row in mine] == ["Alpha care desk"]
    theirs = api.get("/api/v1/engagements/", token=foreign.tokens["pmo"]).json()["results"]
    assert [row["name"] for row in theirs] == ["Bravo care desk"]


def test_last_use_is_written_at_most_once_a_minute(api, home, django_assert_num_queries):
    token = home.tokens["pmo"]
    assert stored_token(home, token).last_used_at is None
    api.get("/api/v1/engagements/", token=token)
    first = stored_token(home, token).last_used_at
    assert first is not None
    with django_assert_num_queries(3) as captured:  # token, membership, engagements
        api.get("/api/v1/engagements/", token=token)
    assert not any(q["sql"].startswith("UPDATE") for q in captured.captured_queries)
    assert stored_token(home, token).last_used_at == first
    with tenant_context(home.tenant):
        ApiToken.objects.filter(prefix=token[4:16]).update(
            last_used_at=timezone.now() - datetime.timedelta(seconds=61)
        )
    api.get("/api/v1/engagements/", token=token)
    assert stored_token(home, token).last_used_at > first


def test_a_token_whose_user_left_the_tenant_is_unauthorized(api, home):
    token = home.tokens["bystander"]
    assert api.get("/api/v1/engagements/", token=token).status_code == 200
    with tenant_context(home.tenant):
        membership = Membership.objects.get(user=home.bystander, tenant=home.tenant)
        remove_membership(actor=home.admin, membership=membership)
    response = api.get("/api/v1/engagements/", token=token)
    assert response.status_code == 401
    assert response.json()["detail"] == "Unknown or revoked API token."


def test_an_inactive_user_s_token_is_unauthorized(api, home):
    home.pmo.is_active = False
    home.pmo.save()
    assert api.get("/api/v1/engagements/", token=home.tokens["pmo"]).status_code == 401


def test_tokens_are_issued_and_revoked_over_the_api_by_tenant_admins(api, home):
    admin = home.tokens["admin"]
    created = api.post(
        "/api/v1/api-tokens/",
        {"name": "BI job", "user": str(home.provider_lead.public_id), "read_only": True},
        token=admin,
    )
    assert created.status_code == 201
    issued = created.json()
    assert TOKEN.fullmatch(issued["token"])
    assert issued["user"] == str(home.provider_lead.public_id) and issued["read_only"] is True
    assert created["Cache-Control"] == "no-store"
    assert api.get("/api/v1/milestones/", token=issued["token"]).status_code == 200
    listed = api.get(f"/api/v1/api-tokens/{issued['id']}/", token=admin).json()
    assert "token" not in listed and listed["prefix"] == issued["token"][4:16]

    revoked = api.post(f"/api/v1/api-tokens/{issued['id']}/revoke/", token=admin)
    assert revoked.status_code == 200 and revoked.json()["revoked_at"]
    assert api.get("/api/v1/milestones/", token=issued["token"]).status_code == 401
    again = api.post(f"/api/v1/api-tokens/{issued['id']}/revoke/", token=admin)
    assert again.status_code == 409
    with tenant_context(home.tenant):
        actions = list(
            Event.objects.filter(object_type="api_token", object_id=issued["id"]).values_list(
                "operation", flat=True
            )
        )
    assert actions == ["api_token.created", "api_token.revoked"]


def test_only_tenant_admins_issue_tokens(home):
    with tenant_context(home.tenant), pytest.raises(NotAllowed):
        issue_token(actor=home.pmo, tenant=home.tenant, user=home.pmo, name="mine")


# --- The command -----------------------------------------------------------------------------


def test_the_command_prints_a_token_once_and_revokes_it(api, home, capsys):
    call_command(
        "api_token",
        "create",
        "--tenant",
        home.tenant.slug,
        "--user",
        home.pmo.username,
        "--read-only",
        "--name",
        "Nightly BI",
    )
    out = capsys.readouterr().out
    secret = TOKEN.search(out).group()
    token = stored_token(home, secret)
    assert token.read_only and token.name == "Nightly BI" and token.user == home.pmo
    assert api.get("/api/v1/kpis/", token=secret).status_code == 200
    assert api.post("/api/v1/kpis/", {}, token=secret).status_code == 403

    call_command("api_token", "revoke", token.prefix, "--tenant", home.tenant.slug)
    assert "Revoked token" in capsys.readouterr().out
    assert api.get("/api/v1/kpis/", token=secret).status_code == 401


@pytest.mark.parametrize(
    "arguments, message",
    [
        (["create", "--tenant", "nope", "--user", "x"], "No tenant “nope”."),
        (["create", "--tenant", "{tenant}", "--user", "nobody"], "No user “nobody”."),
        (["revoke", "000000000000", "--tenant", "{tenant}"], "No token 000000000000 in"),
    ],
)
def test_the_command_refuses_in_one_line(home, arguments, message):
    arguments = [a.format(tenant=home.tenant.slug) for a in arguments]
    with pytest.raises(CommandError, match=re.escape(message)):
        call_command("api_token", *arguments)


def test_the_command_refuses_a_user_outside_the_tenant(home, foreign):
    with pytest.raises(CommandError, match="is not a member of Alpha"):
        call_command(
            "api_token", "create", "--tenant", home.tenant.slug, "--user", foreign.pmo.username
        )


# --- The page ----------------------------------------------------------------------------------


def test_admins_issue_a_token_on_the_page_and_see_it_once(client, api, home):
    client.force_login(home.admin)
    page = client.get("/api-tokens/")
    assert page.status_code == 200
    assert b'href="/api-tokens/"' in client.get("/").content  # the nav shows it to admins
    response = client.post(
        "/api-tokens/",
        {"name": "Ticketing", "user": str(home.provider_lead.public_id), "read_only": "on"},
    )
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    secret = TOKEN.search(response.content.decode()).group()
    assert api.get("/api/v1/milestones/", token=secret).status_code == 200
    assert api.post("/api/v1/milestones/", {}, token=secret).status_code == 403
    listing = client.get("/api-tokens/").content.decode()
    assert "Ticketing" in listing and secret not in listing and secret[:16] in listing


def test_a_blank_name_is_refused_beside_the_field(client, home):
    client.force_login(home.admin)
    response = client.post("/api-tokens/", {"name": "  ", "user": str(home.pmo.public_id)})
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    with tenant_context(home.tenant):
        assert not ApiToken.objects.filter(name="").exists()


def test_admins_revoke_on_the_page(client, api, home):
    client.force_login(home.admin)
    token = stored_token(home, home.tokens["pmo"])
    response = client.post(f"/api-tokens/{token.public_id}/revoke/", follow=True)
    assert "was revoked" in response.content.decode()
    assert api.get("/api/v1/milestones/", token=home.tokens["pmo"]).status_code == 401


def test_people_who_are_not_admins_cannot_manage_tokens(client, home):
    token = stored_token(home, home.tokens["admin"])
    client.force_login(home.pmo)
    assert client.get("/api-tokens/").status_code == 403
    assert b'href="/api-tokens/"' not in client.get("/").content
    assert client.post(f"/api-tokens/{token.public_id}/revoke/").status_code == 403
    assert stored_token(home, home.tokens["admin"]).revoked_at is None
