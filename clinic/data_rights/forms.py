from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length


class EraseForm(FlaskForm):
    label = StringField(
        "Type the couple's label to confirm", validators=[DataRequired(), Length(max=80)]
    )
    password = PasswordField("Your password", validators=[DataRequired(), Length(max=1000)])
