import csv
import io

import openpyxl
import pytest

from accounts.models import Membership
from engagements.playbooks import get_builtin
from tests import factories
from tests.world import DAY0, owners_for
from transition.services import create_engagement_from_playbook


def csv_rows(response) -> list[list[str]]:
    """The rows of a streamed CSV, after its byte-order mark."""
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")
    return list(csv.reader(io.StringIO(body[1:])))


def xlsx_sheet(response):
    workbook = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    return workbook.active


def xlsx_rows(response) -> list[list]:
    return [list(row) for row in xlsx_sheet(response).iter_rows(values_only=True)]


@pytest.fixture
def rival(world):
    """Another engagement of the world's tenant, run by people of its own: only the world's
    PMO is on it, so the world's client and provider people are not."""
    rival_client = factories.UserFactory(username="rival-client", first_name="Rob", last_name="In")
    rival_provider = factories.UserFactory(
        username="rival-provider", first_name="Rita", last_name="Val"
    )
    for person in (rival_client, rival_provider):
        Membership.objects.create(user=person, tenant=world.tenant, role="member")
    people = {
        **world.__dict__,
        "client_lead": rival_client,
        "client_staff": rival_client,
        "provider_lead": rival_provider,
        "provider_staff": rival_provider,
    }
    return create_engagement_from_playbook(
        actor=world.pmo,
        tenant=world.tenant,
        playbook=get_builtin("seven-step-onboarding"),
        name="Rival desk",
        client_name="Alpha client",
        provider_name="Rival",
        contract_signed_on=DAY0,
        owners=owners_for("seven-step-onboarding", people),
    )
