"""docker-compose.yml scales web and worker and keeps beat single (README "Scaling out")."""

from pathlib import Path

import yaml
from django.conf import settings

COMPOSE = yaml.safe_load((Path(settings.BASE_DIR) / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]


def test_web_and_worker_scale_behind_one_published_port():
    # A fixed host port on web would refuse a second replica: the proxy publishes it.
    assert "ports" not in SERVICES["web"]
    assert SERVICES["proxy"]["ports"] == ["8000:8000"]
    assert "ports" not in SERVICES["worker"]
    conf = (Path(settings.BASE_DIR) / "deploy" / "nginx.conf").read_text()
    assert "resolver 127.0.0.11" in conf and "proxy_pass $web;" in conf


def test_every_django_service_shares_the_same_environment():
    for name in ("migrate", "web", "worker", "beat"):
        environment = SERVICES[name]["environment"]
        assert environment["REDIS_URL"] == "redis://redis:6379/0", name
        assert environment["DJANGO_SETTINGS_MODULE"] == "bpo_transition.settings.production"
    assert SERVICES["web"]["environment"]["PROMETHEUS_MULTIPROC_DIR"] == "/tmp/prometheus"  # noqa: S108
