from flask_babel import gettext, lazy_gettext
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
        lazy_gettext("Your time zone"),
        validators=[DataRequired(message=lazy_gettext("Choose your time zone."))],
        description=lazy_gettext(
            "Times on your pages are shown in it, and couples follow it unless they have their own."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.time_zone.choices = zone_choices(blank=gettext("Choose…"))


class CoupleTimeZoneForm(FlaskForm):
    time_zone = SelectField(
        lazy_gettext("The couple's time zone"),
        description=lazy_gettext(
            "Their due dates, the day their links end and the times on their pages "
            "follow it. Leave it on yours if they live where you do."
        ),
    )

    def __init__(self, therapist_zone: str, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.time_zone.choices = zone_choices(
            blank=gettext("The same as yours (%(zone)s)", zone=therapist_zone)
        )

    def validate_time_zone(self, field):
        if field.data and not localtime.is_zone(field.data):
            raise ValidationError(gettext("Choose a time zone from the list."))
