"""The rule "the user belongs to the tenant" (``accounts.permissions.belongs_to_tenant``): a
membership of any role. Cached on the user for a request; ``fresh`` asks the database now."""

from __future__ import annotations

import pytest

from accounts.permissions import belongs_to_tenant, tenant_members_among
from tests import factories

pytestmark = pytest.mark.django_db


def test_a_member_of_any_role_belongs_and_nobody_else(tenant_a, tenant_b, member_of):
    pmo, member = member_of(tenant_a, role="pmo"), member_of(tenant_a)
    outsider = member_of(tenant_b)
    for fresh in (False, True):
        assert belongs_to_tenant(user=pmo, tenant_id=tenant_a.pk, fresh=fresh)
        assert belongs_to_tenant(user=member, tenant_id=tenant_a.pk, fresh=fresh)
        assert not belongs_to_tenant(user=outsider, tenant_id=tenant_a.pk, fresh=fresh)
        assert not belongs_to_tenant(user=None, tenant_id=tenant_a.pk, fresh=fresh)
    assert tenant_members_among(tenant_id=tenant_a.pk, users=[pmo, outsider]) == {pmo.pk}


def test_fresh_sees_a_membership_made_after_the_cached_answer(tenant_a):
    user = factories.UserFactory()
    assert not belongs_to_tenant(user=user, tenant_id=tenant_a.pk)
    factories.MembershipFactory(user=user, tenant=tenant_a)
    assert not belongs_to_tenant(user=user, tenant_id=tenant_a.pk)  # the request's answer
    assert belongs_to_tenant(user=user, tenant_id=tenant_a.pk, fresh=True)
