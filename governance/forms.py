"""Forms of the gate page. They only parse: every rule (who may, what a waiver needs, that a
rejection has a reason) is the services', shown beside the field it names."""

from django import forms

from governance.models import GateAttestation, GateCriterion


class CriterionStateForm(forms.Form):
    state = forms.ChoiceField(choices=GateCriterion.State.choices)
    justification = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        label="Evidence or justification",
    )


class AttestationForm(forms.Form):
    side = forms.ChoiceField(choices=GateAttestation.Side.choices, widget=forms.HiddenInput)
    comment = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 2}), label="Comment (optional)"
    )


class ApproveForm(forms.Form):
    comment = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 2}), label="Comment (optional)"
    )


class RejectForm(forms.Form):
    reason = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        label="Reason",
        help_text="What must change before the gate passes.",
    )
