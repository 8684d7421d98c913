"""A playbook's reviews, dated from their anchor, and its KPIs."""

from __future__ import annotations

from kernel.playbook_sections import PlaybookBuild, PlaybookSection
from kernel.registry import playbook_sections
from reporting.reviews import build_reviews_and_kpis_from_playbook


def build(plan: PlaybookBuild) -> list:
    reviews, kpis = build_reviews_and_kpis_from_playbook(
        engagement=plan.engagement, playbook=plan.playbook
    )
    return [*reviews, *kpis]


playbook_sections.register(
    "reviews", PlaybookSection(key="reviews", order=40, label="Reviews and KPIs", build=build)
)
