"""The checks every page gets from the test client, checked on small pages of their own."""

import pytest

from tests.support.client import check_markup
from tests.support.forms import invalid_fields

pytestmark = pytest.mark.engine_independent


@pytest.mark.parametrize("field", [
    '<input id="a" aria-invalid="false">',
    '<input id="a" aria-invalid="None">',
    '<input id="a" aria-invalid="">',
    "<input id='a' aria-invalid=''>",
    '<input id="a" aria-invalid>',
    '<textarea id="a" aria-invalid="no"></textarea>',
])
def test_a_field_marked_anything_but_invalid_fails_the_page(field):
    with pytest.raises(AssertionError):
        check_markup(f"<form>{field}</form>")


def test_a_field_marked_invalid_or_left_unmarked_passes_and_text_about_the_attribute_is_not_one():
    check_markup('<form><input id="a" aria-invalid="true"><input id="b"></form><p>Use aria-invalid with care</p>')


def test_invalid_fields_names_the_marked_fields_in_page_order():
    page = '<input id="b" aria-invalid="true"><input id="c"><select name="a" aria-invalid="true"></select>'
    assert invalid_fields(page) == ["b", "a"]
