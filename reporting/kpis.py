"""KPIs: each one a target an engagement's service is held to, defined and changed by PMO."""

from __future__ import annotations

import datetime
from decimal import Decimal

from accounts.models import User
from audit import services as audit
from audit.services import operation
from engagements.models import Engagement
from engagements.permissions import require_pmo
from kernel.errors import InvalidInput
from kernel.text import required_text
from kernel.validation import check_fields, only_fields
from reporting.models import Kpi

KPI_FIELDS = frozenset({"name", "unit", "target", "direction", "contractual_from"})


@operation("kpi.defined", tenant_of="engagement")
def define_kpi(
    *,
    actor: User,
    engagement: Engagement,
    key: str,
    name: str,
    target: Decimal,
    direction: str,
    unit: str = "",
    contractual_from: datetime.date | None = None,
) -> Kpi:
    require_pmo(actor=actor, engagement=engagement, doing="define KPIs")
    key, name = required_text(key=key, name=name).values()
    if Kpi.objects.filter(engagement=engagement, key=key).exists():
        raise InvalidInput(
            f"This engagement already has a KPI “{key}”.",
            errors={"key": ["Already used in this engagement."]},
        )
    kpi = Kpi(
        tenant_id=engagement.tenant_id,
        engagement=engagement,
        key=key,
        name=name,
        unit=unit,
        target=target,
        direction=direction,
        contractual_from=contractual_from,
    )
    check_fields(kpi)
    kpi.save()
    audit.record_created(actor=actor, instance=kpi)
    return kpi


@operation("kpi.updated", tenant_of="kpi")
def update_kpi(*, actor: User, kpi: Kpi, **changes) -> Kpi:
    only_fields(changes, KPI_FIELDS)
    require_pmo(actor=actor, engagement=kpi.engagement, doing="change KPI targets")
    if "name" in changes:
        changes["name"] = required_text(name=changes["name"])["name"]
    before = audit.snapshot(kpi)
    for field, value in changes.items():
        setattr(kpi, field, value)
    check_fields(kpi)
    kpi.save()
    audit.record_updated(actor=actor, instance=kpi, before=before)
    return kpi
