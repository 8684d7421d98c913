import os
from pathlib import Path

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bpo_transition.settings.local")

app = Celery("bpo_transition")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def make_embedded_broker_folders() -> None:
    """The folder broker needs its folders before the first message is sent or read."""
    if not str(app.conf.broker_url).startswith("filesystem://"):
        return
    for key in ("data_folder_in", "data_folder_out", "processed_folder", "control_folder"):
        folder = app.conf.broker_transport_options.get(key)
        if folder:
            Path(folder).mkdir(parents=True, exist_ok=True)
