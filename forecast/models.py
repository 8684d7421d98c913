"""A slip episode: the span during which an engagement's go-live forecast lies past its target.

The forecast itself is computed when it is read (``forecast.selectors``), never stored; an
episode is stored so that the reminder ledger can alert the engagement's leads and PMO once
per episode (``forecast.contributions.occasions``): it opens when a refresh finds the forecast
past the target and ends when one finds it back on target; the next slip is a new episode.
"""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import Q

from engagements.models import Engagement, EngagementScopedManager
from kernel.tenancy import TenantOwned, tenant_key


class SlipEpisode(TenantOwned):
    tenant = tenant_key(db_index=False)
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    engagement = models.ForeignKey(
        Engagement, on_delete=models.CASCADE, related_name="slip_episodes"
    )
    started_on = models.DateField()
    ended_on = models.DateField(null=True, blank=True)
    target = models.DateField(help_text="The go-live gate's plan date when the episode opened.")
    forecast = models.DateField(help_text="The latest forecast seen during the episode.")
    worst_forecast = models.DateField()

    objects = EngagementScopedManager()

    # In the audit trail, and so in the change feed and webhooks: an episode opened, its
    # forecast moved, or it ended (``forecast.contributions.feed``).
    AUDIT_TYPE = "slip_episode"
    AUDIT_FIELDS = ("engagement", "started_on", "ended_on", "target", "forecast", "worst_forecast")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["engagement"],
                condition=Q(ended_on__isnull=True),
                name="one_open_slip_episode",
            ),
        ]
        indexes = [
            models.Index(
                fields=["tenant", "engagement", "started_on"], name="slip_episode_in_tenant"
            ),
            models.Index(
                fields=["ended_on", "engagement"],
                name="slip_episode_open",
                condition=Q(ended_on__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"Go-live forecast past target since {self.started_on}"

    @property
    def open(self) -> bool:
        return self.ended_on is None

    @property
    def audit_engagement(self) -> Engagement:
        return self.engagement
