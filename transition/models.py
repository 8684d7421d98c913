import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from accounts.models import Membership
from kernel.tenancy import TenantOwned


class Invitation(TenantOwned):
    """A tenant admin asks someone without an account to join, by e-mail.

    Only a hash of the token is stored: the link in the e-mail is the one place the token
    exists. An invitation expires after ``settings.INVITATION_DAYS`` and works once.
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    email = models.EmailField()
    # The tenant role the person gets on joining.
    role = models.CharField(
        max_length=16, choices=Membership.Role.choices, default=Membership.Role.MEMBER
    )
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    AUDIT_TYPE = "invitation"
    AUDIT_FIELDS = ("email", "role", "expires_at", "accepted_at", "accepted_by", "revoked_at")
    audit_engagement = None

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # One invitation waiting per address in a tenant: a new one replaces the old.
            models.UniqueConstraint(
                fields=["tenant", "email"],
                condition=Q(accepted_at__isnull=True, revoked_at__isnull=True),
                name="one_pending_invitation_per_email",
            ),
        ]

    def __str__(self) -> str:
        return f"Invitation for {self.email}"

    @property
    def is_pending(self) -> bool:
        return (
            self.accepted_at is None
            and self.revoked_at is None
            and self.expires_at > timezone.now()
        )

    @property
    def state(self) -> str:
        if self.accepted_at is not None:
            return "accepted"
        if self.revoked_at is not None:
            return "cancelled"
        return "pending" if self.expires_at > timezone.now() else "expired"
