"""The browser pages where tenant admins manage webhooks and read their delivery log."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from api.models import WebhookSubscription
from api.webhooks import services
from engagements.permissions import require_tenant_admin
from kernel.errors import InvalidInput, NotFound
from kernel.web import submit

DELIVERIES_SHOWN = 100


class SubscriptionForm(forms.Form):
    url = forms.URLField(
        max_length=500, label="URL", help_text="Deliveries are POSTed here, signed."
    )
    event_types = forms.MultipleChoiceField(
        choices=lambda: [(name, name) for name in services.event_types()],
        widget=forms.CheckboxSelectMultiple,
        label="Events",
    )


def _require_admin(request: HttpRequest) -> None:
    require_tenant_admin(actor=request.user, tenant_id=request.tenant.pk, doing="manage webhooks")


def _subscription(public_id) -> WebhookSubscription:
    found = WebhookSubscription.objects.filter(public_id=public_id).first()
    if found is None:
        raise NotFound("No such webhook.")
    return found


@login_required
def webhook_list(request: HttpRequest) -> HttpResponse:
    """Every webhook of the tenant; a new one's secret is shown once, on the page that made it."""
    if request.tenant is None:
        return render(request, "accounts/no_tenant.html", status=403)
    _require_admin(request)
    form = SubscriptionForm(request.POST or None)
    outcome = submit(
        request,
        form,
        lambda data: services.create_subscription(
            actor=request.user, tenant=request.tenant, **data
        ),
        refusals=(InvalidInput,),
    )
    created = None
    if outcome.done:
        subscription, secret = outcome.value
        created = {"subscription": subscription, "secret": secret}
        form = SubscriptionForm()
    response = render(
        request,
        "webhooks/list.html",
        {
            "subscriptions": WebhookSubscription.objects.all(),
            "form": form,
            "created": created,
            "nav_section": "api",
            "breadcrumbs": [("Webhooks", None)],
        },
        status=outcome.status,
    )
    if created is not None:
        response["Cache-Control"] = "no-store"
    return response


@login_required
def webhook_detail(request: HttpRequest, public_id) -> HttpResponse:
    _require_admin(request)
    subscription = _subscription(public_id)
    return render(
        request,
        "webhooks/detail.html",
        {
            "subscription": subscription,
            "deliveries": subscription.deliveries.all()[:DELIVERIES_SHOWN],
            "nav_section": "api",
            "breadcrumbs": [("Webhooks", "/webhooks/"), (subscription.url, None)],
        },
    )


@login_required
@require_POST
def toggle(request: HttpRequest, public_id) -> HttpResponse:
    _require_admin(request)
    subscription = _subscription(public_id)
    subscription = services.update_subscription(
        actor=request.user, subscription=subscription, active=not subscription.active
    )
    state = "enabled" if subscription.active else "disabled"
    messages.success(request, f"The webhook to {subscription.url} is {state}.")
    return redirect("webhooks:detail", public_id=subscription.public_id)


@login_required
@require_POST
def resend(request: HttpRequest, public_id, delivery_id) -> HttpResponse:
    _require_admin(request)
    subscription = _subscription(public_id)
    delivery = subscription.deliveries.filter(public_id=delivery_id).first()
    if delivery is None:
        raise NotFound("No such delivery.")
    services.resend_delivery(actor=request.user, delivery=delivery)
    messages.success(request, f"The {delivery.event_type} delivery is being sent again.")
    return redirect("webhooks:detail", public_id=subscription.public_id)
