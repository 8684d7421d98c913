"""The demo's clock: the day it counts from, and running a step on the day it happened."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from contextlib import contextmanager

import time_machine
from django.utils import timezone

# The demo's clock: every date it writes is a number of days before or after one anchor, the
# day it is loaded, so it tells the same story whatever the day. The contact-centre launch is
# on day LAUNCH_DAY since signature: its reviews at day 14, 30, 45 and 60 are published (their
# windows closed long ago), the day-90 review's window has just closed and PMO is finishing
# it; the back-office transition was signed two days ago; the collections pilot is on hold.
LAUNCH_DAY = 96
BACK_OFFICE_DAY = 2
PILOT_DAY = 24


def demo_anchor() -> datetime.date:
    """Today, where the demo engagements run (UTC): the one date the demo's clock counts from."""
    return timezone.localdate(timezone=datetime.UTC)


def moment_on(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    """``hour``:``minute`` UTC on ``day``."""
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=datetime.UTC)


@contextmanager
def on_the_day(moment: datetime.datetime) -> Iterator[None]:
    """Run the block with the process clock at ``moment`` (and ticking), so that what it
    writes carries the day it happened. Gate decisions, attestations, events and published
    reviews are immutable and no service takes a caller's timestamp (a signature must not be
    backdatable): the demo's history is written on its days instead. Never in the future: a
    moment not yet reached runs at the real now."""
    if moment >= timezone.now():
        yield
        return
    with time_machine.travel(moment, tick=True):
        yield
