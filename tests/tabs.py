"""The engagement tabs a page should show: the fixed ones, then each optional area whose
routes are installed (KPIs, RAID, roster, exports arrive from other branches), then Administer."""

from __future__ import annotations

from django.urls import NoReverseMatch, reverse

OPTIONAL_TABS = (
    ("kpis:list", "KPIs"),
    ("registers:list", "RAID"),
    ("roster:roster", "Roster"),
    ("baselines:list", "Baselines"),
    ("exports:engagement", "Exports"),
)


def expected_tabs(engagement, *, may_manage: bool) -> list[str]:
    tabs = ["Plan", "Gates", "Reviews"]
    for route, label in OPTIONAL_TABS:
        try:
            reverse(route, args=[engagement.public_id])
        except NoReverseMatch:
            continue
        tabs.append(label)
    return [*tabs, "Administer"] if may_manage else tabs
