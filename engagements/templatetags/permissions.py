"""Templates ask the same predicates the services enforce:

    {% load permissions %}
    {% can "decide_gate" gate=gate as may_decide %}
    {% if may_decide %}<button ...>Approve</button>{% endif %}

``"decide_gate"`` names ``engagements.permissions.can_decide_gate``; the signed-in user is
passed as ``user``, every other argument by keyword.
"""

from django import template

from engagements import permissions

register = template.Library()


@register.simple_tag(takes_context=True)
def can(context, action: str, **objects) -> bool:
    predicate = getattr(permissions, f"can_{action}", None)
    if predicate is None:
        raise template.TemplateSyntaxError(f"No permission predicate can_{action}.")
    request = context.get("request")
    user = getattr(request, "user", None) or context.get("user")
    return bool(predicate(user=user, **objects))
