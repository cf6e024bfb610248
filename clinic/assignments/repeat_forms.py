"""The form that makes an assignment a recurring check-in."""

from flask_wtf import FlaskForm
from wtforms import (  # type: ignore[attr-defined]  # types-WTForms 3.2 predates SelectChoice
    DateField,
    IntegerField,
    RadioField,
    SelectChoice,
)
from wtforms.validators import InputRequired, NumberRange, Optional

from clinic.assignments.recurring import MAX_INTERVAL
from clinic.enums import RepeatUnit

MAX_COUNT = 100


class RepeatForm(FlaskForm):
    interval = IntegerField(
        "Repeat every",
        default=1,
        validators=[
            InputRequired(message="Give a number."),
            NumberRange(1, MAX_INTERVAL, message=f"Choose 1 to {MAX_INTERVAL}."),
        ],
    )
    unit = RadioField(
        "Weeks or months",
        choices=[
            SelectChoice(RepeatUnit.WEEKS, "weeks"),
            SelectChoice(RepeatUnit.MONTHS, "months"),
        ],
        default=RepeatUnit.MONTHS,
    )
    until = DateField("Last date (optional)", validators=[Optional()])
    count = IntegerField(
        "Number of check-ins in all, this one included (optional)",
        validators=[
            Optional(),
            NumberRange(2, MAX_COUNT, message=f"Choose 2 to {MAX_COUNT}."),
        ],
    )
