"""Client links: a 256-bit token exists only in the link itself; the database keeps its SHA-256.

A raw token is therefore in hand only while a link is created or reissued. Every page or file
that shows a link (the "shown once" page, an e-mail, a printed card) gets it from
:func:`issue_link` / :func:`reissue_all`, or from tokens the therapist's own page posts back,
checked by :func:`links_from_tokens`.
"""

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

import segno
from flask import current_app, has_request_context, url_for
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from clinic import localtime
from clinic.enums import AnsweredBy, LinkState
from clinic.extensions import db
from clinic.models import Assignment, ClientLink, Partner, Response
from clinic.storage import utcnow

TOKEN_BYTES = 32  # secrets.token_urlsafe(32): 256 bits in 43 URL-safe characters
_TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{43}")
OFFLINE_BASE_URL = "http://127.0.0.1:5000"  # `make run`, for links printed by the CLI


@dataclass(frozen=True)
class IssuedLink:
    """A link together with its raw token, which must never be stored or logged."""

    link: ClientLink
    token: str

    @property
    def partner(self) -> Partner:
        return self.link.partner

    @property
    def url(self) -> str:
        return link_url(self.token)

    def qr_data_uri(self) -> str:
        """The link as an SVG QR code in a data: URI (allowed by the CSP's img-src)."""
        return segno.make(self.url, error="m").svg_data_uri(scale=5, border=2)


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def link_url(token: str) -> str:
    base = current_app.config["PUBLIC_BASE_URL"]
    if not base and has_request_context():
        return url_for("client.overview", token=token, _external=True)
    path = current_app.url_map.bind("localhost").build("client.overview", {"token": token})
    return (base or OFFLINE_BASE_URL).rstrip("/") + path


class _Dated(Protocol):
    """What :func:`link_state` reads: a ``ClientLink``, or a link page's plain one."""

    @property
    def revoked_at(self) -> datetime | None: ...

    @property
    def expires_at(self) -> datetime: ...


def link_state(link: _Dated, now: datetime | None = None) -> LinkState:
    """Active, expired or revoked: for the therapist only, never told to a client."""
    if link.revoked_at is not None:
        return LinkState.REVOKED
    return LinkState.ACTIVE if link.expires_at > (now or utcnow()) else LinkState.EXPIRED


def shaped_token_hash(token: object) -> str | None:
    """The hash to look a raw token up by; None for anything not shaped like a token, which
    is never looked up."""
    if not isinstance(token, str) or not _TOKEN_SHAPE.fullmatch(token):
        return None
    return hash_token(token)


def issue_link(assignment: Assignment, partner: Partner) -> IssuedLink:
    """A new link for one partner; their earlier links to this assignment stop working."""
    now = utcnow()
    for old in assignment.links:
        if old.partner_id == partner.id and old.revoked_at is None:
            old.revoked_at = now
    _ensure_responses(assignment, partner)
    token = new_token()
    link = ClientLink(
        assignment=assignment,
        partner=partner,
        token_hash=hash_token(token),
        created_at=now,
        expires_at=link_expiry(assignment, now),
    )
    db.session.add(link)
    return IssuedLink(link, token)


def link_expiry(assignment: Assignment, now: datetime) -> datetime:
    """The end of the couple's local day ``link_days`` after today: a link given "for 14 days"
    works through the whole of that last day wherever the couple lives."""
    zone_name = localtime.couple_zone_name(assignment.couple)
    last_day = localtime.today_in(zone_name, now) + timedelta(days=assignment.link_days)
    return localtime.end_of_day(last_day, zone_name)


def reissue_all(assignment: Assignment) -> list[IssuedLink]:
    """Fresh links for every partner (old ones stop working).

    This is the call for anything that needs every partner's link after the "shown once"
    page is gone, such as printing assignment cards later.
    """
    issued = [issue_link(assignment, partner) for partner in assignment.couple.partners]
    db.session.flush()  # the caller audits the new links' ids
    return issued


def reissue(link: ClientLink) -> IssuedLink:
    issued = issue_link(link.assignment, link.partner)
    db.session.flush()  # the caller audits the new link's id
    return issued


def revoke(link: ClientLink) -> None:
    if link.revoked_at is None:
        link.revoked_at = utcnow()


def links_from_tokens(assignment: Assignment, tokens: list[str]) -> list[IssuedLink]:
    """The assignment's active links whose raw tokens were posted back from the "shown once" page.

    Tokens that do not belong to an active link of this assignment are dropped, so a tampered
    form can reveal nothing. Partners come out in couple order.
    """
    by_hash = {hash_token(t): t for t in tokens if isinstance(t, str) and _TOKEN_SHAPE.fullmatch(t)}
    if not by_hash:
        return []
    links = db.session.scalars(
        select(ClientLink)
        .where(ClientLink.assignment_id == assignment.id, ClientLink.token_hash.in_(by_hash))
        .options(joinedload(ClientLink.partner))
    )
    issued = [IssuedLink(link, by_hash[link.token_hash]) for link in links]
    issued = [i for i in issued if link_state(i.link) == LinkState.ACTIVE]
    return sorted(issued, key=lambda i: i.partner.position)


def _ensure_responses(assignment: Assignment, partner: Partner) -> None:
    """Give a partner their own empty responses, e.g. a partner added after the assignment."""
    for assigned in assignment.worksheets:
        if assigned.answered_by == AnsweredBy.EACH_PARTNER and not any(
            r.partner is partner for r in assigned.responses
        ):
            assigned.responses.append(Response(partner=partner))
