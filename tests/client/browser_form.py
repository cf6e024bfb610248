"""Read a worksheet form out of a page the way a browser without JavaScript would send it."""

from html.parser import HTMLParser
from typing import NamedTuple

from werkzeug.datastructures import MultiDict


class _InForm(HTMLParser):
    """Calls ``start`` for each enabled tag inside the form with ``form_id``, ``end`` for each
    closing tag inside it: what both readers below share."""

    def __init__(self, form_id: str):
        super().__init__(convert_charrefs=True)
        self.form_id = form_id
        self.inside = False

    def read(self, html: str | bytes) -> None:
        self.feed(html.decode() if isinstance(html, bytes) else html)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and a.get("id") == self.form_id:
            self.inside = True
        if self.inside and "disabled" not in a:
            self.start(tag, a)

    def handle_endtag(self, tag):
        if tag == "form" and self.inside:
            self.inside = False
        elif self.inside:
            self.end(tag)

    def start(self, tag: str, a: dict) -> None:
        raise NotImplementedError

    def end(self, tag: str) -> None:
        raise NotImplementedError


class _FormReader(_InForm):
    def __init__(self, form_id: str):
        super().__init__(form_id)
        self.fields: list[tuple[str, str]] = []
        self._textarea: str | None = None
        self._text: list[str] = []
        self._select: str | None = None
        self._options: list[tuple[str, bool]] = []

    def start(self, tag, a):
        if tag == "input" and a.get("name"):
            kind = a.get("type", "text")
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self.fields.append((a["name"], a.get("value", "on")))
            elif kind not in ("submit", "button"):
                self.fields.append((a["name"], a.get("value", "")))
        elif tag == "textarea" and a.get("name"):
            self._textarea, self._text = a["name"], []
        elif tag == "select" and a.get("name"):
            self._select, self._options = a["name"], []
        elif tag == "option" and self._select is not None:
            self._options.append((a.get("value", ""), "selected" in a))

    def handle_data(self, data):
        if self._textarea is not None:
            self._text.append(data)

    def end(self, tag):
        if tag == "textarea" and self._textarea is not None:
            text = "".join(self._text)
            self.fields.append((self._textarea, text[1:] if text.startswith("\n") else text))
            self._textarea = None
        elif tag == "select" and self._select is not None:
            chosen = [v for v, selected in self._options if selected] or [self._options[0][0]]
            self.fields.append((self._select, chosen[0]))
            self._select = None


def browser_form(html: str | bytes, form_id: str = "worksheet-form") -> MultiDict:
    """The fields a browser would submit for the form with ``form_id``, unchanged."""
    reader = _FormReader(form_id)
    reader.read(html)
    return MultiDict(reader.fields)


def filled(form: MultiDict, changes: dict) -> MultiDict:
    """A copy of ``form`` with some fields set, as if typed or ticked (a list sets many values)."""
    form = form.copy()
    for name, value in changes.items():
        form.setlist(name, value if isinstance(value, list) else [value])
    return form


def open_form(client, url: str) -> MultiDict:
    """Open a worksheet page and read its form as the browser would send it back."""
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    return browser_form(response.data)


class Control(NamedTuple):
    """One control of a form: a radio button or a tick box per value, a list with its choices."""

    name: str
    kind: str  # an input's type, "textarea" or "select"
    value: str = ""  # a radio button's or tick box's value
    choices: tuple[str, ...] = ()  # a select's values
    maxlength: int | None = None


class _ControlReader(_InForm):
    def __init__(self, form_id: str):
        super().__init__(form_id)
        self.controls: list[Control] = []
        self._select: dict | None = None

    def start(self, tag, a):
        limit = int(a["maxlength"]) if a.get("maxlength") else None
        if tag == "input" and a.get("name") and a.get("type") not in ("submit", "button"):
            kind = a.get("type", "text")
            self.controls.append(Control(a["name"], kind, a.get("value") or "", (), limit))
        elif tag == "textarea" and a.get("name"):
            self.controls.append(Control(a["name"], "textarea", "", (), limit))
        elif tag == "select" and a.get("name"):
            self._select = {"name": a["name"], "choices": []}
        elif tag == "option" and self._select is not None:
            self._select["choices"].append(a.get("value", ""))

    def end(self, tag):
        if tag == "select" and self._select is not None:
            self.controls.append(
                Control(self._select["name"], "select", "", tuple(self._select["choices"]))
            )
            self._select = None


def form_controls(html: str | bytes, form_id: str = "worksheet-form") -> list[Control]:
    """Every control a partner can change in the form, in page order (hidden fields too)."""
    reader = _ControlReader(form_id)
    reader.read(html)
    return reader.controls
