"""Every page's icon: a real small ICO in static files, and /favicon.ico leads to it."""

import struct
from pathlib import Path

from django.contrib.staticfiles import finders


def test_favicon_ico_leads_to_the_static_icon(client):
    response = client.get("/favicon.ico")

    assert response.status_code == 302
    assert response.url.endswith("/static/favicon.ico")
    assert "max-age=86400" in response["Cache-Control"]


def test_the_icon_is_a_real_small_ico_and_pages_link_it(client):
    icon = Path(finders.find("favicon.ico")).read_bytes()
    reserved, kind, count = struct.unpack_from("<HHH", icon)
    assert (reserved, kind) == (0, 1)  # an ICO file
    sizes = {struct.unpack_from("<BB", icon, 6 + 16 * n) for n in range(count)}
    assert {(16, 16), (32, 32)} <= sizes
    assert len(icon) < 10_000

    login = client.get("/accounts/login/").content.decode()
    assert '<link rel="icon" href="/static/favicon.ico" sizes="any">' in login
