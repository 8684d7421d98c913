from django.db import models


class WorkerHeartbeat(models.Model):
    """When a periodic task last ran on a worker: proof that beat, broker and worker work."""

    name = models.CharField(max_length=80, unique=True)
    last_run_at = models.DateTimeField()
    runs = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.name} at {self.last_run_at:%Y-%m-%d %H:%M:%S}"
