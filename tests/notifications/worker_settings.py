"""Settings of the worker process that the reminder worker tests start.

The same as the tests' settings, on the test run's database, with e-mail recorded in that
database (``DatabaseRecordingBackend``) so that the test sees what the worker sent, and a
queue of the test's own on the configured Redis broker.
"""

import os

from bpo_transition.settings.test import *  # noqa: F403
from bpo_transition.settings.test import DATABASES

DATABASES["default"]["NAME"] = os.environ["WORKER_DATABASE_NAME"]
DATABASES["failures"] = {**DATABASES["default"]}
EMAIL_BACKEND = "tests.notifications.mail.DatabaseRecordingBackend"
CELERY_TASK_DEFAULT_QUEUE = os.environ["WORKER_QUEUE"]
