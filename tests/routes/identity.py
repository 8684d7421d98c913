"""Builders for a person's own sessions (issue 21): another person's session is not found."""

from allauth.usersessions.models import UserSession

from tests.routes import populates, route


@populates
def sign_the_admin_in(world):
    UserSession.objects.create(
        user=world.admin,
        session_key=f"walk-{world.tenant.slug}"[:40],
        ip="192.0.2.10",
        user_agent="Mozilla/5.0 (X11; Linux x86_64) Firefox/133.0",
    )


# Ending one's own session signs it out and goes back to the list (302).
@route("accounts:end-session", method="post", status=302)
def end_session_action(world):
    session = UserSession.objects.get(user=world.admin, session_key__startswith="walk-")
    return f"/accounts/sessions/{session.pk}/end/"
