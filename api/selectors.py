"""Reads of the API app: tokens, and the rows the API lists, in a fixed number of queries."""

from __future__ import annotations

import json
import uuid

from django.db.models import Field, Func, OuterRef, Prefetch, Q, QuerySet, Subquery, TextField

from accounts.models import Membership, User
from api import tokens
from api.models import ApiToken
from engagements.models import EngagementMember
from engagements.permissions import sees_every_engagement
from kernel.errors import NotFound
from milestones.models import Milestone, MilestoneDependency

# --- Tokens --------------------------------------------------------------------------------


def token_for_secret(secret: str) -> ApiToken | None:
    """The token this secret belongs to (revoked ones included), or None.

    Found by its non-secret prefix, then compared in constant time with the stored digest.
    """
    prefix = tokens.prefix_of(secret)
    if prefix is None:
        return None
    token = ApiToken.authenticating.filter(prefix=prefix).select_related("user").first()
    if token is None or not tokens.matches(secret, token.digest):
        return None
    return token


def tokens_of_tenant() -> QuerySet[ApiToken]:
    """The active tenant's tokens (tenant admins manage them all)."""
    return ApiToken.objects.select_related("user", "created_by")


def get_token(*, public_id: uuid.UUID | str) -> ApiToken:
    token = tokens_of_tenant().filter(public_id=public_id).first()
    if token is None:
        raise NotFound("No such token.")
    return token


# --- Milestones as the API shows them --------------------------------------------------------


class UuidText(Func):
    """A UUID column as its canonical text, computed by the database: a full sync reads
    hundreds of thousands of them, and parsing each into a Python UUID costs more than the
    query."""

    output_field = TextField()

    def as_sql(self, compiler, connection, **extra_context):
        return super().as_sql(
            compiler, connection, template="CAST(%(expressions)s AS TEXT)", **extra_context
        )

    def as_sqlite(self, compiler, connection, **extra_context):
        # SQLite keeps a UUID as 32 hex digits.
        column, params = compiler.compile(self.source_expressions[0])
        parts = ("1, 8", "9, 4", "13, 4", "17, 4", "21, 12")
        sql = " || '-' || ".join(f"SUBSTR({column}, {part})" for part in parts)
        return f"({sql})", params * len(parts)


class _TextList(Field):
    """A list of strings, from a PostgreSQL array or an SQLite JSON array."""

    def from_db_value(self, value, expression, connection):
        if value is None:
            return []
        return json.loads(value) if isinstance(value, str) else list(value)


class DependencyIds(Subquery):
    """The public ids a milestone depends on, in order, inside the milestone's own query."""

    output_field = _TextList()

    def __init__(self) -> None:
        super().__init__(
            MilestoneDependency.objects.filter(milestone_id=OuterRef("pk"))
            .order_by("depends_on__public_id")
            .values(dependency=UuidText("depends_on__public_id"))
        )

    def as_sql(self, compiler, connection, **extra_context):
        return super().as_sql(compiler, connection, template="ARRAY(%(subquery)s)")

    def as_sqlite(self, compiler, connection, **extra_context):
        return super().as_sql(
            compiler,
            connection,
            template="(SELECT JSON_GROUP_ARRAY(dependency) FROM (%(subquery)s))",
        )


MILESTONE_COLUMNS = (
    "pk",
    "phase__kind",
    "title",
    "description",
    "side",
    "due_date",
    "status",
    "evidence",
    "evidence_required",
    "external_id",
    "version",
    "created_at",
    "updated_at",
)


def milestone_rows(queryset: QuerySet[Milestone]) -> QuerySet:
    """Every column a milestone shows in the API, its dependencies included, in one query."""
    return queryset.values(
        *MILESTONE_COLUMNS,
        id_text=UuidText("public_id"),
        engagement_text=UuidText("engagement__public_id"),
        owner_text=UuidText("owner__public_id"),
        dependency_ids=DependencyIds(),
    )


# --- People -----------------------------------------------------------------------------------


def members_visible_to(*, actor: User, tenant_id: int) -> QuerySet[Membership]:
    """The tenant's people the actor may see, with their seats on visible engagements.

    Admins and PMO see everyone in the tenant; anyone else sees themselves and the people who
    sit on an engagement they sit on.
    """
    memberships = Membership.objects.filter(tenant_id=tenant_id)
    seats = EngagementMember.objects.visible_to(actor)
    if not sees_every_engagement(user=actor, tenant_id=tenant_id):
        memberships = memberships.filter(Q(user=actor) | Q(user__in=seats.values("user_id")))
    return memberships.select_related("user").prefetch_related(
        Prefetch(
            "user__engagement_memberships",
            queryset=seats.select_related("engagement").order_by("engagement__public_id"),
            to_attr="visible_seats",
        )
    )
