"""What other features show on the pages about a couple, registered by those features.

The couple page shows one section per registered feature, and every therapist page about a
couple shows the registered banners. Each feature registers, when its views module is
imported, a template and a function that loads what the template needs; the views call
:func:`sections` or :func:`banners` before rendering, so templates only include templates and
nothing queries or writes while a page renders. Couples never import the features above them.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from clinic.models import Couple


@dataclass(frozen=True)
class Part:
    """A registered template with the data it was loaded with (``part.data`` in it)."""

    template: str
    data: Any = None


_Load = TypeVar("_Load")


@dataclass(frozen=True)
class _Registration(Generic[_Load]):
    template: str
    load: _Load
    order: int


_SECTIONS: dict[str, _Registration[Callable[[Couple], Any] | None]] = {}
_BANNERS: dict[str, _Registration[Callable[[int], Any]]] = {}


def add_section(
    name: str, template: str, load: Callable[[Couple], Any] | None = None, *, order: int
) -> None:
    """Show ``template`` on the couple page, lowest ``order`` first, with ``load(couple)``."""
    _SECTIONS[name] = _Registration(template, load, order)


def add_banner(name: str, template: str, load: Callable[[int], Any], *, order: int = 0) -> None:
    """Show ``template`` on every page about a couple when ``load(couple_id)`` is not None."""
    _BANNERS[name] = _Registration(template, load, order)


def sections(couple: Couple) -> list[Part]:
    """The couple page's sections, each with its data loaded now."""
    return [Part(r.template, r.load(couple) if r.load else None) for r in _in_order(_SECTIONS)]


def banners(couple_id: int) -> list[Part]:
    """The banners to show on a page about this couple (most pages show none)."""
    loaded = [Part(r.template, r.load(couple_id)) for r in _in_order(_BANNERS)]
    return [part for part in loaded if part.data is not None]


def _in_order(registry: dict[str, _Registration[_Load]]) -> list[_Registration[_Load]]:
    return sorted(registry.values(), key=lambda r: r.order)
