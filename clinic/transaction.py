"""One database transaction per request: services and views flush, the request commits once.

The rule, applied after every request (``after_request``, so before the response is sent):

- the request raised (an ``abort``, a CSRF or size error, a bug), or its response is a 5xx:
  everything it wrote is rolled back, whatever error page was shown;
- otherwise (2xx, 3xx, and a 4xx page the view chose to return, such as a refused sign-in or
  a form sent back with its messages) the request commits, once. What such a page wrote was
  meant: the audit entry of a failed sign-in, answers saved next to ones that need fixing;
- if that commit fails, nothing is reported as saved: the failure is handled like an error
  raised in the view (the client pages answer "try again" with the partner's text kept).

A streamed body is generated after the commit, so it may read but must not write.
Commands and background work have no request: they commit explicitly (see ``clinic.cli``).
"""

import contextlib

from flask import Flask, current_app, g
from flask.typing import ResponseReturnValue
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.exceptions import HTTPException, InternalServerError
from werkzeug.wrappers import Response

from clinic.extensions import db

_FAILED = "_transaction_failed"


class TransactionalFlask(Flask):
    """Flask that remembers when a request raised, so its transaction is rolled back."""

    def handle_user_exception(self, e: Exception) -> HTTPException | ResponseReturnValue:
        # Marked, not rolled back yet: the error page still renders with the rows it was given.
        setattr(g, _FAILED, True)
        return super().handle_user_exception(e)


def init_app(app: Flask) -> None:
    """Call last in ``create_app``: hooks run in reverse order, so this one runs first and the
    security headers are still added to the error page of a failed commit."""
    app.after_request(_commit_or_roll_back)


def _commit_or_roll_back(response: Response) -> Response:
    if g.pop(_FAILED, False) or response.status_code >= 500:
        _roll_back()
        return response
    try:
        db.session.commit()  # the one commit of the request
    except SQLAlchemyError as error:
        _roll_back()
        return _error_response(error)
    return response


def _roll_back() -> None:
    with contextlib.suppress(SQLAlchemyError):  # a dead connection is discarded all the same
        db.session.rollback()


def _error_response(error: SQLAlchemyError) -> Response:
    """The page the request's error handlers give for this error, or a bare 500."""
    try:
        response: Response = current_app.make_response(current_app.handle_user_exception(error))
    except Exception as failure:  # the handler failed too (the database is gone): say so plainly
        # Only the type is logged: database errors quote the values, which may be client text.
        current_app.logger.error("Error page failed after a failed commit: %s", type(failure))
        response = InternalServerError().get_response()
    g.pop(_FAILED, None)
    return response
