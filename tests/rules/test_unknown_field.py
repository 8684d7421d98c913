"""The rule "a field nobody asked for is refused, named beside itself", stated once: its home
is ``kernel.validation`` (``only_fields`` for a service, ``unknown_fields`` for a reader that
gathers every refusal of a body first, as the API's request serializers do)."""

import pytest

from kernel.errors import InvalidInput
from kernel.validation import only_fields, unknown_fields


def test_an_unknown_field_is_refused_naming_each_one():
    with pytest.raises(InvalidInput) as refused:
        only_fields({"title": "x", "colour": "red", "alpha": 1}, {"title"})
    assert refused.value.message == "Unknown field(s): alpha, colour."
    assert refused.value.errors == {"alpha": ["Unknown field."], "colour": ["Unknown field."]}
    only_fields({"title": "x"}, {"title", "owner"})  # known fields pass


def test_a_gathering_reader_gets_the_same_words_in_the_order_sent():
    assert unknown_fields(["colour", "title", "alpha"], {"title"}) == {
        "colour": ["Unknown field."],
        "alpha": ["Unknown field."],
    }
    assert unknown_fields(["title"], {"title"}) == {}
