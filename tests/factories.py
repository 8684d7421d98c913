import datetime

import factory
from factory.django import DjangoModelFactory

from accounts.models import Membership, Tenant, User
from engagements.models import Engagement, EngagementMember, Phase


class TenantFactory(DjangoModelFactory):
    class Meta:
        model = Tenant

    name = factory.Sequence(lambda n: f"Tenant {n}")
    slug = factory.Sequence(lambda n: f"tenant-{n}")
    # A new tenant requires a second factor of those who sign off (the model's default); the
    # tests' tenants do not, unless a test is about it.
    require_second_factor = False


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.com")
    password = factory.PostGenerationMethodCall("set_password", "correct horse battery")

    @factory.post_generation
    def persist_password(obj, create, extracted, **kwargs):
        if create:
            obj.save(update_fields=["password"])


class MembershipFactory(DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    tenant = factory.SubFactory(TenantFactory)
    role = Membership.Role.MEMBER


class EngagementFactory(DjangoModelFactory):
    class Meta:
        model = Engagement

    tenant = factory.SubFactory(TenantFactory)
    name = factory.Sequence(lambda n: f"Engagement {n}")
    client_name = "Acme"
    provider_name = factory.Sequence(lambda n: f"Provider {n}")
    contract_signed_on = datetime.date(2026, 1, 5)
    target_go_live = datetime.date(2026, 2, 16)


class EngagementMemberFactory(DjangoModelFactory):
    class Meta:
        model = EngagementMember

    engagement = factory.SubFactory(EngagementFactory)
    tenant = factory.SelfAttribute("engagement.tenant")
    user = factory.SubFactory(UserFactory)
    side = EngagementMember.Side.PROVIDER
    role = EngagementMember.Role.LEAD


class PhaseFactory(DjangoModelFactory):
    class Meta:
        model = Phase

    engagement = factory.SubFactory(EngagementFactory)
    tenant = factory.SelfAttribute("engagement.tenant")
    kind = Phase.Kind.KICKOFF
    position = 1
    planned_start = datetime.date(2026, 1, 5)
    planned_end = datetime.date(2026, 1, 8)
