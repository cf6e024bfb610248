"""Long PDFs rendered by the background worker, so no web worker is held for seconds (#19).

A request builds the handout's HTML (queries and a template: quick), seals it into a
``PreparedPdf`` row and queues its id; the worker lays it out (the slow part) and seals the
PDF into the same row. The queue is the jobs layer's, above this one, so the app hands it in
(:func:`queue_with`); a task is queued only once the request's transaction has committed,
so the worker never looks for a row that is not there yet.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from datetime import datetime, timedelta

from flask import Flask, abort, current_app
from sqlalchemy import delete, event, select
from sqlalchemy.orm import Session

from clinic.enums import PreparedStatus
from clinic.extensions import db
from clinic.handouts import cache
from clinic.handouts.pdf import renderer
from clinic.handouts.service import SessionHandout
from clinic.models import PreparedPdf
from clinic.storage import utcnow

LIFETIME = timedelta(hours=1)  # then the row and its sealed PDF are deleted
REFRESH_SECONDS = 3  # how often the "preparing" page looks again
_QUEUE = "tandem_prepared_pdf_queue"
_AFTER_COMMIT = "prepared_pdfs_to_queue"


def queue_with(app: Flask, enqueue: Callable[[int], object]) -> None:
    """Give this layer the jobs layer's task (called by ``create_app``)."""
    app.extensions[_QUEUE] = enqueue


def estimated_pages(handout: SessionHandout) -> float:
    """A rough page count known before rendering: what decides whether it is rendered in the
    background. About five printed items and two charts fill a page; each worksheet starts
    on its own."""
    pages = 0.0
    for printed in handout.worksheets:
        pages += 1 + len(printed.items) / 5 + len(printed.charts) / 2
    return pages + len(handout.notes) / 4


def is_large(handout: SessionHandout) -> bool:
    return estimated_pages(handout) > current_app.config["PDF_BACKGROUND_PAGES"]


def start(
    therapist_id: int, couple_id: int, kind: str, html: str, title: str, lang: str | None
) -> PreparedPdf:
    """The therapist's prepared PDF for exactly this HTML: one already preparing or ready
    (the same request twice renders once), else a new one queued for the worker."""
    paper = current_app.config["PAPER_SIZE"]
    key = cache.key(therapist_id, html, title, paper, 1, lang)
    delete_expired(utcnow())
    rows = db.session.scalars(
        select(PreparedPdf).where(
            PreparedPdf.therapist_id == therapist_id,
            PreparedPdf.cache_key == key,
            PreparedPdf.status != PreparedStatus.FAILED,
        )
    ).all()
    if rows:
        return rows[0]
    row = PreparedPdf(
        therapist_id=therapist_id,
        couple_id=couple_id,
        cache_key=key,
        kind=kind,
        status=PreparedStatus.PREPARING,
        title=title,
        language=lang,
        html=html,
    )
    db.session.add(row)
    db.session.flush()
    _queue_after_commit(row.id)
    return row


def retry(row: PreparedPdf) -> None:
    """Queue a failed PDF again (its HTML is kept until it renders)."""
    if row.status == PreparedStatus.FAILED and row.html is not None:
        row.status = PreparedStatus.PREPARING
        row.finished_at = None
        db.session.flush()
        _queue_after_commit(row.id)


def can_retry(row: PreparedPdf) -> bool:
    return row.status == PreparedStatus.FAILED and row.html is not None


def _queue_after_commit(prepared_id: int) -> None:
    db.session().info.setdefault(_AFTER_COMMIT, []).append(prepared_id)


@event.listens_for(Session, "after_commit")
def _send_queued(session: Session) -> None:
    ids = session.info.pop(_AFTER_COMMIT, [])
    if ids:
        enqueue = current_app.extensions[_QUEUE]
        for prepared_id in ids:
            enqueue(prepared_id)


@event.listens_for(Session, "after_rollback")
def _forget_queued(session: Session) -> None:
    session.info.pop(_AFTER_COMMIT, None)


def render(prepared_id: int) -> None:
    """What the worker does: lay the sealed HTML out and seal the PDF; a failure is recorded
    (and shown to the therapist with a retry), never raised again and again."""
    row = db.session.get(PreparedPdf, prepared_id)
    if row is None or row.status != PreparedStatus.PREPARING or row.html is None:
        return  # expired, erased or done meanwhile
    pool = renderer(int(current_app.config["PDF_RENDER_CONCURRENCY"]))
    try:
        data = pool.render(row.html, row.title, current_app.config["PAPER_SIZE"], 1, row.language)
    except Exception as error:
        # The type only: a rendering error may quote the HTML, which holds client text.
        current_app.logger.error("A prepared PDF failed to render: %s", type(error).__name__)
        row.status = PreparedStatus.FAILED
    else:
        row.pdf = base64.b64encode(data).decode("ascii")
        row.html = None
        row.status = PreparedStatus.READY
    row.finished_at = utcnow()


def own_or_404(
    therapist_id: int, prepared_id: int, now: datetime | None = None
) -> PreparedPdf | None:
    """The therapist's own prepared PDF, or None once it has expired (it is deleted then,
    and the request commits that); 404 for anyone else's."""
    row = db.session.get(PreparedPdf, prepared_id)
    if row is None or row.therapist_id != therapist_id:
        abort(404)
    if (now or utcnow()) - row.created_at > LIFETIME:
        db.session.delete(row)
        db.session.flush()
        return None
    return row


def pdf_bytes(row: PreparedPdf) -> bytes:
    return base64.b64decode(row.pdf or "")


def delete_expired(now: datetime) -> int:
    """Delete every prepared PDF older than LIFETIME (the scheduler's tick calls this too)."""
    result = db.session.execute(delete(PreparedPdf).where(PreparedPdf.created_at < now - LIFETIME))
    return int(getattr(result, "rowcount", 0) or 0)
