import os

from celery import Celery

from bpo_transition import broker

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bpo_transition.settings.local")

app = Celery("bpo_transition")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def make_embedded_broker_folders() -> None:
    """The embedded broker needs its folders before the first message is sent or read."""
    if str(app.conf.broker_url).startswith(f"{broker.SCHEME}://"):
        broker.make_folders(app.conf.broker_transport_options)
