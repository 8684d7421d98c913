"""Forms of the KPI pages: a measurement file, and the preview it leads to."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.core import signing

from kernel.text import size_in_words

PREVIEW_SALT = "reporting.kpi-import-preview"


class MeasurementFileForm(forms.Form):
    file = forms.FileField(
        label="Measurement file (CSV or XLSX)",
        help_text="Columns kpi, date (YYYY-MM-DD) and value, with a header row.",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx,text/csv"}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        limit = settings.KPI_UPLOAD_MAX_BYTES
        if upload.size > limit:
            raise forms.ValidationError(
                f"The file is {size_in_words(upload.size)}; the limit is "
                f"{size_in_words(limit)}. Split it."
            )
        return upload


class ConfirmImportForm(forms.Form):
    """The rows a preview showed, signed so that the confirm writes exactly those rows."""

    rows = forms.CharField(widget=forms.HiddenInput)

    def __init__(self, *args, engagement_id: str, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.engagement_id = engagement_id

    @staticmethod
    def sign(*, engagement_id: str, payload: list) -> str:
        return signing.dumps(
            {"engagement": engagement_id, "rows": payload}, salt=PREVIEW_SALT, compress=True
        )

    def clean_rows(self) -> list:
        try:
            signed = signing.loads(
                self.cleaned_data["rows"],
                salt=PREVIEW_SALT,
                max_age=settings.KPI_UPLOAD_PREVIEW_SECONDS,
            )
        except signing.SignatureExpired as expired:
            raise forms.ValidationError(
                "The preview has expired; upload the file again."
            ) from expired
        except signing.BadSignature as bad:
            raise forms.ValidationError(
                "This preview cannot be used; upload the file again."
            ) from bad
        if signed.get("engagement") != self.engagement_id:
            raise forms.ValidationError("This preview belongs to another engagement.")
        return signed["rows"]
