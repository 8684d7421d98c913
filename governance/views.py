"""Gate pages: the criteria checklist, attestations, the decision request and the PMO decision;
and the PMO queue of gates awaiting a decision.

Views parse, call a service and show the outcome; every rule is the services'. A refusal is
shown where it happened (the checklist row, the attestation, the decision panel): 400 for bad
input, 409 for a broken rule; NotAllowed and NotFound are left to the middleware (403, 404).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers

from engagements.navigation import engagement_trail, portfolio_trail
from engagements.permissions import require, sees_every_engagement
from engagements.selectors import get_engagement
from governance import selectors, services
from governance.forms import ApproveForm, AttestationForm, CriterionStateForm, RejectForm
from governance.models import Gate, GateAttestation, GateCriterion, GateDecision
from governance.selectors import OpenItem
from kernel.errors import RuleBroken
from kernel.web import REFUSED_STATUS, submit

TEMPLATE = "governance/gate.html"
GATE_CHANGED = "gate-changed"  # htmx event: the decision panel reloads its open items


def gate_url(gate: Gate, anchor: str = "") -> str:
    url = reverse(
        "governance:gate",
        kwargs={"engagement_id": gate.engagement.public_id, "gate_id": gate.public_id},
    )
    return f"{url}#{anchor}" if anchor else url


def _engagement_url(gate: Gate) -> str:
    return reverse("engagements:detail", kwargs={"public_id": gate.engagement.public_id})


def item_link(gate: Gate, item: OpenItem) -> str:
    """Where an open item is fixed: its checklist row, its attestation, its milestone, or the
    page the domain that checks an automatic criterion names (the escalation path, say)."""
    if item.kind == "criterion":
        return gate_url(gate, f"criterion-{item.target.public_id}")
    if item.kind == "attestation":
        return gate_url(gate, f"attest-{item.target}")
    if item.kind == "automatic":
        link = getattr(item.source, "link", None)
        return link(gate.engagement) if link is not None else gate_url(gate)
    return f"{_engagement_url(gate)}#milestone-{item.target.public_id}"


def _breadcrumbs(gate: Gate, *trail: tuple[str, str | None]) -> list:
    gates_url = reverse("governance:list", kwargs={"engagement_id": gate.engagement.public_id})
    return engagement_trail(gate.engagement, ("Gates", gates_url), *trail)


def _attestation_slots(gate: Gate, forms: dict | None = None, errors: dict | None = None):
    attested = {attestation.side: attestation for attestation in gate.attestations.all()}
    required = {
        GateAttestation.Side.CLIENT: gate.client_attestation_required,
        GateAttestation.Side.PROVIDER: gate.provider_attestation_required,
    }
    return [
        {
            "side": side,
            "label": label,
            "required": required[side],
            "attestation": attested.get(side),
            "form": (forms or {}).get(side) or attestation_form(side),
            "error": (errors or {}).get(side),
        }
        for side, label in GateAttestation.Side.choices
    ]


def attestation_form(side: str, data=None) -> AttestationForm:
    # Both sides' forms are on one page: ids of their own, the same field names.
    return AttestationForm(data, initial={"side": side}, auto_id=f"attest-{side}-%s")


def _snapshot_rows(decision: GateDecision) -> list[dict]:
    return [
        {**row, "state_label": GateCriterion.State(row["state"]).label}
        for row in decision.criteria_snapshot
    ]


def _checklist(gate: Gate, rows: dict[int, dict]) -> list[GateCriterion]:
    """The criteria, each with what its row says after an action (``criterion.row``)."""
    criteria = list(gate.criteria.all())
    for criterion in criteria:
        criterion.row = rows.get(criterion.pk, {})
    return criteria


def _gate_context(request: HttpRequest, gate: Gate, **extra) -> dict:
    decisions = list(gate.decisions.all())
    approval = next((d for d in decisions if d.outcome == GateDecision.Outcome.APPROVED), None)
    open_items = (
        []
        if approval
        else [(item.label, item_link(gate, item)) for item in selectors.open_gate_items(gate=gate)]
    )
    context = {
        "gate": gate,
        "engagement": gate.engagement,
        "gate_url": gate_url(gate),
        "engagement_url": _engagement_url(gate),
        "criteria": _checklist(gate, extra.pop("rows", {})),
        "attestation_slots": _attestation_slots(
            gate, extra.pop("attest_forms", None), extra.pop("attest_errors", None)
        ),
        "decisions": decisions,
        "approval": approval,
        "snapshot": _snapshot_rows(approval) if approval else [],
        "open_items": open_items,
        "four_eyes_refuses": gate.status == Gate.Status.REQUESTED
        and selectors.four_eyes_refuses(gate=gate, user=request.user),
        "approve_form": ApproveForm(auto_id="approve-%s"),
        "reject_form": RejectForm(auto_id="reject-%s"),
        "gate_changed_event": GATE_CHANGED,
        "nav_section": "portfolio",
        "breadcrumbs": _breadcrumbs(gate, (gate.name, None)),
    }
    context.update(extra)
    return context


def _render_gate(
    request: HttpRequest, gate: Gate, *, status: int = 200, fragment: str = "", **extra
) -> HttpResponse:
    template = f"{TEMPLATE}#{fragment}" if fragment else TEMPLATE
    return render(request, template, _gate_context(request, gate, **extra), status=status)


def _reloaded(request: HttpRequest, engagement_id, gate_id) -> Gate:
    return selectors.gate_page(actor=request.user, engagement_id=engagement_id, gate_id=gate_id)


# --- Pages -------------------------------------------------------------------------------------


@login_required
@require_GET
def gate_list(request: HttpRequest, engagement_id) -> HttpResponse:
    engagement = get_engagement(actor=request.user, public_id=engagement_id)
    gates = selectors.gates_of_engagement(actor=request.user, engagement_id=engagement_id)
    return render(
        request,
        "governance/gate_list.html",
        {
            "engagement": engagement,
            "gates": gates,
            "nav_section": "portfolio",
            "breadcrumbs": engagement_trail(engagement, ("Gates", None)),
        },
    )


@login_required
@require_GET
@vary_on_headers("HX-Request", "HX-Target")
def gate_detail(request: HttpRequest, engagement_id, gate_id) -> HttpResponse:
    gate = _reloaded(request, engagement_id, gate_id)
    if request.htmx and request.htmx.target == "decision-panel":
        return _render_gate(request, gate, fragment="decision-panel")
    return _render_gate(request, gate)


@login_required
@require_GET
def pmo_queue(request: HttpRequest) -> HttpResponse:
    require(
        sees_every_engagement(user=request.user),
        "Only the tenant's PMO and admins see the queue of gates awaiting a decision.",
    )
    return render(
        request,
        "governance/pmo_queue.html",
        {
            "gates": selectors.pmo_queue(actor=request.user),
            "nav_section": "pmo-queue",
            "breadcrumbs": portfolio_trail(("PMO queue", None)),
        },
    )


# --- The checklist and the attestations (htmx: the row or the section updates in place) --------


def _criterion_answer(
    request: HttpRequest, criterion: GateCriterion, *, status: int = 200, **row: str | bool
) -> HttpResponse:
    """The checklist after an action on one criterion: its row (htmx) or the page."""
    gate = _reloaded(request, criterion.gate.engagement.public_id, criterion.gate.public_id)
    if request.htmx:
        fresh = next(c for c in gate.criteria.all() if c.pk == criterion.pk)
        response = _render_gate(
            request,
            gate,
            status=status,
            fragment="criterion-row",
            criterion=fresh,
            rows={criterion.pk: row},
        )
        if status == 200:
            response["HX-Trigger"] = GATE_CHANGED
        return response
    if status != 200:
        return _render_gate(request, gate, status=status, rows={criterion.pk: row})
    messages.success(request, row["notice"])
    return redirect(gate_url(gate, f"criterion-{criterion.public_id}"))


@login_required
@require_POST
def set_criterion(request: HttpRequest, engagement_id, gate_id, criterion_id) -> HttpResponse:
    criterion = selectors.criterion_of_gate(
        actor=request.user,
        engagement_id=engagement_id,
        gate_id=gate_id,
        criterion_id=criterion_id,
    )
    form = CriterionStateForm(request.POST)
    # What was sent, kept before a refusal takes the field it names off ``cleaned_data``.
    sent = dict(form.cleaned_data) if form.is_valid() else {}
    outcome = submit(
        request,
        form,
        lambda data: services.set_criterion_state(actor=request.user, criterion=criterion, **data),
    )
    if outcome.refused is None and not outcome.done:
        return _criterion_answer(
            request, criterion, status=outcome.status, error="Choose met, not met or waived."
        )
    state = sent["state"]
    if outcome.refused:
        typed = sent["justification"]
        return _criterion_answer(
            request,
            criterion,
            status=outcome.status,
            error=outcome.refused.message,
            waive_open=state == GateCriterion.State.WAIVED,
            typed=typed if state == GateCriterion.State.WAIVED else "",
            evidence=typed if state == GateCriterion.State.MET else "",
        )
    label = GateCriterion.State(state).label.lower()
    return _criterion_answer(request, criterion, notice=f"“{criterion.text}” marked {label}.")


@login_required
@require_POST
def attest(request: HttpRequest, engagement_id, gate_id) -> HttpResponse:
    gate = _reloaded(request, engagement_id, gate_id)
    side = request.POST.get("side", "")
    form = attestation_form(side, request.POST)
    outcome = submit(
        request, form, lambda data: services.attest_gate(actor=request.user, gate=gate, **data)
    )
    status, error = outcome.status, ""
    if outcome.refused:
        error = outcome.refused.message
    elif not outcome.done:  # the side is a hidden field: a bad one is a tampered request
        error = "Choose the client or the provider side."
    gate = _reloaded(request, engagement_id, gate_id)
    extra = {}
    if error and side in GateAttestation.Side.values:
        extra = {"attest_forms": {side: form}, "attest_errors": {side: error}}
    if request.htmx:
        response = _render_gate(request, gate, status=status, fragment="attestations", **extra)
        if status == 200:
            response["HX-Trigger"] = GATE_CHANGED
        return response
    if error:
        if not extra:
            messages.error(request, error)
        return _render_gate(request, gate, status=status, **extra)
    messages.success(request, f"You attested “{gate.name}” for the {side} side.")
    return redirect(gate_url(gate, f"attest-{side}"))


# --- The decision --------------------------------------------------------------------------------


@login_required
@require_POST
def request_decision(request: HttpRequest, engagement_id, gate_id) -> HttpResponse:
    gate = _reloaded(request, engagement_id, gate_id)
    try:
        services.request_gate_decision(actor=request.user, gate=gate)
    except RuleBroken as refused:
        return _render_gate(
            request,
            _reloaded(request, engagement_id, gate_id),
            status=REFUSED_STATUS,
            decision_error=refused.message,
        )
    messages.success(request, f"PMO has been asked to decide “{gate.name}”.")
    return redirect(gate_url(gate))


@login_required
@require_POST
def approve(request: HttpRequest, engagement_id, gate_id) -> HttpResponse:
    gate = _reloaded(request, engagement_id, gate_id)
    form = ApproveForm(request.POST, auto_id="approve-%s")
    outcome = submit(
        request, form, lambda data: services.approve_gate(actor=request.user, gate=gate, **data)
    )
    if outcome.done:
        messages.success(request, f"“{gate.name}” approved.")
        return redirect(gate_url(gate))
    gate = _reloaded(request, engagement_id, gate_id)
    refused = outcome.refused
    if isinstance(refused, services.GateHasOpenItems):
        # The open items are listed, each linked to where it is fixed, not as a form error.
        links = {item.label: item_link(gate, item) for item in selectors.open_gate_items(gate=gate)}
        return _render_gate(
            request,
            gate,
            status=REFUSED_STATUS,
            approve_form=ApproveForm(request.POST, auto_id="approve-%s"),
            approval_refusal=refused.headline,
            refused_items=[(label, links.get(label)) for label in refused.items],
        )
    return _render_gate(request, gate, status=outcome.status, approve_form=form)


@login_required
@require_POST
def reject(request: HttpRequest, engagement_id, gate_id) -> HttpResponse:
    gate = _reloaded(request, engagement_id, gate_id)
    form = RejectForm(request.POST, auto_id="reject-%s")  # the reason's rule is the service's
    outcome = submit(
        request, form, lambda data: services.reject_gate(actor=request.user, gate=gate, **data)
    )
    if not outcome.done:
        gate = _reloaded(request, engagement_id, gate_id)
        return _render_gate(request, gate, status=outcome.status, reject_form=form)
    messages.success(request, f"“{gate.name}” rejected; the phase is back at work.")
    return redirect(gate_url(gate))
