"""The forms of the plan import: the file (and, for a new engagement, its facts), the column
mapping, and the commit. Shapes only; the rules are ``plans.services``'s."""

from __future__ import annotations

from django import forms

from accounts.models import known_time_zones
from kernel.forms import DATE_INPUT, BootstrapForm
from kernel.text import size_in_words
from plans import files

FILE_WIDGET = forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx,text/csv"})


class PlanFileForm(BootstrapForm):
    file = forms.FileField(label="Plan file (CSV or XLSX)", widget=FILE_WIDGET)

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > files.MAX_BYTES:
            raise forms.ValidationError(
                f"The file is {size_in_words(upload.size)}; the limit is "
                f"{size_in_words(files.MAX_BYTES)}. Split it."
            )
        return upload


class NewPlanForm(PlanFileForm):
    name = forms.CharField(max_length=200, label="Engagement name")
    client_name = forms.CharField(max_length=200, label="Client")
    provider_name = forms.CharField(max_length=200, label="Provider")
    contract_signed_on = forms.DateField(
        label="Contract signed (day 0)", widget=DATE_INPUT, input_formats=["%Y-%m-%d"]
    )
    target_go_live = forms.DateField(
        label="Target go-live",
        required=False,
        widget=DATE_INPUT,
        input_formats=["%Y-%m-%d"],
        help_text="Leave empty for the start of the controlled go-live phase.",
    )
    time_zone = forms.ChoiceField(label="Time zone", initial="UTC")
    field_order = [
        "name",
        "client_name",
        "provider_name",
        "contract_signed_on",
        "target_go_live",
        "time_zone",
        "file",
    ]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["time_zone"].choices = [(zone, zone) for zone in sorted(known_time_zones())]
        self.style_widgets()

    def clean(self):
        data = super().clean()
        signed, go_live = data.get("contract_signed_on"), data.get("target_go_live")
        if signed and go_live and go_live < signed:
            self.add_error("target_go_live", "The go-live cannot be before day 0.")
        return data


NOT_IN_FILE = ""


class MappingForm(BootstrapForm):
    """One choice per field of the plan: which of the file's columns holds it."""

    def __init__(self, *args, header: list[str], mapping: dict, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        choices = [(NOT_IN_FILE, "— not in the file —")] + [
            (str(index), name or f"(column {index + 1}, no name)")
            for index, name in enumerate(header)
        ]
        for field in files.FIELDS:
            current = mapping.get(field.key)
            self.fields[field.key] = forms.ChoiceField(
                label=field.header,
                choices=choices,
                required=field.required,
                initial=NOT_IN_FILE if current is None else str(current),
                error_messages={"required": f"Choose the column that holds the {field.header}."},
            )
        self.style_widgets()

    def mapping(self) -> dict[str, int | None]:
        return {
            field.key: int(value) if (value := self.cleaned_data.get(field.key)) else None
            for field in files.FIELDS
        }


class CommitForm(forms.Form):
    """Nothing to fill in: the upload is named by the URL, and only its uploader may use it."""
