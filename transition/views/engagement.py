from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from transition import selectors


@login_required
def engagement_detail(request: HttpRequest, public_id) -> HttpResponse:
    engagement = selectors.engagement_overview(actor=request.user, public_id=public_id)
    return render(request, "engagements/detail.html", {"engagement": engagement})
