"""Forms of an engagement's administration page: its team and its phases' dates. They check
shapes (a choice, a date); the rules stay in the services."""

from __future__ import annotations

from collections.abc import Iterable

from django import forms

from accounts.models import User
from engagements.models import EngagementMember, Phase
from kernel.forms import DATE_INPUT, BootstrapForm, people_choices, written_date


class AddMemberForm(BootstrapForm):
    user = forms.ChoiceField(label="Person")
    side = forms.ChoiceField(choices=EngagementMember.Side.choices)
    role = forms.ChoiceField(
        choices=EngagementMember.Role.choices, initial=EngagementMember.Role.MEMBER
    )

    def __init__(self, *args, people: Iterable[User], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        people = list(people)
        self._people = {str(user.public_id): user for user in people}
        self.fields["user"].choices = people_choices(people, "Choose a tenant member…")

    def person(self) -> User:
        return self._people[self.cleaned_data["user"]]


class ChangeMemberForm(BootstrapForm):
    side = forms.ChoiceField(choices=EngagementMember.Side.choices)
    role = forms.ChoiceField(choices=EngagementMember.Role.choices)


class RescheduleForm(BootstrapForm):
    phase = forms.ChoiceField(label="Phase")
    planned_end = forms.DateField(
        label="New planned end", widget=DATE_INPUT, input_formats=["%Y-%m-%d"]
    )
    reason = forms.CharField(
        label="Reason", max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, phases: Iterable[Phase], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._phases = {str(phase.public_id): phase for phase in phases}
        self.fields["phase"].choices = [
            (
                key,
                f"{phase.get_kind_display()} (ends {written_date(phase.planned_end)})",
            )
            for key, phase in self._phases.items()
        ]

    def clean(self):
        cleaned = super().clean()
        phase, planned_end = self._phases.get(cleaned.get("phase")), cleaned.get("planned_end")
        if phase is not None and planned_end is not None and planned_end < phase.planned_start:
            self.add_error(
                "planned_end",
                f"A phase cannot end before it starts: use {written_date(phase.planned_start)} "
                "or later.",
            )
        return cleaned

    def chosen_phase(self) -> Phase:
        return self._phases[self.cleaned_data["phase"]]
