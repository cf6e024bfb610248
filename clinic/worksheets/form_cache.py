"""The parts of a partner's form that hold no answer, rendered once per process.

An item's form HTML depends on the worksheet version, the languages (the worksheet's and the
page's), a few flags of the form and the item's answer. Without an answer it is the same for
every partner, so it is rendered once and kept here; a text answer is the only thing that
differs inside a text item, so that item is kept with a placeholder in the text's place and
the partner's escaped text is put in on each page. An answer that only ticks the definition's
own options (a choice, a scale: ``Item.form_choice``) is kept by what it ticks, since its
HTML is then the definition's with those boxes ticked, whoever ticked them. Nothing kept here
holds client text: an item with any other answer (a grid row, with its notes) or with an
error message renders as before, on every request, and so does every item of a type whose
form shows more than its definition (an agreement names the partner and the link:
``Item.form_from_definition``).

The template calls :func:`form_items` once per section and :func:`item_fields` once per form:
a call from Jinja costs about as much as a kept item, so one per item was most of the form.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Container, Hashable, Iterable, Mapping
from typing import Any

from markupsafe import Markup, escape

MAX_ITEMS = 4096  # (version, languages, flags, item) combinations kept per process
# Stands for a text answer while its item renders; escaping leaves it as it is.
PLACEHOLDER = "\x00tandem-answer\x00"

_kept: OrderedDict[tuple[Hashable, ...], Markup] = OrderedDict()
_lock = threading.Lock()


def item_fields(ws: Any, bases: Mapping[str, str]) -> Markup:
    """The hidden fields that name each item of the form and the base its answer was read at
    (what a save merges against), in one call: a loop in the template cost a tenth of the
    page's rendering. Ids come from the definition, bases are digests (or as posted when a
    form is handed back); both are escaped."""
    return Markup(  # noqa: S704  # nosec B704
        "".join(
            f'\n  <input type="hidden" name="items" value="{escape(item.id)}">'
            f'\n  <input type="hidden" name="base.{escape(item.id)}" '
            f'value="{escape(bases.get(item.id, ""))}">\n  '
            for _section, item in ws.items()
        )
    )


def form_items(
    key: tuple[Hashable, ...] | None,
    items: Iterable[Any],
    answers: Mapping[str, Any],
    errors: Mapping[str, str],
    shareable: Container[str],
    render: Callable[..., Markup],
    ws: Any,
    *flags: Any,
) -> Markup:
    """The items of one section, each by :func:`form_item` with its answer, error and share
    tick: one call from the template instead of one per item (and four look-ups each)."""
    html = []
    for item in items:
        error = errors.get(item.id)
        value, shared = answers.get(item.id), item.id in shareable
        html.append(form_item(key, item, value, error, shared, render, ws, item, error, *flags))
    return Markup("".join(f"\n    {part}\n" for part in html))  # noqa: S704  # nosec B704


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
    chosen = item.form_choice(value)
    if chosen is not None:  # options ticked, nothing written: the definition's HTML
        return _kept_or_render(
            (*key, item.id, shared, "chosen", chosen), lambda: render(value, shared, *args)
        )
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
