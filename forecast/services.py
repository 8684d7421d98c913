"""Keeping the slip episodes true to the forecasts: the one write of the forecast app."""

from __future__ import annotations

import datetime
from collections.abc import Sequence

from django.db import transaction

from audit import services as audit
from engagements.models import Engagement
from engagements.reminders import QUIET_STATUSES
from forecast.models import SlipEpisode
from forecast.selectors import forecasts_for


@transaction.atomic
def refresh_slip_episodes(
    *, engagements: Sequence[Engagement], today: datetime.date | None = None
) -> list[SlipEpisode]:
    """Open an episode for each engagement whose go-live forecast has passed its target (the
    reminder ledger then alerts its leads and PMO once), keep an open one's latest forecast,
    and end it when the forecast is back on target. Quiet engagements (closed, on hold) end
    theirs. Returns the episodes opened. A fixed number of queries per call, besides one write
    per engagement whose episode changes."""
    forecasts = forecasts_for(engagements, today=today)
    open_episodes = {
        episode.engagement_id: episode
        for episode in SlipEpisode.objects.select_for_update().filter(
            engagement_id__in=[engagement.pk for engagement in engagements], ended_on=None
        )
    }
    opened = []
    for engagement in engagements:
        found = forecasts[engagement.pk]
        go_live = found.go_live
        episode = open_episodes.get(engagement.pk)
        late = go_live is not None and go_live.late and engagement.status not in QUIET_STATUSES
        if late and episode is None:
            episode = SlipEpisode.objects.create(
                tenant_id=engagement.tenant_id,
                engagement=engagement,
                started_on=found.today,
                target=go_live.target,
                forecast=go_live.date,
                worst_forecast=go_live.date,
            )
            audit.record_created(actor=None, instance=episode)
            opened.append(episode)
        elif late and episode.forecast != go_live.date:
            before = audit.snapshot(episode)
            episode.forecast = go_live.date
            episode.worst_forecast = max(episode.worst_forecast, go_live.date)
            episode.save(update_fields=["forecast", "worst_forecast"])
            audit.record_updated(actor=None, instance=episode, before=before)
        elif not late and episode is not None:
            before = audit.snapshot(episode)
            episode.ended_on = found.today
            episode.save(update_fields=["ended_on"])
            audit.record_updated(actor=None, instance=episode, before=before, note="back on target")
    return opened
