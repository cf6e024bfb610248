"""Let the app's Jinja environment find ``items/<type>.html`` for every registered type.

A type registered outside clinic/ keeps its templates in its own ``template_folder``; this
loader, consulted after the blueprints' own folders, looks there by type name.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint
from jinja2 import BaseLoader, Environment, FileSystemLoader, TemplateNotFound

from clinic.worksheets.items.base import item_class

PREFIX = "items/"


class ItemTemplateLoader(BaseLoader):
    def get_source(
        self, environment: Environment, template: str
    ) -> tuple[str, str | None, Callable[[], bool] | None]:
        name = template.removeprefix(PREFIX)
        cls = item_class(name.removesuffix(".html")) if template.startswith(PREFIX) else None
        if cls is None or not name.endswith(".html"):
            raise TemplateNotFound(template)
        return FileSystemLoader(cls.template_folder).get_source(environment, name)


class _ItemTemplates(Blueprint):
    """A blueprint without routes whose only job is to add the loader above."""

    @property
    def jinja_loader(self) -> BaseLoader:
        return _LOADER


_LOADER = ItemTemplateLoader()
item_templates = _ItemTemplates("item_templates", __name__)
