"""What the roster's pages, the API, the gates and the exports read."""

from __future__ import annotations

from roster.readiness import first_wave, not_certified, not_provisioned, wave_count

# The phase whose gate each check guards.
GATE_CHECKS = {"access": "access", "certification": "controlled_go_live"}


def gate_open_items(*, engagement, phase_kind: str, check: str) -> list[str]:
    """The open-item line of a roster criterion for the gate ending ``phase_kind``: the live
    count and the first people who are not there yet, by name; none when nothing blocks it (or
    the roster has no wave yet)."""
    if GATE_CHECKS[check] != phase_kind:
        return []
    wave = first_wave(engagement)
    if wave is None:
        return []
    if check == "access":
        count = wave_count(wave, not_provisioned(wave))
        what, short_what = "provisioned and verified on every required system", "not yet"
    else:
        count = wave_count(wave, not_certified(wave))
        what, short_what = "certified", "not yet certified"
    if not count.short_count:
        return []
    names = ", ".join(person.name for person in count.short)
    more = count.short_count - len(count.short)
    if more:
        names += f" and {more} more"
    return [f"Automatic: {wave.label}: {count.done} of {count.total} {what}; {short_what}: {names}"]
