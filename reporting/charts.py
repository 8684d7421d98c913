"""KPI charts as SVG, drawn on the server with pygal: inline in the page (screen and print),
and the same SVG embedded in the PDF. No script: pygal's tooltip script is removed, and the
numbers are in the tables beside each chart.
"""

from __future__ import annotations

import base64
import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from xml.etree import ElementTree

import pygal
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from pygal.style import Style

from reporting.kpi_selectors import TrendWeek
from reporting.models import Kpi, KpiMeasurement

FONT = "DejaVu Sans, Helvetica, Arial, sans-serif"
DAILY_COLOUR = "#1f5fbf"
WEEKLY_COLOUR = "#14213d"
TARGET_COLOUR = "#b02a37"


def _style(*colours: str) -> Style:
    return Style(
        colors=colours,
        **_STYLE,
    )


_STYLE = dict(
    background="#ffffff",
    plot_background="#ffffff",
    foreground="#212529",
    foreground_strong="#212529",
    foreground_subtle="#dee2e6",
    opacity="1",
    opacity_hover="1",
    stroke_opacity="1",
    stroke_opacity_hover="1",
    stroke_width="2",
    stroke_width_hover="2",
    guide_stroke_color="#ced4da",
    major_guide_stroke_color="#adb5bd",
    guide_stroke_dasharray="3,3",
    major_guide_stroke_dasharray="3,3",
    transition="none",
    font_family=FONT,
    title_font_family=FONT,
    label_font_family=FONT,
    major_label_font_family=FONT,
    value_font_family=FONT,
    legend_font_family=FONT,
    tooltip_font_family=FONT,
    title_font_size=17,
    label_font_size=13,
    major_label_font_size=13,
    legend_font_size=14,
)


@dataclass(frozen=True)
class Chart:
    """An SVG chart: ``{{ chart }}`` puts it inline (with its phone-sized twin, if drawn),
    ``{{ chart.image }}`` gives the wide one as an image."""

    svg: SafeString
    label: str
    small: Chart | None = None

    def __html__(self) -> SafeString:
        if self.small is None:
            return self.svg
        return format_html(
            '<div class="chart-wide">{}</div><div class="chart-small">{}</div>',
            self.svg,
            self.small.svg,
        )

    def __str__(self) -> str:
        return self.__html__()

    def with_nonce(self, nonce: str) -> Chart:
        """The same chart whose stylesheets carry the page's Content-Security-Policy nonce:
        inline in a page, pygal's ``<style>`` is refused without it."""
        marked = mark_safe(  # noqa: S308 - the SVG was safe, the nonce is base64
            self.svg.replace("<style", format_html('<style nonce="{}"', nonce))
            if nonce
            else self.svg
        )
        small = self.small.with_nonce(nonce) if self.small is not None else None
        return Chart(marked, self.label, small)

    @property
    def image(self) -> SafeString:
        """The same SVG as a data-URI image, for WeasyPrint: inline, each chart's stylesheet
        would join the whole document's cascade (a 5-KPI report took 4.3 s instead of 2.8)."""
        encoded = base64.b64encode(self.svg.encode()).decode()
        return format_html(
            '<img class="chart-image" alt="{}" src="data:image/svg+xml;base64,{}">',
            self.label,
            encoded,
        )


def _accessible(label: str, kind: str):
    """An xml filter: no script, a <title> and an image role naming the chart, and a size
    that follows the page (the viewBox keeps the proportions)."""

    def apply(root: ElementTree.Element) -> ElementTree.Element:
        for parent in root.iter():
            for child in list(parent):
                is_script = isinstance(child.tag, str) and child.tag.rsplit("}", 1)[-1] == "script"
                # The tooltip is the removed script's (and its style attribute would be
                # refused by the Content-Security-Policy).
                is_tooltip = "tooltip" in (child.get("class") or "").split()
                if is_script or is_tooltip:
                    parent.remove(child)
            # The legend's ids serve the removed script, and repeat in every chart of a page.
            if parent.get("id", "").startswith("activate-serie"):
                del parent.attrib["id"]
        title = ElementTree.Element("title")
        title.text = label
        root.insert(0, title)
        root.set("role", "img")
        root.set("aria-label", label)
        root.set("class", f"{root.get('class', '')} kpi-chart {kind}".strip())
        root.attrib.pop("width", None)
        root.attrib.pop("height", None)
        root.set("preserveAspectRatio", "xMidYMid meet")
        return root

    return apply


def _number(value: Decimal) -> float:
    return float(value)


def _unit(kpi: Kpi) -> str:
    return f" {kpi.unit}" if kpi.unit and kpi.unit != "%" else kpi.unit


# pygal draws every line 1 unit wide through an id-prefixed ``.reactive`` rule: these win
# with !important (inline CSS is not id-prefixed, hence the chart kind in each selector).
LINE_WIDTHS = (
    "inline:"
    ".kpi-chart.daily .serie-0 .line{stroke-width:1.5!important}"
    ".kpi-chart.daily .serie-1 .line{stroke-width:3.5!important}"
    ".kpi-chart.daily .serie-2 .line{stroke-width:3!important;stroke-dasharray:9,6}"
    ".kpi-chart.trend .serie-0 .line{stroke-width:3.5!important}"
    ".kpi-chart.trend .serie-1 .line{stroke-width:3!important;stroke-dasharray:9,6}"
)


# Two sizes of the same chart: a wide one for laptops, print and the PDF, and a small one
# whose text stays legible on a phone (the page shows one of them by a CSS media query).
SIZES = {
    "wide": {"width": 860, "height": 340, "week_step": 1, "font": 13, "title": 17},
    "small": {"width": 400, "height": 330, "week_step": 2, "font": 14, "title": 15},
}


def _config(label: str, colours: tuple[str, ...], size: str, **options) -> dict:
    dimensions = SIZES[size]
    style = _style(*colours)
    style.label_font_size = style.major_label_font_size = dimensions["font"]
    style.legend_font_size = dimensions["font"] + 1
    style.title_font_size = dimensions["title"]
    return {
        "style": style,
        "css": ("file://style.css", "file://graph.css", LINE_WIDTHS),
        "width": dimensions["width"],
        "height": dimensions["height"],
        "js": [],
        "disable_xml_declaration": True,
        "legend_at_bottom": True,
        "legend_at_bottom_columns": 3 if size == "wide" else 2,
        "show_x_guides": False,
        "show_y_guides": True,
        "truncate_legend": -1,
        "truncate_label": -1,
        "margin": 12 if size == "wide" else 6,
        "spacing": 12 if size == "wide" else 8,
        "print_values": False,
        "tooltip_border_radius": 0,
        "max_scale": 8 if size == "wide" else 6,
        **options,
    }


def _render(chart, label: str, kind: str) -> Chart:
    chart.add_xml_filter(_accessible(label, kind))
    svg = mark_safe(chart.render(is_unicode=True))  # noqa: S308 - pygal escapes every label
    return Chart(svg=svg, label=label)


def _both(draw, *, small: bool) -> Chart:
    wide = draw("wide")
    return Chart(wide.svg, wide.label, draw("small")) if small else wide


def kpi_chart(
    kpi: Kpi,
    measurements: Sequence[KpiMeasurement],
    trend: Sequence[TrendWeek],
    *,
    small: bool = True,
) -> Chart | None:
    """Daily values, weekly means and the target over time; None with no measurement.
    ``small``: with the phone-sized chart too."""
    if not measurements:
        return None
    first, last = measurements[0].measured_on, measurements[-1].measured_on
    label = f"{kpi.name} against its target of {kpi.target.normalize():f}{_unit(kpi)}"
    span = max((last - first).days, 1)
    values = [_number(m.value) for m in measurements] + [_number(kpi.target)]
    low, high = min(values), max(values)
    pad = (high - low) * 0.1 or 1

    def draw(size: str) -> Chart:
        step = (7 if span <= 70 else 14 if span <= 140 else 28) * SIZES[size]["week_step"]
        ticks = [first + datetime.timedelta(days=offset) for offset in range(0, span + 1, step)]
        chart = pygal.DateLine(
            **_config(
                label,
                (DAILY_COLOUR, WEEKLY_COLOUR, TARGET_COLOUR),
                size,
                title=label if size == "wide" else f"{kpi.name}: target {_target(kpi)}",
                x_value_formatter=lambda day: day.strftime("%-d %b"),
                x_labels=ticks,
                y_title=kpi.unit or None,
                range=(low - pad, high + pad),
                dots_size=2 if size == "wide" else 1,
                # The phone size's legend takes two rows: room for the second.
                **({} if size == "wide" else {"margin_bottom": 30}),
            )
        )
        chart.add("Daily value", [(m.measured_on, _number(m.value)) for m in measurements])
        chart.add(
            "Weekly mean",
            [
                (
                    min(max(week.week + datetime.timedelta(days=3), first), last),
                    _number(week.mean),
                )
                for week in trend
            ],
            dots_size=4 if size == "wide" else 3,
        )
        chart.add(
            "Target",
            [(first, _number(kpi.target)), (last, _number(kpi.target))],
            show_dots=False,
        )
        return _render(chart, label, "daily")

    return _both(draw, small=small)


def trend_chart(kpi: Kpi, trend: Sequence[TrendWeek], *, small: bool = True) -> Chart | None:
    """The weekly means against the target, week by week; None with no measurement."""
    if not trend:
        return None
    label = f"Weekly trend of {kpi.name} (mean per ISO week)"
    values = [_number(week.mean) for week in trend] + [_number(kpi.target)]
    low, high = min(values), max(values)
    pad = (high - low) * 0.1 or 1

    def draw(size: str) -> Chart:
        every = SIZES[size]["week_step"] * (1 if len(trend) <= 13 else 2)
        chart = pygal.Line(
            **_config(
                label,
                (WEEKLY_COLOUR, TARGET_COLOUR),
                size,
                title=label if size == "wide" else f"{kpi.name}: weekly trend",
                x_labels=[week.short_label for week in trend],
                x_labels_major_every=every,
                show_minor_x_labels=every == 1,
                # pygal places a line chart's bottom legend below its box: room for it.
                margin_bottom=34,
                y_title=kpi.unit or None,
                range=(low - pad, high + pad),
                dots_size=4 if size == "wide" else 3,
            )
        )
        chart.add("Weekly mean", [_number(week.mean) for week in trend])
        chart.add("Target", [_number(kpi.target)] * len(trend), show_dots=False)
        return _render(chart, label, "trend")

    return _both(draw, small=small)


def _target(kpi: Kpi) -> str:
    sign = "≥" if kpi.direction == Kpi.Direction.HIGHER else "≤"
    return f"{sign} {kpi.target.normalize():f}{_unit(kpi)}"
