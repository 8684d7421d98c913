"""Forms of the review pages. They only parse; what is required of an explanation, a
measurement or a day-90 answer is the services' rule, shown beside the field it names."""

from __future__ import annotations

from django import forms

from accounts.models import User
from engagements.models import EngagementMember
from reporting.models import DAY_90_QUESTIONS, Kpi

VALUE = {"max_digits": 14, "decimal_places": 4}
TEXT = {"rows": 2, "class": "form-control"}
NUMBER_HINT = "Enter a number. Type it like 12.5, with a point or a comma for decimals."


class NumberField(forms.DecimalField):
    """A decimal as people type it: ``12,5`` is 12.5 (a decimal comma, the only separator).
    ``12,500`` could be twelve and a half or twelve thousand, so it is refused, saying what to
    type instead of guessing."""

    default_error_messages = {"invalid": NUMBER_HINT, "required": NUMBER_HINT}

    def to_python(self, value):
        text = str(value).strip().replace(" ", "") if value is not None else value
        if text and "," in text:
            whole, _comma, fraction = text.partition(",")
            thousands = len(fraction) == 3 and whole.lstrip("+-") not in ("", "0")
            if "." in text or "," in fraction or thousands:
                raise forms.ValidationError(
                    f"“{value}” is ambiguous: type 12.5 for twelve and a half, 12500 for twelve "
                    "thousand five hundred (a point for decimals, no thousands separator).",
                    code="invalid",
                )
            text = f"{whole}.{fraction}"
        return super().to_python(text)


class MeasurementForm(forms.Form):
    kpi = forms.UUIDField(widget=forms.HiddenInput)
    measured_on = forms.DateField(widget=forms.HiddenInput)
    value = NumberField(**VALUE)


class ExplainMissForm(forms.Form):
    root_cause = forms.CharField(
        required=False, widget=forms.Textarea(attrs=TEXT), label="Root cause"
    )
    corrective_action = forms.CharField(
        required=False, widget=forms.Textarea(attrs=TEXT), label="Corrective action"
    )
    action_owner = forms.ChoiceField(
        required=False,
        label="Owner of the fix",
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    action_due = forms.DateField(
        required=False,
        label="Due",
        widget=forms.DateInput(attrs={"type": "date", "class": "form-control"}, format="%Y-%m-%d"),
    )

    def __init__(self, *args, members: list[EngagementMember], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.people = {str(member.user.public_id): member.user for member in members}
        self.fields["action_owner"].choices = [
            ("", "Choose a member…"),
            *(
                (str(member.user.public_id), f"{member.user} ({member.get_side_display()})")
                for member in members
            ),
        ]

    def clean_action_owner(self) -> User | None:
        """The member chosen (None when nobody is): the service says whether one must be."""
        return self.people.get(self.cleaned_data.get("action_owner") or "")


class Day90Form(forms.Form):
    """The four day-90 questions and a target for each KPI over days 91-180."""

    def __init__(self, *args, kpis: list[Kpi], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for field, question in DAY_90_QUESTIONS.items():
            self.fields[field] = forms.CharField(
                required=False, label=question, widget=forms.Textarea(attrs=TEXT)
            )
        self.kpis = kpis
        for kpi in kpis:
            self.fields[self.target_field(kpi)] = NumberField(
                required=False,
                label=f"{kpi.name} ({kpi.unit})" if kpi.unit else kpi.name,
                widget=forms.TextInput(attrs={"inputmode": "decimal", "class": "form-control"}),
                **VALUE,
            )

    @staticmethod
    def target_field(kpi: Kpi) -> str:
        return f"target-{kpi.public_id}"

    def answers(self) -> dict[str, str]:
        return {field: self.cleaned_data.get(field) or "" for field in DAY_90_QUESTIONS}

    def forward_targets(self) -> dict[Kpi, object]:
        targets = {kpi: self.cleaned_data.get(self.target_field(kpi)) for kpi in self.kpis}
        return {kpi: target for kpi, target in targets.items() if target is not None}

    def question_fields(self):
        return [self[field] for field in DAY_90_QUESTIONS]

    def target_fields(self):
        return [(kpi, self[self.target_field(kpi)]) for kpi in self.kpis]
