"""Builders for engagement administration, tenant members and invitations (issue 7)."""

from accounts.models import Membership
from engagements.models import EngagementMember
from tests.routes import populates, route
from transition.invitations import invite_member
from transition.models import Invitation


@populates
def invite_somebody(world):
    sent = invite_member(
        actor=world.admin,
        tenant=world.tenant,
        email=f"newcomer@{world.tenant.slug}.example",
        role="member",
        site_url="http://testserver",
    )
    # Only the hash is stored; the walk needs the link the e-mail carried.
    world.invitation_token = sent.token


def _admin_url(world, rest=""):
    return f"/engagements/{world.engagement.public_id}/admin/{rest}"


def _a_seat(world):
    return (
        EngagementMember.objects.filter(engagement=world.engagement, side="client")
        .order_by("id")
        .first()
    )


# The home admin of the walk is a tenant admin, not PMO: it sees the engagement (200 would
# leak nothing) but administering it is PMO's, hence 403 for its own engagement.
@route("manage:engagement-admin", engagement_scoped=True, status=403)
def engagement_admin_page(world):
    return _admin_url(world)


@route("manage:reschedule", engagement_scoped=True, status=403)
def reschedule_page(world):
    return _admin_url(world, "reschedule/")


@route("manage:member-add", engagement_scoped=True, method="post")
def add_member_action(world):
    return _admin_url(world, "members/")


@route("manage:member-change", engagement_scoped=True, method="post")
def change_member_action(world):
    return _admin_url(world, f"members/{_a_seat(world).public_id}/")


@route("manage:member-remove", engagement_scoped=True, method="post")
def remove_member_action(world):
    return _admin_url(world, f"members/{_a_seat(world).public_id}/remove/")


@route("manage:status", engagement_scoped=True, method="post")
def status_action(world):
    return _admin_url(world, "status/")


def _a_membership(world):
    return Membership.objects.get(tenant=world.tenant, user=world.bystander)


@route("people:membership-role", method="post")
def membership_role_action(world):
    return f"/members/{_a_membership(world).public_id}/role/"


@route("people:membership-remove", method="post")
def membership_remove_action(world):
    return f"/members/{_a_membership(world).public_id}/remove/"


@route("people:invitation-cancel", method="post")
def invitation_cancel_action(world):
    invitation = Invitation.objects.filter(accepted_at__isnull=True).order_by("id").first()
    return f"/members/invitations/{invitation.public_id}/cancel/"


# Signed in, one sees only an invitation of one's own tenant (and is told to sign out).
@route("people:accept-invitation")
def accept_invitation_page(world):
    return f"/invitations/{world.invitation_token}/"
