"""PDFs a partner prints from their own link: their agreement, once both agreed to it.

A blueprint of its own because the handouts blueprint is for signed-in therapists only;
the link is checked exactly as the client pages check it.
"""

from flask import Blueprint, Response, abort, redirect, url_for

from clinic import i18n
from clinic.audit import service as audit
from clinic.client import agreements, guessing, sessions
from clinic.client import service as client
from clinic.handouts import service

bp = Blueprint("partner_pdfs", __name__)


@bp.get("/w/<token>/<number>/agreement/<item_id>.pdf")
def agreement(token: str, number: str, item_id: str):
    link = sessions.find_link(token)
    if link is None:
        guessing.count_link_miss()
        abort(404)
    if not sessions.live(link):
        # As every page of a link: a code or the neutral Continue page first (client views).
        return redirect(url_for("client.overview", token=token), 303)
    sheet = client.link_worksheet_by_number(link, number)
    item = agreements.agreement_item(sheet, item_id) if sheet is not None else None
    if sheet is None or item is None:
        abort(404)
    value = client.values(client.sheet_state(sheet)).get(item_id)
    if not item.is_agreed(value):
        abort(404)
    i18n.use_language(client.reading_language(link))  # printed as the partner reads it
    audit.record(
        "handout_downloaded",
        "response",
        sheet.response.id,
        couple_id=link.assignment.couple_id,
        actor=audit.CLIENT_LINK,
        detail="kind=agreement",
    )
    shown = sheet.shown.item(item_id)
    return Response(
        service.item_alone_pdf(
            shown, value, link.assignment.couple, link.partner_id, sheet.language
        ),
        mimetype="application/pdf",
        headers={"Content-Disposition": 'attachment; filename="our-agreement.pdf"'},
    )
