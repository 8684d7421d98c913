"""The tenant's security log (tenant admins): sign-ins, failures, second-factor changes,
session ends and sign-in configuration changes, newest first, by kind and person, paged."""

from __future__ import annotations

import uuid

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from accounts.models import User
from accounts.selectors import tenant_people
from audit.account_events import KINDS
from audit.models import Event
from audit.selectors import account_events, appears_in_account_events
from audit.services import ACCOUNT
from engagements.navigation import portfolio_trail
from kernel.errors import NotFound
from transition.forms import SecurityLogFilterForm
from transition.views.people import _admin_only

PER_PAGE = 50

# How a detail of an account event is named on the page, in this order.
DETAILS = (
    ("method", "Method"),
    ("reason", "Reason"),
    ("factor", "Factor"),
    ("how", "How"),
    ("device", "Device"),
    ("address", "Address"),
)


def _person(public_id: uuid.UUID | None, members: dict[str, User]) -> User | None:
    """A member of the tenant, or someone its log speaks of (who left); anyone else is not
    found (another tenant's person is never named here)."""
    if public_id is None:
        return None
    if str(public_id) in members:
        return members[str(public_id)]
    person = User.objects.filter(public_id=public_id).first()
    if person is None or not appears_in_account_events(person=person):
        raise NotFound("No such person.")
    return person


def _row(event: Event) -> dict:
    if event.object_type == ACCOUNT:
        details = [
            (label, event.snapshot[key])
            for key, label in DETAILS
            if (event.snapshot or {}).get(key)
        ]
        person = event.object_label
    else:
        details = [
            (name.replace("_", " ").capitalize(), _change(values))
            for name, values in (event.changes or {}).items()
        ] or [("", f"{event.object_type.replace('_', ' ').capitalize()} {event.action}")]
        person = event.object_label if event.object_type == "membership" else ""
    return {
        "event": event,
        "kind": KINDS.get(event.operation, event.operation),
        "failed": event.operation == "account.sign_in_failed",
        "person": person,
        "by": event.actor,
        "details": details,
    }


def _change(values) -> str:
    if isinstance(values, list) and len(values) == 2:
        old, new = values
        return f"{_shown(old)} → {_shown(new)}"
    return _shown(values)


def _shown(value) -> str:
    if value is True:
        return "on"
    if value is False:
        return "off"
    if value in (None, "", []):
        return "—"
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    return str(value)


@login_required
def security_log(request: HttpRequest, person: uuid.UUID | None = None) -> HttpResponse:
    _admin_only(request)
    memberships = list(tenant_people(tenant=request.tenant))
    members = {str(m.user.public_id): m.user for m in memberships}
    form = SecurityLogFilterForm(
        request.GET or None,
        kinds=KINDS,
        people=[(public_id, str(user)) for public_id, user in members.items()],
        initial={"person": person},
    )
    status = 200
    kind, chosen = None, _person(person, members)
    if form.is_bound:
        if form.is_valid():
            kind = form.cleaned_data["kind"] or None
            chosen = _person(form.cleaned_data["person"], members) or chosen
        else:
            status = 400
    events = account_events(operations=KINDS, operation=kind, person=chosen)
    page = Paginator(events, PER_PAGE).get_page(request.GET.get("page"))
    trail = [("Members", "/members/"), ("Security log", None)]
    if chosen is not None:
        trail[-1] = ("Security log", "/members/security-log/")
        trail.append((str(chosen), None))
    return render(
        request,
        "transition/security_log.html",
        {
            "nav_section": "members",
            "breadcrumbs": portfolio_trail(*trail),
            "form": form,
            "page": page,
            "rows": [_row(event) for event in page.object_list],
            "chosen": chosen,
        },
        status=status,
    )
