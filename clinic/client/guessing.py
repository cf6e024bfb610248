"""Link guessing across all addresses: past LINK_MISS_ALERT_LIMIT, the administrators hear of it.

Misses (unknown, expired or revoked links) are limited per address in the views; someone
guessing from many addresses stays under that limit, so all misses together are counted too.
Crossing the ceiling refuses nothing (a refusal would not hide which guesses hit, and valid
links must always open): it leaves an audit entry and e-mails every active administrator,
once per window of the limit.
"""

import math
import time

from flask import abort, current_app, g, request
from flask_babel import force_locale, gettext, ngettext
from flask_limiter.util import get_remote_address
from limits import RateLimitItem, parse_many
from sqlalchemy import select

from clinic import mail
from clinic.audit import service as audit
from clinic.extensions import db, limiter
from clinic.i18n import N_, reader_language
from clinic.models import Therapist

ALL_MISSES = "client-link-misses-everyone"
ALERT_SENT = "client-link-miss-alert"
SUBJECT = N_("Tandem: many unknown client links tried")


def count_link_miss() -> None:
    """Count a miss against the address; past LINK_RATE_LIMIT misses answer 429, links never.

    Counted where a link is looked up (every route that takes a token) rather than by a
    Flask-Limiter decorator, which checks every request before the view and so would refuse
    the address's valid links too.
    """
    if not limiter.enabled:
        return
    count_miss()
    address = get_remote_address()
    for limit in parse_many(current_app.config["LINK_RATE_LIMIT"]):
        if not limiter.limiter.hit(limit, "client-link-misses", address):
            reset_at = limiter.limiter.get_window_stats(limit, "client-link-misses", address)[0]
            g.retry_after = max(1, math.ceil(reset_at - time.time()))
            abort(429)


def count_miss() -> None:
    """Count one miss towards the ceiling; the first miss past it in a window raises the alert."""
    for limit in parse_many(current_app.config["LINK_MISS_ALERT_LIMIT"]):
        if not limiter.limiter.hit(limit, ALL_MISSES) and _first_alert_in(limit):
            _alert(limit)


def _first_alert_in(limit: RateLimitItem) -> bool:
    once = type(limit)(1, limit.multiples)
    return limiter.limiter.hit(once, ALERT_SENT, str(limit))


def _alert(limit: RateLimitItem) -> None:
    admins = db.session.execute(
        select(Therapist.email, Therapist.language).where(
            Therapist.is_admin.is_(True), Therapist.is_disabled.is_(False)
        )
    ).all()
    enabled = mail.mail_enabled()
    mailed = sum(_mail(address, language, limit) for address, language in admins) if enabled else 0
    audit.record(
        "link_guessing_alert",
        "client_link",
        actor=audit.SYSTEM,
        detail=f"limit={limit.amount}/{limit.multiples}{limit.GRANULARITY.name},mailed={mailed}",
    )
    # A designed exception to one commit per request: the miss is answered by raising 404,
    # which rolls the request back, and the alert must stay in the log.
    db.session.commit()


def _mail(address: str, language: str | None, limit: RateLimitItem) -> bool:
    """The alert in the administrator's own language."""
    site = current_app.config["PUBLIC_BASE_URL"] or request.host_url.rstrip("/")
    with force_locale(reader_language(language)):
        subject = gettext(SUBJECT)
        body = gettext(
            "Hello,\n\n"
            "More than %(count)s client links that do not exist, have expired or were revoked"
            " were tried on %(site)s within %(window)s, from all addresses together. Someone"
            " may be guessing links.\n\n"
            "Valid links keep working, and each address that keeps missing is slowed down."
            ' The audit log ("%(entry)s") shows when this happened; the server\'s request logs'
            " show where the requests came from.\n",
            count=limit.amount,
            site=site,
            window=_window(limit),
            entry=str(audit.ACTION_LABELS["link_guessing_alert"]),
        )
    try:
        mail.send(mail.notice_message(address, subject, body))
    except mail.MailError as error:
        current_app.logger.warning("Link guessing alert not mailed: %s", error)
        return False
    return True


def _window(limit: RateLimitItem) -> str:
    count = limit.multiples
    words = {
        "second": lambda: ngettext("%(num)s second", "%(num)s seconds", count),
        "minute": lambda: ngettext("%(num)s minute", "%(num)s minutes", count),
        "hour": lambda: ngettext("%(num)s hour", "%(num)s hours", count),
        "day": lambda: ngettext("%(num)s day", "%(num)s days", count),
        "month": lambda: ngettext("%(num)s month", "%(num)s months", count),
        "year": lambda: ngettext("%(num)s year", "%(num)s years", count),
    }
    return words[limit.GRANULARITY.name]()
