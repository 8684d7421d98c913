"""Every way into tenant data enters exactly one tenant: a token request, a Celery task, a
thread and a streaming response. None of these tests has an ambient tenant: each entry point
must enter its own, and none can reach another tenant's rows."""

import threading

import pytest
from django.db import connection

from accounts.models import Membership
from engagements.models import Engagement
from kernel.background import enqueue_on_commit
from kernel.tenancy import (
    TenantScopeMissing,
    get_active_tenant_id,
    in_this_tenant,
    tenant_context,
)
from tests.tenancy_probe import engagement_names
from tests.world import build_world


@pytest.fixture
def two_tenants(db):
    alpha, bravo = build_world("Alpha"), build_world("Bravo")
    assert get_active_tenant_id() is None
    return alpha, bravo


@pytest.mark.urls("tests.tenancy_probe")
def test_a_token_request_enters_the_tenant_of_its_token(client, two_tenants):
    alpha, _bravo = two_tenants
    response = client.get(
        "/probe/api/", HTTP_AUTHORIZATION=f"Probe {alpha.pmo.username} {alpha.tenant.pk}"
    )
    assert response.status_code == 200
    assert response.json() == {"tenant": alpha.tenant.slug, "engagements": ["Alpha care desk"]}


@pytest.mark.urls("tests.tenancy_probe")
def test_a_token_pinned_to_a_tenant_its_user_is_not_in_reaches_nothing(client, two_tenants):
    alpha, bravo = two_tenants
    response = client.get(
        "/probe/api/", HTTP_AUTHORIZATION=f"Probe {alpha.pmo.username} {bravo.tenant.pk}"
    )
    assert response.status_code == 403
    assert "Bravo" not in response.content.decode()


@pytest.mark.urls("tests.tenancy_probe")
def test_a_token_sees_only_its_users_engagements_inside_the_tenant(client, two_tenants):
    alpha, _bravo = two_tenants
    response = client.get(
        "/probe/api/", HTTP_AUTHORIZATION=f"Probe {alpha.bystander.username} {alpha.tenant.pk}"
    )
    assert response.json()["engagements"] == []


@pytest.mark.urls("tests.tenancy_probe")
def test_a_streaming_response_keeps_the_tenant_while_its_body_is_generated(client, two_tenants):
    alpha, _bravo = two_tenants
    client.force_login(alpha.pmo)
    response = client.get("/probe/stream/")
    body = b"".join(response.streaming_content).decode()
    assert body == "engagements:\nAlpha care desk\n"
    assert get_active_tenant_id() is None


def test_a_task_enters_the_tenant_it_was_sent_with(two_tenants):
    alpha, bravo = two_tenants
    assert engagement_names.apply(kwargs={"tenant_id": alpha.tenant.pk}).get() == [
        "Alpha care desk"
    ]
    assert engagement_names.apply(kwargs={"tenant_id": bravo.tenant.pk}).get() == [
        "Bravo care desk"
    ]
    assert get_active_tenant_id() is None


def test_a_task_sent_without_a_tenant_refuses_to_run(two_tenants):
    with pytest.raises(TypeError):
        engagement_names.apply(throw=True).get()
    with pytest.raises(ValueError, match="without a tenant id"):
        engagement_names.apply(kwargs={"tenant_id": None}, throw=True).get()


def test_a_task_is_sent_only_when_the_change_commits(
    two_tenants, monkeypatch, django_capture_on_commit_callbacks
):
    alpha, _bravo = two_tenants
    sent = []
    monkeypatch.setattr(engagement_names, "apply_async", lambda **call: sent.append(call))
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        enqueue_on_commit(engagement_names, tenant_id=alpha.tenant.pk)
        assert sent == []
    for callback in callbacks:
        callback()
    assert sent == [{"kwargs": {"tenant_id": alpha.tenant.pk}}]
    with pytest.raises(ValueError, match="needs a tenant_id"):
        enqueue_on_commit(engagement_names)


@pytest.mark.django_db(transaction=True)
def test_a_thread_reaches_its_tenant_only_when_it_carries_the_context():
    # Committed rows: the thread has a database connection of its own.
    alpha, _bravo = build_world("Alpha"), build_world("Bravo")
    seen, failures = [], []

    def names():
        try:
            seen.append(sorted(Engagement.objects.values_list("name", flat=True)))
        except TenantScopeMissing as missing:
            failures.append(missing)
        finally:
            connection.close()

    with tenant_context(alpha.tenant):
        carried = threading.Thread(target=in_this_tenant(names))
        bare = threading.Thread(target=names)
        carried.start(), bare.start()
        carried.join(), bare.join()
    assert seen == [["Alpha care desk"]]
    assert len(failures) == 1


@pytest.mark.urls("tests.tenancy_probe")
def test_a_signed_in_get_does_not_write_the_session(client, two_tenants, django_assert_num_queries):
    alpha, _bravo = two_tenants
    client.force_login(alpha.pmo)
    assert client.get("/probe/whoami/").json() == {"tenant": alpha.tenant.slug}
    # Second request: the session row is read, the user and the membership loaded once each;
    # nothing is written back.
    with django_assert_num_queries(3) as captured:
        assert client.get("/probe/whoami/").json() == {"tenant": alpha.tenant.slug}
    assert not any("UPDATE" in query["sql"] for query in captured.captured_queries)


def test_a_member_of_two_tenants_keeps_the_one_they_chose(client, two_tenants):
    alpha, bravo = two_tenants
    Membership.objects.create(user=alpha.pmo, tenant=bravo.tenant, role="member")
    client.force_login(alpha.pmo)
    client.post("/tenants/switch/", {"tenant": str(bravo.tenant.public_id)})
    response = client.get("/")
    assert response.context["request"].tenant == bravo.tenant
