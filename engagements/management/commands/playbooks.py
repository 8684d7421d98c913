"""List, check and copy playbooks from the command line."""

import json
from pathlib import Path

from django.core.management.base import CommandError

from accounts.models import Tenant, User
from engagements.playbooks import builtin_playbooks, parse_definition
from engagements.services import copy_playbook
from kernel.commands import DomainCommand


class Command(DomainCommand):
    help = "List the shipped playbooks, check a playbook file, or copy one into a tenant."

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True)
        actions.add_parser("list", help="The shipped playbooks and what they contain.")
        check = actions.add_parser("check", help="Validate a playbook JSON file.")
        check.add_argument("path")
        copy = actions.add_parser("copy", help="Copy a shipped playbook into a tenant.")
        copy.add_argument("key")
        copy.add_argument("--tenant", required=True, help="The tenant's slug.")
        copy.add_argument("--actor", required=True, help="Username of a tenant admin or PMO.")
        copy.add_argument("--as", dest="new_key", help="Key of the copy (default: the same).")

    def handle(self, *args, action, **options):
        getattr(self, f"_{action}")(**options)

    def _list(self, **options):
        for key, playbook in builtin_playbooks().items():
            self.stdout.write(
                f"{key:<26} {playbook.milestone_count:>3} milestones, "
                f"{len(playbook.kpis)} KPIs, go-live day {playbook.go_live_day}, "
                f"reviews from {playbook.review_anchor.replace('_', ' ')}  {playbook.name}"
            )

    def _check(self, *, path, **options):
        try:
            document = json.loads(Path(path).read_text(encoding="utf-8"))
        except OSError as missing:
            raise CommandError(f"Cannot read {path}: {missing.strerror}.") from missing
        except json.JSONDecodeError as broken:
            raise CommandError(
                f"{path} is not JSON: {broken.msg} at line {broken.lineno}."
            ) from broken
        playbook = parse_definition(document)
        self.stdout.write(f"{path}: valid ({playbook.milestone_count} milestones).")

    def _copy(self, *, key, tenant, actor, new_key, **options):
        found = Tenant.objects.filter(slug=tenant).first()
        user = User.objects.filter(username=actor).first()
        if found is None or user is None:
            raise CommandError(f"No tenant “{tenant}”." if found is None else f"No user “{actor}”.")
        playbook = copy_playbook(actor=user, tenant=found, key=key, new_key=new_key)
        self.stdout.write(f"Copied {key} into {found.name} as {playbook.key}.")
