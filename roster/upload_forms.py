"""The forms of the roster's uploads: a file (roster or results), and the commit of a preview."""

from __future__ import annotations

from django import forms

from kernel.text import size_in_words
from roster import imports
from roster.models import Upload


class RosterFileForm(forms.Form):
    kind = forms.ChoiceField(
        choices=[(Upload.Kind.PEOPLE, "The roster"), (Upload.Kind.RESULTS, "Results")],
        widget=forms.RadioSelect,
        initial=Upload.Kind.PEOPLE,
        label="What the file holds",
    )
    file = forms.FileField(
        label="File (CSV or XLSX)",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx,text/csv"}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > imports.MAX_BYTES:
            raise forms.ValidationError(
                f"The file is {size_in_words(upload.size)}; the limit is "
                f"{size_in_words(imports.MAX_BYTES)}. Split it."
            )
        return upload


class CommitForm(forms.Form):
    """Nothing to fill in: the upload is named by the URL, and only its uploader may use it."""
