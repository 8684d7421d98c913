"""The bulk-change form of the engagement page, My work and the preview page."""

from __future__ import annotations

import uuid

from django import forms
from django.core.exceptions import ValidationError

from milestones import bulk
from milestones.models import Milestone


class SelectedMilestones(forms.Field):
    """The ``ids`` checkboxes (or hidden inputs): public ids, counted by the service."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value):
        if not value:
            return []
        if isinstance(value, str):
            value = [value]
        if len(value) > bulk.MAX_ITEMS:
            # Counted before parsing; the service words the refusal.
            return [None] * len(value)
        try:
            return [uuid.UUID(str(each)) for each in value]
        except ValueError as bad:
            raise ValidationError("The selection names no milestone.") from bad


class BulkChangeForm(forms.Form):
    ids = SelectedMilestones(required=False)
    status = forms.ChoiceField(
        choices=[("", "No change"), *Milestone.Status.choices], required=False
    )
    owner = forms.UUIDField(required=False)
    due_date = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    mode = forms.ChoiceField(
        choices=[(bulk.ALL_OR_NOTHING, "All or nothing"), (bulk.ALLOWED, "The allowed ones")],
        required=False,
    )
    next = forms.CharField(required=False, max_length=500)

    def selected_ids(self) -> list[str]:
        """What was selected, as typed, to carry to the next step."""
        return [str(each) for each in self.data.getlist("ids")][: bulk.MAX_ITEMS]
