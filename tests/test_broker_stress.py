"""The configured broker under load: three producer processes, one worker, 20,000 tasks.

Without REDIS_URL this is the embedded broker (kernel/broker.py); on CI, Redis. The
three producers stand for web, beat and a command: separate processes sending to one queue at
once while a worker, started as scripts/run.sh starts it, consumes.
"""

import pytest
from django.conf import settings

from health.broker_check import environment, run_load

TASKS = 20_000


@pytest.mark.worker
def test_twenty_thousand_tasks_from_three_producers_arrive_once_each(tmp_path):
    broker = "redis" if settings.REDIS_URL else "embedded"
    env = environment(broker=broker, folder=tmp_path, redis_url=settings.REDIS_URL)
    env["DJANGO_SETTINGS_MODULE"] = "bpo_transition.settings.test"
    share = TASKS // 3
    producers = {"web": share, "beat": share, "command": TASKS - 2 * share}

    # About a minute on the embedded broker on an idle 2-core machine; Redis on a busy one is
    # slower (35-60 tasks/s measured beside other work), hence the wide timeout.
    result = run_load(env=env, folder=tmp_path, producers=producers, timeout=600)

    assert result.sent == TASKS
    assert result.worker_exit is None, result.worker_log
    assert "CRITICAL" not in result.worker_log
    assert result.lost == 0, f"{result.lost} lost ({broker}, {result.seconds:.0f} s)"
    assert result.duplicated == 0
    assert set(result.tokens) == {
        f"{label}-{number}" for label, count in producers.items() for number in range(count)
    }
