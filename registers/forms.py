"""Forms of the register pages: they parse what was typed; the services judge it."""

from __future__ import annotations

from django import forms

from engagements.models import EngagementMember
from milestones.models import Milestone
from registers.models import DecisionRight, RaidItem

SCALE_CHOICES = [
    ("", "—"),
    (1, "1 · very low"),
    (2, "2 · low"),
    (3, "3 · medium"),
    (4, "4 · high"),
    (5, "5 · very high"),
]

DESCRIPTION_LABELS = {
    RaidItem.Kind.EXCEPTION: "Situation",
    RaidItem.Kind.DECISION: "Decision and rationale",
}
RESPONSE_LABELS = {
    RaidItem.Kind.RISK: "Mitigation",
    RaidItem.Kind.ISSUE: "Resolution plan",
    RaidItem.Kind.ACTION: "Next steps",
    RaidItem.Kind.ASSUMPTION: "How it will be confirmed",
}


class StyledForm(forms.Form):
    """Bootstrap classes on every widget, and ``is-invalid`` on a field once it has an error
    (from validation or from a service refusal)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.style_widgets()

    def style_widgets(self) -> None:
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxSelectMultiple | forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, forms.Select):
                css = "form-select"
            else:
                css = "form-control"
            widget.attrs["class"] = css

    def add_error(self, field, error) -> None:
        super().add_error(field, error)
        for name in [field] if field else []:
            if name in self.fields:
                widget = self.fields[name].widget
                widget.attrs["class"] = f"{widget.attrs.get('class', '')} is-invalid".strip()


def seat_label(seat: EngagementMember) -> str:
    return f"{seat.user} ({seat.get_side_display()} {seat.get_role_display().lower()})"


def _key(value) -> str:
    """A person or milestone given as initial data, as the choice key that shows it."""
    return str(getattr(value, "pk", value))


class SeatChoiceField(forms.ChoiceField):
    """A person seated on the engagement, chosen among the seats already loaded."""

    def __init__(
        self,
        *,
        seats: list[EngagementMember],
        empty_label: str = "— choose —",
        invalid_message: str = "Choose a member of this engagement.",
        **kwargs,
    ):
        self.users = {str(seat.user_id): seat.user for seat in seats}
        kwargs.setdefault("error_messages", {})["invalid_choice"] = invalid_message
        super().__init__(
            choices=[("", empty_label)] + [(str(seat.user_id), seat_label(seat)) for seat in seats],
            **kwargs,
        )

    def prepare_value(self, value):
        return _key(value) if value not in self.empty_values else value

    def clean(self, value):
        value = super().clean(value)
        return self.users[value] if value else None


class SeatMultipleChoiceField(forms.MultipleChoiceField):
    def __init__(self, *, seats: list[EngagementMember], **kwargs):
        self.users = {str(seat.user_id): seat.user for seat in seats}
        super().__init__(
            choices=[(str(seat.user_id), seat_label(seat)) for seat in seats], **kwargs
        )

    def prepare_value(self, value):
        return [_key(each) for each in value or ()]

    def clean(self, value):
        return [self.users[key] for key in super().clean(value)]


class MilestoneChoiceField(forms.MultipleChoiceField):
    def __init__(self, *, milestones: list[Milestone], **kwargs):
        self.milestones = {str(m.pk): m for m in milestones}
        super().__init__(
            choices=[
                (str(m.pk), f"{m.title} (due {m.due_date.day} {m.due_date:%b})") for m in milestones
            ],
            **kwargs,
        )

    def prepare_value(self, value):
        return [_key(each) for each in value or ()]

    def clean(self, value):
        return [self.milestones[key] for key in super().clean(value)]


def status_choices(kind: str) -> list[tuple[str, str]]:
    statuses = (
        RaidItem.DECISION_STATUSES if kind == RaidItem.Kind.DECISION else RaidItem.WORK_STATUSES
    )
    return [(status, RaidItem.Status(status).label) for status in statuses]


class RaidItemForm(StyledForm):
    """Every field of one kind of item; the fields a kind does not use are left out."""

    title = forms.CharField(max_length=200)
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)
    due_date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    status = forms.ChoiceField()
    probability = forms.TypedChoiceField(choices=SCALE_CHOICES, coerce=int, empty_value=None)
    impact = forms.TypedChoiceField(choices=SCALE_CHOICES, coerce=int, empty_value=None)
    response = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)
    handling = forms.CharField(
        label="How it has been handled so far",
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text="Who handled it how: the differences the rule settles.",
    )
    decision_rule = forms.CharField(
        label="Agreed decision rule",
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text="The one way everybody handles it from now on. Needed to close it.",
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(
        self,
        *args,
        kind: str,
        seats: list[EngagementMember],
        milestones: list[Milestone],
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.kind = kind
        self.fields["owner"] = SeatChoiceField(seats=seats, label="Owner")
        self.fields["agreed_by"] = SeatMultipleChoiceField(
            seats=seats,
            required=False,
            label="Agreed by",
            widget=forms.CheckboxSelectMultiple,
        )
        self.fields["milestones"] = MilestoneChoiceField(
            milestones=milestones,
            required=False,
            label="Linked milestones",
            widget=forms.SelectMultiple(attrs={"size": 6}),
            help_text="Hold Ctrl (or Cmd) to choose several.",
        )
        self.fields["status"].choices = status_choices(kind)
        self.fields["description"].label = DESCRIPTION_LABELS.get(kind, "Details")
        if kind == RaidItem.Kind.EXCEPTION:
            self.fields["title"].label = "Exception"
            self.fields["description"].required = True
        if kind in RESPONSE_LABELS:
            self.fields["response"].label = RESPONSE_LABELS[kind]
        else:
            del self.fields["response"]
        if kind != RaidItem.Kind.RISK:
            del self.fields["probability"], self.fields["impact"]
        if kind != RaidItem.Kind.EXCEPTION:
            del self.fields["handling"], self.fields["decision_rule"]
        if kind not in (RaidItem.Kind.EXCEPTION, RaidItem.Kind.DECISION):
            del self.fields["agreed_by"]
        self.order_fields([*RaidItem.EDITABLE_FIELDS, "agreed_by", "milestones", "version"])
        self.style_widgets()

    def changes(self) -> dict:
        """The cleaned values the services take (version and links apart)."""
        return {
            name: value
            for name, value in self.cleaned_data.items()
            if name not in {"version", "agreed_by", "milestones"}
        }

    def links(self, *, missing) -> dict:
        """Who agreed and the linked milestones; ``missing`` for a link this kind's form
        does not show (a decision and an exception alone are agreed)."""
        return {name: self.cleaned_data.get(name, missing) for name in ("agreed_by", "milestones")}


class InlineEditForm(StyledForm):
    """The quick edit on a list row: status, owner and due date."""

    status = forms.ChoiceField()
    owner = forms.Field()
    due_date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, item: RaidItem, seats: list[EngagementMember], **kwargs):
        # Ids of their own: the list's filter form and other open rows have fields named alike.
        kwargs.setdefault("auto_id", f"quick-{item.public_id}-%s")
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = status_choices(item.kind)
        self.fields["owner"] = SeatChoiceField(seats=seats, label="Owner")
        self.style_widgets()


class EscalationLevelForm(StyledForm):
    name = forms.CharField(
        max_length=120,
        label="Level name",
        help_text="Who meets at this level, e.g. team leads or executive sponsors.",
    )
    response_hours = forms.IntegerField(min_value=1, max_value=720, label="Response time (hours)")
    trigger = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        label="When to escalate to this level",
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, seats: list[EngagementMember], **kwargs):
        super().__init__(*args, **kwargs)
        client = [seat for seat in seats if seat.side == EngagementMember.Side.CLIENT]
        provider = [seat for seat in seats if seat.side == EngagementMember.Side.PROVIDER]
        self.fields["client_contact"] = SeatChoiceField(
            seats=client,
            label="Client contact",
            invalid_message="Choose a member of the client side.",
        )
        self.fields["provider_contact"] = SeatChoiceField(
            seats=provider,
            label="Provider contact",
            invalid_message="Choose a member of the provider side.",
        )
        self.order_fields(
            ["name", "client_contact", "provider_contact", "response_hours", "trigger"]
        )
        self.style_widgets()

    def changes(self) -> dict:
        return {k: v for k, v in self.cleaned_data.items() if k != "version"}


class DecisionRightForm(StyledForm):
    area = forms.CharField(
        max_length=200,
        label="Decision area",
        widget=forms.TextInput(attrs={"list": "decision-areas"}),
        help_text="e.g. scope changes, process changes, system access, go-live.",
    )
    approver_side = forms.ChoiceField(
        choices=[("", "— a named member decides —"), *DecisionRight.Side.choices],
        required=False,
        label="Approving side",
    )
    approver_role = forms.ChoiceField(
        choices=DecisionRight.Role.choices, required=False, label="Approving role"
    )
    consulted = forms.CharField(max_length=300, required=False)
    informed = forms.CharField(max_length=300, required=False)
    notes = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, seats: list[EngagementMember], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["approver"] = SeatChoiceField(
            seats=seats,
            required=False,
            empty_label="— none —",
            label="Named approver",
            help_text="Instead of, or as well as, a side: the one person who decides.",
        )
        self.order_fields(
            ["area", "approver_side", "approver_role", "approver", "consulted", "informed"]
        )
        self.style_widgets()

    def changes(self) -> dict:
        return {k: v for k, v in self.cleaned_data.items() if k != "version"}
