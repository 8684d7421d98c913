"""The tenant boundary: every tenant-owned model is scoped by construction."""

from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.db import models

from accounts.models import Membership, SingleSignOn, Tenant
from audit.models import FeedCounter
from engagements.models import Engagement
from kernel.tenancy import TenantManager, TenantOwned, TenantScopeMissing
from tests import factories

# Global on purpose: the membership is how a request finds its tenant, before one is active;
# the feed counter is one number per tenant that every writer of the tenant locks, read by no
# one outside the event log; a tenant's single sign-on is found by a person's e-mail domain at
# sign-in, before any tenant is active (its admins' pages read it for their own tenant only).
GLOBAL_WITH_TENANT_LINK = {Membership, FeedCounter, SingleSignOn}


def project_models():
    """Every model of the project's own apps, whichever apps are added later."""
    root = Path(settings.BASE_DIR).resolve()
    return [
        model
        for config in apps.get_app_configs()
        if Path(config.path).resolve().is_relative_to(root)
        for model in config.get_models()
    ]


def links_to_tenant_data(model) -> bool:
    for field in model._meta.get_fields():
        if field.many_to_one or field.one_to_one:
            if field.auto_created and not field.concrete:
                continue
            target = field.related_model
            if target is Tenant or issubclass(target, TenantOwned):
                return True
    return False


def test_every_model_that_holds_tenant_data_is_tenant_owned():
    unscoped = [
        model.__name__
        for model in project_models()
        if links_to_tenant_data(model)
        and not issubclass(model, TenantOwned)
        and model not in GLOBAL_WITH_TENANT_LINK
    ]
    assert unscoped == []


@pytest.mark.parametrize(
    "model",
    [m for m in project_models() if issubclass(m, TenantOwned)],
    ids=lambda m: m.__name__,
)
def test_tenant_owned_model_cannot_be_queried_without_a_tenant(db, model):
    assert isinstance(model._default_manager, TenantManager)
    queryset = model._default_manager.all()
    for attempt in (
        list,
        lambda q: q.count(),
        lambda q: q.exists(),
        lambda q: q.first(),
        lambda q: q.update(),
        lambda q: q.delete(),
        lambda q: q.aggregate(n=models.Count("pk")),
        lambda q: list(q.iterator()),
    ):
        with pytest.raises(TenantScopeMissing):
            attempt(queryset)


@pytest.mark.parametrize(
    "model",
    [m for m in project_models() if issubclass(m, TenantOwned)],
    ids=lambda m: m.__name__,
)
def test_tenant_owned_model_is_filtered_by_the_active_tenant(tenant_a, in_tenant, model):
    with in_tenant(tenant_a):
        sql = str(model._default_manager.all().query)
    table = model._meta.db_table
    assert f'"{table}"."tenant_id" = {tenant_a.pk}' in sql


def test_rows_of_another_tenant_are_invisible(tenant_a, tenant_b, in_tenant):
    mine = factories.EngagementFactory(tenant=tenant_a)
    factories.EngagementFactory(tenant=tenant_b)
    with in_tenant(tenant_a):
        assert list(Engagement.objects.all()) == [mine]
        assert Engagement.objects.count() == 1


def test_saving_a_row_of_another_tenant_is_refused(tenant_a, tenant_b, in_tenant):
    foreign = factories.EngagementFactory(tenant=tenant_b)
    with in_tenant(tenant_a), pytest.raises(TenantScopeMissing):
        foreign.save()


def test_new_rows_take_the_active_tenant(tenant_a, in_tenant):
    with in_tenant(tenant_a):
        engagement = factories.EngagementFactory.build(tenant=None)
        engagement.tenant_id = None
        engagement.save()
    assert engagement.tenant_id == tenant_a.pk
