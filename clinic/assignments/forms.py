from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext
from flask_wtf import FlaskForm
from wtforms import (  # type: ignore[attr-defined]  # types-WTForms 3.2 predates SelectChoice
    DateField,
    IntegerField,
    RadioField,
    SelectChoice,
    SelectMultipleField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)
from wtforms.widgets import CheckboxInput, ListWidget

from clinic.assignments.service import WHO_ANSWERS
from clinic.enums import WhoAnswers
from clinic.storage import utcnow

MAX_LINK_DAYS = 90
NOTE_MAX = 1000


class AssignForm(FlaskForm):
    worksheets = SelectMultipleField(
        lazy_gettext("Worksheets"),
        validators=[DataRequired(message=lazy_gettext("Choose at least one worksheet."))],
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
    )
    who_answers = RadioField(
        lazy_gettext("Who answers"),
        choices=[SelectChoice(key, label) for key, label in WHO_ANSWERS.items()],
        default=WhoAnswers.DESIGN,
    )
    due_date = DateField(lazy_gettext("Due date (optional)"), validators=[Optional()])
    note = TextAreaField(
        lazy_gettext("A short personal note (optional)"),
        validators=[Optional(), Length(max=NOTE_MAX)],
        description=lazy_gettext(
            "Both partners see it above their worksheets. It is never e-mailed."
        ),
    )
    link_days = IntegerField(
        lazy_gettext("Links stop working after (days)"),
        validators=[
            InputRequired(message=lazy_gettext("Give a number of days.")),
            NumberRange(1, MAX_LINK_DAYS, message=lazy_gettext("Choose %(min)s to %(max)s days.")),
        ],
    )

    # The couple's local today (set by the view): a due date is in the past by their day.
    today: date | None = None

    def validate_due_date(self, field):
        if field.data and field.data < (self.today or utcnow().date()):
            raise ValidationError(_("The due date is in the past."))
