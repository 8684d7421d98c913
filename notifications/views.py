from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_POST

from kernel.web import submit
from notifications import selectors, services
from notifications.filters import NotificationFilter
from notifications.forms import PreferencesForm
from notifications.models import Kind
from notifications.wording import word_for_reader

PAGE_SIZE = 25


def _no_tenant(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/no_tenant.html", status=403)


def _htmx(response: HttpResponse) -> HttpResponse:
    patch_vary_headers(response, ["HX-Request"])
    return response


def _inbox_context(request: HttpRequest) -> dict:
    filterset = NotificationFilter(request.GET, queryset=selectors.inbox(user=request.user))
    page = Paginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    time_zone = request.user.time_zone_in(request.tenant)
    word_for_reader(page.object_list, time_zone=time_zone)
    return {
        "filter": filterset,
        "page": page,
        "unread": selectors.unread_count(user=request.user),
        "user_time_zone": time_zone,
        "nav_section": "notifications",
        "breadcrumbs": [("Portfolio", "/"), ("Notifications", None)],
    }


@login_required
def notification_list(request: HttpRequest) -> HttpResponse:
    if request.tenant is None:
        return _no_tenant(request)
    template = "notifications/list.html#inbox" if request.htmx else "notifications/list.html"
    return _htmx(render(request, template, _inbox_context(request)))


@login_required
def bell(request: HttpRequest) -> HttpResponse:
    """The unread count for the top bar (loaded by htmx on every page)."""
    unread = selectors.unread_count(user=request.user) if request.tenant is not None else 0
    return render(request, "notifications/partials/bell.html", {"unread": unread})


@login_required
@require_POST
def mark_read(request: HttpRequest, public_id) -> HttpResponse:
    notification = selectors.get_notification(user=request.user, public_id=public_id)
    services.mark_read(actor=request.user, notification=notification)
    word_for_reader([notification], time_zone=request.user.time_zone_in(request.tenant))
    if request.htmx:
        return _htmx(
            render(
                request,
                "notifications/partials/marked.html",
                {
                    "notification": notification,
                    "unread": selectors.unread_count(user=request.user),
                    "user_time_zone": request.user.time_zone_in(request.tenant),
                },
            )
        )
    messages.success(request, f"Marked “{notification.title_now}” as read.")
    return _htmx(redirect("notifications:list"))


@login_required
@require_POST
def mark_all_read(request: HttpRequest) -> HttpResponse:
    if request.tenant is None:
        return _no_tenant(request)
    count = services.mark_all_read(actor=request.user)
    if request.htmx:
        context = _inbox_context(request)
        context["oob_bell"] = True
        return _htmx(render(request, "notifications/list.html#inbox", context))
    messages.success(request, f"Marked {count} notification{'s' if count != 1 else ''} as read.")
    return _htmx(redirect("notifications:list"))


@login_required
def preferences(request: HttpRequest) -> HttpResponse:
    if request.tenant is None:
        return _no_tenant(request)
    tenant_zone = request.tenant.time_zone
    current = selectors.preference_for(request.user)
    initial = {
        "time_zone": request.user.time_zone,
        "delivery": "digest" if current.daily_digest else "immediate",
        "email_kinds": [kind for kind in Kind.values if current.wants_email(kind)],
    }
    form = PreferencesForm(request.POST or None, initial=initial, tenant_time_zone=tenant_zone)
    outcome = submit(
        request,
        form,
        lambda data: services.update_preferences(
            actor=request.user,
            daily_digest=data["delivery"] == "digest",
            email_off=[kind for kind in Kind.values if kind not in data["email_kinds"]],
            time_zone=data["time_zone"],
        ),
    )
    if outcome.done:
        messages.success(request, "Your notification preferences are saved.")
        return redirect("notifications:preferences")
    context = {
        "form": form,
        "tenant_time_zone": tenant_zone,
        "effective_time_zone": request.user.time_zone_in(request.tenant),
        "breadcrumbs": [("Portfolio", "/"), ("Notification preferences", None)],
    }
    return render(request, "notifications/preferences.html", context, status=outcome.status)
