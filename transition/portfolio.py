"""The portfolio: the engagements an actor may see, with the milestone counts PMO watches.

Every count is a correlated subquery bounded by the engagement's tenant *and* id. On
PostgreSQL each is an index-only scan of ``milestone_due`` (tenant, engagement, due_date)
INCLUDE (status): it reads that engagement's index entries and never another tenant's rows,
however large the table grows. A ``Count`` over a join, as the home page did, lets PostgreSQL
scan every tenant's milestones once the table is large (``bench/hot_paths.py`` measures both).
"""

from __future__ import annotations

import datetime

from django.core.paginator import Page, Paginator
from django.db.models import Func, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.utils import timezone

from accounts.models import User
from engagements.models import Engagement, Phase
from milestones.models import Milestone

DEFAULT_PER_PAGE = 50
MAX_PER_PAGE = 200


def _milestones_counted(condition: Q) -> Subquery:
    """``(SELECT COUNT(*) FROM milestone WHERE tenant = outer.tenant AND engagement = outer.id
    AND condition)``: one number per engagement, 0 when none match, no GROUP BY."""
    # The plain base manager, as for related-object access: the outer engagement rows are
    # already scoped to the tenant and the actor, and the subquery is bound to each of them.
    matching = (
        Milestone._base_manager.filter(
            condition, tenant_id=OuterRef("tenant_id"), engagement_id=OuterRef("pk")
        )
        .order_by()
        .annotate(counted=Func(template="COUNT(*)", output_field=IntegerField()))
        .values("counted")
    )
    return Subquery(matching, output_field=IntegerField())


def portfolio_engagements(
    *, actor: User, today: datetime.date | None = None
) -> QuerySet[Engagement]:
    """Every engagement the actor may see, by name, each annotated with

    - ``open_milestones``: not started, in progress or blocked;
    - ``overdue_milestones``: open and due before ``today`` (default: the server's local date);
    - ``total_milestones``: every milestone of the plan except the cancelled ones;
    - ``done_milestones``: done;

    and with ``current_phases``: the active or awaiting-decision phase (at most one), prefetched.
    """
    today = today or timezone.localdate()
    is_open = Q(status__in=Milestone.OPEN)
    return (
        Engagement.objects.visible_to(actor)
        .annotate(
            open_milestones=_milestones_counted(is_open),
            overdue_milestones=_milestones_counted(is_open & Q(due_date__lt=today)),
            total_milestones=_milestones_counted(~Q(status=Milestone.Status.CANCELLED)),
            done_milestones=_milestones_counted(Q(status=Milestone.Status.DONE)),
        )
        .prefetch_related(
            Prefetch(
                "phases",
                queryset=Phase.objects.filter(
                    status__in=[Phase.Status.ACTIVE, Phase.Status.AWAITING_DECISION]
                ),
                to_attr="current_phases",
            )
        )
        .order_by("name", "id")
    )


def portfolio(
    *,
    actor: User,
    page: int | str | None = 1,
    per_page: int = DEFAULT_PER_PAGE,
    today: datetime.date | None = None,
) -> Page:
    """One page of ``portfolio_engagements``; each engagement also gets ``progress``, the
    percentage of its (not cancelled) milestones that are done, or None when it has none.

    A page number out of range or not a number gives the last or the first page, as a page
    link would. ``per_page`` is held between 1 and ``MAX_PER_PAGE``. Four queries whatever the
    page size: the actor's membership (unless cached), the count, the page, its phases.
    """
    per_page = max(1, min(per_page, MAX_PER_PAGE))
    paginator = Paginator(portfolio_engagements(actor=actor, today=today), per_page)
    shown = paginator.get_page(page)
    shown.object_list = list(shown.object_list)
    for engagement in shown.object_list:
        engagement.progress = (
            round(100 * engagement.done_milestones / engagement.total_milestones)
            if engagement.total_milestones
            else None
        )
    return shown
