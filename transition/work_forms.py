"""The filters of My work: what the URL may say, and what it says when it is wrong."""

from __future__ import annotations

from django import forms

from accounts.models import User
from transition.work import DUE_WINDOWS, GROUPINGS, KINDS, SIDES, WorkFilters, work_engagements

ON = {"on", "true", "1", "yes"}
OFF = {"", "off", "false", "0", "no"}


class _EngagementChoice(forms.ModelChoiceField):
    """A malformed id is refused like an unknown or foreign one: with the same words."""

    def to_python(self, value):
        try:
            return super().to_python(value)
        except forms.ValidationError as refused:
            if refused.code == "invalid_choice":
                raise
            raise forms.ValidationError(
                self.error_messages["invalid_choice"], code="invalid_choice"
            ) from None


class WorkFilterForm(forms.Form):
    """Read from the query string, so a filtered view of My work is a link to share."""

    engagement = _EngagementChoice(
        queryset=None,
        required=False,
        to_field_name="public_id",
        empty_label="Every engagement",
        error_messages={
            "invalid_choice": "Choose one of your open engagements: this one is not among them."
        },
    )
    kind = forms.ChoiceField(
        choices=[("", "Every kind"), *KINDS.items()],
        required=False,
        error_messages={"invalid_choice": "Choose a kind from the list: “%(value)s” is not one."},
    )
    due = forms.ChoiceField(
        label="Due",
        choices=list(DUE_WINDOWS.items()),
        required=False,
        error_messages={
            "invalid_choice": "Choose a due window from the list: “%(value)s” is not one."
        },
    )
    overdue = forms.CharField(label="Overdue only", required=False)
    side = forms.ChoiceField(
        choices=[("", "Any side"), *SIDES.items()],
        required=False,
        error_messages={"invalid_choice": "Choose client, provider or joint: not “%(value)s”."},
    )
    group = forms.ChoiceField(
        label="Group by",
        choices=list(GROUPINGS.items()),
        required=False,
        error_messages={
            "invalid_choice": "Group by engagement, due week or nothing: not “%(value)s”."
        },
    )
    page = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=1_000_000,
        error_messages={
            "invalid": "The page is a whole number from 1.",
            "min_value": "The page is a whole number from 1.",
            "max_value": "There are not that many pages.",
        },
    )

    def __init__(self, *args, actor: User, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["engagement"].queryset = work_engagements(actor=actor)

    def clean_overdue(self) -> bool:
        value = self.cleaned_data["overdue"].strip().lower()
        if value in ON:
            return True
        if value in OFF:
            return False
        raise forms.ValidationError("Overdue only is on or off.")

    def clean(self) -> dict:
        cleaned = super().clean()
        if cleaned.get("overdue") and cleaned.get("due") not in ("", "any", None):
            self.add_error(
                "due",
                "Overdue work was due before today: choose “Any date” here, or untick "
                "“Overdue only”.",
            )
        return cleaned

    def filters(self) -> WorkFilters:
        """What the (valid) form asks for; the defaults when it was not sent at all."""
        if not self.is_bound:
            return WorkFilters()
        data = self.cleaned_data
        return WorkFilters(
            engagement=data["engagement"],
            kind=data["kind"],
            due=data["due"] or "any",
            overdue=data["overdue"],
            side=data["side"],
            group=data["group"] or "engagement",
        )

    def page_number(self) -> int:
        return (self.cleaned_data.get("page") if self.is_bound else None) or 1

    @property
    def chosen(self) -> dict[str, str]:
        """The values the form shows as chosen: what the URL says, even when refused."""
        defaults = {"due": "any", "group": "engagement"}
        data = self.data if self.is_bound else {}
        return {name: data.get(name, "") or defaults.get(name, "") for name in self.fields}
