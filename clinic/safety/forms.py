from flask_babel import lazy_gettext
from flask_wtf import FlaskForm
from wtforms import RadioField, SelectChoice, StringField  # type: ignore[attr-defined]  # types-WTForms 3.2 predates SelectChoice
from wtforms.validators import DataRequired, ValidationError

from clinic.safety import codes
from clinic.safety.service import CONTACT_PREFERENCES


class ContactPreferenceForm(FlaskForm):
    preference = RadioField(
        lazy_gettext("How this partner may be reached"),
        choices=[SelectChoice(key, label) for key, label in CONTACT_PREFERENCES.items()],
    )


class ReviewForm(FlaskForm):
    """Only the CSRF token: marking an alert as reviewed takes no input."""


class PartnerCodeForm(FlaskForm):
    """The therapist sets a partner's personal code, agreed with the partner in a session."""

    code = StringField(lazy_gettext("New personal code"), validators=[DataRequired()])

    def validate_code(self, field):
        if problem := codes.code_problem(field.data or ""):
            raise ValidationError(problem)


class PartnerCodeActionForm(FlaskForm):
    """Only the CSRF token: removing a code, lifting a lock-out, allowing a partner's own code."""
