import pytest
from django.core.cache import cache

from tests import factories


@pytest.fixture(autouse=True)
def _fresh_throttle():
    cache.clear()
    yield
    cache.clear()


def test_login_page_is_served(client, db):
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    assert b'name="username"' in response.content


def test_anonymous_visitor_is_sent_to_login(client, db):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_member_logs_in_and_sees_their_tenant(client, tenant_a, member_of):
    user = member_of(tenant_a, role="pmo", username="priya")
    response = client.post(
        "/accounts/login/", {"username": "priya", "password": "correct horse battery"}, follow=True
    )
    assert response.status_code == 200
    assert response.wsgi_request.user == user
    assert b"Tenant A" in response.content


def test_passwords_are_hashed_with_argon2_in_production_settings():
    from bpo_transition.settings import base

    assert base.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")


def test_repeated_failed_logins_are_throttled(client, tenant_a, member_of, settings):
    member_of(tenant_a, username="claire")
    for _attempt in range(settings.LOGIN_FAILURE_LIMIT):
        response = client.post("/accounts/login/", {"username": "claire", "password": "wrong"})
        assert response.status_code == 200
        assert b"Please enter a correct username and password" in response.content

    # Even the right password is refused during the cool-off.
    response = client.post(
        "/accounts/login/", {"username": "claire", "password": "correct horse battery"}
    )
    assert response.status_code == 429
    assert b"Too many failed sign-in attempts" in response.content
    assert "_auth_user_id" not in client.session


def test_a_successful_login_resets_the_failure_count(client, tenant_a, member_of, settings):
    member_of(tenant_a, username="claire")
    for _attempt in range(settings.LOGIN_FAILURE_LIMIT - 1):
        client.post("/accounts/login/", {"username": "claire", "password": "wrong"})
    client.post("/accounts/login/", {"username": "claire", "password": "correct horse battery"})
    client.post("/accounts/logout/")
    response = client.post("/accounts/login/", {"username": "claire", "password": "wrong"})
    assert response.status_code == 200


def test_user_without_a_tenant_is_told_so(client, db):
    user = factories.UserFactory()
    client.force_login(user)
    response = client.get("/")
    assert response.status_code == 403
    assert b"not part of any tenant" in response.content


def test_logout_ends_the_session(client, tenant_a, member_of):
    client.force_login(member_of(tenant_a))
    client.post("/accounts/logout/")
    assert client.get("/").status_code == 302
