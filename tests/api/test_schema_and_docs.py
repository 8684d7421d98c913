"""The OpenAPI description is valid 3.1 and says what a consumer needs; the docs need no CDN."""

from __future__ import annotations

import re

import pytest
from schemathesis.openapi import from_wsgi

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def document():
    from django.test import Client

    return Client().get("/api/schema/?format=json").json()


def operations(document):
    for path, item in document["paths"].items():
        for method, operation in item.items():
            yield path, method, operation


def test_the_schema_is_valid_openapi_3_1(wsgi_app):
    schema = from_wsgi("/api/schema/?format=json", wsgi_app)
    schema.validate()
    assert schema.raw_schema["openapi"] == "3.1.0"


def test_the_schema_describes_auth_errors_and_headers(document):
    assert document["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http",
        "scheme": "bearer",
        "description": document["components"]["securitySchemes"]["bearerAuth"]["description"],
    }
    problem = document["components"]["schemas"]["Problem"]
    assert {"type", "title", "status", "detail", "errors"} <= set(problem["properties"])
    for path, method, operation in operations(document):
        assert {"bearerAuth": []} in operation["security"], (path, method)
        names = {parameter["name"] for parameter in operation.get("parameters", [])}
        responses = operation["responses"]
        assert responses["401"]["content"] == {
            "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}
        }
        assert "Retry-After" in responses["429"]["headers"]
        if method == "post":
            assert "Idempotency-Key" in names, path
            assert "422" in responses
        if method in {"put", "patch", "delete"}:
            assert "If-Match" in names and "412" in responses, (path, method)
        if method == "get" and "{" in path:
            assert "If-None-Match" in names and "304" in responses, path
        for code in ("200", "201"):
            if code in responses and "results" not in str(responses[code]["content"]):
                assert "ETag" in responses[code].get("headers", {}), (path, method, code)


def test_every_operation_has_a_summary_and_an_example(document):
    for path, method, operation in operations(document):
        assert operation.get("summary"), (path, method)
        success = [code for code in operation["responses"] if code in {"200", "201", "204"}]
        assert success, (path, method)
        examples = [
            media.get("examples")
            for code in success
            for media in operation["responses"][code].get("content", {}).values()
        ]
        if method == "delete":
            continue
        assert any(examples), (path, method)
        if "requestBody" in operation:
            body = operation["requestBody"]["content"]["application/json"]
            assert body.get("examples"), (path, method)


def test_the_docs_are_served_without_any_cdn(client):
    page = client.get("/api/docs/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    assert not re.search(r"(src|href)=\"(https?:)?//", html)
    assert client.get("/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js")
