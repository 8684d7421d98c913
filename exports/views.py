"""Export pages and files, the calendar-link page, and the calendar feed itself."""

from __future__ import annotations

import datetime
import zoneinfo

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.text import slugify
from django.views.decorators.http import require_GET, require_http_methods

from exports import ics, selectors, services, writers
from exports.registry import exportable, exportables
from kernel.errors import NotFound
from kernel.exportables import ENGAGEMENT, PERSONAL, Exportable
from kernel.tenancy import tenant_context

ENGAGEMENTS_PER_PAGE = 20


def _no_tenant(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/no_tenant.html", status=403)


def _today_in(zone: str) -> datetime.date:
    try:
        return timezone.localdate(timezone=zoneinfo.ZoneInfo(zone))
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return timezone.localdate()


def file_name(*parts: str, day: datetime.date, extension: str) -> str:
    """``alpha-care-desk-milestones-2026-01-05.csv``: ASCII letters, digits and dashes only."""
    stem = "-".join(slug for part in parts if (slug := slugify(part)))[:100].strip("-")
    return f"{stem or 'export'}-{day.isoformat()}.{extension}"


def _export_response(
    request: HttpRequest, spec: Exportable, rows, *, name: str, file_format: str
) -> HttpResponse:
    if file_format == "csv":
        # Streamed: the middleware produces each chunk back inside the request's tenant.
        response = StreamingHttpResponse(
            writers.csv_chunks(spec, rows), content_type=writers.CSV_CONTENT_TYPE
        )
        response["Content-Disposition"] = content_disposition_header(True, name)
    else:
        response = FileResponse(
            writers.write_xlsx(spec, rows),
            as_attachment=True,
            filename=name,
            content_type=writers.XLSX_CONTENT_TYPE,
        )
    # Business data of one person's view: never kept by a shared cache.
    response["Cache-Control"] = "private, no-store"
    return response


def _found(scope: str, kind: str) -> Exportable:
    spec = exportable(scope, kind)
    if spec is None:
        raise NotFound("No such export.")
    return spec


# --- One engagement ----------------------------------------------------------------------------


@login_required
@require_GET
def engagement_exports(request: HttpRequest, engagement_id) -> HttpResponse:
    engagement = selectors.engagement_to_export(actor=request.user, public_id=engagement_id)
    offered = [
        (spec, spec.rows(actor=request.user, engagement=engagement).count())
        for spec in exportables(ENGAGEMENT)
    ]
    return render(
        request,
        "exports/engagement.html",
        {
            "engagement": engagement,
            "offered": offered,
            "breadcrumbs": [
                ("Portfolio", reverse("home")),
                (engagement.name, reverse("engagements:detail", args=[engagement.public_id])),
                ("Exports", None),
            ],
        },
    )


@login_required
@require_GET
def engagement_file(request: HttpRequest, engagement_id, kind: str, file_format: str):
    engagement = selectors.engagement_to_export(actor=request.user, public_id=engagement_id)
    spec = _found(ENGAGEMENT, kind)
    name = file_name(engagement.name, spec.kind, day=engagement.today(), extension=file_format)
    rows = spec.rows(actor=request.user, engagement=engagement)
    return _export_response(request, spec, rows, name=name, file_format=file_format)


# --- Across the tenant ---------------------------------------------------------------------------


@login_required
@require_GET
def personal_file(request: HttpRequest, kind: str, file_format: str):
    if request.tenant is None:
        return _no_tenant(request)
    spec = _found(PERSONAL, kind)
    name = file_name(
        request.tenant.name,
        spec.kind,
        day=_today_in(request.user.time_zone),
        extension=file_format,
    )
    rows = spec.rows(actor=request.user)
    return _export_response(request, spec, rows, name=name, file_format=file_format)


# --- The calendar link ---------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def calendar(request: HttpRequest) -> HttpResponse:
    """The calendar link and the exports across engagements. POST makes a new link and shows
    it, this once (only its hash is kept); the old link stops working."""
    if request.tenant is None:
        return _no_tenant(request)
    new_link = None
    if request.method == "POST":
        made = services.regenerate_calendar_feed(actor=request.user, tenant=request.tenant)
        new_link = ics.feed_url(made.token)
    feed = selectors.calendar_feed_of(user=request.user)
    page = Paginator(selectors.engagements_to_export(actor=request.user), ENGAGEMENTS_PER_PAGE)
    engagements = page.get_page(request.GET.get("page"))
    return render(
        request,
        "exports/calendar.html",
        {
            "nav_section": "calendar",
            "breadcrumbs": [("Portfolio", reverse("home")), ("Calendar and exports", None)],
            "feed": feed,
            "new_link": new_link,
            "webcal_link": new_link.replace("https://", "webcal://").replace("http://", "webcal://")
            if new_link
            else None,
            "personal_exports": exportables(PERSONAL),
            "engagements": engagements,
        },
    )


@require_GET
def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    """The feed a calendar client fetches: no session, the secret link is the credential.

    The tenant comes from the feed, never from the request: a browser that happens to be
    signed in to another tenant gets the same feed as the calendar client.
    """
    feed = selectors.calendar_feed_for_token(token=token)
    with tenant_context(feed.tenant):
        body = ics.build_calendar(user=feed.user, tenant=feed.tenant)
    response = HttpResponse(body, content_type=ics.CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition_header(False, "bpo-transition.ics")
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex"
    return response
