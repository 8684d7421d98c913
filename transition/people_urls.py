"""Tenant members and invitations (tenant admins), and the invitation link itself."""

from django.urls import path

from transition.views import people, security_log

app_name = "people"

urlpatterns = [
    path("members/", people.members, name="members"),
    path("members/invite/", people.invite, name="invite"),
    path(
        "members/separation-of-duties/",
        people.separation_of_duties,
        name="separation-of-duties",
    ),
    path("members/second-factor/", people.second_factor, name="second-factor"),
    path("members/single-sign-on/", people.single_sign_on, name="single-sign-on"),
    path("members/security-log/", security_log.security_log, name="security-log"),
    path(
        "members/security-log/<uuid:person>/",
        security_log.security_log,
        name="person-security-log",
    ),
    path("members/<uuid:public_id>/role/", people.change_role, name="membership-role"),
    path("members/<uuid:public_id>/remove/", people.remove, name="membership-remove"),
    path(
        "members/invitations/<uuid:public_id>/cancel/",
        people.cancel_invitation,
        name="invitation-cancel",
    ),
    path("invitations/<str:token>/", people.accept_invitation, name="accept-invitation"),
]
