"""Writes and rules of the readiness roster: waves, people, training and certification
results, erasure. Access to the client's systems has its own module (``roster.access``).

Every page, the API, the uploads and the demo call these; each refusal names its field and
nothing is written.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any

from django.utils import timezone

from accounts.models import User
from audit import services as audit
from audit.services import operation
from engagements.models import Engagement, Phase
from engagements.permissions import (
    can_edit_roster,
    can_erase_person,
    check_member,
    require,
    require_visible,
)
from engagements.services import lock_phases_for_work
from kernel.errors import InvalidInput, RuleBroken
from kernel.text import required
from kernel.validation import a_date, check_fields, no_nul, only_fields, refuse
from roster.models import Person, Requirement, Result, Wave
from roster.readiness import readiness_of_person

PERSON_FIELDS = frozenset({"name", "email", "role", "site", "start_date", "wave", "external_id"})


def require_roster_editor(*, actor: User, engagement: Engagement) -> None:
    require_visible(actor=actor, engagement=engagement)
    require(
        can_edit_roster(user=actor, engagement=engagement),
        "Only the provider's team and PMO can change the roster.",
    )


def roles_of(engagement: Engagement) -> list[str]:
    return list(
        Requirement.objects.filter(engagement=engagement)
        .order_by("role")
        .values_list("role", flat=True)
        .distinct()
    )


# --- Waves ----------------------------------------------------------------------------------


@operation("roster.wave_saved", tenant_of="engagement")
def save_wave(
    *,
    actor: User,
    engagement: Engagement,
    number: Any,
    start_date: Any,
    name: str = "",
    go_live_date: Any = None,
) -> Wave:
    """Create wave ``number``, or change its name and dates when it exists."""
    require_roster_editor(actor=actor, engagement=engagement)
    try:
        number = int(number)
    except (TypeError, ValueError):
        raise refuse("number", "A wave's number is a whole number.") from None
    if not 1 <= number <= 999:
        raise refuse("number", "A wave's number is from 1 to 999.")
    start = a_date(start_date, field="start_date", label="A wave's start date")
    go_live = (
        a_date(go_live_date, field="go_live_date", label="The wave's go-live date")
        if go_live_date not in (None, "")
        else None
    )
    if go_live is not None and go_live < start:
        raise refuse("go_live_date", "The wave goes live before it starts.")
    no_nul(name=name)
    wave = Wave.objects.filter(engagement=engagement, number=number).first()
    if wave is None:
        wave = Wave(
            tenant_id=engagement.tenant_id,
            engagement=engagement,
            number=number,
            name=(name or "").strip(),
            start_date=start,
            go_live_date=go_live,
        )
        check_fields(wave, validate_unique=False, checked=("engagement",))
        wave.save()
        audit.record_created(actor=actor, instance=wave)
        return wave
    audit.change(
        actor=actor,
        instance=wave,
        name=(name or "").strip(),
        start_date=start,
        go_live_date=go_live,
    )
    return wave


# --- People ---------------------------------------------------------------------------------


def clean_person(
    *,
    engagement: Engagement,
    values: Mapping[str, Any],
    roles: list[str],
    waves: Mapping[int, Wave],
    person: Person | None = None,
) -> dict[str, Any]:
    """The checked values of a person (new, or ``person`` changed), refusing every bad field
    at once. ``roles`` and ``waves`` are the engagement's (loaded once for a whole upload)."""
    only_fields(values, PERSON_FIELDS)
    errors: dict[str, list[str]] = {}
    current = {
        name: getattr(person, name) if person else None
        for name in ("name", "email", "role", "site", "start_date", "external_id")
    }
    cleaned: dict[str, Any] = {}

    def take(name: str, check) -> None:
        if name not in values and person is not None:
            cleaned[name] = current[name]
            return
        try:
            cleaned[name] = check(values.get(name))
        except InvalidInput as refusal:
            for field, messages in refusal.errors.items():
                errors.setdefault(field, []).extend(messages)

    take(
        "name",
        lambda v: required(
            v if isinstance(v, str) else None, field="name", message="Give the person's name."
        ),
    )
    take("email", lambda v: _email(v))
    take("role", lambda v: _role(v, roles))
    take("site", lambda v: _text(v, field="site", limit=80))
    take("external_id", lambda v: _text(v, field="external_id", limit=64))
    take("start_date", lambda v: a_date(v, field="start_date", label="The start date"))
    if "wave" in values or person is None:
        wave = values.get("wave")
        if isinstance(wave, Wave):
            cleaned["wave"] = wave
        else:
            try:
                cleaned["wave"] = waves[int(wave)]
            except (TypeError, ValueError, KeyError):
                known = ", ".join(str(number) for number in sorted(waves)) or "none yet"
                errors.setdefault("wave", []).append(
                    f"No wave {wave or '(empty)'} on this roster (waves: {known})."
                )
    else:
        cleaned["wave"] = person.wave
    if errors:
        first, messages = next(iter(errors.items()))
        raise InvalidInput(f"{first}: {messages[0]}", errors=errors)
    return cleaned


def _email(value: Any) -> str:
    from django.core.exceptions import ValidationError
    from django.core.validators import validate_email

    email = required(
        value if isinstance(value, str) else None, field="email", message="Give a work e-mail."
    ).lower()
    try:
        validate_email(email)
    except ValidationError:
        raise refuse("email", f"“{email}” is not an e-mail address.") from None
    if len(email) > 254:
        raise refuse("email", "An e-mail address has at most 254 characters.")
    return email


def _role(value: Any, roles: list[str]) -> str:
    role = (value or "").strip() if isinstance(value, str) else ""
    if role not in roles:
        known = ", ".join(roles) or "none: the engagement's playbook has no roster section"
        raise refuse(
            "role",
            f"“{role or '(empty)'}” is not a role of this roster (roles: {known}).",
        )
    return role


def _text(value: Any, *, field: str, limit: int) -> str:
    text = (value or "").strip() if isinstance(value, str) else str(value or "").strip()
    no_nul(**{field: text})
    if len(text) > limit:
        raise refuse(field, f"{field}: at most {limit} characters.")
    return text


def _duplicate_in_wave(*, wave: Wave, email: str, external_id: str, person: Person | None) -> None:
    others = Person.objects.filter(wave=wave, email=email)
    if person is not None:
        others = others.exclude(pk=person.pk)
    if others.exists():
        raise refuse("email", f"{email} is already on {wave.label}.")
    if external_id:
        same = Person.objects.filter(engagement_id=wave.engagement_id, external_id=external_id)
        if person is not None:
            same = same.exclude(pk=person.pk)
        if same.exists():
            raise refuse("external_id", f"Another person has the HR id {external_id}.")


# The gates whose automatic criteria count the roster (``roster.selectors.GATE_CHECKS``).
COUNTED_BY_GATES = ("access", "controlled_go_live")


def hold_the_gates(engagement: Engagement) -> None:
    """Lock the phases whose gates count the roster, as their approval does: a person added
    (or brought back, or given another role) while such a gate is approved either waits and
    finds it decided, or commits first and is counted by the approval."""
    lock_phases_for_work(
        phase_ids=list(
            Phase.objects.filter(engagement=engagement, kind__in=COUNTED_BY_GATES).values_list(
                "pk", flat=True
            )
        )
    )


def waves_of(engagement: Engagement) -> dict[int, Wave]:
    return {wave.number: wave for wave in Wave.objects.filter(engagement=engagement)}


@operation("roster.person_added", tenant_of="engagement")
def add_person(*, actor: User, engagement: Engagement, **values: Any) -> Person:
    require_roster_editor(actor=actor, engagement=engagement)
    cleaned = clean_person(
        engagement=engagement, values=values, roles=roles_of(engagement), waves=waves_of(engagement)
    )
    _duplicate_in_wave(
        wave=cleaned["wave"],
        email=cleaned["email"],
        external_id=cleaned["external_id"],
        person=None,
    )
    hold_the_gates(engagement)
    person = Person(tenant_id=engagement.tenant_id, engagement=engagement, **cleaned)
    person.save()
    audit.record_created(actor=actor, instance=person)
    return person


@operation("roster.person_changed", tenant_of="person")
def change_person(*, actor: User, person: Person, **values: Any) -> Person:
    engagement = person.engagement
    require_roster_editor(actor=actor, engagement=engagement)
    if person.erased:
        raise RuleBroken("This person was erased: their details cannot be changed.")
    cleaned = clean_person(
        engagement=engagement,
        values=values,
        roles=roles_of(engagement),
        waves=waves_of(engagement),
        person=person,
    )
    _duplicate_in_wave(
        wave=cleaned["wave"],
        email=cleaned["email"],
        external_id=cleaned["external_id"],
        person=person,
    )
    if cleaned["wave"] != person.wave or cleaned["role"] != person.role:
        hold_the_gates(engagement)
    audit.change(actor=actor, instance=person, **cleaned)
    return person


@operation("roster.person_upserted", tenant_of="engagement")
def upsert_person(
    *, actor: User, engagement: Engagement, external_id: str, **values: Any
) -> tuple[Person, bool]:
    """The person with this HR id, changed to ``values``, or added: (person, created)."""
    external_id = required(
        external_id if isinstance(external_id, str) else None,
        field="external_id",
        message="Give the person's HR id.",
    )
    person = Person.objects.filter(engagement=engagement, external_id=external_id).first()
    if person is None:
        return add_person(
            actor=actor, engagement=engagement, external_id=external_id, **values
        ), True
    return change_person(actor=actor, person=person, **values), False


# --- Status: readiness decides "live" -------------------------------------------------------

MANUAL_STATUSES = {
    Person.Status.PLANNED,
    Person.Status.IN_TRAINING,
    Person.Status.LIVE,
    Person.Status.LEFT,
}


def not_ready_reason(person: Person) -> str | None:
    """Why ``person`` cannot go live, in words; None when they are ready."""
    readiness = readiness_of_person(person)
    if readiness.ready:
        return None
    return f"{person.name} is not ready: " + "; ".join(readiness.missing_words()) + "."


@operation("roster.status_changed", tenant_of="person")
def set_status(*, actor: User, person: Person, status: str) -> Person:
    """Move a person on: planned, in training, live (only when ready), left. "Certified" is
    reached by passing the certification, never set by hand."""
    require_roster_editor(actor=actor, engagement=person.engagement)
    if status not in MANUAL_STATUSES:
        choices = ", ".join(sorted(MANUAL_STATUSES))
        if status == Person.Status.CERTIFIED:
            raise RuleBroken(
                "“Certified” comes from a passed certification, never by hand.", field="status"
            )
        raise refuse("status", f"Choose a status of {choices}: “certified” comes from a pass.")
    if person.erased and status != Person.Status.LEFT:
        raise RuleBroken("This person was erased: they can only be marked as left.")
    if status == Person.Status.LIVE and (reason := not_ready_reason(person)):
        raise RuleBroken(reason, field="status")
    if person.status == Person.Status.LEFT and status != Person.Status.LEFT:
        hold_the_gates(person.engagement)
    audit.change(actor=actor, instance=person, status=status)
    return person


# --- Training and certification results ----------------------------------------------------


def check_result(
    *,
    person: Person,
    requirement: Requirement,
    passed: Any,
    taken_on: Any,
    score: Any,
    evidence: Any,
    today: datetime.date,
) -> dict[str, Any]:
    """The checked values of one attempt of ``person`` at ``requirement`` (already found), every
    bad field refused at once; pure: no query. The home of the result rules that the service
    and the uploads share: passed is a yes or no, the date is not in the future, a score is 0
    to 100 and a passed certification reaches its pass mark, evidence fits."""
    errors: dict[str, list[str]] = {}
    first: list[str] = []  # the first refusal's own words, as the service raised it before
    cleaned: dict[str, Any] = {}

    def take(name: str, check) -> None:
        try:
            cleaned[name] = check()
        except InvalidInput as refusal:
            first.append(refusal.message)
            for field, messages in refusal.errors.items():
                errors.setdefault(field, []).extend(messages)

    def _passed() -> bool:
        if not isinstance(passed, bool):
            raise refuse("passed", "Say whether the attempt passed (true or false).")
        return passed

    def _taken() -> datetime.date:
        taken = a_date(taken_on, field="taken_on", label="The date of the attempt")
        if taken > today:
            raise refuse(
                "taken_on",
                f"The attempt is dated {taken.isoformat()}, in the future "
                f"(today is {today.isoformat()}).",
            )
        return taken

    take("passed", _passed)
    take("taken_on", _taken)
    take("score", lambda: _score(score))
    take("evidence", lambda: _text(evidence, field="evidence", limit=300))
    if (
        "score" in cleaned
        and requirement.kind == Requirement.Kind.CERTIFICATION
        and cleaned.get("passed") is True
        and cleaned["score"] is not None
        and requirement.pass_mark is not None
        and cleaned["score"] < requirement.pass_mark
    ):
        below = (
            f"A score of {cleaned['score']} is below the pass mark of {requirement.pass_mark}: "
            "record the attempt as failed."
        )
        first.append(below)
        errors.setdefault("score", []).append(below)
    if errors:
        raise InvalidInput(first[0], errors=errors)
    return cleaned


@operation("roster.result_recorded", tenant_of="person")
def record_result(
    *,
    actor: User,
    person: Person,
    requirement: Requirement | str,
    passed: Any,
    taken_on: Any,
    assessor: User | None,
    score: Any = None,
    evidence: str = "",
) -> Result:
    """One attempt at a module or the certification (a re-take is a new attempt)."""
    engagement = person.engagement
    require_roster_editor(actor=actor, engagement=engagement)
    if person.erased:
        raise RuleBroken("This person was erased: no result can be added.")
    requirement = _requirement_of(person=person, requirement=requirement)
    cleaned = check_result(
        person=person,
        requirement=requirement,
        passed=passed,
        taken_on=taken_on,
        score=score,
        evidence=evidence,
        today=engagement.today(),
    )
    check_member(engagement=engagement, user=assessor, field="assessor", what="assessor")
    attempt = (
        Result.objects.filter(person=person, requirement=requirement).order_by("-attempt").first()
    )
    result = Result(
        tenant_id=person.tenant_id,
        person=person,
        requirement=requirement,
        attempt=(attempt.attempt + 1) if attempt else 1,
        passed=cleaned["passed"],
        taken_on=cleaned["taken_on"],
        score=cleaned["score"],
        assessor=assessor,
        evidence=cleaned["evidence"],
        recorded_by=actor,
    )
    result.save()
    audit.record_created(actor=actor, instance=result)
    _move_on(actor=actor, person=person, requirement=requirement, passed=cleaned["passed"])
    return result


def _move_on(*, actor: User, person: Person, requirement: Requirement, passed: bool) -> None:
    """A first result puts a planned person in training; a passed certification certifies."""
    status = status_after(person.status, kind=requirement.kind, passed=passed)
    if status != person.status:
        audit.change(actor=actor, instance=person, status=status)


def status_after(status: str, *, kind: str, passed: bool) -> str:
    """A person's status after a result (pure): a first result puts a planned person in
    training; a passed certification certifies someone planned or in training."""
    if status == Person.Status.PLANNED:
        status = Person.Status.IN_TRAINING
    if (
        passed
        and kind == Requirement.Kind.CERTIFICATION
        and status in (Person.Status.PLANNED, Person.Status.IN_TRAINING)
    ):
        status = Person.Status.CERTIFIED
    return status


def _requirement_of(*, person: Person, requirement: Requirement | str) -> Requirement:
    if isinstance(requirement, Requirement):
        if requirement.engagement_id != person.engagement_id or requirement.role != person.role:
            raise refuse("requirement", f"{requirement.name} is not required of a {person.role}.")
        if requirement.kind == Requirement.Kind.SYSTEM:
            raise refuse("requirement", f"{requirement.name} is a system: request access to it.")
        return requirement
    key = (requirement or "").strip() if isinstance(requirement, str) else ""
    found = Requirement.objects.filter(
        engagement_id=person.engagement_id,
        role=person.role,
        key=key,
        kind__in=(Requirement.Kind.MODULE, Requirement.Kind.CERTIFICATION),
    ).first()
    if found is None:
        known = ", ".join(
            Requirement.objects.filter(
                engagement_id=person.engagement_id,
                role=person.role,
                kind__in=(Requirement.Kind.MODULE, Requirement.Kind.CERTIFICATION),
            ).values_list("key", flat=True)
        )
        raise refuse(
            "requirement",
            f"“{key or '(empty)'}” is not a module or certification of a {person.role} "
            f"(known: {known or 'none'}).",
        )
    return found


def _score(value: Any) -> int | None:
    if value in (None, ""):
        return None
    try:
        score = int(value)
    except (TypeError, ValueError):
        raise refuse("score", "A score is a whole number from 0 to 100.") from None
    if isinstance(value, bool) or not 0 <= score <= 100:
        raise refuse("score", "A score is a whole number from 0 to 100.")
    return score


# --- Erasure --------------------------------------------------------------------------------

ERASED_NAME = "Erased person"


@operation("roster.person_erased", tenant_of="person")
def erase_person(*, actor: User, person: Person, reason: str) -> Person:
    """Replace the person's name and e-mail on request. The HR id (a pseudonym) stays, so a
    re-upload of the provider's file finds the erased person and changes nothing; their
    anonymous results and access steps stay, so counts and past gate decisions stay true; the
    erasure is audited."""
    require_visible(actor=actor, engagement=person.engagement)
    require(
        can_erase_person(user=actor, engagement=person.engagement),
        "Only PMO can erase a person from the roster.",
    )
    reason = required(reason, field="reason", message="Say why (e.g. the request's reference).")
    if person.erased:
        raise RuleBroken(
            f"This person was already erased on {person.erased_at:%d %B %Y}.", field="reason"
        )
    before = audit.snapshot(person)
    person.name = ERASED_NAME
    person.email = f"erased-{person.public_id}@erased.invalid"
    person.erased_at = timezone.now()
    person.save(update_fields=["name", "email", "erased_at", "updated_at"])
    audit.record_updated(actor=actor, instance=person, before=before, note=f"Erased: {reason}")
    return person


def today_of(engagement: Engagement) -> datetime.date:
    return engagement.today()
