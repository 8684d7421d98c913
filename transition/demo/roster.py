"""The readiness roster's story (issue 18): Northstar opens a second site for Acme a week ago,
on the contact-centre playbook. Its wave 1 of 40 trains for the controlled go-live at the end
of day 10: most are certified (two passed on a retake), three are still in training and one
failed the certification, so the go-live gate is blocked naming them; access to the client's
systems was requested in batches and part of the wave still waits on the client's approval.
A second wave is planned for later. Every step through the services, on the day it happened
(``transition.demo.clock``)."""

from __future__ import annotations

import datetime
from collections.abc import Callable

from accounts.models import User
from engagements.models import Engagement
from engagements.plan import day
from transition.demo.clock import demo_anchor, moment_on, on_the_day

SECOND_SITE = "Contact centre second site"
# Signed this many days ago: the access gate ends today, controlled go-live in three days.
SECOND_SITE_DAY = 7
WAVE_1_SIZE = 40
WAVE_2_SIZE = 12
# Of wave 1, by position: certified on a retake, still in training, failed the certification
# (nobody certified yet), and the team leaders and the QA analyst.
RETAKES = (7, 19)
IN_TRAINING = (12, 25, 33)
FAILED = 38
TEAM_LEADERS = (0, 20)
QA = (39,)
# Access requested for the first 30 on day 3; the client approved 20 of them on day 5 and the
# provider provisioned and verified those on day 6; the last 10 asked for on day 6.
FIRST_BATCH = 30
APPROVED = 20

FIRST_NAMES = [
    "Amara",
    "Bruno",
    "Chloe",
    "Daniel",
    "Elena",
    "Felix",
    "Grace",
    "Hugo",
    "Ines",
    "Jonas",
    "Kara",
    "Leo",
    "Maya",
    "Nadia",
    "Omar",
    "Paula",
    "Rafael",
    "Sara",
    "Tomas",
    "Uma",
    "Victor",
    "Wendy",
    "Yusuf",
    "Zoe",
]
SURNAMES = [
    "Adeyemi",
    "Castillo",
    "Dubois",
    "Eriksen",
    "Farah",
    "Garcia",
    "Haddad",
    "Ibrahim",
    "Jensen",
    "Kowalski",
    "Lindqvist",
    "Marin",
    "Novak",
    "Okoro",
    "Petrov",
    "Quinn",
    "Rossi",
    "Silva",
    "Tanaka",
    "Varga",
    "Weber",
    "Xu",
    "Young",
    "Zielinski",
]


def person_names(count: int, offset: int = 0) -> list[str]:
    """``count`` distinct full names, the first names and surnames combined."""
    size = len(FIRST_NAMES)
    return [
        f"{FIRST_NAMES[index % size]} {SURNAMES[(index * 7 + index // size) % size]}"
        for index in range(offset, offset + count)
    ]


def add_demo_roster(*, tenant, users: dict[str, User]) -> None:
    """The second site and its roster (once only)."""
    if Engagement.objects.filter(name=SECOND_SITE).exists():
        return
    day0 = demo_anchor() - datetime.timedelta(days=SECOND_SITE_DAY)
    with on_the_day(moment_on(day0, 9)):
        engagement = _second_site(tenant, users, day0)
    steps = _the_roster(engagement, users)
    steps.sort(key=lambda step: step[0])
    for moment, step in steps:
        with on_the_day(moment):
            step()


def _second_site(tenant, users, day0) -> Engagement:
    from engagements.playbooks import get_builtin
    from engagements.services import start_transition
    from transition.services import create_engagement_from_playbook

    playbook = get_builtin("contact-centre-90-day")
    people = {
        "client": users["client.lead"],
        "provider": users["provider.lead"],
        "pmo": users["pmo"],
    }
    engagement = create_engagement_from_playbook(
        actor=users["pmo"],
        tenant=tenant,
        playbook=playbook,
        name=SECOND_SITE,
        client_name="Acme",
        provider_name="Northstar Contact",
        contract_signed_on=day0,
        owners={role.key: people[role.side] for role in playbook.roles},
    )
    start_transition(actor=users["pmo"], engagement=engagement)
    return engagement


def _role(index: int) -> str:
    if index in TEAM_LEADERS:
        return "team-leader"
    return "qa" if index in QA else "agent"


def _the_roster(engagement, users) -> list[tuple[datetime.datetime, Callable[[], None]]]:
    from roster import access, services
    from roster.models import AccessStep, Person, Requirement

    provider, client = users["provider.lead"], users["client.lead"]
    signed = engagement.contract_signed_on

    def on(n: int, hour: int, minute: int = 0) -> datetime.datetime:
        return moment_on(day(signed, n), hour, minute)

    def people() -> list[Person]:
        found = list(Person.objects.filter(engagement=engagement, wave__number=1).order_by("id"))
        for person in found:  # one engagement object: its seat cache serves every result
            person.engagement = engagement
        return found

    def plan_the_waves() -> None:
        services.save_wave(
            actor=provider,
            engagement=engagement,
            number=1,
            name="Wave 1",
            start_date=day(signed, 1),
        )
        services.save_wave(
            actor=provider,
            engagement=engagement,
            number=2,
            name="Wave 2 (evening shift)",
            start_date=day(signed, 24),
            go_live_date=day(signed, 31),
        )
        for wave, size, offset in ((1, WAVE_1_SIZE, 0), (2, WAVE_2_SIZE, WAVE_1_SIZE)):
            for index, name in enumerate(person_names(size, offset)):
                number = offset + index
                services.add_person(
                    actor=provider,
                    engagement=engagement,
                    name=name,
                    email=f"{name.lower().replace(' ', '.')}@northstar.example",
                    role=_role(index) if wave == 1 else "agent",
                    wave=wave,
                    site="Lisbon" if wave == 1 else "Lisbon (evenings)",
                    start_date=day(signed, 1 if wave == 1 else 24),
                    external_id=f"NS-{2400 + number}",
                )

    requirements: dict[str, list[Requirement]] = {}

    def of(role: str, kind: str) -> list[Requirement]:
        if not requirements:
            for requirement in Requirement.objects.filter(engagement=engagement).order_by(
                "position"
            ):
                requirements.setdefault(f"{requirement.role}:{requirement.kind}", []).append(
                    requirement
                )
        return requirements.get(f"{role}:{kind}", [])

    def result(person, requirement, *, passed=True, score=None, on_day: int) -> None:
        services.record_result(
            actor=provider,
            person=person,
            requirement=requirement,
            passed=passed,
            score=score,
            taken_on=day(signed, on_day),
            assessor=provider,
            evidence="Training team's results sheet" if requirement.kind == "certification" else "",
        )

    def modules() -> None:
        """Each person's modules, two a day from day 2 (recorded on day 4's evening); those
        in training are two modules behind."""
        for index, person in enumerate(people()):
            done = of(person.role, "module")
            if index in IN_TRAINING:
                done = done[: max(1, len(done) - 2)]
            for number, module in enumerate(done):
                result(person, module, on_day=2 + number // 2)

    def certify() -> None:
        """Day 5's certification: everybody out of training sits it; two fail and one more
        fails too (they retake it later)."""
        for index, person in enumerate(people()):
            if index in IN_TRAINING:
                continue
            (certification,) = of(person.role, "certification")
            mark = certification.pass_mark or 80
            if index in RETAKES or index == FAILED:
                result(person, certification, passed=False, score=mark - 9, on_day=5)
            else:
                result(person, certification, score=min(mark + 2 + index % 9, 100), on_day=5)

    def retakes() -> None:
        for index, person in enumerate(people()):
            if index in RETAKES:
                (certification,) = of(person.role, "certification")
                result(person, certification, score=(certification.pass_mark or 80) + 4, on_day=6)

    def request_first_batch() -> None:
        access.request_access(
            actor=provider,
            engagement=engagement,
            people=people()[:FIRST_BATCH],
            label="Wave 1 access, first 30",
        )

    def steps_of(chosen) -> list[AccessStep]:
        return list(
            AccessStep.objects.filter(person__in=chosen)
            .select_related("person", "system")
            .order_by("person_id", "system_id")
        )

    def approve_part() -> None:
        access.advance(
            actor=client,
            engagement=engagement,
            steps=steps_of(people()[:APPROVED]),
            action="approve",
        )

    def provision_and_verify() -> None:
        for action in ("provision", "verify"):
            access.advance(
                actor=provider,
                engagement=engagement,
                steps=steps_of(people()[:APPROVED]),
                action=action,
            )

    def request_the_rest() -> None:
        access.request_access(
            actor=provider,
            engagement=engagement,
            people=people()[FIRST_BATCH:],
            label="Wave 1 access, last 10",
        )

    return [
        (on(1, 10), plan_the_waves),
        (on(3, 11), request_first_batch),
        (on(4, 17), modules),
        (on(5, 14), approve_part),
        (on(5, 16), certify),
        (on(6, 10), provision_and_verify),
        (on(6, 12), retakes),
        (on(6, 15), request_the_rest),
    ]
