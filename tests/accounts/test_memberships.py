import pytest
from django.core.management import CommandError, call_command

from accounts.models import Membership, Tenant
from audit.models import Event
from engagements.models import EngagementMember
from kernel.errors import NotAllowed, RuleBroken
from kernel.tenancy import tenant_context
from tests import factories
from transition.services import add_membership, change_membership_role, remove_membership


def events_of(membership):
    with tenant_context(membership.tenant):
        return list(
            Event.objects.filter(
                object_type="membership", object_id=str(membership.public_id)
            ).values_list("action", "changes")
        )


def test_admins_add_change_and_remove_members_with_an_audit_trail(tenant_a, member_of):
    admin = member_of(tenant_a, role="admin")
    newcomer = factories.UserFactory()
    membership = add_membership(actor=admin, tenant=tenant_a, user=newcomer, role="member")
    change_membership_role(actor=admin, membership=membership, role="pmo")
    remove_membership(actor=admin, membership=membership)
    assert not Membership.objects.filter(pk=membership.pk).exists()
    assert [action for action, _changes in events_of(membership)] == [
        "created",
        "updated",
        "deleted",
    ]
    assert events_of(membership)[1][1] == {"role": ["member", "pmo"]}


def test_members_and_pmo_cannot_change_who_belongs(tenant_a, member_of):
    for role in ("member", "pmo"):
        actor = member_of(tenant_a, role=role)
        with pytest.raises(NotAllowed):
            add_membership(
                actor=actor, tenant=tenant_a, user=factories.UserFactory(), role="member"
            )


def test_the_last_admin_stays(tenant_a, member_of):
    admin = member_of(tenant_a, role="admin")
    only = Membership.objects.get(user=admin)
    with pytest.raises(RuleBroken, match="last admin"):
        change_membership_role(actor=admin, membership=only, role="member")
    with pytest.raises(RuleBroken, match="last admin"):
        remove_membership(actor=admin, membership=only)


def test_leaving_a_tenant_takes_the_engagement_seats_but_not_open_work(world):
    seat_user = world.client_staff
    membership = Membership.objects.get(user=seat_user, tenant=world.tenant)
    with pytest.raises(RuleBroken, match="still owns open milestones"):
        remove_membership(actor=world.admin, membership=membership)
    assert EngagementMember.objects.filter(user=seat_user).exists()

    remove_membership(
        actor=world.admin,
        membership=Membership.objects.get(user=world.bystander, tenant=world.tenant),
    )
    assert not Membership.objects.filter(user=world.bystander).exists()


def test_create_tenant_command(db, capsys):
    call_command("create_tenant", "Initech Support", "--admin", "bill")
    out = capsys.readouterr().out
    assert "Created Initech Support (initech-support) with admin bill" in out
    assert "password (shown once)" in out
    tenant = Tenant.objects.get(slug="initech-support")
    assert Membership.objects.get(tenant=tenant).role == "admin"
    with pytest.raises(CommandError, match="exists already"):
        call_command("create_tenant", "Initech Support", "--admin", "bill")
