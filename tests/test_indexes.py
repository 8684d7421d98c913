"""Indexes the hot paths rely on (bench/hot_paths.py measures them on PostgreSQL)."""

from django.apps import apps
from django.db import connection, models

from kernel.tenancy import is_tenant_owned
from milestones.models import Milestone


def composites_leading_with_tenant(model) -> list[str]:
    """Plain (not partial) indexes and unique constraints whose first column is tenant_id."""
    leading = [
        index.name
        for index in model._meta.indexes
        if index.fields and index.fields[0] == "tenant" and index.condition is None
    ]
    leading += [
        constraint.name
        for constraint in model._meta.constraints
        if isinstance(constraint, models.UniqueConstraint)
        and constraint.fields
        and constraint.fields[0] == "tenant"
        and constraint.condition is None
    ]
    return leading


def test_no_tenant_owned_table_keeps_a_tenant_index_that_a_composite_repeats():
    repeated = [
        f"{model._meta.label} (served by {', '.join(composites)})"
        for model in apps.get_models()
        if is_tenant_owned(model)
        and (composites := composites_leading_with_tenant(model))
        and model._meta.get_field("tenant").db_index
    ]
    assert repeated == []


def test_tables_without_such_a_composite_keep_their_tenant_index():
    unindexed = [
        model._meta.label
        for model in apps.get_models()
        if is_tenant_owned(model)
        and not composites_leading_with_tenant(model)
        and not model._meta.get_field("tenant").db_index
    ]
    assert unindexed == []


def test_open_milestones_have_partial_due_date_indexes():
    assert set(Milestone.OPEN) | set(Milestone.CLOSED) == set(Milestone.Status.values)
    partial = {
        index.name: (index.fields, index.condition)
        for index in Milestone._meta.indexes
        if index.condition is not None
    }
    open_only = models.Q(status__in=Milestone.OPEN)
    assert partial == {
        "milestone_open_due_in_tenant": (["tenant", "due_date"], open_only),
    }


def test_one_index_serves_open_milestones_by_due_date_across_tenants(db):
    """The reminder scan's covering index (notifications 0002); no second one beside it."""
    with connection.cursor() as cursor:
        indexes = connection.introspection.get_constraints(cursor, "milestones_milestone")
    leading_due_date = sorted(
        name
        for name, index in indexes.items()
        if index["index"] and index["columns"] and index["columns"][0] == "due_date"
    )
    assert leading_due_date == ["reminder_milestone_open_due"]


def test_the_engagement_due_date_index_covers_status_for_the_portfolio_counts():
    [index] = [index for index in Milestone._meta.indexes if index.name == "milestone_due"]
    assert (index.fields, list(index.include)) == (["tenant", "engagement", "due_date"], ["status"])
