"""The parts of a partner's form that hold no answer, rendered once per process.

An item's form HTML depends on the worksheet version, the languages (the worksheet's and the
page's), a few flags of the form and the item's answer. Without an answer it is the same for
every partner, so it is rendered once and kept here; a text answer is the only thing that
differs inside a text item, so that item is kept with a placeholder in the text's place and
the partner's escaped text is put in on each page. Nothing kept here holds client text: an
item with any other answer (a choice, a grid row) or with an error message renders as before,
on every request, and so does every item of a type whose form shows more than its definition
(an agreement names the partner and the link: ``Item.form_from_definition``).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

from markupsafe import Markup, escape

MAX_ITEMS = 4096  # (version, languages, flags, item) combinations kept per process
# Stands for a text answer while its item renders; escaping leaves it as it is.
PLACEHOLDER = "\x00tandem-answer\x00"

_kept: OrderedDict[tuple[Hashable, ...], Markup] = OrderedDict()
_lock = threading.Lock()


def form_item(
    key: tuple[Hashable, ...] | None,
    item: Any,
    value: Any,
    error: str | None,
    shared: bool,
    render: Callable[..., Markup],
    *args: Any,
) -> Markup:
    """``render(value, shared, *args)``, from the kept copy when the item shows no client text.

    ``key`` names everything besides the item, its answer and whether the partner shares it
    that the item's HTML depends on (the version's content hash, both languages, the form's
    flags); None renders without keeping (a draft in the builder has no fixed version).
    """
    if key is None or error or not item.form_from_definition:
        return _as_html(render(value, shared, *args))
    if value is None:
        return _kept_or_render((*key, item.id, shared, None), lambda: render(None, shared, *args))
    if item.free_text and isinstance(value, str):
        shell = _kept_or_render(
            (*key, item.id, shared, str), lambda: render(PLACEHOLDER, shared, *args)
        )
        if shell.count(PLACEHOLDER) == 1:  # else the worksheet's own text holds it: no copy
            return shell.replace(PLACEHOLDER, escape(value))  # Markup: still HTML
    return _as_html(render(value, shared, *args))


def _kept_or_render(key: tuple[Hashable, ...], render: Callable[[], Markup]) -> Markup:
    with _lock:
        html = _kept.get(key)
        if html is not None:
            _kept.move_to_end(key)
            return html
    html = _as_html(render())
    with _lock:
        _kept[key] = html
        if len(_kept) > MAX_ITEMS:
            _kept.popitem(last=False)
    return html


def _as_html(rendered: str) -> Markup:
    """An item macro's output: HTML that escaped all it was given (its autoescape block), and
    marked so even where the macro was defined in an environment without autoescape."""
    return Markup(rendered)  # noqa: S704  # nosec B704
