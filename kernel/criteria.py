"""The item of the ``gate_criteria`` registry: a criterion a domain checks by itself.

A gate lists what still stands between it and approval. Some of it is written by people (the
gate's own criteria, the attestations); some a domain checks from its own records, and nobody
marks it met (e.g. the registers: an escalation path with two levels before go-live). Each such
domain registers a ``GateCriterionSource`` in ``<app>/contributions/criteria.py``; governance
walks ``kernel.registry.gate_criteria`` and adds every source's open items to the gate's list,
without importing the domain.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class GateCriterionSource:
    """Criteria a domain evaluates automatically for the gate that ends a phase.

    ``key`` names the source in the registry; ``label`` says what it checks, for people (docs,
    admin, tests). ``open_items(engagement=, phase_kind=)`` returns the lines that still block
    the gate ending a phase of ``phase_kind`` (a ``Phase.Kind`` value) of ``engagement``, each
    a finished sentence for the gate's open-item list (e.g. "Automatic: an escalation path with
    at least two levels (none so far)"); an empty list when nothing blocks it, or when the
    source has nothing to say about that phase.
    """

    key: str
    label: str
    open_items: Callable[..., list[str]]
    # Where a person fixes what this source reports: ``link(engagement)`` is that page's path
    # (the gate page links each open item there); None, the gate page itself.
    link: Callable[[Any], str] | None = None

    def open_for(self, *, engagement: Any, phase_kind: str) -> list[str]:
        """The open-item lines of this source for that engagement and phase kind."""
        return list(self.open_items(engagement=engagement, phase_kind=phase_kind))
