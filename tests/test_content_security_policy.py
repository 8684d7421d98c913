"""Every page is sent with a Content-Security-Policy that allows no inline script or style, and
no page needs one: no inline script or stylesheet without the request's nonce, no event
handler attribute, no style attribute (issue 15). Walks every routed page the way the
cross-tenant walk does, as a tenant admin with every table populated."""

import re

import pytest
from django.urls import NoReverseMatch, reverse

from kernel.tenancy import tenant_context
from tests.routes import BUILDERS, load_all
from tests.test_cross_tenant_urls import build_url, object_routes, populate_every_model, routes
from tests.world import build_world

load_all()

INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>")
INLINE_STYLE = re.compile(r"<style\b[^>]*>")
HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.IGNORECASE)
STYLE_ATTRIBUTE = re.compile(r"<[^>]+\sstyle\s*=", re.IGNORECASE)


def pages(world):
    """(name, url) of every page a GET reaches: routes without arguments, and each object
    route for the world's own object."""
    with_object = {name for name, _pattern in object_routes()}
    for name, _pattern, _compiled in routes():
        if name in with_object:
            builder = BUILDERS.get(name)
            if builder is not None and builder.method == "post":
                continue
            url = build_url(name, _pattern, world)
        else:
            try:
                url = reverse(name)
            except NoReverseMatch:
                continue
        if url:
            yield name, url


def problems_in(html: str, nonce: str | None) -> list[str]:
    found = []
    for pattern, what in ((INLINE_SCRIPT, "inline script"), (INLINE_STYLE, "inline <style>")):
        for tag in pattern.findall(html):
            if not nonce or f'nonce="{nonce}"' not in tag:
                found.append(f"{what} without the nonce: {tag[:80]}")
    found += [f"event handler attribute: {tag[:80]}" for tag in HANDLER.findall(html)]
    found += [f"style attribute: {tag[:80]}" for tag in STYLE_ATTRIBUTE.findall(html)]
    return found


def test_a_page_is_sent_with_a_policy_allowing_nothing_inline(client, world):
    client.force_login(world.pmo)
    policy = client.get("/")["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";") if part.strip())
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["object-src"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy


@pytest.mark.django_db
def test_no_page_needs_an_inline_script_or_style_without_its_nonce(client):
    world = populate_every_model(build_world("Alpha"))
    world.admin.is_staff = world.admin.is_superuser = True
    world.admin.save()
    failures, walked = [], set()
    # The admin reaches /admin/ and the tenant's settings; PMO the pages that administer.
    for person in (world.admin, world.pmo):
        client.force_login(person)
        for name, url in pages(world):
            with tenant_context(world.tenant):
                response = client.get(url)
            if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
                continue
            policy = response.get("Content-Security-Policy", "")
            assert "script-src 'self'" in policy, f"{name}: {url} has no policy"
            nonce = re.search(r"'nonce-([^']+)'", policy)
            body = b"".join(response) if response.streaming else response.content
            failures += [
                f"{name} ({url}): {p}" for p in problems_in(body.decode(), nonce and nonce[1])
            ]
            walked.add(name)
    assert len(walked) >= 60, sorted(walked)
    assert "\n".join(failures) == ""
