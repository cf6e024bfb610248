from flask_babel import lazy_gettext
from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length

from clinic.review.service import NOTE_MAX


class NoteForm(FlaskForm):
    body = TextAreaField(
        lazy_gettext("Session note"),
        validators=[
            DataRequired(message=lazy_gettext("Write the note first.")),
            Length(
                max=NOTE_MAX,
                message=lazy_gettext(
                    "A note can be up to %(num)s characters.", num=format(NOTE_MAX, ",")
                ),
            ),
        ],
        description=lazy_gettext("Private: only you see it, never the partners."),
        render_kw={"maxlength": NOTE_MAX, "rows": 5},
    )
