"""The readiness roster: the provider's delivery staff of an engagement, what each role must
pass and be given before going live, and the evidence that they have.

A person on the roster is personal data of somebody who may never sign in. Their name and
e-mail live only on ``Person`` (never in the audit trail: ``audit_label`` and ``AUDIT_FIELDS``
leave them out), so that erasure replaces them in one place and the counts, results and past
gate decisions stay true.

Readiness is computed, never stored or ticked: ``roster.readiness`` derives it from the
results and access steps.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

from engagements.models import Engagement, EngagementScopedManager, engagement_scoped_manager
from kernel.tenancy import TenantOwned, tenant_key


class Requirement(TenantOwned):
    """What a role must have before going live: a training module to pass, the certification,
    or a client system to be given. Taken from the playbook's roster section, per engagement."""

    class Kind(models.TextChoices):
        MODULE = "module", "Training module"
        CERTIFICATION = "certification", "Certification"
        SYSTEM = "system", "Client system"

    tenant = tenant_key(db_index=False)
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    engagement = models.ForeignKey(
        Engagement, on_delete=models.CASCADE, related_name="roster_requirements"
    )
    role = models.CharField(max_length=40)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    key = models.SlugField(max_length=60)
    name = models.CharField(max_length=120)
    position = models.PositiveSmallIntegerField(default=0)
    # A certification's pass mark (a percentage); none for modules and systems.
    pass_mark = models.PositiveSmallIntegerField(null=True, blank=True)

    objects = EngagementScopedManager()

    AUDIT_TYPE = "roster_requirement"
    AUDIT_FIELDS = ("engagement", "role", "kind", "key", "name", "position", "pass_mark")

    class Meta:
        ordering = ["engagement_id", "role", "position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["engagement", "role", "kind", "key"], name="one_requirement_per_key"
            ),
            models.UniqueConstraint(
                fields=["engagement", "role"],
                condition=Q(kind="certification"),
                name="one_certification_per_role",
            ),
        ]
        indexes = [models.Index(fields=["tenant", "engagement", "role"], name="requirement_role")]

    def __str__(self) -> str:
        return f"{self.name} ({self.role})"

    @property
    def audit_engagement(self) -> Engagement:
        return self.engagement


class Wave(TenantOwned):
    """A batch of people who train together and go live together."""

    tenant = tenant_key(db_index=False)
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="waves")
    number = models.PositiveSmallIntegerField()
    name = models.CharField(max_length=80, blank=True)
    start_date = models.DateField()
    go_live_date = models.DateField(null=True, blank=True)

    objects = EngagementScopedManager()

    AUDIT_TYPE = "roster_wave"
    AUDIT_FIELDS = ("engagement", "number", "name", "start_date", "go_live_date")

    class Meta:
        ordering = ["engagement_id", "number"]
        constraints = [
            models.UniqueConstraint(fields=["engagement", "number"], name="one_wave_per_number"),
        ]
        indexes = [models.Index(fields=["tenant", "engagement", "number"], name="wave_number")]

    def __str__(self) -> str:
        return self.name or f"Wave {self.number}"

    @property
    def label(self) -> str:
        return str(self)

    @property
    def audit_engagement(self) -> Engagement:
        return self.engagement


class Person(TenantOwned):
    """Somebody of the provider's delivery staff on the engagement (not necessarily a user)."""

    class Status(models.TextChoices):
        PLANNED = "planned", "Planned"
        IN_TRAINING = "in_training", "In training"
        CERTIFIED = "certified", "Certified"
        LIVE = "live", "Live"
        LEFT = "left", "Left"

    # Counted in a wave's readiness; a person who left is not.
    ON_ROSTER = ("planned", "in_training", "certified", "live")

    tenant = tenant_key(db_index=False)
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="roster")
    wave = models.ForeignKey(Wave, on_delete=models.PROTECT, related_name="people")
    external_id = models.CharField(
        max_length=64,
        blank=True,
        help_text="The provider's HR id: imports and the API upsert by it.",
    )
    name = models.CharField(max_length=120)
    email = models.EmailField(max_length=254)
    role = models.CharField(max_length=40)
    site = models.CharField(max_length=80, blank=True)
    start_date = models.DateField()
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PLANNED)
    erased_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = EngagementScopedManager()

    AUDIT_TYPE = "roster_person"
    # No name, no e-mail: the trail outlives an erasure and must not keep them.
    AUDIT_FIELDS = (
        "engagement",
        "wave",
        "external_id",
        "role",
        "site",
        "start_date",
        "status",
        "erased_at",
    )

    class Meta:
        ordering = ["engagement_id", "wave_id", "name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["wave", "email"], name="one_person_per_wave_email"),
            models.UniqueConstraint(
                fields=["engagement", "external_id"],
                condition=~Q(external_id=""),
                name="one_person_per_external_id",
            ),
        ]
        indexes = [
            models.Index(fields=["tenant", "engagement", "wave", "status"], name="person_wave"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def audit_label(self) -> str:
        """How the trail names this person: never by name."""
        return f"{self.role} {self.external_id or str(self.public_id)[:8]}"

    @property
    def erased(self) -> bool:
        return self.erased_at is not None

    @property
    def audit_engagement(self) -> Engagement:
        return self.engagement


class Result(TenantOwned):
    """One attempt at a training module or the certification. A failed attempt stays; a
    re-take is a new attempt."""

    tenant = tenant_key(db_index=False)
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="results")
    requirement = models.ForeignKey(Requirement, on_delete=models.PROTECT, related_name="results")
    attempt = models.PositiveSmallIntegerField()
    passed = models.BooleanField()
    taken_on = models.DateField()
    score = models.PositiveSmallIntegerField(null=True, blank=True)
    assessor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    evidence = models.CharField(
        max_length=300, blank=True, help_text="Where the evidence is: a document or link."
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    objects = engagement_scoped_manager("person__engagement")

    AUDIT_TYPE = "roster_result"
    AUDIT_FIELDS = (
        "person",
        "requirement",
        "attempt",
        "passed",
        "taken_on",
        "score",
        "assessor",
        "evidence",
    )

    class Meta:
        ordering = ["person_id", "requirement_id", "attempt"]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "requirement", "attempt"], name="one_result_per_attempt"
            ),
        ]
        indexes = [
            models.Index(fields=["tenant", "person", "requirement"], name="result_person"),
        ]

    def __str__(self) -> str:
        verdict = "passed" if self.passed else "failed"
        return f"{self.requirement.name}: attempt {self.attempt} {verdict}"

    @property
    def audit_label(self) -> str:
        verdict = "passed" if self.passed else "failed"
        return f"{self.requirement.name}, attempt {self.attempt} {verdict}"

    @property
    def audit_engagement(self) -> Engagement:
        return self.person.engagement


class AccessBatch(TenantOwned):
    """Access requested in one action for a wave or a selection of people."""

    tenant = tenant_key(db_index=False)
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    engagement = models.ForeignKey(
        Engagement, on_delete=models.CASCADE, related_name="access_batches"
    )
    wave = models.ForeignKey(
        Wave, on_delete=models.SET_NULL, null=True, blank=True, related_name="batches"
    )
    label = models.CharField(max_length=120)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField()

    objects = EngagementScopedManager()

    AUDIT_TYPE = "roster_access_batch"
    AUDIT_FIELDS = ("engagement", "wave", "label", "requested_by", "requested_at")

    class Meta:
        ordering = ["engagement_id", "-requested_at", "-id"]
        indexes = [models.Index(fields=["tenant", "engagement"], name="access_batch_engagement")]

    def __str__(self) -> str:
        return self.label

    @property
    def audit_engagement(self) -> Engagement:
        return self.engagement


class AccessStep(TenantOwned):
    """One person's access to one client system: requested, approved (by the client),
    provisioned, verified; or refused with a reason. The date and the person of each step."""

    class Status(models.TextChoices):
        REQUESTED = "requested", "Requested"
        APPROVED = "approved", "Approved"
        PROVISIONED = "provisioned", "Provisioned"
        VERIFIED = "verified", "Verified"
        REFUSED = "refused", "Refused"

    # Still waiting for somebody, and who: the client approves, the provider provisions and
    # verifies (the onboarding's two tracks).
    WAITING = ("requested", "approved", "provisioned")
    WAITING_ON = {"requested": "client", "approved": "provider", "provisioned": "provider"}
    NEXT_STEP = {"requested": "approval", "approved": "provisioning", "provisioned": "verification"}

    tenant = tenant_key(db_index=False)
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="access_steps")
    system = models.ForeignKey(Requirement, on_delete=models.PROTECT, related_name="access_steps")
    batch = models.ForeignKey(
        AccessBatch, on_delete=models.SET_NULL, null=True, blank=True, related_name="steps"
    )
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.REQUESTED)
    requested_at = models.DateTimeField()
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    provisioned_at = models.DateTimeField(null=True, blank=True)
    provisioned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    verified_at = models.DateTimeField(null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    refused_at = models.DateTimeField(null=True, blank=True)
    refused_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    refusal_reason = models.TextField(blank=True)
    # When the step it waits on began (requested, approved or provisioned): "waiting since".
    waiting_since = models.DateTimeField()

    objects = engagement_scoped_manager("person__engagement")

    AUDIT_TYPE = "roster_access_step"
    AUDIT_FIELDS = (
        "person",
        "system",
        "batch",
        "status",
        "approved_by",
        "provisioned_by",
        "verified_by",
        "refused_by",
        "refusal_reason",
    )

    class Meta:
        ordering = ["person_id", "system_id"]
        constraints = [
            models.UniqueConstraint(fields=["person", "system"], name="one_access_step_per_system"),
        ]
        indexes = [
            models.Index(fields=["tenant", "person", "system"], name="access_person"),
            models.Index(
                fields=["tenant", "status", "waiting_since"],
                condition=Q(status__in=["requested", "approved", "provisioned"]),
                name="access_waiting",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.system.name}: {self.get_status_display().lower()}"

    @property
    def audit_label(self) -> str:
        return f"{self.system.name} access, {self.get_status_display().lower()}"

    @property
    def waiting_on(self) -> str | None:
        return self.WAITING_ON.get(self.status)

    @property
    def audit_engagement(self) -> Engagement:
        return self.person.engagement


class Upload(TenantOwned):
    """A roster or results file between its preview and its commit, kept on the server.

    The preview stores the file's bytes here; the commit names this row (never the rows
    themselves), reads and checks the same bytes again against the roster as it stands then,
    writes them all or none, and deletes the row. Only the person who uploaded it can commit
    it, within ``roster.imports.PREVIEW_SECONDS``. Not audited: it is a staging copy, and the
    rows it writes are.
    """

    class Kind(models.TextChoices):
        PEOPLE = "people", "Roster"
        RESULTS = "results", "Results"

    tenant = tenant_key(db_index=False)
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    engagement = models.ForeignKey(
        Engagement, on_delete=models.CASCADE, related_name="roster_uploads"
    )
    kind = models.CharField(max_length=8, choices=Kind.choices)
    file_name = models.CharField(max_length=200)
    content = models.BinaryField()
    sha256 = models.CharField(max_length=64)
    rows = models.PositiveIntegerField(default=0)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    uploaded_at = models.DateTimeField()

    objects = EngagementScopedManager()

    class Meta:
        indexes = [
            models.Index(fields=["tenant", "engagement", "uploaded_at"], name="roster_upload_age")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} upload {self.file_name}"
