from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from bpo_transition.errors import NotFound
from engagements import selectors


@login_required
def engagement_detail(request: HttpRequest, public_id) -> HttpResponse:
    try:
        engagement = selectors.engagement_overview(actor=request.user, public_id=public_id)
    except NotFound as missing:
        raise Http404(missing.message) from missing
    return render(request, "engagements/detail.html", {"engagement": engagement})
