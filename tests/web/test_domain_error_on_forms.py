"""One way to show a refusal on a form: beside the fields it names, the rule's own message at
the top when the form cannot show it beside a field."""

from django import forms

from kernel.errors import InvalidInput, ItemsOpen
from kernel.web import add_domain_error


class StatusForm(forms.Form):
    status = forms.CharField()


class EvidenceForm(forms.Form):
    evidence = forms.CharField(required=False)


NEEDS_EVIDENCE = InvalidInput(
    "“Kickoff session” needs evidence before it can be done.",
    errors={"evidence": ["Add the evidence text or link that proves this milestone is done."]},
)


def test_a_field_the_form_has_gets_the_message_beside_it_and_nothing_at_the_top():
    form = EvidenceForm({"evidence": ""})
    form.is_valid()

    add_domain_error(form, NEEDS_EVIDENCE)

    assert form.errors["evidence"] == [
        "Add the evidence text or link that proves this milestone is done."
    ]
    assert form.non_field_errors() == []


def test_a_field_the_form_lacks_shows_the_rules_own_message_once_at_the_top():
    form = StatusForm({"status": "done"})
    form.is_valid()
    two_missing_fields = InvalidInput(
        "“Kickoff session” needs evidence before it can be done.",
        errors={"evidence": ["Add the evidence."], "evidence_link": ["Or a link."]},
    )

    add_domain_error(form, two_missing_fields)

    assert form.non_field_errors() == ["“Kickoff session” needs evidence before it can be done."]
    assert "status" not in form.errors


def test_a_rule_naming_no_field_is_one_message_at_the_top_with_its_items():
    form = StatusForm({"status": "done"})
    form.is_valid()

    add_domain_error(form, ItemsOpen("Cannot be done before its dependencies", items=["Brief"]))

    assert form.non_field_errors() == ["Cannot be done before its dependencies: Brief"]
