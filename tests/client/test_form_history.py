"""A shared phone's form history keeps no answers: every client field is autocomplete="off"."""

import re
from html.parser import HTMLParser

from clinic.worksheets.loader import builtin_library
from tests import factories
from tests.client.browser_form import filled, open_form

FIELDS = {"input", "textarea", "select"}


class FieldsRememberedByTheBrowser(HTMLParser):
    """Visible fields that neither say autocomplete="off" nor sit in a form that does."""

    def __init__(self) -> None:
        super().__init__()
        self.form_off: bool | None = None  # None: outside any form
        self.remembered: list[str] = []
        self.fields = 0

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "form":
            self.form_off = attributes.get("autocomplete") == "off"
        if tag not in FIELDS or attributes.get("type") in {"hidden", "submit", "button"}:
            return
        self.fields += 1
        if attributes.get("autocomplete") != "off" and not self.form_off:
            self.remembered.append(f"<{tag} name={attributes.get('name')!r}>")

    def handle_endtag(self, tag):
        if tag == "form":
            self.form_off = None


def remembered_fields(page: str) -> tuple[list[str], int]:
    parser = FieldsRememberedByTheBrowser()
    parser.feed(page)
    return parser.remembered, parser.fields


def test_no_answer_field_of_any_built_in_worksheet_enters_the_browsers_form_history(client, couple):
    slugs = sorted(builtin_library())
    assignment = factories.make_assignment(couple, slugs)
    token = factories.client_tokens(assignment)[0]
    overview = client.get(f"/w/{token}").get_data(as_text=True)
    numbers = sorted(set(re.findall(rf"/w/{token}/(\d+)", overview)), key=int)
    assert len(numbers) == len(slugs)
    for number in numbers:
        page = client.get(f"/w/{token}/{number}")
        assert page.status_code == 200
        remembered, fields = remembered_fields(page.get_data(as_text=True))
        assert fields, f"worksheet {number} shows no fields"
        assert remembered == [], f"worksheet {number}"
    assert remembered_fields(overview)[0] == []


def test_pages_that_hand_back_typed_text_keep_it_out_of_form_history(client, sheet_url):
    """The conflict page (both versions shown) and the stale-form page redraw typed answers."""
    first_tab = open_form(client, sheet_url)
    second_tab = open_form(client, sheet_url)
    client.post(sheet_url, data=filled(first_tab, {"a.story": "Newer text from tab one."}))
    conflict = client.post(sheet_url, data=filled(second_tab, {"a.story": "Older tab's text."}))
    stale = client.post(sheet_url, data=filled(second_tab, {"csrf_token": "stale"}))
    assert (conflict.status_code, stale.status_code) == (409, 400)
    for page in (conflict, stale):
        remembered, fields = remembered_fields(page.get_data(as_text=True))
        assert fields and remembered == []
