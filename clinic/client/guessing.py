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
from flask_limiter.util import get_remote_address
from limits import RateLimitItem, parse_many
from sqlalchemy import select

from clinic import mail
from clinic.audit import service as audit
from clinic.extensions import db, limiter
from clinic.models import Therapist

ALL_MISSES = "client-link-misses-everyone"
ALERT_SENT = "client-link-miss-alert"
SUBJECT = "Tandem: many unknown client links tried"


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
    admins = list(
        db.session.scalars(
            select(Therapist.email).where(
                Therapist.is_admin.is_(True), Therapist.is_disabled.is_(False)
            )
        )
    )
    mailed = sum(_mail(address, limit) for address in admins) if mail.mail_enabled() else 0
    audit.record(
        "link_guessing_alert",
        "client_link",
        actor=audit.SYSTEM,
        detail=f"limit={limit.amount}/{limit.multiples}{limit.GRANULARITY.name},mailed={mailed}",
    )
    # A designed exception to one commit per request: the miss is answered by raising 404,
    # which rolls the request back, and the alert must stay in the log.
    db.session.commit()


def _mail(address: str, limit: RateLimitItem) -> bool:
    site = current_app.config["PUBLIC_BASE_URL"] or request.host_url.rstrip("/")
    body = (
        "Hello,\n\n"
        f"More than {limit.amount} client links that do not exist, have expired or were "
        f"revoked were tried on {site} within {_window(limit)}, "
        "from all addresses together. Someone may be guessing links.\n\n"
        "Valid links keep working, and each address that keeps missing is slowed down. "
        'The audit log ("Many unknown links tried") shows when this happened; the server\'s '
        "request logs show where the requests came from.\n"
    )
    try:
        mail.send(mail.notice_message(address, SUBJECT, body))
    except mail.MailError as error:
        current_app.logger.warning("Link guessing alert not mailed: %s", error)
        return False
    return True


def _window(limit: RateLimitItem) -> str:
    unit = limit.GRANULARITY.name
    return f"{limit.multiples} {unit}" + ("" if limit.multiples == 1 else "s")
