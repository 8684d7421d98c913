"""Create a tenant with its first admin (an existing user, or a new one)."""

import secrets

from django.core.management.base import CommandError
from django.db import transaction
from django.utils.text import slugify

from accounts.models import Tenant, User
from kernel.commands import DomainCommand
from transition.services import create_tenant


class Command(DomainCommand):
    help = "Create a tenant and make a user its admin (the user is created if missing)."

    def add_arguments(self, parser):
        parser.add_argument("name")
        parser.add_argument("--admin", required=True, help="Username of the first admin.")
        parser.add_argument("--slug", help="Defaults to the name, slugified.")
        parser.add_argument("--email", default="", help="E-mail for a new admin user.")

    @transaction.atomic
    def handle(self, *args, name, admin, slug, email, **options):
        slug = slug or slugify(name)
        if not slug:
            raise CommandError("The tenant needs a name with letters or digits.")
        if Tenant.objects.filter(slug=slug).exists():
            raise CommandError(f"A tenant with the slug “{slug}” exists already.")
        user = User.objects.filter(username=admin).first()
        password = None
        if user is None:
            password = secrets.token_urlsafe(12)
            user = User.objects.create_user(username=admin, email=email, password=password)
        tenant = create_tenant(name=name, slug=slug, admin=user)
        self.stdout.write(f"Created {tenant.name} ({tenant.slug}) with admin {user.username}.")
        if password:
            self.stdout.write(f"New user {user.username}, password (shown once): {password}")
