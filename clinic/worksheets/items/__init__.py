"""Item types, one module per type or family; see base.py for what a type owns.

Importing this package registers the built-in types, in the order the loader's messages
list them.
"""

from clinic.worksheets.items.base import (
    AnswerError,
    Fields,
    Item,
    item_class,
    register,
    type_names,
    unanswered,
    unregister,
)

# isort: off
from clinic.worksheets.items.text import LongTextItem, ShortTextItem
from clinic.worksheets.items.choice import MultipleChoiceItem, SingleChoiceItem
from clinic.worksheets.items.scale import ScaleItem
from clinic.worksheets.items.grid import BoundaryGridItem
from clinic.worksheets.items.reframe import ReframeItem
from clinic.worksheets.items.agreement import AgreementItem

__all__ = [
    "AgreementItem",
    "AnswerError",
    "BoundaryGridItem",
    "Fields",
    "Item",
    "LongTextItem",
    "MultipleChoiceItem",
    "ReframeItem",
    "ScaleItem",
    "ShortTextItem",
    "SingleChoiceItem",
    "item_class",
    "register",
    "type_names",
    "unanswered",
    "unregister",
]
