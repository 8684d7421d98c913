"""A plan file between its upload and its commit, kept on the server (like the roster's).

The PMO uploads a file, corrects how its columns map, reads the preview, and commits; every
step reads the same stored bytes, so the browser never carries the rows and the form keeps the
file while the mapping is corrected. Only the uploader can see or commit it, within
``plans.services.PREVIEW_SECONDS``. Not audited: a staging copy (what it writes is).
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models

from engagements.models import Engagement
from kernel.tenancy import TenantOwned, tenant_key


class PlanUpload(TenantOwned):
    tenant = tenant_key(db_index=False)
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # Set: the file re-plans this engagement (by external id). Empty: it creates a new one
    # with ``facts``.
    engagement = models.ForeignKey(
        Engagement, null=True, blank=True, on_delete=models.CASCADE, related_name="plan_uploads"
    )
    facts = models.JSONField(default=dict, blank=True)
    file_name = models.CharField(max_length=200)
    content = models.BinaryField()
    sha256 = models.CharField(max_length=64)
    # The plan's field -> the file's column index (None: not in the file).
    mapping = models.JSONField(default=dict, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    uploaded_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["tenant", "uploaded_at"], name="plan_upload_age")]

    def __str__(self) -> str:
        return f"Plan upload {self.file_name}"
