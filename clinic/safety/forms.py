from flask_wtf import FlaskForm
from wtforms import RadioField, SelectChoice  # type: ignore[attr-defined]  # types-WTForms 3.2 predates SelectChoice

from clinic.safety.service import CONTACT_PREFERENCES


class ContactPreferenceForm(FlaskForm):
    preference = RadioField(
        "How this partner may be reached",
        choices=[SelectChoice(key, label) for key, label in CONTACT_PREFERENCES.items()],
    )


class ReviewForm(FlaskForm):
    """Only the CSRF token: marking an alert as reviewed takes no input."""
