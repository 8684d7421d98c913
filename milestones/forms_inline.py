"""The small forms of a milestone's row on the engagement page: its status, its evidence."""

from django import forms

from milestones.models import Milestone


class MilestoneRowForm(forms.Form):
    # The version the person saw: an edit of an older one is refused, never overwritten.
    version = forms.IntegerField(min_value=1, widget=forms.HiddenInput)


class MilestoneStatusForm(MilestoneRowForm):
    status = forms.ChoiceField(choices=Milestone.Status.choices, label="New status")


class MilestoneEvidenceForm(MilestoneRowForm):
    evidence = forms.CharField(
        required=False, label="Evidence", widget=forms.Textarea(attrs={"rows": 2})
    )
    evidence_link = forms.URLField(
        required=False, max_length=500, label="Evidence link", assume_scheme="https"
    )
    # The "Save and mark done" button: proof and completion in one step.
    mark_done = forms.BooleanField(required=False)

    def changes(self) -> dict:
        changes = {
            "evidence": self.cleaned_data["evidence"].strip(),
            "evidence_link": self.cleaned_data["evidence_link"].strip(),
        }
        if self.cleaned_data["mark_done"]:
            changes["status"] = Milestone.Status.DONE
        return changes
