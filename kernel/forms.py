"""What every page's form shares: Bootstrap's classes on its widgets, a date input, and how a
person and a date are written in a choice."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django import forms

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class BootstrapForm(forms.Form):
    """Bootstrap's classes on every widget, and ``is-invalid`` on a field with errors."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.style_widgets()

    def style_widgets(self) -> None:
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.HiddenInput):
                continue
            css = "form-select" if isinstance(widget, forms.Select) else "form-control"
            widget.attrs["class"] = css

    def add_error(self, field, error) -> None:
        super().add_error(field, error)
        for name in self.errors:
            if name in self.fields:
                widget = self.fields[name].widget
                classes = widget.attrs.get("class", "").split()
                if "is-invalid" not in classes:
                    widget.attrs["class"] = " ".join([*classes, "is-invalid"])


def written_date(day: datetime.date) -> str:
    return f"{day.day} {day:%b %Y}"


def person_label(user: Any) -> str:
    full_name = user.get_full_name()
    return f"{full_name} ({user.username})" if full_name else user.username


def people_choices(people: Iterable[Any], blank: str) -> list[tuple[str, str]]:
    return [("", blank), *((str(user.public_id), person_label(user)) for user in people)]
