"""Where a request finds its tenant: the session's choice, or the tenant an API token is pinned to.

The kernel (``kernel.tenancy``) holds the active tenant and scopes every query by it; this is
the entry point that decides which tenant that is, from the user's memberships.
"""

from __future__ import annotations

from accounts.models import Membership, User
from accounts.selectors import resolve_active_membership
from kernel.tenancy import enter_tenant, get_active_tenant_id, stream_in_tenant, tenant_context


def resolve_tenant(
    *, user: User, chosen_tenant_id: int | None, pinned: bool = False
) -> Membership | None:
    """The user's membership that a request works in, loaded once per request.

    A session passes the tenant it chose last (falling back to the user's first tenant); an
    API token is pinned to one tenant (``pinned``), and a token whose user has left that
    tenant resolves to nothing.
    """
    if user is None or not user.is_authenticated:
        return None
    membership = resolve_active_membership(
        user=user, tenant_id=chosen_tenant_id, fall_back=not pinned
    )
    if membership is not None:
        # Services ask for the actor's role in this tenant: answer from what is loaded.
        user.__dict__.setdefault("_membership_cache", {})[membership.tenant_id] = membership
    return membership


class ActiveTenantMiddleware:
    """Resolve the request's tenant once: the session's choice among the user's memberships."""

    SESSION_KEY = "active_tenant_id"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.tenant = None
        request.membership = None
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            chosen = request.session.get(self.SESSION_KEY)
            membership = resolve_tenant(user=user, chosen_tenant_id=chosen)
            if membership is not None:
                request.membership = membership
                request.tenant = membership.tenant
                if chosen != membership.tenant_id:
                    # Written only when it changes: a signed-in GET does not save the session.
                    request.session[self.SESSION_KEY] = membership.tenant_id
        with tenant_context(request.tenant):
            response = self.get_response(request)
        if getattr(response, "streaming", False):
            response.streaming_content = stream_in_tenant(
                response.streaming_content, request.tenant.pk if request.tenant else None
            )
        return response


class TenantScopedAPIMixin:
    """For Django REST framework views: enter the tenant of the authenticated caller.

    DRF authenticates inside the view, after the middleware ran with no user for a token
    request. Here the caller's tenant is resolved by the same ``resolve_tenant``: a token is
    pinned to its tenant (``request.auth.tenant_id``), a session keeps its choice.
    """

    def dispatch(self, request, *args, **kwargs):
        # A scope of our own, so that what perform_authentication enters ends with the view.
        with tenant_context(get_active_tenant_id()):
            return super().dispatch(request, *args, **kwargs)

    def perform_authentication(self, request) -> None:
        super().perform_authentication(request)
        pinned = getattr(request.auth, "tenant_id", None)
        chosen = (
            pinned
            if pinned is not None
            else request._request.session.get(ActiveTenantMiddleware.SESSION_KEY)
            if hasattr(request._request, "session")
            else None
        )
        membership = resolve_tenant(
            user=request.user, chosen_tenant_id=chosen, pinned=pinned is not None
        )
        tenant = membership.tenant if membership is not None else None
        request._request.tenant = tenant
        request._request.membership = membership
        enter_tenant(tenant)
