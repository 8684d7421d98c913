"""Forms of the milestone page. They only parse what was typed; every rule is the services'."""

from __future__ import annotations

from django import forms

from accounts.models import User
from engagements.models import EngagementMember
from milestones.models import Milestone


class StyledForm(forms.Form):
    """Bootstrap classes on every widget, and ``is-invalid`` on a field once it has an error
    (from the form's own validation or a service refusal put beside it)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.style_fields()

    def style_fields(self) -> None:
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxSelectMultiple | forms.HiddenInput):
                continue
            if isinstance(widget, forms.CheckboxInput):
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
                if "is-invalid" not in widget.attrs.get("class", ""):
                    widget.attrs["class"] = f"{widget.attrs.get('class', '')} is-invalid".strip()


class DependencyChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, milestone: Milestone) -> str:
        return f"{milestone.title} ({milestone.phase})"


class OwnerChoiceField(forms.ChoiceField):
    """A member of the engagement, named with their side; cleaned to the User."""

    def __init__(self, *, members: list[EngagementMember], **kwargs) -> None:
        self.users = {str(member.user.public_id): member.user for member in members}
        choices = [("", "Choose a person")] + [
            (
                str(member.user.public_id),
                f"{member.user} ({member.get_side_display()} {member.get_role_display().lower()})",
            )
            for member in members
        ]
        super().__init__(choices=choices, **kwargs)

    def clean(self, value) -> User | None:
        value = super().clean(value)
        return self.users.get(value) if value else None


class MilestoneForm(StyledForm):
    """Add or edit a milestone. ``expected_version`` carries the version the form showed."""

    title = forms.CharField(max_length=200)
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))
    side = forms.ChoiceField(choices=Milestone.Side.choices)
    due_date = forms.DateField(widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}))
    evidence_required = forms.BooleanField(
        required=False,
        label="Evidence required",
        help_text="It cannot be marked done without evidence text or a link.",
    )
    external_id = forms.CharField(
        max_length=200,
        required=False,
        label="External ID",
        help_text="The id another system (ticketing, PMO suite) knows it by; unique in the tenant.",
    )

    def __init__(
        self,
        *args,
        members: list[EngagementMember],
        dependency_choices,
        editing: bool = False,
        **kwargs,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"] = OwnerChoiceField(
            members=members, help_text="A named person on the engagement, never a team."
        )
        self.fields["depends_on"] = DependencyChoiceField(
            queryset=dependency_choices,
            to_field_name="public_id",
            required=False,
            label="Depends on",
            widget=forms.CheckboxSelectMultiple,
            help_text="Milestones of this phase or an earlier one that must be done first.",
        )
        if editing:
            self.fields["expected_version"] = forms.IntegerField(widget=forms.HiddenInput)
        self.style_fields()
        self.order_fields(
            [
                "title",
                "description",
                "owner",
                "side",
                "due_date",
                "evidence_required",
                "depends_on",
                "external_id",
            ]
        )

    @staticmethod
    def initial_for(milestone: Milestone, dependencies: list[Milestone]) -> dict:
        return {
            "title": milestone.title,
            "description": milestone.description,
            "owner": str(milestone.owner.public_id),
            "side": milestone.side,
            "due_date": milestone.due_date,
            "evidence_required": milestone.evidence_required,
            "external_id": milestone.external_id or "",
            "depends_on": [str(d.public_id) for d in dependencies],
            "expected_version": milestone.version,
        }


class ReassignOwnerForm(StyledForm):
    expected_version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, members: list[EngagementMember], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"] = OwnerChoiceField(members=members, label="New owner")
        self.style_fields()


class StatusForm(StyledForm):
    """The milestone page's status change; the version the person saw travels with it."""

    expected_version = forms.IntegerField(widget=forms.HiddenInput)
    status = forms.ChoiceField(choices=Milestone.Status.choices, label="Status")


class CommentForm(StyledForm):
    body = forms.CharField(
        label="Comment",
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Write a comment first."},
    )


class EvidenceUploadForm(StyledForm):
    file = forms.FileField(
        label="File",
        error_messages={"required": "Choose a file to upload."},
    )
