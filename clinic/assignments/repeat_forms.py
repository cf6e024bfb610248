"""The form that makes an assignment a recurring check-in."""

from flask_babel import lazy_gettext
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
    SelectChoice("7", lazy_gettext("a week before the due date")),
    SelectChoice("2", lazy_gettext("two days before")),
    SelectChoice("1", lazy_gettext("the day before")),
    SelectChoice("0", lazy_gettext("on the due day")),
]


class RepeatForm(FlaskForm):
    interval = IntegerField(
        lazy_gettext("Repeat every"),
        default=1,
        validators=[
            InputRequired(message=lazy_gettext("Give a number.")),
            NumberRange(1, MAX_INTERVAL, message=lazy_gettext("Choose %(min)s to %(max)s.")),
        ],
    )
    unit = RadioField(
        lazy_gettext("Weeks or months"),
        choices=[
            SelectChoice(RepeatUnit.WEEKS, lazy_gettext("weeks")),
            SelectChoice(RepeatUnit.MONTHS, lazy_gettext("months")),
        ],
        default=RepeatUnit.MONTHS,
    )
    until = DateField(lazy_gettext("Last date (optional)"), validators=[Optional()])
    count = IntegerField(
        lazy_gettext("Number of check-ins in all, this one included (optional)"),
        validators=[
            Optional(),
            NumberRange(2, MAX_COUNT, message=lazy_gettext("Choose %(min)s to %(max)s.")),
        ],
    )


class ReminderForm(FlaskForm):
    days_before = SelectMultipleField(
        lazy_gettext("Remind a partner who has not sent their part"),
        choices=REMINDER_DAYS,
        coerce=int,
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
        description=lazy_gettext(
            "By e-mail, only to a partner who allows e-mail, never in quiet hours."
        ),
    )
    max_per_partner = IntegerField(
        lazy_gettext("At most this many reminders per partner"),
        default=2,
        validators=[
            InputRequired(message=lazy_gettext("Give a number.")),
            NumberRange(1, MAX_REMINDERS, message=lazy_gettext("Choose %(min)s to %(max)s.")),
        ],
    )
