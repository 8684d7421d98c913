"""Forms of the roster's pages: they parse what was typed; the services judge it (a date left
empty reaches the service, which refuses it beside its field in its own words)."""

from __future__ import annotations

from django import forms

from roster.board import SIDES, role_label
from roster.models import Person, Requirement, Wave

DATE = {"type": "date"}


class StyledForm(forms.Form):
    """Bootstrap classes on every widget, and ``is-invalid`` on a field once it has an error
    (from the form's own validation or a service refusal put beside it)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxSelectMultiple | forms.HiddenInput):
                continue
            if isinstance(widget, forms.CheckboxInput | forms.RadioSelect):
                css = "form-check-input"
            elif isinstance(widget, forms.Select):
                css = "form-select"
            else:
                css = "form-control"
            widget.attrs["class"] = css

    def add_error(self, field, error) -> None:
        super().add_error(field, error)
        for name in self.errors:
            if name in self.fields:
                widget = self.fields[name].widget
                css = widget.attrs.get("class", "")
                if "is-invalid" not in css:
                    widget.attrs["class"] = f"{css} is-invalid".strip()
                widget.attrs["aria-invalid"] = "true"
                widget.attrs["aria-describedby"] = (
                    f"id_{self.prefix + '-' if self.prefix else ''}{name}_error"
                )


class RosterFilterForm(forms.Form):
    """The roster page's filters, in the URL."""

    wave = forms.TypedChoiceField(required=False, coerce=int, empty_value=None)
    role = forms.ChoiceField(required=False)
    waiting = forms.ChoiceField(
        required=False, choices=[("", "Anybody"), *SIDES], label="Waiting on"
    )
    overdue = forms.BooleanField(required=False, label="Overdue only")

    def __init__(self, *args, waves: list[Wave], roles: list[str], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["wave"].choices = [("", "Every wave")] + [
            (wave.number, wave.label) for wave in waves
        ]
        self.fields["role"].choices = [("", "Every role")] + [
            (role, role_label(role)) for role in roles
        ]
        for name in ("wave", "role", "waiting"):
            self.fields[name].widget.attrs["class"] = "form-select form-select-sm"
        self.fields["overdue"].widget.attrs["class"] = "form-check-input"

    def values(self) -> dict:
        """What was chosen, leaving out whatever does not parse (an old link's wave, say)."""
        self.is_valid()
        return {name: value for name, value in self.cleaned_data.items() if value}


class WaveForm(StyledForm):
    number = forms.IntegerField(min_value=1, max_value=999)
    name = forms.CharField(max_length=80, required=False)
    start_date = forms.DateField(required=False, widget=forms.DateInput(DATE, format="%Y-%m-%d"))
    go_live_date = forms.DateField(
        required=False, widget=forms.DateInput(DATE, format="%Y-%m-%d"), label="Go-live date"
    )

    def __init__(self, *args, taken: set[int] = frozenset(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.taken = taken

    def clean_number(self) -> int:
        number = self.cleaned_data["number"]
        if number in self.taken:
            raise forms.ValidationError(f"Wave {number} exists already: change it on its page.")
        return number


class PersonForm(StyledForm):
    name = forms.CharField(max_length=120, required=False)
    email = forms.CharField(max_length=254, required=False, label="Work e-mail")
    role = forms.ChoiceField()
    wave = forms.TypedChoiceField(coerce=int)
    start_date = forms.DateField(required=False, widget=forms.DateInput(DATE, format="%Y-%m-%d"))
    site = forms.CharField(max_length=80, required=False)
    external_id = forms.CharField(max_length=64, required=False, label="HR id")

    def __init__(self, *args, roles: list[str], waves: list[Wave], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = [(role, role_label(role)) for role in roles]
        self.fields["wave"].choices = [(wave.number, wave.label) for wave in waves]
        self.fields["email"].widget.input_type = "email"

    @classmethod
    def initial_of(cls, person: Person) -> dict:
        return {
            "name": person.name,
            "email": person.email,
            "role": person.role,
            "wave": person.wave.number,
            "start_date": person.start_date,
            "site": person.site,
            "external_id": person.external_id,
        }


class ResultForm(StyledForm):
    requirement = forms.ChoiceField(label="Module or certification")
    passed = forms.TypedChoiceField(
        choices=[("yes", "Passed"), ("no", "Failed")],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
        label="Outcome",
    )
    taken_on = forms.DateField(
        required=False, widget=forms.DateInput(DATE, format="%Y-%m-%d"), label="Taken on"
    )
    score = forms.IntegerField(required=False, label="Score (%)")
    assessor = forms.ChoiceField(required=False)
    evidence = forms.CharField(max_length=300, required=False, help_text="A document or link.")

    def __init__(self, *args, requirements: list[Requirement], assessors, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["requirement"].choices = [
            (requirement.key, requirement.name) for requirement in requirements
        ]
        self.assessors = {str(user.pk): user for user in assessors}
        self.fields["assessor"].choices = [("", "—")] + [
            (str(user.pk), user.get_full_name() or user.username) for user in assessors
        ]

    def clean_assessor(self):
        return self.assessors.get(self.cleaned_data.get("assessor") or "")


class StatusForm(StyledForm):
    """Planned, in training, live, left. "Certified" comes from a pass: it is offered only as
    the status a certified person has now."""

    status = forms.ChoiceField()

    def __init__(self, *args, current: str = "", **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [
            (value, label if value != Person.Status.CERTIFIED else f"{label} (from the pass)")
            for value, label in Person.Status.choices
            if value != Person.Status.CERTIFIED or current == Person.Status.CERTIFIED
        ]


class EraseForm(StyledForm):
    reason = forms.CharField(
        max_length=300,
        required=False,
        label="Reason",
        help_text="The request's reference, e.g. “GDPR request 2026-014”.",
    )


class RefuseForm(StyledForm):
    reason = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
