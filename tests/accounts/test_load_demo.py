from django.core.management import call_command

from accounts.models import Membership, User


def test_demo_data_has_a_login_for_every_role_and_is_idempotent(db, capsys, tmp_path, settings):
    call_command("load_demo")
    first = capsys.readouterr().out
    for username in ("admin", "pmo", "client.lead", "provider.lead", "provider.b"):
        assert username in first
    roles = set(Membership.objects.filter(tenant__slug="demo").values_list("role", flat=True))
    assert roles == {"admin", "pmo", "member"}
    password_hash = User.objects.get(username="pmo").password

    call_command("load_demo")
    second = capsys.readouterr().out
    assert "already loaded" in second
    assert User.objects.filter(username="pmo").count() == 1
    assert User.objects.get(username="pmo").password == password_hash


def test_printed_demo_password_logs_in(client, db, capsys):
    call_command("load_demo")
    lines = [line.split() for line in capsys.readouterr().out.splitlines()]
    password = next(parts[1] for parts in lines if parts and parts[0] == "client.lead")
    response = client.post("/accounts/login/", {"username": "client.lead", "password": password})
    assert response.status_code == 302


def test_second_provider_does_not_see_the_first_providers_engagement(client, db, capsys):
    call_command("load_demo")
    logins = dict(
        line.split() for line in capsys.readouterr().out.splitlines() if len(line.split()) == 2
    )
    client.post("/accounts/login/", {"username": "provider.b", "password": logins["provider.b"]})
    home = client.get("/").content.decode()
    assert "Back-office transition" in home
    assert "Contact centre launch" not in home

    client.post("/accounts/logout/")
    client.post("/accounts/login/", {"username": "pmo", "password": logins["pmo"]})
    home = client.get("/").content.decode()
    assert "Back-office transition" in home and "Contact centre launch" in home
