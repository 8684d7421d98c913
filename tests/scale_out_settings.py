"""Settings of the web, worker and beat processes that tests/test_scale_out.py starts.

The tests' settings on the test run's PostgreSQL database, the broker and cache on a Redis
database of that test's own (SCALE_OUT_REDIS_URL), e-mail recorded in the database so the
test sees what every worker sent, and the beat's periods shortened by the environment.
"""

import os

from bpo_transition.settings.test import *  # noqa: F403
from bpo_transition.settings.test import DATABASES

DATABASES["default"]["NAME"] = os.environ["SCALE_OUT_DATABASE_NAME"]
DATABASES["failures"] = {**DATABASES["default"]}
REDIS_URL = os.environ["SCALE_OUT_REDIS_URL"]
CELERY_BROKER_URL = REDIS_URL
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 60}
CACHES = {"default": {"BACKEND": "kernel.cache.TolerantRedisCache", "LOCATION": REDIS_URL}}
EMAIL_BACKEND = "tests.notifications.mail.DatabaseRecordingBackend"
DEBUG = False
