"""Measurements: one value per KPI per day, typed in a review's grid or imported from a file
(every row of the file or none); every write ends in a drift check."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone

from accounts.models import User
from audit import services as audit
from audit.services import operation
from engagements.models import Engagement
from engagements.permissions import require_editor
from kernel.errors import InvalidInput, found
from kernel.validation import a_date, a_number
from reporting.drift_alerts import detect_drift
from reporting.imports import RawRow, check_rows
from reporting.models import Kpi, KpiMeasurement


@operation("kpi.measured", tenant_of="kpi")
def record_measurement(
    *, actor: User, kpi: Kpi, measured_on: datetime.date, value: Decimal
) -> KpiMeasurement:
    """One value per KPI per day; sending the same day again replaces it."""
    measured_on = a_date(measured_on, field="measured_on", label="The measurement date")
    value = a_number(value, field="value", label="The value")
    require_editor(actor=actor, engagement=kpi.engagement)
    if measured_on > kpi.engagement.today():
        raise InvalidInput(
            "A measurement cannot be dated in the future.",
            errors={"measured_on": ["Use today or an earlier date."]},
        )
    existing = (
        KpiMeasurement.objects.select_for_update().filter(kpi=kpi, measured_on=measured_on).first()
    )
    if existing is None:
        measurement = KpiMeasurement.objects.create(
            tenant_id=kpi.tenant_id,
            kpi=kpi,
            measured_on=measured_on,
            value=value,
            recorded_by=actor,
        )
        audit.record_created(actor=actor, instance=measurement)
    else:
        audit.change(actor=actor, instance=existing, value=value, recorded_by=actor)
        measurement = existing
    detect_drift(actor=actor, engagement=kpi.engagement)
    return measurement


@dataclass(frozen=True)
class ImportResult:
    created: int
    replaced: int
    unchanged: int

    @property
    def total(self) -> int:
        return self.created + self.replaced + self.unchanged


class ImportRejected(InvalidInput):
    """At least one row is wrong, so no row was imported; ``row_errors`` says which and why."""

    def __init__(self, message: str, *, row_errors: list) -> None:
        super().__init__(
            message,
            errors={
                f"row {error.number}": [f"{error.column}: {error.reason}"] for error in row_errors
            },
        )
        self.row_errors = row_errors


@operation("kpi.imported", tenant_of="engagement")
def import_measurements(
    *, actor: User, engagement: Engagement, rows: Sequence[RawRow]
) -> ImportResult:
    """Every row of a file in one transaction, or none: one wrong row refuses the whole file.

    The rule of ``record_measurement`` holds: one value per KPI per day, a new value for a
    day replaces the earlier one. The rows are checked again here (the KPIs or the date may
    have changed since the preview), then drift detection runs once for the engagement.
    """
    engagement = found(
        Engagement.objects.select_for_update(of=("self",)), "No such engagement.", pk=engagement.pk
    )
    require_editor(actor=actor, engagement=engagement)
    kpis = {kpi.key: kpi for kpi in Kpi.objects.filter(engagement=engagement)}
    checked = check_rows(rows, kpi_keys=kpis, today=engagement.today())
    if checked.errors:
        raise ImportRejected(
            f"Nothing was imported: {len(checked.errors)} problem(s) in the file.",
            row_errors=checked.errors,
        )
    if not checked.rows:
        raise InvalidInput("The file has no measurements.", errors={"file": ["No rows."]})
    existing = {
        (measurement.kpi_id, measurement.measured_on): measurement
        for measurement in KpiMeasurement.objects.select_for_update().filter(
            kpi__in=kpis.values(),
            measured_on__range=(
                min(row.measured_on for row in checked.rows),
                max(row.measured_on for row in checked.rows),
            ),
        )
    }
    created, replaced, befores, unchanged = [], [], [], 0
    now = timezone.now()
    for row in checked.rows:
        kpi = kpis[row.kpi_key]
        earlier = existing.get((kpi.pk, row.measured_on))
        if earlier is None:
            created.append(
                KpiMeasurement(
                    tenant_id=engagement.tenant_id,
                    kpi=kpi,
                    measured_on=row.measured_on,
                    value=row.value,
                    recorded_by=actor,
                )
            )
        elif earlier.value != row.value:
            earlier.kpi = kpi
            befores.append(audit.snapshot(earlier))
            earlier.value, earlier.recorded_by, earlier.recorded_at = row.value, actor, now
            replaced.append(earlier)
        else:
            unchanged += 1
    KpiMeasurement.objects.bulk_create(created, batch_size=500)
    audit.record_many_created(actor=actor, instances=created)
    if replaced:
        KpiMeasurement.objects.bulk_update(
            replaced, ["value", "recorded_by", "recorded_at"], batch_size=500
        )
        audit.record_many_updated(actor=actor, changed=zip(replaced, befores, strict=True))
    detect_drift(actor=actor, engagement=engagement)
    return ImportResult(created=len(created), replaced=len(replaced), unchanged=unchanged)
