"""A service asks for its own task by name (the task module imports the service). The name
must resolve in a web process too, where no view imported the task module: production's
gunicorn once answered 500 on "Generate the PDF" (``NotRegistered``) while every test, which
had imported the tasks already, passed."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

from django.conf import settings

from api.webhooks.services import DELIVER_TASK
from reporting.reports import RENDER_REPORT_TASK

PROBE = textwrap.dedent(
    """
    import sys

    import django

    django.setup()
    from celery.exceptions import NotRegistered

    from kernel.background import task_named

    names = sys.argv[1:]
    modules = {name.rpartition(".")[0] for name in names}
    assert not modules & set(sys.modules), sorted(modules & set(sys.modules))
    for name in names:
        assert task_named(name).name == name, name
    try:
        task_named("nowhere.tasks.nothing")
    except NotRegistered:
        print("resolved", len(names))
    """
)


def test_a_task_asked_for_by_name_resolves_in_a_process_that_never_imported_it():
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bpo_transition.settings.test",
        "PYTHONPATH": str(settings.BASE_DIR),
    }
    names = [RENDER_REPORT_TASK, DELIVER_TASK]
    result = subprocess.run(
        [sys.executable, "-c", PROBE, *names],
        cwd=settings.BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"resolved {len(names)}"
