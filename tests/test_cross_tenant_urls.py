"""Generated cross-tenant and cross-engagement checks over every routed URL.

Every URL that names an object must have an object builder here; the walk fails on a route
without one. A foreign object, or one of an engagement the user is not in, answers 404.
"""

import dataclasses
import datetime
from decimal import Decimal

import pytest
from django.contrib import admin
from django.urls import URLPattern, URLResolver, get_resolver

from engagements.services import copy_playbook, start_transition
from kernel.tenancy import TenantOwned, tenant_context
from reporting.measurements import record_measurement
from reporting.models import Kpi, Review
from reporting.reviews import answer_day_90, refresh_review
from tests.routes import BUILDERS, POPULATORS, load_all
from tests.world import build_world, pass_gate

load_all()

# Global on purpose: platform data only Django superusers reach in /admin/.
GLOBAL_ADMIN_MODELS = {
    "accounts.user",
    "accounts.tenant",
    "accounts.membership",
    "auth.group",
    "health.workerheartbeat",
    # django-allauth's rows belong to a person, not to a tenant (a superuser removes a lost
    # authenticator here).
    "account.emailaddress",
    "mfa.authenticator",
    "usersessions.usersession",
    "socialaccount.socialapp",
    "socialaccount.socialaccount",
    "socialaccount.socialtoken",
}


# Secret links carry their own credential (a calendar client cannot sign in): whoever holds
# the link gets what it names, whatever session asks, so "another tenant's object answers 404"
# cannot hold for them. The walk checks only that each has a builder and that its link works;
# what a link holds, that a regenerated one ends the old, and that it never shows another
# tenant's or engagement's items are tested in tests/exports/test_calendar_feed.py.
SECRET_LINK_ROUTES = {"exports:calendar-feed"}

# Sign-in through a tenant's provider starts before anyone is signed in: the route names the
# tenant's sign-on (its slug is no secret) and shows nothing of the tenant. The walk checks
# that each has a builder and answers with a page (502: the walk's provider does not answer),
# never a server error; what it refuses is tested in
# tests/accounts/test_single_sign_on.py.
SIGN_IN_ROUTES = {"openid_connect_login", "openid_connect_callback"}

# Changing one's second factors asks for the password again first, whoever's object the URL
# names: the walk checks that a foreign one gets that question and nothing else; that it is
# then not found is tested in tests/accounts/test_security_keys.py.
REAUTHENTICATED_ROUTES = {"mfa_remove_webauthn", "mfa_edit_webauthn"}


def routes(resolver=None, prefix="", namespace=""):
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            space = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from routes(entry, prefix + str(entry.pattern), space)
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{namespace}{entry.name}", prefix + str(entry.pattern), entry.pattern


def object_routes():
    return [
        (name, pattern)
        for name, pattern, compiled in routes()
        if compiled.regex.groups or "<" in pattern
    ]


def populate_every_model(world):
    """Drive the world through the services until every tenant-owned table has a row."""
    with tenant_context(world.tenant):
        start_transition(actor=world.pmo, engagement=world.engagement)
        pass_gate(world, "kickoff")
        kpi = Kpi.objects.first()
        record_measurement(
            actor=world.pmo, kpi=kpi, measured_on=datetime.date(2026, 1, 19), value=Decimal("1")
        )
        refresh_review(actor=world.pmo, review=Review.objects.get(day=14))
        answer_day_90(
            actor=world.pmo,
            review=Review.objects.get(day=90),
            answers={},
            forward_targets={kpi: Decimal("2")},
        )
        copy_playbook(actor=world.pmo, tenant=world.tenant, key="contact-centre-90-day")
        for populate in POPULATORS:
            populate(world)
    return world


@pytest.fixture
def worlds(db):
    home = populate_every_model(build_world("Alpha"))
    foreign = populate_every_model(build_world("Bravo"))
    home.admin.is_staff = home.admin.is_superuser = True
    home.admin.save()
    return home, foreign


def one_of(world, model):
    with tenant_context(world.tenant):
        found = model._default_manager.order_by("pk").first()
    assert found is not None, f"populate_every_model left {model.__name__} empty"
    return found


def build_url(name, pattern, world):
    """The URL of ``world``'s object for this route, or None for routes without an object."""
    if name in BUILDERS:
        with tenant_context(world.tenant):
            return BUILDERS[name].build(world)
    if name.startswith("admin:"):
        for model, _model_admin in admin.site._registry.items():
            label = f"{model._meta.app_label}_{model._meta.model_name}"
            for action in ("change", "delete", "history"):
                if name == f"admin:{label}_{action}":
                    if f"{model._meta.app_label}.{model._meta.model_name}" in GLOBAL_ADMIN_MODELS:
                        return None
                    return (
                        f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
                        f"{one_of(world, model).pk}/{action}/"
                    )
        if name in {
            "admin:app_list",
            "admin:view_on_site",
            "admin:password_change",
            "admin:auth_user_password_change",
        }:
            return None
    raise AssertionError(f"No object builder for route {name} ({pattern})")


def test_every_tenant_owned_model_is_in_the_admin():
    registered = set(admin.site._registry)
    from django.apps import apps

    owned = {m for m in apps.get_models() if issubclass(m, TenantOwned)}
    assert owned - registered == set()


def test_every_object_route_answers_404_for_another_tenants_object(client, worlds):
    home, foreign = worlds
    client.force_login(home.admin)
    checked = 0
    for name, pattern in object_routes():
        own_url, foreign_url = build_url(name, pattern, home), build_url(name, pattern, foreign)
        if name in SECRET_LINK_ROUTES:
            assert client.get(own_url).status_code == 200, name
            continue
        if name in SIGN_IN_ROUTES:
            assert client.get(own_url).status_code in {302, 401, 502}, name
            continue
        if foreign_url is None:
            continue
        if name in REAUTHENTICATED_ROUTES:
            asked = client.post(foreign_url, {})
            assert asked.status_code == 302, f"{name}: {foreign_url} -> {asked.status_code}"
            assert asked["Location"].startswith("/accounts/reauthenticate/"), name
            continue
        builder = BUILDERS.get(name)
        if builder is not None and builder.method == "post":
            response = client.post(foreign_url, {})
            assert response.status_code == 404, f"{name}: {foreign_url} -> {response.status_code}"
            checked += 1
            continue
        # The builder is right: the same route finds the home object (deleting is refused,
        # as the admin is read-only for business data).
        expected = builder.status if builder else (403 if name.endswith("_delete") else 200)
        assert client.get(own_url).status_code == expected, name
        response = client.get(foreign_url)
        assert response.status_code == 404, f"{name}: {foreign_url} -> {response.status_code}"
        assert foreign.engagement.name.encode() not in response.content
        checked += 1
    assert checked >= 20


@pytest.mark.parametrize("label", ["bystander", "provider_lead"])
def test_engagement_routes_answer_404_outside_the_users_engagement(client, worlds, label):
    home, _foreign = worlds
    from engagements.playbooks import get_builtin
    from tests.world import DAY0, owners_for
    from transition.services import create_engagement_from_playbook

    people = dict(home.__dict__)
    with tenant_context(home.tenant):
        # A second engagement with its own provider: the home provider lead is not in it.
        from accounts.models import Membership
        from tests import factories

        rival = factories.UserFactory(username="rival-lead")
        Membership.objects.create(user=rival, tenant=home.tenant, role="member")
        people["provider_lead"] = people["provider_staff"] = rival
        other = create_engagement_from_playbook(
            actor=home.pmo,
            tenant=home.tenant,
            playbook=get_builtin("seven-step-onboarding"),
            name="Rival desk",
            client_name="Alpha client",
            provider_name="Rival",
            contract_signed_on=DAY0,
            owners=owners_for("seven-step-onboarding", people),
        )
    client.force_login(getattr(home, label))
    elsewhere = dataclasses.replace(home, engagement=other)
    scoped = [BUILDERS[name] for name, _pattern in object_routes() if name in BUILDERS]
    scoped = [builder for builder in scoped if builder.engagement_scoped]
    assert scoped, "no engagement-scoped route was walked"
    for builder in scoped:
        with tenant_context(home.tenant):
            url = builder.build(elsewhere)
        response = client.post(url, {}) if builder.method == "post" else client.get(url)
        assert response.status_code == 404, f"{builder.name}: {url} -> {response.status_code}"
        assert b"Rival desk" not in response.content
    assert b"Rival desk" not in client.get("/").content


def test_admin_lists_show_only_the_active_tenants_rows(
    client, worlds, django_assert_max_num_queries
):
    home, foreign = worlds
    client.force_login(home.admin)
    for url in (
        "/admin/engagements/engagement/",
        "/admin/audit/event/?q=care+desk",
        "/admin/milestones/milestone/",
        "/admin/governance/gate/",
    ):
        with django_assert_max_num_queries(20):
            response = client.get(url)
        assert response.status_code == 200
        assert foreign.engagement.name.encode() not in response.content, url
    assert home.engagement.name.encode() in client.get("/admin/engagements/engagement/").content


def test_a_superuser_outside_every_tenant_sees_no_business_rows(client, worlds):
    from tests import factories

    operator = factories.UserFactory(is_staff=True, is_superuser=True)
    client.force_login(operator)
    for model in admin.site._registry:
        if issubclass(model, TenantOwned):
            url = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
            response = client.get(url)
            assert response.status_code == 200, url
            for world in worlds:
                assert world.engagement.name.encode() not in response.content, url
