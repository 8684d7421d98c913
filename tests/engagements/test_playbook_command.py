import json

import pytest
from django.core.management import CommandError, call_command, execute_from_command_line

from engagements.models import Playbook
from engagements.playbooks import builtin_document
from kernel.tenancy import tenant_context


def test_list_shows_every_shipped_playbook(capsys):
    call_command("playbooks", "list")
    out = capsys.readouterr().out
    for key in (
        "contact-centre-90-day",
        "implementation-outline",
        "post-signature-sequence",
        "seven-step-onboarding",
    ):
        assert key in out


def test_check_accepts_a_valid_file_and_names_the_problem_in_a_bad_one(tmp_path, capsys):
    good = tmp_path / "good.json"
    good.write_text(json.dumps(builtin_document("contact-centre-90-day")))
    call_command("playbooks", "check", str(good))
    assert "valid (37 milestones)" in capsys.readouterr().out

    document = builtin_document("contact-centre-90-day")
    document["reviews"] = document["reviews"][:2]
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(document))
    with pytest.raises(CommandError, match="reviews must be at days 14, 30, 45, 60 and 90"):
        call_command("playbooks", "check", str(bad))

    broken = tmp_path / "broken.json"
    broken.write_text("{")
    with pytest.raises(CommandError, match="is not JSON"):
        call_command("playbooks", "check", str(broken))


def test_check_of_a_backward_dependency_exits_1_with_one_line_naming_it(tmp_path, capsys):
    document = builtin_document("contact-centre-90-day")
    for phase in document["phases"]:
        if phase["kind"] == "kickoff":
            rules = next(m for m in phase["milestones"] if m["key"] == "campaign-rules-defined")
            phase["milestones"].remove(rules)
        elif phase["kind"] == "transition":
            phase["milestones"].insert(0, rules)
    bad = tmp_path / "backward.json"
    bad.write_text(json.dumps(document))

    with pytest.raises(SystemExit) as exited:
        execute_from_command_line(["manage.py", "playbooks", "check", str(bad)])

    assert exited.value.code == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.splitlines() == [
        "CommandError: The playbook is not valid: milestone “campaign-brief-signed” (kickoff) "
        "depends on “campaign-rules-defined” (transition), a later phase"
    ]


def test_copy_into_a_tenant_as_its_pmo(world, capsys):
    call_command(
        "playbooks",
        "copy",
        "seven-step-onboarding",
        "--tenant",
        world.tenant.slug,
        "--actor",
        world.pmo.username,
        "--as",
        "our-onboarding",
    )
    with tenant_context(world.tenant):
        assert Playbook.objects.get().key == "our-onboarding"
    with pytest.raises(CommandError, match="Only tenant admins and PMO can copy playbooks"):
        call_command(
            "playbooks",
            "copy",
            "seven-step-onboarding",
            "--tenant",
            world.tenant.slug,
            "--actor",
            world.provider_lead.username,
        )
    with pytest.raises(CommandError, match="No shipped playbook “nope”"):
        call_command(
            "playbooks",
            "copy",
            "nope",
            "--tenant",
            world.tenant.slug,
            "--actor",
            world.pmo.username,
        )
