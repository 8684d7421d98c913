from django import forms

from accounts.models import Tenant, User


class IssueTokenForm(forms.Form):
    name = forms.CharField(
        max_length=100, help_text="What will use it, e.g. “Ticketing sync”.", strip=True
    )
    user = forms.ModelChoiceField(
        queryset=User.objects.none(),
        to_field_name="public_id",
        help_text="The token acts as this member: it sees what they see.",
    )
    read_only = forms.BooleanField(required=False, label="Read-only")

    def __init__(self, *args, tenant: Tenant, actor: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = User.objects.filter(memberships__tenant=tenant).order_by(
            "username"
        )
        self.fields["user"].initial = actor.public_id
