"""Single sign-on per tenant against a real OpenID Connect provider on loopback
(oidc-provider-mock): the redirect, the code exchange and the ID token's signature check, and
each way an answer must be refused."""

from __future__ import annotations

import json
import threading
import time
from urllib.parse import urlsplit

import jwt
import pytest
import requests
from cryptography.hazmat.primitives.asymmetric import rsa
from django.core.cache import cache
from werkzeug.serving import make_server

from accounts.models import Membership, SingleSignOn, User
from accounts.sso import encrypt_secret

DOMAIN = "acme.example"


class Provider:
    """The mock provider, with a switch that spoils the next ID tokens it issues."""

    def __init__(self):
        import flask
        import oidc_provider_mock

        self.spoil = None
        self.nonces = []  # of the ID tokens issued, in order
        self.app = oidc_provider_mock.app()
        self.foreign_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)

        @self.app.after_request
        def spoil_id_token(response):
            if flask.request.path != "/oauth2/token" or response.status_code != 200:
                return response
            from oidc_provider_mock._storage import storage

            body = json.loads(response.get_data())
            token = body["id_token"]
            header = jwt.get_unverified_header(token)
            claims = jwt.decode(token, options={"verify_signature": False})
            self.nonces.append(claims.get("nonce"))
            if self.spoil is None:
                return response
            key = storage.jwk.as_pem(is_private=True)
            if self.spoil == "issuer":
                claims["iss"] = "https://login.impostor.example"
            elif self.spoil == "audience":
                claims["aud"] = "another-client"
            elif self.spoil == "expired":
                claims["iat"] = int(time.time()) - 7200
                claims["exp"] = int(time.time()) - 3600
            elif self.spoil == "replayed_nonce":  # the nonce of an earlier sign-in
                claims["nonce"] = self.nonces[0]
            elif self.spoil == "no_nonce":
                claims.pop("nonce", None)
            elif self.spoil == "foreign_key":
                key = self.foreign_key
            kid = {"kid": header["kid"]} if header.get("kid") else None
            body["id_token"] = jwt.encode(claims, key, algorithm="RS256", headers=kid)
            response.set_data(json.dumps(body))
            return response

        self.server = make_server("127.0.0.1", 0, self.app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.thread.join(5)


@pytest.fixture(scope="module")
def provider():
    running = Provider()
    yield running
    running.stop()


@pytest.fixture(autouse=True)
def _fresh(provider):
    provider.spoil = None
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def sign_on(tenant_a, provider):
    return SingleSignOn.objects.create(
        tenant=tenant_a,
        issuer=provider.url,
        client_id="bpo-transition",
        client_secret_encrypted=encrypt_secret("s3cret"),
        allowed_domains=[DOMAIN],
        first_role=Membership.Role.MEMBER,
    )


def start(client, email):
    """The sign-in page's 'Sign in with your organisation', up to the provider's page."""
    sent = client.post("/accounts/sso/", {"email": email})
    assert sent.status_code == 200, sent.content.decode()[:500]
    to_provider = client.get(sent.context["url"])
    assert to_provider.status_code == 302, to_provider.content.decode()[:800]
    return to_provider["Location"]


def consent(authorize_url, sub):
    """The person signs in at the provider, which sends the browser back with a code."""
    answer = requests.post(authorize_url, data={"sub": sub}, allow_redirects=False, timeout=10)
    assert answer.status_code == 302, answer.text[:500]
    return answer.headers["Location"]


def back(client, callback_url):
    parts = urlsplit(callback_url)
    return client.get(f"{parts.path}?{parts.query}")


def test_a_new_person_signs_in_through_the_tenants_provider_and_lands_as_a_member(
    client, sign_on, provider
):
    authorize = start(client, f"nadia@{DOMAIN}")
    assert authorize.startswith(f"{provider.url}/oauth2/authorize?")
    response = back(client, consent(authorize, f"nadia@{DOMAIN}"))

    assert response.status_code == 302, response.content.decode()[:800]
    user = User.objects.get(email=f"nadia@{DOMAIN}")
    assert client.session["_auth_user_id"] == str(user.pk)
    assert Membership.objects.get(user=user).tenant == sign_on.tenant
    assert Membership.objects.get(user=user).role == "member"
    assert b"Tenant A" in client.get("/").content
    from audit.models import Event

    signed_in = Event._base_manager.get(operation="account.signed_in")
    assert (signed_in.tenant, signed_in.actor) == (sign_on.tenant, user)
    assert signed_in.snapshot["method"] == "Single sign-on"


def test_an_existing_member_of_two_tenants_signs_in_through_either(
    client, sign_on, tenant_b, member_of
):
    person = member_of(tenant_b, role="pmo", username="paolo", email=f"paolo@{DOMAIN}")
    response = back(client, consent(start(client, f"paolo@{DOMAIN}"), f"paolo@{DOMAIN}"))
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(person.pk)
    assert set(Membership.objects.filter(user=person).values_list("tenant__slug", "role")) == {
        ("tenant-b", "pmo"),
        ("tenant-a", "member"),
    }


@pytest.mark.parametrize(
    ("spoil", "reason"),
    [
        ("issuer", "Invalid issuer"),
        ("audience", "Audience doesn't match"),
        ("expired", "Signature has expired"),
        ("foreign_key", "Signature verification failed"),
    ],
)
def test_an_id_token_that_cannot_be_trusted_signs_nobody_in(
    client, sign_on, provider, spoil, reason, caplog
):
    authorize = start(client, f"nadia@{DOMAIN}")
    provider.spoil = spoil
    response = back(client, consent(authorize, f"nadia@{DOMAIN}"))

    assert response.status_code == 401
    assert reason in caplog.text  # refused for this reason, not another
    assert "did not sign you in" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert not User.objects.filter(email=f"nadia@{DOMAIN}").exists()


def test_a_replayed_callback_signs_nobody_in(client, sign_on, django_user_model):
    callback = consent(start(client, f"nadia@{DOMAIN}"), f"nadia@{DOMAIN}")
    assert back(client, callback).status_code == 302

    from django.test import Client

    thief = Client()
    replayed = back(thief, callback)
    assert "did not sign you in" in replayed.content.decode()
    assert "_auth_user_id" not in thief.session


@pytest.mark.parametrize("spoil", ["replayed_nonce", "no_nonce"])
def test_an_id_token_with_a_used_or_missing_nonce_signs_nobody_in(
    client, sign_on, provider, spoil, caplog
):
    from django.test import Client

    provider.nonces.clear()
    first = Client()
    assert (
        back(first, consent(start(first, f"nadia@{DOMAIN}"), f"nadia@{DOMAIN}")).status_code == 302
    )
    assert provider.nonces[0]  # the sign-in sent a nonce and the token carried it back

    # A second sign-in, answered with a token carrying the first one's nonce (or none).
    authorize = start(client, f"nadia@{DOMAIN}")
    provider.spoil = spoil
    response = back(client, consent(authorize, f"nadia@{DOMAIN}"))

    assert response.status_code == 401
    assert "did not sign you in" in response.content.decode()
    reason = "a replayed token" if spoil == "replayed_nonce" else "carries no nonce"
    assert reason in caplog.text
    assert "_auth_user_id" not in client.session


def test_an_e_mail_domain_of_another_tenant_is_refused(client, sign_on, tenant_b, provider):
    SingleSignOn.objects.create(
        tenant=tenant_b,
        issuer=provider.url,
        client_id="globex",
        client_secret_encrypted=encrypt_secret("other"),
        allowed_domains=["globex.example"],
    )
    # Through Tenant A's provider, an address of Tenant B's domain.
    authorize = start(client, f"nadia@{DOMAIN}")
    response = back(client, consent(authorize, "mallory@globex.example"))

    assert response.status_code == 403
    assert "does not cover the e-mail address “mallory@globex.example”" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert not User.objects.filter(email="mallory@globex.example").exists()


def test_an_unreachable_provider_is_a_clear_page(client, tenant_a):
    SingleSignOn.objects.create(
        tenant=tenant_a,
        issuer="http://127.0.0.1:9",  # nothing listens on the discard port
        client_id="bpo",
        client_secret_encrypted=encrypt_secret("s"),
        allowed_domains=[DOMAIN],
    )
    sent = client.post("/accounts/sso/", {"email": f"nadia@{DOMAIN}"})
    response = client.get(sent.context["url"])
    assert response.status_code == 502
    assert "sign-in provider did not answer" in response.content.decode()


def test_a_domain_without_sign_on_is_told_to_use_a_password(client, sign_on):
    response = client.post("/accounts/sso/", {"email": "someone@elsewhere.example"})
    assert response.status_code == 400
    assert "use your username and password" in response.content.decode()


def test_local_passwords_off_refuses_members_but_not_platform_admins(client, sign_on, member_of):
    sign_on.local_passwords = False
    sign_on.save()
    member_of(sign_on.tenant, username="claire")
    refused = client.post(
        "/accounts/login/", {"username": "claire", "password": "correct horse battery"}
    )
    assert refused.status_code == 200
    assert "signs you in through its own provider" in refused.content.decode()
    assert "_auth_user_id" not in client.session

    root = member_of(sign_on.tenant, role="admin", username="root")
    root.is_superuser = True
    root.save()
    allowed = client.post(
        "/accounts/login/", {"username": "root", "password": "correct horse battery"}
    )
    assert allowed.status_code == 302


# --- Configuring it (tenant admins) -------------------------------------------------------------


def test_a_tenant_admin_configures_sign_on_and_the_secret_is_stored_encrypted(
    client, world, provider
):
    from audit.models import Event

    client.force_login(world.admin)
    assert client.get("/members/single-sign-on/").status_code == 200
    response = client.post(
        "/members/single-sign-on/",
        {
            "enabled": "on",
            "issuer": provider.url,
            "client_id": "bpo-transition",
            "client_secret": "s3cret-value",
            "allowed_domains": f"{DOMAIN}, Acme.co.uk",
            "first_role": "member",
        },
    )
    assert response.status_code == 302
    sign_on = SingleSignOn.objects.get(tenant=world.tenant)
    assert sign_on.allowed_domains == ["acme.co.uk", DOMAIN]
    assert sign_on.local_passwords is False  # the box was left unticked
    assert "s3cret-value" not in sign_on.client_secret_encrypted
    from accounts.sso import client_secret

    assert client_secret(sign_on) == "s3cret-value"
    event = Event.objects.filter(operation="single_sign_on.configured").get()
    assert "s3cret" not in str(event.changes)
    page = client.get("/members/single-sign-on/").content.decode()
    assert f"/accounts/oidc/{sign_on.provider_id}/login/callback/" in page

    client.force_login(world.pmo)
    assert client.get("/members/single-sign-on/").status_code == 403


def test_a_domain_another_tenant_signs_in_is_refused_beside_the_field(
    client, world, tenant_b, provider
):
    SingleSignOn.objects.create(
        tenant=tenant_b,
        issuer=provider.url,
        client_id="b",
        client_secret_env="B_SECRET",
        allowed_domains=[DOMAIN],
    )
    client.force_login(world.admin)
    response = client.post(
        "/members/single-sign-on/",
        {
            "issuer": provider.url,
            "client_id": "bpo",
            "client_secret_env": "ACME_OIDC_SECRET",
            "allowed_domains": DOMAIN,
            "first_role": "member",
        },
    )
    assert response.status_code == 400
    assert f"Already signed in through another tenant: {DOMAIN}." in response.content.decode()
    assert 'value="ACME_OIDC_SECRET"' in response.content.decode()  # kept what was typed
    assert not SingleSignOn.objects.filter(tenant=world.tenant).exists()
