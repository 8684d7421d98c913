"""Moments of an engagement's plan that other domains react to, without being imported here.

``plan_checkpoint`` is sent inside the transaction of the change, with ``engagement``,
``actor``, ``reason`` ("started" or "gate_approved") and ``label`` (what the moment is called,
e.g. "Kickoff gate approved"). The baselines app saves a baseline on each.
"""

from django.dispatch import Signal

plan_checkpoint = Signal()
