"""Issue or revoke an API token from the command line (platform operators)."""

from django.core.management.base import CommandError

from accounts.models import Tenant, User
from api.models import ApiToken
from api.services import issue_token, revoke_token
from kernel.commands import DomainCommand
from kernel.tenancy import tenant_context


class Command(DomainCommand):
    help = "Create an API token for a member of a tenant (printed once), or revoke one."

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True)
        create = actions.add_parser("create", help="Issue a token; it is printed once.")
        create.add_argument("--tenant", required=True, help="The tenant's slug.")
        create.add_argument("--user", required=True, help="Username of a member of the tenant.")
        create.add_argument("--read-only", action="store_true", help="The token only reads.")
        create.add_argument("--name", default="Command line", help="What uses the token.")
        revoke = actions.add_parser("revoke", help="Revoke a token by its prefix.")
        revoke.add_argument("prefix", help="The 12 characters after bpo_ in the token.")
        revoke.add_argument("--tenant", required=True, help="The tenant's slug.")

    def handle(self, *args, action, **options):
        getattr(self, f"_{action}")(**options)

    def _tenant(self, slug: str) -> Tenant:
        tenant = Tenant.objects.filter(slug=slug).first()
        if tenant is None:
            raise CommandError(f"No tenant “{slug}”.")
        return tenant

    def _create(self, *, tenant, user, read_only, name, **options):
        found = self._tenant(tenant)
        member = User.objects.filter(username=user).first()
        if member is None:
            raise CommandError(f"No user “{user}”.")
        token, secret = issue_token(
            actor=None, tenant=found, user=member, name=name, read_only=read_only
        )
        access = "read-only" if token.read_only else "read-write"
        self.stdout.write(
            f"Token {token.prefix} ({access}) for {member.username} in {found.slug}, "
            f"shown once: {secret}"
        )

    def _revoke(self, *, prefix, tenant, **options):
        found = self._tenant(tenant)
        with tenant_context(found):
            token = ApiToken.objects.filter(prefix=prefix.removeprefix("bpo_")).first()
            if token is None:
                raise CommandError(f"No token {prefix} in {found.slug}.")
            revoke_token(actor=None, token=token)
        self.stdout.write(f"Revoked token {token.prefix} ({token.name}) in {found.slug}.")
