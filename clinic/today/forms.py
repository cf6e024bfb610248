from flask_wtf import FlaskForm
from wtforms import SelectField
from wtforms.validators import DataRequired, ValidationError

from clinic import localtime


def zone_choices(blank: str | None = None) -> list[tuple[str, str]]:
    """Every IANA zone, e.g. "America/Los_Angeles" shown as "America / Los Angeles"."""
    choices = [
        (name, name.replace("/", " / ").replace("_", " ")) for name in localtime.zone_names()
    ]
    return [("", blank), *choices] if blank is not None else choices


class TimeZoneForm(FlaskForm):
    time_zone = SelectField(
        "Your time zone",
        validators=[DataRequired(message="Choose your time zone.")],
        description="Times on your pages are shown in it, and couples follow it unless "
        "they have their own.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.time_zone.choices = zone_choices(blank="Choose…")


class CoupleTimeZoneForm(FlaskForm):
    time_zone = SelectField(
        "The couple's time zone",
        description="Their due dates, the day their links end and the times on their pages "
        "follow it. Leave it on yours if they live where you do.",
    )

    def __init__(self, therapist_zone: str, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.time_zone.choices = zone_choices(blank=f"The same as yours ({therapist_zone})")

    def validate_time_zone(self, field):
        if field.data and not localtime.is_zone(field.data):
            raise ValidationError("Choose a time zone from the list.")
