"""Flask extensions, created once and bound to the app in ``create_app``."""

from typing import TYPE_CHECKING

from flask import request, session
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase


class TherapistLoginManager(LoginManager):
    """Flask-Login, for therapists: a partner's link pages (the client blueprint) load no user
    while the browser's cookie holds none, as a partner's never does.

    Loading one there would run Flask-Login's "strong" session protection on the partner's
    cookie, which has no user's identifier: it marks that session changed on every page and
    autosave, so each answer re-signed the cookie and sent a cleared remember cookie. A cookie
    that does hold a therapist is checked as on every other page (a copy from another device
    still ends that session).
    """

    def _load_user(self) -> None:
        if request.blueprint == "client" and "_user_id" not in session:
            return self._update_request_context_with_user()  # the anonymous user
        return super()._load_user()


class Base(DeclarativeBase):
    # Named constraints keep Alembic migrations reproducible on SQLite and PostgreSQL alike.
    metadata = MetaData(
        naming_convention={
            "ix": "ix_%(column_0_label)s",
            "uq": "uq_%(table_name)s_%(column_0_name)s",
            "ck": "ck_%(table_name)s_%(constraint_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )


db = SQLAlchemy(model_class=Base)
if TYPE_CHECKING:
    # db.Model is built at run time from Base, which is all a type checker can see of it.
    Model = Base
else:
    Model = db.Model
migrate = Migrate()
csrf = CSRFProtect()
login_manager = TherapistLoginManager()
limiter = Limiter(key_func=get_remote_address)
