"""The portfolio (home) and the signed-in person's own work across engagements."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_vary_headers

from engagements.navigation import portfolio_trail
from engagements.permissions import can_plan
from forecast.selectors import forecasts_for
from milestones import bulk
from transition import portfolio, work
from transition.filters import PortfolioFilter
from transition.work_forms import WorkFilterForm


def _no_tenant(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/no_tenant.html", status=403)


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The portfolio of the active tenant: every engagement the person may see, with its
    phase, next gate, overdue work, progress and health; filtered, sorted and paged."""
    if request.tenant is None:
        return _no_tenant(request)
    today = portfolio.today_for(request.user)
    filters = PortfolioFilter(
        request.GET, queryset=portfolio.portfolio_rows(actor=request.user, today=today)
    )
    page = Paginator(filters.qs, portfolio.DEFAULT_PER_PAGE).get_page(request.GET.get("page"))
    rows = portfolio.describe_portfolio_rows(actor=request.user, rows=page.object_list, today=today)
    # The page's go-live forecasts: three queries for the whole page.
    forecasts = forecasts_for(rows)
    for row in rows:
        row.go_live_forecast = forecasts[row.pk].go_live
    filtered = any(request.GET.get(name) for name in ("q", "status", "phase"))
    context = {
        "nav_section": "portfolio",
        "breadcrumbs": [("Portfolio", None)],
        "filters": filters,
        "page": page,
        "rows": rows,
        "filtered": filtered,
        # Tells a new tenant from a search that found nothing (asked only when nothing shows).
        "has_engagements": bool(rows) or portfolio.tenant_has_engagements(actor=request.user),
        "may_plan": can_plan(user=request.user, tenant_id=request.tenant.pk),
        "today": today,
    }
    template = "transition/portfolio.html"
    if request.htmx:
        template += "#results"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


@login_required
def my_work(request: HttpRequest) -> HttpResponse:
    """Everything waiting on the signed-in person in the active tenant: filtered by the query
    string (so a view can be shared), grouped, a page at a time. Bad filters answer 400 with
    what is wrong, and no list."""
    if request.tenant is None:
        return _no_tenant(request)
    today = portfolio.today_for(request.user)
    form = WorkFilterForm(request.GET or None, actor=request.user)
    valid = not form.is_bound or form.is_valid()
    page = None
    if valid:
        page = work.work_page(
            actor=request.user, filters=form.filters(), page=form.page_number(), today=today
        )
    context = {
        "nav_section": "my-work",
        "breadcrumbs": portfolio_trail(("My work", None)),
        "form": form,
        "chosen": form.chosen,
        # Read once: a template loop, or list(), would count them first, then read them.
        "engagement_choices": [choice for choice in form.fields["engagement"].choices],
        "filters": form.filters() if valid else None,
        "page": page,
        "today": today,
    }
    if page is not None:
        # The bar that changes the milestones ticked here (milestones.views_bulk).
        context.update(
            bulk.bar_context(
                engagement_ids={
                    item.engagement.pk for item in page.items if item.kind == "milestone"
                },
                next_url=request.get_full_path(),
                actor=request.user,
            )
        )
    template = "transition/my_work.html"
    if request.htmx:
        template += "#results"
    response = render(request, template, context, status=200 if valid else 400)
    patch_vary_headers(response, ["HX-Request"])
    return response
