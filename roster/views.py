"""Pages of an engagement's readiness roster: the heat map by wave, a person's page, waves, the
access batches. Every change goes through ``roster.services`` or ``roster.access``; a refusal
lands beside its field (or above the selection it names) with what was typed kept."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import NON_FIELD_ERRORS
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from engagements.models import Engagement, EngagementMember
from engagements.navigation import engagement_trail
from engagements.permissions import (
    can_approve_access,
    can_edit_roster,
    can_erase_person,
    can_provision_access,
)
from engagements.selectors import get_engagement
from kernel.errors import NotFound
from kernel.web import FORM_REFUSALS, status_of, submit
from roster import access, services
from roster.board import (
    Filters,
    batch_summary,
    batches_of,
    board,
    chosen,
    person_results,
    person_steps,
    role_label,
    steps_with_people,
    waited,
)
from roster.forms import (
    EraseForm,
    PersonForm,
    RefuseForm,
    ResultForm,
    RosterFilterForm,
    StatusForm,
    WaveForm,
)
from roster.models import AccessBatch, AccessStep, Person, Requirement, Wave
from roster.readiness import readiness_of_person, requirements_by_role

TEMPLATE = "roster/roster.html"


def _engagement(request: HttpRequest, engagement_id: uuid.UUID) -> Engagement:
    return get_engagement(actor=request.user, public_id=engagement_id)


def _roster_url(engagement: Engagement) -> str:
    return reverse("roster:roster", args=[engagement.public_id])


def _batches_url(engagement: Engagement) -> str:
    return reverse("roster:batches", args=[engagement.public_id])


def _person_url(person: Person) -> str:
    return reverse("roster:person", args=[person.engagement.public_id, person.public_id])


def _batch_url(batch: AccessBatch) -> str:
    return reverse("roster:batch", args=[batch.engagement.public_id, batch.public_id])


def _trail(engagement: Engagement, *more):
    return engagement_trail(engagement, ("Roster", _roster_url(engagement)), *more)


# --- The roster: the heat map ---------------------------------------------------------------


@login_required
@require_GET
def roster(request: HttpRequest, engagement_id: uuid.UUID) -> HttpResponse:
    """Every person of the roster by wave: a heat map of what each has passed and been given,
    the counts per wave, and who waits on whom."""
    engagement = _engagement(request, engagement_id)
    return _roster_page(request, engagement)


def _roster_page(
    request: HttpRequest,
    engagement: Engagement,
    *,
    selected: frozenset[str] = frozenset(),
    refusal: str = "",
    status: int = 200,
) -> HttpResponse:
    waves = list(Wave.objects.filter(engagement=engagement).order_by("number"))
    requirements = requirements_by_role(engagement)
    filter_form = RosterFilterForm(request.GET or None, waves=waves, roles=sorted(requirements))
    chosen_filters = filter_form.values() if request.GET else {}
    filters = Filters(**chosen_filters)
    context = {
        "engagement": engagement,
        "board": board(engagement, filters=filters, waves=waves, requirements=requirements),
        "filter_form": filter_form,
        "filters": filters,
        "people_url": reverse("roster:person-create", args=[engagement.public_id]).removesuffix(
            "new/"
        ),
        "selected": selected,
        "refusal": refusal,
        "may_edit": can_edit_roster(user=request.user, engagement=engagement),
        "nav_section": "portfolio",
        "breadcrumbs": engagement_trail(engagement, ("Roster", None)),
    }
    template = f"{TEMPLATE}#roster-board" if request.htmx and not refusal else TEMPLATE
    response = render(request, template, context, status=status)
    patch_vary_headers(response, ["HX-Request"])
    return response


@login_required
@require_POST
def request_access(request: HttpRequest, engagement_id: uuid.UUID) -> HttpResponse:
    """Request every system a selection of people (or a whole wave) needs, as one batch."""
    engagement = _engagement(request, engagement_id)
    wave = None
    if request.POST.get("wave"):
        wave = chosen(Wave.objects.filter(engagement=engagement), [request.POST["wave"]]).first()
        if wave is None:
            raise NotFound("No such wave.")
    public_ids = request.POST.getlist("people")
    people = list(chosen(Person.objects.filter(engagement=engagement), public_ids))
    try:
        batch = access.request_access(
            actor=request.user, engagement=engagement, people=people, wave=wave
        )
    except FORM_REFUSALS as refused:
        return _roster_page(
            request,
            engagement,
            selected=frozenset(public_ids),
            refusal=refused.message,
            status=status_of(refused),
        )
    messages.success(
        request, f"Access requested: “{batch.label}”, now waiting on the client's approval."
    )
    return redirect(_batch_url(batch))


# --- A person -------------------------------------------------------------------------------


def _person(engagement: Engagement, person_id: uuid.UUID) -> Person:
    person = (
        Person.objects.filter(engagement=engagement, public_id=person_id)
        .select_related("wave")
        .first()
    )
    if person is None:
        raise NotFound("No such person on this roster.")
    person.engagement = engagement
    return person


def _assessors(engagement: Engagement) -> list:
    seats = (
        EngagementMember.objects.filter(engagement=engagement)
        .select_related("user")
        .order_by("side", "user__first_name", "user__last_name", "user__username")
    )
    users, seen = [], set()
    for seat in seats:
        if seat.user_id not in seen:
            seen.add(seat.user_id)
            users.append(seat.user)
    return users


def _person_forms(request: HttpRequest, engagement: Engagement, person: Person, bound: str):
    """The person page's four forms; the one named ``bound`` holds what was posted."""
    data = request.POST if request.method == "POST" else None
    requirements = list(
        Requirement.objects.filter(
            engagement=engagement,
            role=person.role,
            kind__in=(Requirement.Kind.MODULE, Requirement.Kind.CERTIFICATION),
        ).order_by("position", "id")
    )
    waves = list(Wave.objects.filter(engagement=engagement).order_by("number"))
    return {
        "result": ResultForm(
            data if bound == "result" else None,
            requirements=requirements,
            assessors=_assessors(engagement),
            initial={"taken_on": engagement.today(), "passed": "yes"},
            prefix="result",
        ),
        "details": PersonForm(
            data if bound == "details" else None,
            roles=services.roles_of(engagement),
            waves=waves,
            initial=PersonForm.initial_of(person),
            prefix="details",
        ),
        "status": StatusForm(
            data if bound == "status" else None,
            initial={"status": person.status},
            current=person.status,
            prefix="status",
        ),
        "erase": EraseForm(data if bound == "erase" else None, prefix="erase"),
    }


def _person_page(request, engagement, person, forms, *, status: int = 200, opened: str = ""):
    readiness = readiness_of_person(person)
    return render(
        request,
        "roster/person.html",
        {
            "engagement": engagement,
            "person": person,
            "role_label": role_label(person.role),
            "readiness": readiness,
            "results": list(person_results(person)),
            "steps": list(person_steps(person)),
            "forms": forms,
            "opened": opened,
            "may_edit": can_edit_roster(user=request.user, engagement=engagement),
            "may_erase": can_erase_person(user=request.user, engagement=engagement),
            "today": engagement.today(),
            "nav_section": "portfolio",
            "breadcrumbs": _trail(engagement, (person.name, None)),
        },
        status=status,
    )


@login_required
@require_GET
def person(request: HttpRequest, engagement_id: uuid.UUID, person_id: uuid.UUID) -> HttpResponse:
    """One person: details, every attempt, access steps, and what is still missing."""
    engagement = _engagement(request, engagement_id)
    found = _person(engagement, person_id)
    return _person_page(request, engagement, found, _person_forms(request, engagement, found, ""))


def _person_action(request, engagement_id, person_id, name: str, call, done):
    engagement = _engagement(request, engagement_id)
    found = _person(engagement, person_id)
    forms = _person_forms(request, engagement, found, name)
    form = forms[name]
    outcome = submit(request, form, lambda data: call(found, data))
    _beside_its_field(form, outcome.refused)
    if outcome.done:
        messages.success(request, done(found))
        return redirect(_person_url(found))
    found.refresh_from_db()
    found.engagement = engagement
    return _person_page(request, engagement, found, forms, status=outcome.status, opened=name)


def _beside_its_field(form, refused) -> None:
    """A broken rule that names a field of the form (``RuleBroken(field=...)``: "live" refused,
    an erasure refused twice) is shown beside that field rather than above the form."""
    field = getattr(refused, "field", None)
    if refused is None or getattr(refused, "errors", None) or field not in form.fields:
        return
    form.errors.pop(NON_FIELD_ERRORS, None)
    form.add_error(field, refused.message)


@login_required
@require_POST
def record_result(request, engagement_id: uuid.UUID, person_id: uuid.UUID) -> HttpResponse:
    def call(found: Person, data: dict):
        return services.record_result(
            actor=request.user,
            person=found,
            requirement=data["requirement"],
            passed=data["passed"],
            taken_on=data["taken_on"],
            score=data["score"],
            assessor=data["assessor"],
            evidence=data["evidence"],
        )

    return _person_action(
        request,
        engagement_id,
        person_id,
        "result",
        call,
        lambda p: f"Result recorded for {p.name}.",
    )


@login_required
@require_POST
def change_details(request, engagement_id: uuid.UUID, person_id: uuid.UUID) -> HttpResponse:
    def call(found: Person, data: dict):
        return services.change_person(actor=request.user, person=found, **data)

    return _person_action(
        request, engagement_id, person_id, "details", call, lambda p: f"{p.name}'s details saved."
    )


@login_required
@require_POST
def change_status(request, engagement_id: uuid.UUID, person_id: uuid.UUID) -> HttpResponse:
    def call(found: Person, data: dict):
        return services.set_status(actor=request.user, person=found, status=data["status"])

    return _person_action(
        request,
        engagement_id,
        person_id,
        "status",
        call,
        lambda p: f"{p.name} is now {p.get_status_display().lower()}.",
    )


@login_required
@require_POST
def erase(request, engagement_id: uuid.UUID, person_id: uuid.UUID) -> HttpResponse:
    def call(found: Person, data: dict):
        return services.erase_person(actor=request.user, person=found, reason=data["reason"])

    return _person_action(
        request,
        engagement_id,
        person_id,
        "erase",
        call,
        lambda p: "The person's name and e-mail were erased; their anonymous results stay.",
    )


@login_required
@require_http_methods(["GET", "POST"])
def person_create(request: HttpRequest, engagement_id: uuid.UUID) -> HttpResponse:
    """Add one person by hand."""
    engagement = _engagement(request, engagement_id)
    services.require_roster_editor(actor=request.user, engagement=engagement)
    waves = list(Wave.objects.filter(engagement=engagement).order_by("number"))
    first = waves[0] if waves else None
    form = PersonForm(
        request.POST if request.method == "POST" else None,
        roles=services.roles_of(engagement),
        waves=waves,
        initial={"wave": first.number, "start_date": first.start_date} if first else None,
    )
    outcome = submit(
        request,
        form,
        lambda data: services.add_person(actor=request.user, engagement=engagement, **data),
    )
    if outcome.done:
        messages.success(request, f"{outcome.value.name} added to {outcome.value.wave.label}.")
        return redirect(_person_url(outcome.value))
    return render(
        request,
        "roster/person_form.html",
        {
            "engagement": engagement,
            "form": form,
            "has_waves": bool(waves),
            "nav_section": "portfolio",
            "breadcrumbs": _trail(engagement, ("Add a person", None)),
        },
        status=outcome.status,
    )


# --- Waves ----------------------------------------------------------------------------------


def _wave_page(request, engagement, wave: Wave | None) -> HttpResponse:
    services.require_roster_editor(actor=request.user, engagement=engagement)
    numbers = set(Wave.objects.filter(engagement=engagement).values_list("number", flat=True))
    if wave is None:
        initial = {"number": max(numbers, default=0) + 1}
        taken = numbers
    else:
        initial = {
            "number": wave.number,
            "name": wave.name,
            "start_date": wave.start_date,
            "go_live_date": wave.go_live_date,
        }
        taken = numbers - {wave.number}
    form = WaveForm(
        request.POST if request.method == "POST" else None, initial=initial, taken=taken
    )
    if wave is not None:
        form.fields["number"].disabled = True
    outcome = submit(
        request,
        form,
        lambda data: services.save_wave(
            actor=request.user,
            engagement=engagement,
            number=wave.number if wave is not None else data["number"],
            name=data["name"],
            start_date=data["start_date"],
            go_live_date=data["go_live_date"],
        ),
    )
    if outcome.done:
        messages.success(request, f"{outcome.value.label} saved.")
        return redirect(_roster_url(engagement))
    title = f"Change {wave.label}" if wave else "Add a wave"
    return render(
        request,
        "roster/wave_form.html",
        {
            "engagement": engagement,
            "form": form,
            "wave": wave,
            "title": title,
            "nav_section": "portfolio",
            "breadcrumbs": _trail(engagement, (title, None)),
        },
        status=outcome.status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def wave_create(request: HttpRequest, engagement_id: uuid.UUID) -> HttpResponse:
    return _wave_page(request, _engagement(request, engagement_id), None)


@login_required
@require_http_methods(["GET", "POST"])
def wave_edit(request: HttpRequest, engagement_id: uuid.UUID, wave_id: uuid.UUID) -> HttpResponse:
    engagement = _engagement(request, engagement_id)
    wave = Wave.objects.filter(engagement=engagement, public_id=wave_id).first()
    if wave is None:
        raise NotFound("No such wave.")
    return _wave_page(request, engagement, wave)


# --- Access batches -------------------------------------------------------------------------


@login_required
@require_GET
def batches(request: HttpRequest, engagement_id: uuid.UUID) -> HttpResponse:
    """Every access batch: what still waits, on whom, and the oldest item."""
    engagement = _engagement(request, engagement_id)
    summaries = batches_of(engagement)
    return render(
        request,
        "roster/batches.html",
        {
            "engagement": engagement,
            "summaries": summaries,
            "waited": waited,
            "nav_section": "portfolio",
            "breadcrumbs": _trail(engagement, ("Access batches", None)),
        },
    )


def _batch(engagement: Engagement, batch_id: uuid.UUID) -> AccessBatch:
    found = (
        AccessBatch.objects.filter(engagement=engagement, public_id=batch_id)
        .select_related("wave", "requested_by")
        .first()
    )
    if found is None:
        raise NotFound("No such access batch.")
    found.engagement = engagement
    return found


def _batch_page(
    request,
    engagement,
    found: AccessBatch,
    *,
    refusal: str = "",
    selected: frozenset[str] = frozenset(),
    refuse_form: RefuseForm | None = None,
    status: int = 200,
) -> HttpResponse:
    summary = batch_summary(found)
    for step in summary.steps:
        step.waited = waited(step.waiting_since, summary.now)
    return render(
        request,
        "roster/batch.html",
        {
            "engagement": engagement,
            "batch": found,
            "summary": summary,
            "refusal": refusal,
            "selected": selected,
            "refuse_form": refuse_form or RefuseForm(),
            "may_approve": can_approve_access(user=request.user, engagement=engagement),
            "may_provision": can_provision_access(user=request.user, engagement=engagement),
            "nav_section": "portfolio",
            "breadcrumbs": _trail(
                engagement, ("Access batches", _batches_url(engagement)), (found.label, None)
            ),
        },
        status=status,
    )


@login_required
@require_GET
def batch(request: HttpRequest, engagement_id: uuid.UUID, batch_id: uuid.UUID) -> HttpResponse:
    engagement = _engagement(request, engagement_id)
    return _batch_page(request, engagement, _batch(engagement, batch_id))


# The whole batch: the steps at the status the action needs.
WHOLE = {
    "approve": "requested",
    "refuse": "requested",
    "provision": "approved",
    "verify": "provisioned",
}
DONE = {
    "approve": "approved",
    "refuse": "refused",
    "provision": "provisioned",
    "verify": "verified",
}


@login_required
@require_POST
def advance(request: HttpRequest, engagement_id: uuid.UUID, batch_id: uuid.UUID) -> HttpResponse:
    """Approve, refuse, provision or verify the whole batch or a selection: all or nothing."""
    engagement = _engagement(request, engagement_id)
    found = _batch(engagement, batch_id)
    action, _colon, scope = request.POST.get("do", "").partition(":")
    public_ids = request.POST.getlist("steps")
    steps_of = steps_with_people(AccessStep.objects.filter(batch=found))
    if scope == "all" and action in WHOLE:
        steps = list(steps_of.filter(status=WHOLE[action]))
    else:
        steps = list(chosen(steps_of, public_ids))
    for step in steps:
        step.person.engagement = engagement
    refuse_form = RefuseForm(request.POST)
    refuse_form.is_valid()
    try:
        moved = access.advance(
            actor=request.user,
            engagement=engagement,
            steps=steps,
            action=action,
            reason=refuse_form.cleaned_data.get("reason", ""),
        )
    except FORM_REFUSALS as refused:
        if "reason" in getattr(refused, "errors", {}):
            refuse_form.add_error("reason", refused.errors["reason"][0])
        return _batch_page(
            request,
            engagement,
            found,
            refusal=refused.message,
            selected=frozenset(public_ids),
            refuse_form=refuse_form,
            status=status_of(refused),
        )
    count = len(moved)
    messages.success(request, f"{count} access step{'s' if count != 1 else ''} {DONE[action]}.")
    return redirect(_batch_url(found))
