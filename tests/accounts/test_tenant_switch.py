from tests import factories


def test_user_of_two_tenants_switches_between_them(client, tenant_a, tenant_b, member_of):
    user = member_of(tenant_a)
    factories.MembershipFactory(user=user, tenant=tenant_b)
    factories.EngagementFactory(tenant=tenant_a, name="Alpha rollout")
    factories.EngagementFactory(tenant=tenant_b, name="Beta rollout")
    client.force_login(user)

    home = client.get("/")
    assert b"Tenant A" in home.content

    response = client.post("/tenants/switch/", {"tenant": str(tenant_b.public_id)}, follow=True)
    assert response.status_code == 200
    assert response.wsgi_request.tenant == tenant_b
    assert b"You are now working in Tenant B" in response.content


def test_switching_to_a_tenant_you_are_not_in_is_refused(client, tenant_a, tenant_b, member_of):
    client.force_login(member_of(tenant_a))
    response = client.post("/tenants/switch/", {"tenant": str(tenant_b.public_id)}, follow=True)
    assert response.wsgi_request.tenant == tenant_a
    assert b"No such tenant" in response.content
    assert b"Tenant B" not in response.content


def test_switch_with_a_malformed_tenant_id_is_refused(client, tenant_a, member_of):
    client.force_login(member_of(tenant_a))
    response = client.post("/tenants/switch/", {"tenant": "not-a-uuid"}, follow=True)
    assert response.status_code == 200
    assert b"Choose a tenant from the list" in response.content
