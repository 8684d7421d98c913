from django import forms

from baselines.models import Baseline
from kernel.forms import BootstrapForm


class SaveBaselineForm(BootstrapForm):
    name = forms.CharField(
        max_length=Baseline._meta.get_field("name").max_length,
        help_text="Unique in this engagement, e.g. “Board plan, March”.",
    )
    note = forms.CharField(
        max_length=Baseline._meta.get_field("note").max_length,
        required=False,
        label="Why (optional)",
    )
