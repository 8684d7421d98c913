import subprocess
import sys
from io import StringIO

import pytest
from django.conf import settings
from django.core import mail
from django.core.management import CommandError, call_command

from notifications.models import Notification, Reminder


def run(*args) -> str:
    out = StringIO()
    call_command("send_reminders", *args, stdout=out)
    return out.getvalue()


def test_a_dry_run_lists_each_reminder_and_sends_nothing(world):
    output = run("--dry-run", "--now", "2026-01-08T08:00:00+00:00")
    lines = output.strip().splitlines()
    expected = (
        f"would send 2026-01-08 milestone_due_soon #"
        f"{world.engagement.milestones.get(title='Closer hand-off agreed').pk} -> "
        f"{world.client_lead.username} (Alpha / Alpha care desk)"
    )
    assert expected in lines
    assert lines[-1] == "Dry run at 2026-01-08T08:00:00+00:00: 8 new, 0 to retry; nothing sent."
    assert len(lines) == 9
    assert Reminder.objects.count() == 0 and mail.outbox == []


def test_a_run_by_hand_delivers_and_says_what_it_did(world):
    output = run("--now", "2026-01-08T08:00")
    assert output.count("\nsent ") + output.startswith("sent ") == 8
    assert output.strip().endswith(
        "8 new reminders; 8 sent, 0 skipped, 0 failed (tried again later)."
    )
    assert len(mail.outbox) == 8 and Notification.objects.count() == 8
    again = run("--now", "2026-01-08T08:00")
    assert "0 new reminders; 0 sent" in again and len(mail.outbox) == 8


def test_a_bad_now_is_refused_in_one_line(world):
    with pytest.raises(CommandError, match="is not an ISO date and time"):
        run("--now", "tomorrow")


def test_a_bad_now_exits_1_with_one_line():
    finished = subprocess.run(
        [sys.executable, "manage.py", "send_reminders", "--dry-run", "--now", "next week"],
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert finished.returncode == 1
    assert finished.stderr.strip().splitlines() == [
        "CommandError: --now 'next week' is not an ISO date and time (e.g. 2026-03-05T08:00+13:00)."
    ]
