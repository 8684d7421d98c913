import os

from celery import Celery

import kernel.broker  # noqa: F401  (registers the embedded broker's folder:// transport)

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bpo_transition.settings.local")

app = Celery("bpo_transition")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
