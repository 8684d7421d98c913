"""The results page: everything the person may see in the active tenant that matches the
words of the top bar's search box, grouped by kind."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from engagements.navigation import portfolio_trail
from kernel.errors import InvalidInput
from search import selectors


@login_required
def results(request: HttpRequest) -> HttpResponse:
    if request.tenant is None:
        return render(request, "accounts/no_tenant.html", status=403)
    typed = request.GET.get("q", "")
    context = {
        "nav_section": "search",
        "breadcrumbs": portfolio_trail(("Search", None)),
        "typed": typed[: selectors.MAX_LENGTH * 2],
        "groups": [],
        "kind": None,
        "error": None,
    }
    if "q" not in request.GET:  # the page itself, before anything is typed
        return render(request, "search/results.html", context)
    try:
        text = selectors.clean_query(typed)
        kind = selectors.clean_kind(request.GET.get("kind"))
        page = selectors.clean_whole("page", request.GET.get("page"), default=1, maximum=10_000)
    except InvalidInput as refused:
        context["error"] = refused.message
        return render(request, "search/results.html", context, status=400)
    groups = selectors.search(actor=request.user, text=text, kind=kind, page=page)
    context.update(
        {
            "text": text,
            "kind": kind,
            "groups": groups,
            "found": [group for group in groups if group.hits],
            "total": sum(group.count for group in groups),
        }
    )
    return render(request, "search/results.html", context)
