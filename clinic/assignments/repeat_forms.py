"""The form that makes an assignment a recurring check-in."""

from flask_wtf import FlaskForm
from wtforms import (  # type: ignore[attr-defined]  # types-WTForms 3.2 predates SelectChoice
    DateField,
    IntegerField,
    RadioField,
    SelectChoice,
    SelectMultipleField,
)
from wtforms.validators import InputRequired, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from clinic.assignments.recurring import MAX_INTERVAL
from clinic.enums import RepeatUnit

MAX_COUNT = 100
MAX_REMINDERS = 5
REMINDER_DAYS = [
    SelectChoice("7", "a week before the due date"),
    SelectChoice("2", "two days before"),
    SelectChoice("1", "the day before"),
    SelectChoice("0", "on the due day"),
]


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


class ReminderForm(FlaskForm):
    days_before = SelectMultipleField(
        "Remind a partner who has not sent their part",
        choices=REMINDER_DAYS,
        coerce=int,
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
        description="By e-mail, only to a partner who allows e-mail, never in quiet hours.",
    )
    max_per_partner = IntegerField(
        "At most this many reminders per partner",
        default=2,
        validators=[
            InputRequired(message="Give a number."),
            NumberRange(1, MAX_REMINDERS, message=f"Choose 1 to {MAX_REMINDERS}."),
        ],
    )
