"""Routes of the roster's uploads (a file's preview and its commit)."""

from __future__ import annotations

from django.utils import timezone

from roster.models import Upload
from tests.routes import populates, route


def _upload(world) -> Upload:
    """The engagement's stored upload; one is kept (as a preview would) when it has none."""
    upload = Upload.objects.filter(engagement=world.engagement).order_by("pk").first()
    return upload or Upload.objects.create(
        tenant_id=world.engagement.tenant_id,
        engagement=world.engagement,
        kind=Upload.Kind.PEOPLE,
        file_name="roster.csv",
        content=b"external id,name,e-mail,role,wave,site,start date\n",
        sha256="0" * 64,
        uploaded_by=world.provider_lead,
        uploaded_at=timezone.now(),
    )


@populates
def keep_an_upload(world):
    _upload(world)


@route("roster:upload", engagement_scoped=True, status=403)
def upload_page(world):
    # The walk's home admin is not on the provider's track: refused, but the page exists.
    return f"/engagements/{world.engagement.public_id}/roster/upload/"


@route("roster:upload-commit", engagement_scoped=True, method="post")
def upload_commit(world):
    return f"/engagements/{world.engagement.public_id}/roster/upload/{_upload(world).public_id}/"
