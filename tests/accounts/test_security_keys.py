"""Security keys (WebAuthn, django-allauth's MFA) as a second factor: offered on the two-factor
page beside the authenticator app, and counted as a second factor for sign-offs."""

from __future__ import annotations

from allauth.mfa.models import Authenticator

from accounts.permissions import has_second_factor

PASSWORD = "correct horse battery"


def test_the_two_factor_page_offers_a_security_key(client, tenant_a, member_of):
    pmo = member_of(tenant_a, role="pmo", username="priya")
    client.force_login(pmo)
    page = client.get("/accounts/two-factor/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Security Keys" in html or "Security keys" in html
    assert "/accounts/two-factor/webauthn/add/" in html

    add = client.get("/accounts/two-factor/webauthn/add/")
    if add.status_code == 302:  # asked for the password again first
        client.post(add["Location"].split("?")[0], {"password": PASSWORD})
        add = client.get("/accounts/two-factor/webauthn/add/")
    assert add.status_code == 200
    assert "mfa/js/webauthn.js" in add.content.decode()


def test_a_security_key_counts_as_a_second_factor(tenant_a, member_of):
    pmo = member_of(tenant_a, role="pmo", username="priya")
    assert not has_second_factor(user=pmo)
    Authenticator.objects.create(
        user=pmo, type=Authenticator.Type.WEBAUTHN, data={"name": "YubiKey", "credential": {}}
    )
    assert has_second_factor(user=pmo)


def test_another_persons_security_key_cannot_be_removed(client, tenant_a, tenant_b, member_of):
    """Asked for the password again first (as for any change of one's factors), then the key
    of a person of another tenant is not found, and stays."""
    pmo = member_of(tenant_a, role="pmo", username="priya")
    stranger = member_of(tenant_b, role="pmo", username="sven")
    key = Authenticator.objects.create(
        user=stranger, type=Authenticator.Type.WEBAUTHN, data={"name": "Sven's key"}
    )
    client.force_login(pmo)
    url = f"/accounts/two-factor/webauthn/keys/{key.pk}/remove/"
    asked = client.post(url)
    assert asked.status_code == 302 and "/accounts/reauthenticate/" in asked["Location"]
    client.post(asked["Location"].split("?")[0], {"password": PASSWORD})
    assert client.post(url).status_code == 404
    assert client.get(url).status_code == 404
    rename = url.replace("/remove/", "/edit/")
    assert client.post(rename, {"name": "Mine now"}).status_code == 404
    key.refresh_from_db()
    assert key.data["name"] == "Sven's key"


def test_the_list_of_ones_security_keys_shows_them(client, tenant_a, member_of):
    """The page of one's keys renders (allauth's template needs django.contrib.humanize)."""
    pmo = member_of(tenant_a, role="pmo", username="priya")
    Authenticator.objects.create(
        user=pmo, type=Authenticator.Type.WEBAUTHN, data={"name": "Desk YubiKey", "credential": {}}
    )
    client.force_login(pmo)
    page = client.get("/accounts/two-factor/webauthn/")
    if page.status_code == 302:  # asked for the password again first
        client.post(page["Location"].split("?")[0], {"password": PASSWORD})
        page = client.get("/accounts/two-factor/webauthn/")
    assert page.status_code == 200
    assert "Desk YubiKey" in page.content.decode()
