from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from engagements.selectors import engagements_for_home


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The portfolio of the active tenant: every engagement the person may see."""
    if request.tenant is None:
        return render(request, "accounts/no_tenant.html", status=403)
    engagements = engagements_for_home(actor=request.user)
    return render(request, "accounts/home.html", {"engagements": engagements})
