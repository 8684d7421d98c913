from django.db import transaction
from django.db.models import F
from django.utils import timezone

from health.models import WorkerHeartbeat


@transaction.atomic
def record_heartbeat(*, name: str = "worker") -> WorkerHeartbeat:
    now = timezone.now()
    heartbeat, created = WorkerHeartbeat.objects.get_or_create(
        name=name, defaults={"last_run_at": now, "runs": 1}
    )
    if not created:
        WorkerHeartbeat.objects.filter(pk=heartbeat.pk).update(last_run_at=now, runs=F("runs") + 1)
        heartbeat.refresh_from_db()
    return heartbeat
