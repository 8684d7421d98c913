"""Tests: fast hashing, mail kept in memory, the same database and broker settings as configured."""

import tempfile
from pathlib import Path

from .base import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Evidence files uploaded by tests land in a scratch folder, never the project's var/media.
MEDIA_ROOT = Path(tempfile.gettempdir()) / "bpo-transition-test-media"
DEMO_CREDENTIALS_FILE = Path(tempfile.gettempdir()) / "bpo-transition-test-demo-logins.txt"
# Stored review reports of the test runs (issue 10).
MEDIA_ROOT = Path(tempfile.gettempdir()) / "bpo-transition-test-media"
# The API's per-token throttle is exercised by its own test with a low rate.
REST_FRAMEWORK = {**REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"api": "100000/min"}}  # noqa: F405
# The webhook tests receive on a loopback HTTP server; the SSRF test turns this off.
WEBHOOKS_ALLOW_PRIVATE_URLS = True
