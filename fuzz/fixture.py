"""Print, as shell ``export`` lines, what the fuzzer needs from the demo tenant: a read-write
token of its admin, a second token that the run may revoke, and the ids of objects that
request bodies refer to (no schema can say which UUIDs name something the caller may use).

Run after ``load_demo``: ``manage.py shell < fuzz/fixture.py``.
"""

import json
import shlex

from accounts.models import Tenant, User
from api.feed import encode_cursor
from api.services import issue_token
from engagements.models import Engagement
from engagements.playbooks import get_builtin
from governance.models import Gate
from kernel.tenancy import tenant_context
from milestones.models import Milestone
from registers.models import RaidItem
from reporting.models import Kpi, Review

tenant = Tenant.objects.get(slug="demo")
admin = User.objects.get(username="admin")
with tenant_context(tenant):
    engagement = Engagement.objects.get(name="Contact centre launch")
    provider_lead = User.objects.get(username="provider.lead")
    _, token = issue_token(
        actor=None, tenant=tenant, user=admin, name="schemathesis", read_only=False
    )
    spare, _ = issue_token(
        actor=None, tenant=tenant, user=admin, name="schemathesis: revoked", read_only=False
    )
    first_phase = engagement.phases.order_by("position").first()
    dependency = Milestone.objects.filter(phase=first_phase).order_by("id").first()
    later = Milestone.objects.filter(engagement=engagement, phase__position__gt=1)
    milestone = later.exclude(status__in=["done", "cancelled"]).order_by("id").first()
    people = {
        "client": User.objects.get(username="client.lead"),
        "provider": provider_lead,
        "pmo": User.objects.get(username="pmo"),
    }
    playbook = get_builtin(engagement.playbook_key)
    owners = {role.key: str(people[role.side].public_id) for role in playbook.roles}
    gate = Gate.objects.filter(engagement=engagement).order_by("phase__position").first()
    found = {
        "ST_TOKEN": token,
        "ST_SPARE_TOKEN": str(spare.public_id),
        "ST_ENGAGEMENT": str(engagement.public_id),
        "ST_OWNER": str(provider_lead.public_id),
        "ST_MEMBER": str(admin.public_id),
        "ST_MILESTONE": str(milestone.public_id),
        # Another open one for bulk changes (the run deletes ST_MILESTONE with its DELETE): the
        # launch has no other, so one of another engagement of the demo.
        "ST_BULK_MILESTONE": str(
            Milestone.objects.exclude(status__in=["done", "cancelled"])
            .exclude(pk__in=[milestone.pk, dependency.pk])
            .order_by("-phase__position", "id")
            .first()
            .public_id
        ),
        "ST_DEPENDENCY": str(dependency.public_id),
        "ST_GATE": str(gate.public_id),
        "ST_CRITERION": str(gate.criteria.order_by("position").first().public_id),
        "ST_REVIEW": str(
            Review.objects.filter(engagement=engagement).order_by("day").first().public_id
        ),
        "ST_RAID_ITEM": str(
            RaidItem.objects.filter(engagement=engagement, kind=RaidItem.Kind.RISK)
            .order_by("id")
            .first()
            .public_id
        ),
        "ST_FEED_START": encode_cursor(0),
        "ST_KPI": str(Kpi.objects.filter(engagement=engagement).order_by("key").first().public_id),
        "ST_PLAYBOOK": engagement.playbook_key,
        "ST_OWNERS": json.dumps(owners),
    }
    # The roster's demo engagement (transition/demo/roster.py): a person of wave 1 and a
    # provider member who assesses.
    from roster.models import Person

    person = (
        Person.objects.filter(erased_at=None, wave__number=1, role="agent")
        .select_related("engagement")
        .order_by("id")
        .first()
    )
    assessor = person.engagement.members.filter(side="provider").select_related("user").first().user
    found.update(
        {
            "ST_ROSTER_ENGAGEMENT": str(person.engagement.public_id),
            "ST_PERSON": str(person.public_id),
            "ST_ASSESSOR": str(assessor.public_id),
        }
    )
for name, value in found.items():
    print(f"export {name}={shlex.quote(value)}")
