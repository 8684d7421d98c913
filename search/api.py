"""GET /api/v1/search/: the search of the results page, as JSON (``search.selectors``)."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers as drf
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param

from api.rest.base import ApiViewSet
from api.rest.schema import ApiAutoSchema, Operation, documented
from kernel.errors import InvalidInput
from search import selectors


class HitSerializer(drf.Serializer):
    kind = drf.CharField()
    id = drf.UUIDField(source="public_id", help_text="The object's id.")
    title = drf.CharField(help_text="What it is called (a comment: its milestone's title).")
    snippet = drf.CharField(
        help_text="HTML: the matching text, escaped, each match in `<mark>`...`</mark>`."
    )
    context = drf.CharField(help_text="Where it is: the engagement, the phase or the gate.")
    url = drf.URLField(help_text="Its page in the browser.")


class GroupSerializer(drf.Serializer):
    kind = drf.ChoiceField(choices=selectors.kinds())
    label = drf.CharField()
    count = drf.IntegerField(help_text="Every match of this kind you may see.")
    results = HitSerializer(many=True)
    next = drf.URLField(
        allow_null=True, help_text="The next page of this kind, or null on its last page."
    )


class SearchPageSerializer(drf.Serializer):
    query = drf.CharField(help_text="The search as it ran (trimmed).")
    groups = GroupSerializer(many=True, help_text="Every kind, or the one `kind` named.")


EXAMPLE = {
    "query": "badge access",
    "groups": [
        {
            "kind": "milestone",
            "label": "Milestones",
            "count": 1,
            "results": [
                {
                    "kind": "milestone",
                    "id": "6f1c2d3e-4a5b-4c6d-8e7f-0a1b2c3d4e5f",
                    "title": "Provision client-system access",
                    "snippet": "Agents need <mark>badge</mark> <mark>access</mark> to the floor",
                    "context": "Acme care desk · Access",
                    "url": "https://transition.example.com/engagements/"
                    "1d2c3b4a-5e6f-4a7b-8c9d-0e1f2a3b4c5d/milestones/"
                    "6f1c2d3e-4a5b-4c6d-8e7f-0a1b2c3d4e5f/",
                }
            ],
            "next": None,
        }
    ],
}

PARAMETERS = (
    OpenApiParameter(
        "q",
        {
            "type": "string",
            "minLength": 1,
            "maxLength": selectors.MAX_LENGTH,
            "pattern": r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*\w[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$",
        },
        OpenApiParameter.QUERY,
        required=True,
        description=(
            f"The words (at most {selectors.MAX_LENGTH} characters, at least one letter or "
            "digit). Every word must match; quotes make a phrase, `or` an alternative, "
            "`-word` leaves a word out."
        ),
    ),
    OpenApiParameter(
        "kind",
        {"type": "string", "enum": selectors.kinds()},
        OpenApiParameter.QUERY,
        description="One kind only, paged; without it, the first results of every kind.",
    ),
    OpenApiParameter(
        "page",
        {"type": "integer", "minimum": 1, "maximum": 10_000},
        OpenApiParameter.QUERY,
        description="The page of the kind (default 1).",
    ),
    OpenApiParameter(
        "page_size",
        {"type": "integer", "minimum": 1, "maximum": selectors.MAX_PAGE_SIZE},
        OpenApiParameter.QUERY,
        description=(
            f"Results per kind (default {selectors.PAGE_SIZE} with `kind`, "
            f"{selectors.PER_KIND} without)."
        ),
    ),
)


class SearchSchema(ApiAutoSchema):
    """The search answers one object (``query``, ``groups``), not a list."""

    def _is_list_view(self, serializer=None) -> bool:
        return False

    def _returns_object(self) -> bool:
        return False  # no ETag: results are read once


@documented(
    "search",
    {
        "list": Operation(
            "Search everything you may see in the tenant",
            SearchPageSerializer,
            EXAMPLE,
            description=(
                "Milestones, comments, RAID items, KPIs, gate criteria, roster people and "
                "engagements that match `q`, grouped by kind with a count each, best first "
                "(full-text on PostgreSQL). Only what you may see is searched or counted. A "
                "bad `q`, `kind`, `page` or `page_size` is a 400 naming each."
            ),
            parameters=PARAMETERS,
        )
    },
)
class SearchViewSet(ApiViewSet):
    schema = SearchSchema()
    pagination_class = None
    filter_backends = []
    serializer_class = SearchPageSerializer

    def list(self, request):
        params = request.query_params
        errors: dict[str, list[str]] = {}
        cleaned = {}
        checks = {
            "text": ("q", lambda: selectors.clean_query(params.get("q"))),
            "kind": ("kind", lambda: selectors.clean_kind(params.get("kind"))),
            "page": (
                "page",
                lambda: selectors.clean_whole(
                    "page", params.get("page"), default=1, maximum=10_000
                ),
            ),
            "page_size": (
                "page_size",
                lambda: selectors.clean_whole(
                    "page_size",
                    params.get("page_size"),
                    default=0,
                    maximum=selectors.MAX_PAGE_SIZE,
                ),
            ),
        }
        for key, (name, check) in checks.items():
            if len(params.getlist(name)) > 1:
                errors[name] = ["Give this parameter once."]
                continue
            if name != "q" and params.get(name) == "":
                # As every filter of the API: an empty value is refused, not read as absent.
                errors[name] = ["Give a value, or leave the parameter out."]
                continue
            try:
                cleaned[key] = check()
            except InvalidInput as refused:
                errors.update(refused.errors)
        if errors:
            raise InvalidInput("Some search parameters are not valid.", errors=errors)
        groups = selectors.search(
            actor=self.actor,
            text=cleaned["text"],
            kind=cleaned["kind"],
            page=cleaned["page"],
            page_size=cleaned["page_size"] or None,
        )
        here = request.build_absolute_uri()
        return Response(
            {
                "query": cleaned["text"],
                "groups": [self._group(group, here) for group in groups],
            }
        )

    def _group(self, group: selectors.Group, here: str) -> dict:
        following = None
        if group.has_more:
            following = replace_query_param(
                replace_query_param(here, "kind", group.kind), "page", group.page + 1
            )
            if group.page == 1 and "page_size" not in self.request.query_params:
                following = replace_query_param(following, "page_size", group.page_size)
        return {
            "kind": group.kind,
            "label": group.label,
            "count": group.count,
            "results": [
                {
                    "kind": hit.kind,
                    "id": str(hit.public_id),
                    "title": hit.title,
                    "snippet": str(hit.snippet),
                    "context": hit.context,
                    "url": self.request.build_absolute_uri(hit.url),
                }
                for hit in group.hits
            ],
            "next": following,
        }
