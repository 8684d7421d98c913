"""Create the demo tenant, a login for every role and its engagements; safe to run again."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from kernel.errors import DomainError
from transition.demo.setup import load

SECOND_FACTOR_NOTE = (
    "Two-factor: the demo tenants do not require a second factor, so these logins sign in and "
    "approve with the password alone. To try it, sign in as pmo, set up an authenticator "
    "under Two-factor authentication (account menu), then as admin tick 'Require a second "
    "factor' on the Members page."
)


class Command(BaseCommand):
    help = "Load the demo tenant with a user per role. Existing users keep their passwords."

    def handle(self, *args, **options):
        try:
            created = load()
        except DomainError as refused:
            raise CommandError(refused.message) from refused
        if created:
            lines = [
                f"  {username:<15} {role.label:<8} {password}"
                for username, role, password in created
            ]
            lines.append(SECOND_FACTOR_NOTE)
            credentials_file = Path(settings.DEMO_CREDENTIALS_FILE)
            credentials_file.parent.mkdir(parents=True, exist_ok=True)
            credentials_file.write_text("\n".join(lines) + "\n")
            credentials_file.chmod(0o600)
            shown = (
                credentials_file.relative_to(settings.BASE_DIR)
                if credentials_file.is_relative_to(settings.BASE_DIR)
                else credentials_file
            )
            self.stdout.write(f"Demo logins (shown once; also kept in {shown}):")
            self.stdout.write("\n".join(lines))
        else:
            self.stdout.write("Demo data already loaded; passwords unchanged.")
