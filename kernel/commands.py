"""Management commands answer a refused request with one readable line and exit 1."""

from django.core.management.base import BaseCommand, CommandError

from kernel.errors import DomainError


class DomainCommand(BaseCommand):
    """A command whose domain errors (NotFound, NotAllowed, RuleBroken, InvalidInput) become
    a CommandError: ``manage.py`` prints the message on one line and exits non-zero."""

    def execute(self, *args, **options):
        try:
            return super().execute(*args, **options)
        except DomainError as refused:
            raise CommandError(refused.message) from refused
