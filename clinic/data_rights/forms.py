from flask_babel import lazy_gettext
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length


class EraseForm(FlaskForm):
    label = StringField(
        lazy_gettext("Type the couple's label to confirm"),
        validators=[DataRequired(), Length(max=80)],
    )
    password = PasswordField(
        lazy_gettext("Your password"), validators=[DataRequired(), Length(max=1000)]
    )
