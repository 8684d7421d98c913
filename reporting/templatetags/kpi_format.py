"""KPI numbers as people read them: ``{{ value|kpi_value:kpi }}`` gives "31.5%" or
"4.2 minutes"; ``{{ kpi|kpi_target }}`` gives "≥ 30%" (its direction shown)."""

from decimal import Decimal

from django import template
from django.template.defaultfilters import floatformat

register = template.Library()


def _number(value) -> str:
    return floatformat(value, "-2")


@register.filter
def kpi_value(value: Decimal | None, kpi) -> str:
    if value is None or value == "":
        return "no data"
    unit = getattr(kpi, "unit", "") or ""
    if unit == "%":
        return f"{_number(value)}%"
    return f"{_number(value)} {unit}".strip()


@register.filter
def kpi_change(value: Decimal | None, kpi) -> str:
    """A signed difference in the KPI's unit ("+1.5%", "-0.25 minutes")."""
    if value is None:
        return "\u2013"
    sign = "+" if value > 0 else "\u2212" if value < 0 else "±"
    return f"{sign}{kpi_value(abs(value), kpi)}"


@register.filter
def kpi_target(kpi, target: Decimal | None = None) -> str:
    """The target with the way it is met: ≥ for higher-is-better, ≤ for lower-is-better."""
    sign = "≥" if kpi.direction == "higher" else "≤"
    return f"{sign} {kpi_value(kpi.target if target is None else target, kpi)}"
