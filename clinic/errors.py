"""Error pages that say what happened in plain words and leak nothing."""

from flask import Flask, render_template
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

MESSAGES = {
    400: (_l("Something was wrong with that request"), _l("Please go back and try again.")),
    403: (_l("Not allowed"), _l("You do not have access to this page.")),
    404: (
        _l("Page not found"),
        _l("This page does not exist or is not available to you."),
    ),
    405: (_l("Not allowed"), _l("This page cannot be used that way.")),
    413: (
        _l("Too large"),
        _l("What you sent is larger than this app accepts. Please shorten it."),
    ),
    429: (_l("Too many attempts"), _l("Please wait a minute and try again.")),
    500: (
        _l("Something went wrong"),
        _l("The problem has been noted. Nothing you saved before is lost."),
    ),
}


def init_app(app: Flask) -> None:
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected_error)


def render_error(code: int, message: str | None = None):
    title, default_message = MESSAGES.get(code, MESSAGES[400])
    body = render_template("errors/error.html", title=title, message=message or default_message)
    return body, code


def _csrf_error(error: CSRFError):
    return render_error(
        400, gettext("This form had expired. Please go back, reload the page and send it again.")
    )


def _http_error(error: HTTPException):
    return render_error(error.code or 500)


def _unexpected_error(error: Exception):
    # Logged without request data: form bodies may hold client text.
    from flask import current_app

    current_app.logger.error("Unhandled %s", type(error).__name__, exc_info=error)
    return render_error(InternalServerError.code)
