"""The KPI measurements export of an engagement (``kernel.exportables``)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from kernel.exportables import (
    ENGAGEMENT,
    Column,
    Exportable,
    choice,
    day,
    moment,
    number,
    person_email,
    person_name,
    register,
    text,
)
from reporting.models import KpiMeasurement


def measurements_of_engagement(*, actor: Any, engagement: Any) -> QuerySet[KpiMeasurement]:
    return (
        KpiMeasurement.objects.visible_to(actor)
        .filter(kpi__engagement=engagement)
        .select_related("kpi__engagement", "recorded_by")
        .order_by("kpi__name", "kpi_id", "measured_on", "id")
    )


def _target_met(measurement: Any) -> str:
    return "Yes" if measurement.kpi.is_met_by(measurement.value) else "No"


register(
    Exportable(
        kind="kpi-measurements",
        title="KPI measurements",
        description="Every daily KPI value with its target and whether it met it.",
        scope=ENGAGEMENT,
        rows=measurements_of_engagement,
        columns=(
            text("Engagement", "kpi.engagement.name", width=26),
            text("KPI", "kpi.name", width=34),
            text("KPI key", "kpi.key", width=20),
            text("Unit", "kpi.unit", width=8),
            choice("Direction", "kpi.direction", width=18),
            number("Target", "kpi.target"),
            day("Contractual from", "kpi.contractual_from", width=16),
            day("Measured on", "measured_on"),
            number("Value", "value"),
            Column("Target met", _target_met, width=11),
            person_name("Recorded by", "recorded_by"),
            person_email("Recorded by e-mail", "recorded_by"),
            moment("Recorded at (UTC)", "recorded_at"),
        ),
        position=20,
    )
)
