"""Send trivial probe tasks through the configured broker: one producer of a broker check."""

from celery import current_app
from django.core.management.base import BaseCommand

from health.tasks import probe


class Command(BaseCommand):
    help = "Send COUNT probe tasks, each appending LABEL-N to PATH when a worker runs it."

    def add_arguments(self, parser):
        parser.add_argument("--count", type=int, required=True)
        parser.add_argument("--path", required=True, help="the file each probe appends to")
        parser.add_argument("--label", required=True, help="tokens are LABEL-0, LABEL-1, ...")

    def handle(self, *args, count: int, path: str, label: str, **options):
        with current_app.producer_or_acquire() as producer:
            for number in range(count):
                probe.apply_async(
                    kwargs={"path": path, "token": f"{label}-{number}"},
                    producer=producer,
                    argsrepr="()",
                    kwargsrepr=f"{{token: {label}-{number}}}",
                )
        self.stdout.write(f"{label}: sent {count} probes")
