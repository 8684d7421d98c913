from unittest import mock

from django.db import OperationalError

from bpo_transition.celery import app as celery_app


def test_healthz_is_ok_with_database_and_broker_up(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "broker": "ok"}}


def test_healthz_names_a_stopped_broker(client, db):
    stopped = celery_app.connection_for_write("redis://127.0.0.1:1/0")
    with mock.patch("health.views.broker_connection", return_value=stopped):
        response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["down"] == ["broker"]
    assert body["checks"]["database"] == "ok"


def test_healthz_names_an_unreachable_database(client, db):
    with mock.patch(
        "health.views.connection.cursor",
        side_effect=OperationalError("connection refused"),
    ):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["down"] == ["database"]
