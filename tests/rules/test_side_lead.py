"""The rule "lead of a side" (``engagements.permissions.is_side_lead``): seated as the lead,
of the side asked about (of any side when none is named). Attesting a gate for a side and
editing the escalation path both ask it."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from engagements.models import EngagementMember
from engagements.permissions import can_attest, can_edit_escalation_path, is_side_lead
from tests import factories

pytestmark = pytest.mark.django_db


def test_only_the_lead_of_a_side_leads_it(tenant_a, in_tenant):
    with in_tenant(tenant_a):
        engagement = factories.EngagementFactory(tenant=tenant_a)
        lead = factories.EngagementMemberFactory(
            engagement=engagement, side=EngagementMember.Side.CLIENT
        ).user
        member = factories.EngagementMemberFactory(
            engagement=engagement, role=EngagementMember.Role.MEMBER
        ).user
        stranger = factories.UserFactory()
        assert is_side_lead(user=lead, engagement=engagement)
        assert is_side_lead(user=lead, engagement=engagement, sides=("client",))
        assert not is_side_lead(user=lead, engagement=engagement, sides=("provider",))
        assert not is_side_lead(user=member, engagement=engagement)
        assert not is_side_lead(user=stranger, engagement=engagement)
        gate = SimpleNamespace(engagement=engagement)
        assert can_attest(user=lead, gate=gate, side="client")
        assert not can_attest(user=lead, gate=gate, side="provider")
        assert can_edit_escalation_path(user=lead, engagement=engagement)
        assert not can_edit_escalation_path(user=member, engagement=engagement)
