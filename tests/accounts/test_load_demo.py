import pytest
from django.core.management import call_command

from accounts.models import Membership, User

# Its data is built relative to today: pinned, and run on awkward days on CI.
pytestmark = pytest.mark.dates


def _logins(output: str) -> dict[str, tuple[str, str]]:
    """username -> (tenant role, password), from the lines load_demo prints."""
    rows = [line.split() for line in output.splitlines() if line.startswith("  ")]
    return {username: (role, password) for username, role, password in rows}


def test_demo_data_has_a_login_for_every_role_and_is_idempotent(db, capsys, tmp_path, settings):
    settings.DEMO_CREDENTIALS_FILE = tmp_path / "demo-logins.txt"
    call_command("load_demo")
    first = capsys.readouterr().out
    assert {username: role for username, (role, _password) in _logins(first).items()} == {
        "admin": "Admin",
        "pmo": "PMO",
        "client.lead": "Member",
        "provider.lead": "Member",
        "provider.b": "Member",
    }
    # The file the run script shows again keeps the role column.
    assert _logins((tmp_path / "demo-logins.txt").read_text()) == _logins(first)
    roles = set(Membership.objects.filter(tenant__slug="demo").values_list("role", flat=True))
    assert roles == {"admin", "pmo", "member"}
    password_hash = User.objects.get(username="pmo").password

    call_command("load_demo")
    second = capsys.readouterr().out
    assert "already loaded" in second
    assert _logins(second) == {}
    assert User.objects.filter(username="pmo").count() == 1
    assert User.objects.get(username="pmo").password == password_hash


def test_printed_demo_password_logs_in(client, db, capsys):
    call_command("load_demo")
    _role, password = _logins(capsys.readouterr().out)["client.lead"]
    response = client.post("/accounts/login/", {"username": "client.lead", "password": password})
    assert response.status_code == 302


def test_second_provider_does_not_see_the_first_providers_engagement(client, db, capsys):
    call_command("load_demo")
    logins = {
        username: password
        for username, (_role, password) in _logins(capsys.readouterr().out).items()
    }
    client.post("/accounts/login/", {"username": "provider.b", "password": logins["provider.b"]})
    home = client.get("/").content.decode()
    assert "Back-office transition" in home
    assert "Contact centre launch" not in home

    client.post("/accounts/logout/")
    client.post("/accounts/login/", {"username": "pmo", "password": logins["pmo"]})
    home = client.get("/").content.decode()
    assert "Back-office transition" in home and "Contact centre launch" in home


def test_the_demo_admin_reads_the_security_log(client, db, capsys):
    call_command("load_demo")
    client.force_login(User.objects.get(username="admin"))
    page = client.get("/members/security-log/")
    assert page.status_code == 200
    html = page.content.decode()
    kinds = ("Signed in", "Second factor added", "Session ended", "Single sign-on configured")
    for kind in kinds:  # in the table, not only among the filter's choices
        assert f'<span class="fw-semibold">{kind}</span>' in html
    assert '<span class="badge text-bg-warning">Sign-in failed</span>' in html
    assert "Password and second factor" in html and "Wrong password" in html
