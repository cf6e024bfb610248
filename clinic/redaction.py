"""A logging filter that blanks anything shaped like a secret token before it is written.

Client links carry a 256-bit token in their path, and web servers log request lines
(werkzeug's development server, gunicorn's access log), so without this the raw token, the
one thing that opens a partner's answers, would sit in every log file.
"""

import logging
import re

from flask import Flask

# 32 or more URL-safe characters with at least one capital, digit or underscore: tokens,
# token hashes and keys, but not lowercase worksheet slugs such as "monthly-check-in".
TOKEN_LIKE = re.compile(
    r"(?<![A-Za-z0-9_-])(?=[A-Za-z0-9_-]*[A-Z0-9_])[A-Za-z0-9_-]{32,}(?![A-Za-z0-9_-])"
)
REDACTED = "[redacted]"
LOGGERS = ("werkzeug", "gunicorn.access", "gunicorn.error", "clinic", "flask.app")


class RedactTokens(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = TOKEN_LIKE.sub(REDACTED, message)
        if redacted != message:
            record.msg, record.args = redacted, None
        return True


_filter = RedactTokens()


def init_app(app: Flask) -> None:
    for name in {*LOGGERS, app.logger.name}:
        logger = logging.getLogger(name)
        if _filter not in logger.filters:
            logger.addFilter(_filter)
    if not app.config["SQLALCHEMY_ECHO"]:
        # At INFO and DEBUG SQLAlchemy logs statements and result rows (names, labels): keep
        # it quiet even when an operator turns the root logger up to DEBUG.
        logging.getLogger("sqlalchemy.engine").setLevel(logging.WARNING)
