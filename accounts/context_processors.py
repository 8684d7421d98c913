from accounts.selectors import memberships_for


def active_tenant(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "active_tenant": getattr(request, "tenant", None),
        "active_membership": getattr(request, "membership", None),
        # Lazy: the switcher's query runs only on pages that render it.
        "my_memberships": lambda: list(memberships_for(user=user)),
    }
