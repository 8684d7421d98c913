"""Forms of the pages that span apps. They check shapes (a date, a choice); the rules stay in
the services, whose refusals the views put back on these forms."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable

from django import forms
from django.contrib.auth.password_validation import password_validators_help_text_html

from accounts.models import Membership, User, known_time_zones
from engagements.models import EngagementMember
from engagements.playbooks import PlaybookDefinition
from kernel.forms import DATE_INPUT, BootstrapForm, people_choices


class EngagementFromPlaybookForm(BootstrapForm):
    """The facts of a new engagement and one named person per owner role of the playbook."""

    name = forms.CharField(max_length=200, label="Engagement name")
    client_name = forms.CharField(max_length=200, label="Client")
    provider_name = forms.CharField(max_length=200, label="Provider")
    contract_signed_on = forms.DateField(
        label="Contract signed (day 0)", widget=DATE_INPUT, input_formats=["%Y-%m-%d"]
    )
    target_go_live = forms.DateField(
        label="Target go-live", required=False, widget=DATE_INPUT, input_formats=["%Y-%m-%d"]
    )
    time_zone = forms.ChoiceField(label="Time zone", initial="UTC")
    plan_checked = forms.CharField(required=False, widget=forms.HiddenInput)

    ROLE_PREFIX = "role_"

    def __init__(
        self,
        *args,
        playbook: PlaybookDefinition,
        people: Iterable[User],
        **kwargs,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.playbook = playbook
        people = list(people)
        self._people = {str(user.public_id): user for user in people}
        self.fields["time_zone"].choices = [(zone, zone) for zone in sorted(known_time_zones())]
        self.fields[
            "target_go_live"
        ].help_text = f"Leave empty for the playbook's day {playbook.go_live_day}."
        choices = people_choices(people, "Choose a person…")
        sides = dict(EngagementMember.Side.choices)
        for role in playbook.roles:
            label = role.label or role.key
            self.fields[f"{self.ROLE_PREFIX}{role.key}"] = forms.ChoiceField(
                label=label,
                choices=choices,
                help_text=f"{sides.get(role.side, role.side)} side",
                error_messages={"required": f"Name the person who is the {label}."},
            )
        self.style_widgets()

    @property
    def role_fields(self) -> list[forms.BoundField]:
        return [self[f"{self.ROLE_PREFIX}{role.key}"] for role in self.playbook.roles]

    @property
    def fact_fields(self) -> list[forms.BoundField]:
        return [
            self[name]
            for name in (
                "name",
                "client_name",
                "provider_name",
                "contract_signed_on",
                "target_go_live",
                "time_zone",
            )
        ]

    def owners(self) -> dict[str, User]:
        """Role key → the person chosen (after validation)."""
        return {
            role.key: self._people[self.cleaned_data[f"{self.ROLE_PREFIX}{role.key}"]]
            for role in self.playbook.roles
        }

    def fingerprint(self) -> str:
        """A digest of what was entered: the plan may be created only as it was previewed."""
        values = {name: str(value) for name, value in self.cleaned_data.items()}
        values.pop("plan_checked", None)
        values["playbook"] = self.playbook.key
        return hashlib.sha256(json.dumps(values, sort_keys=True).encode()).hexdigest()[:32]


class InviteForm(BootstrapForm):
    email = forms.EmailField(label="E-mail address")
    role = forms.ChoiceField(choices=Membership.Role.choices, initial=Membership.Role.MEMBER)


class AcceptInvitationForm(BootstrapForm):
    first_name = forms.CharField(max_length=150, required=False)
    last_name = forms.CharField(max_length=150, required=False)
    username = forms.CharField(
        max_length=150,
        help_text="You sign in with it.",
        widget=forms.TextInput(attrs={"autocomplete": "username"}),
    )
    password = forms.CharField(
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validators_help_text_html(),
    )
    password_again = forms.CharField(
        label="Password again", widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("password") and cleaned.get("password") != cleaned.get("password_again"):
            self.add_error("password_again", "The two passwords differ.")
        return cleaned


class SingleSignOnForm(BootstrapForm):
    enabled = forms.BooleanField(required=False, initial=True, label="Sign-on is on")
    issuer = forms.URLField(
        max_length=500,
        label="Issuer URL",
        help_text="Entra ID: https://login.microsoftonline.com/TENANT-ID/v2.0; Okta: "
        "https://YOUR-ORG.okta.com; Google: https://accounts.google.com.",
    )
    client_id = forms.CharField(max_length=255, label="Client ID")
    client_secret = forms.CharField(
        required=False,
        label="Client secret",
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="Stored encrypted. Leave empty to keep the one stored.",
    )
    client_secret_env = forms.CharField(
        required=False,
        max_length=100,
        label="Or: environment variable holding the secret",
        help_text="Its name (e.g. ACME_OIDC_SECRET); the secret itself then never enters the "
        "database.",
    )
    allowed_domains = forms.CharField(
        label="E-mail domains",
        help_text="Comma-separated, e.g. acme.com, acme.co.uk: people of these domains sign "
        "in through this provider.",
    )
    first_role = forms.ChoiceField(
        choices=Membership.Role.choices,
        initial=Membership.Role.MEMBER,
        label="Role on first sign-in",
    )
    local_passwords = forms.BooleanField(
        required=False,
        initial=True,
        label="Members may still sign in with a password",
        help_text="Off: only through the provider (platform admins keep their password).",
    )

    def style_widgets(self) -> None:
        super().style_widgets()
        for field in self.fields.values():
            if isinstance(field.widget, forms.CheckboxInput):
                field.widget.attrs["class"] = "form-check-input"


class SecurityLogFilterForm(BootstrapForm):
    """The security log's filters: a kind of event and a person (both optional)."""

    kind = forms.ChoiceField(required=False, label="What")
    person = forms.UUIDField(required=False, label="Person")

    def __init__(self, *args, kinds: dict[str, str], people: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [("", "Everything"), *kinds.items()]
        self.fields["person"].widget = forms.Select(choices=[("", "Everyone"), *people])
        self.style_widgets()
