"""What the roster's pages, the API, the gates and the exports read."""

from __future__ import annotations

from roster.readiness import gate_shortfall

# The phase whose gate each check guards.
GATE_CHECKS = {"access": "access", "certification": "controlled_go_live"}


def gate_open_items(*, engagement, phase_kind: str, check: str) -> list[str]:
    """The open-item line of a roster criterion for the gate ending ``phase_kind``: the live
    count and the first people who are not there yet, by name; none when nothing blocks it (or
    the roster has no wave yet)."""
    if GATE_CHECKS[check] != phase_kind:
        return []
    count = gate_shortfall(engagement, check)
    if count is None or not count.short_count:
        return []
    if check == "access":
        what, short_what = "provisioned and verified on every required system", "not yet"
    else:
        what, short_what = "certified", "not yet certified"
    names = ", ".join(count.names)
    more = count.short_count - len(count.names)
    if more:
        names += f" and {more} more"
    return [
        f"Automatic: {count.label}: {count.done} of {count.total} {what}; {short_what}: {names}"
    ]
