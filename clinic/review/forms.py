from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length

from clinic.review.service import NOTE_MAX


class NoteForm(FlaskForm):
    body = TextAreaField(
        "Session note",
        validators=[
            DataRequired(message="Write the note first."),
            Length(max=NOTE_MAX, message=f"A note can be up to {NOTE_MAX:,} characters."),
        ],
        description="Private: only you see it, never the partners.",
        render_kw={"maxlength": NOTE_MAX, "rows": 5},
    )
