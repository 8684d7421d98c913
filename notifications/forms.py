from django import forms

from accounts.models import known_time_zones
from notifications.models import Kind


class PreferencesForm(forms.Form):
    time_zone = forms.ChoiceField(
        label="Time zone",
        required=False,
        widget=forms.Select(attrs={"class": "form-select"}),
        help_text="Reminders reach you at 08:00 in this time zone.",
    )
    delivery = forms.ChoiceField(
        label="E-mail delivery",
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
        choices=[
            ("immediate", "One e-mail per reminder, at 08:00"),
            ("digest", "One daily digest at 08:00 with all of the day's reminders"),
        ],
    )
    email_kinds = forms.MultipleChoiceField(
        label="E-mail me about",
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
        choices=Kind.choices,
        help_text="Unticked kinds still appear in the notification centre.",
    )

    def __init__(self, *args, tenant_time_zone: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["time_zone"].choices = [
            ("", f"The tenant's time zone ({tenant_time_zone})"),
            *((name, name) for name in sorted(known_time_zones())),
        ]
