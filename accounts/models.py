import uuid
import zoneinfo
from functools import cache

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models


@cache
def known_time_zones() -> frozenset[str]:
    # available_timezones() scans the zone files on every call.
    return frozenset(zoneinfo.available_timezones())


def validate_time_zone(value: str) -> None:
    if value not in known_time_zones():
        raise ValidationError(f"“{value}” is not a known time zone (e.g. Europe/London).")


class User(AbstractUser):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # Blank: the person's reminders follow the time zone of the tenant they come from.
    time_zone = models.CharField(
        max_length=64, blank=True, default="", validators=[validate_time_zone]
    )

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    def time_zone_in(self, tenant: "Tenant") -> str:
        """The zone this person's day runs in for ``tenant``: their own, else the tenant's."""
        return self.time_zone or tenant.time_zone


class Tenant(models.Model):
    """A subscribing organisation; every row of business data belongs to exactly one."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=80, unique=True)
    time_zone = models.CharField(
        max_length=64,
        default="UTC",
        validators=[validate_time_zone],
        help_text="Where members who chose no time zone of their own get their reminders.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # Four eyes: whoever requested a gate decision cannot approve it. A tenant with a single
    # PMO turns it off; its decisions are then recorded and shown as self-approved.
    separation_of_duties = models.BooleanField(
        default=True,
        help_text="The person who requested a gate decision cannot approve it.",
    )
    # Those who sign off (gate approvals, review publications) must have a second factor. On
    # for a new tenant; tenants that existed before it were left off (nobody is locked out).
    require_second_factor = models.BooleanField(
        default=True,
        help_text=(
            "PMO and admins need a second factor (an authenticator app); without one, "
            "gate approvals and review publications are refused."
        ),
    )

    AUDIT_TYPE = "tenant"
    AUDIT_FIELDS = ("name", "slug", "time_zone", "separation_of_duties", "require_second_factor")
    audit_engagement = None

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def tenant_id(self) -> int:
        """A tenant's own events belong to it (the audit trail reads ``tenant_id``)."""
        return self.pk


class Membership(models.Model):
    """A user's place in a tenant. Global by design: it is how a request finds its tenant."""

    class Role(models.TextChoices):
        ADMIN = "admin", "Admin"
        PMO = "pmo", "PMO"
        MEMBER = "member", "Member"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # PROTECT: a person or tenant leaves through the services, which write the tombstones.
    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="memberships")
    tenant = models.ForeignKey(Tenant, on_delete=models.PROTECT, related_name="memberships")
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.MEMBER)
    created_at = models.DateTimeField(auto_now_add=True)

    AUDIT_TYPE = "membership"
    AUDIT_FIELDS = ("user", "role")
    audit_engagement = None

    class Meta:
        ordering = ["tenant__name"]
        constraints = [
            models.UniqueConstraint(fields=["user", "tenant"], name="one_membership_per_tenant"),
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.tenant} ({self.get_role_display()})"

    @property
    def sees_every_engagement(self) -> bool:
        return self.role in {self.Role.ADMIN, self.Role.PMO}


class SingleSignOn(models.Model):
    """A tenant's OpenID Connect provider (its admins configure it); django-allauth's
    openid_connect provider signs people in through it (accounts.sso builds its app)."""

    tenant = models.OneToOneField(Tenant, on_delete=models.CASCADE, related_name="single_sign_on")
    enabled = models.BooleanField(default=True)
    issuer = models.URLField(max_length=500, help_text="The provider's issuer URL.")
    client_id = models.CharField(max_length=255)
    # The client secret: encrypted here (accounts.sso), or named environment variable.
    client_secret_encrypted = models.TextField(blank=True, default="")
    client_secret_env = models.CharField(max_length=100, blank=True, default="")
    allowed_domains = models.JSONField(default=list)
    first_role = models.CharField(
        max_length=16, choices=Membership.Role.choices, default=Membership.Role.MEMBER
    )
    # Off: the tenant's people sign in only through the provider (platform admins keep
    # their local password: break-glass).
    local_passwords = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    AUDIT_TYPE = "single_sign_on"
    AUDIT_FIELDS = (
        "enabled",
        "issuer",
        "client_id",
        "client_secret_env",
        "allowed_domains",
        "first_role",
        "local_passwords",
    )
    audit_engagement = None

    def __str__(self) -> str:
        return f"Single sign-on of {self.tenant}"

    @property
    def provider_id(self) -> str:
        return f"sso-{self.tenant.slug}"
