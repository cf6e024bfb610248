"""200 partners saving and submitting at the same moment, against gunicorn with 4 workers."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import select

from clinic.extensions import db
from clinic.models import Response
from tests.slow.partners import Phone, couples_with_links

pytestmark = pytest.mark.slow
PARTNERS = 200


def test_200_partners_autosave_and_submit_at_once_and_nothing_is_lost(
    app, database_url, therapist, serve
):
    partners = couples_with_links(therapist, PARTNERS // 2)
    server = serve(database_url, workers=4)
    start_together = threading.Barrier(PARTNERS, timeout=120)

    def partner(partner_id: int, path: str):
        phone = Phone(server.url + path)
        replies = [phone.open_sheet()]
        start_together.wait()
        assert replies[0].status == 200, replies[0].text[:2000]
        tag = f"partner {partner_id}"
        replies.append(
            phone.autosave({"feels-good": f"{tag} draft", "keep-limits": f"{tag} limits"})
        )
        final = {"feels-good": f"{tag} final", "keep-limits": f"{tag} limits"}
        with ThreadPoolExecutor(2) as double_click:  # "Send" pressed twice
            replies += double_click.map(lambda _: phone.submit(final), range(2))
        return replies

    with ThreadPoolExecutor(PARTNERS) as phones:
        results = list(phones.map(lambda p: partner(*p), partners))

    statuses = [reply.status for replies in results for reply in replies]
    assert statuses.count(0) == 0, "requests got no answer"
    assert [s for s in statuses if s >= 500] == [], server.output()
    assert {replies[1].json()["status"] for replies in results} == {"saved"}
    for (_, path), (_, _, *submits) in zip(partners, results, strict=True):
        overview = path.rsplit("/", 1)[0]
        assert [(s.status, s.location) for s in submits] == [(302, overview)] * 2

    db.session.remove()
    stored = {
        r.partner_id: r
        for r in db.session.scalars(select(Response).where(Response.partner_id.is_not(None)))
    }
    assert len(stored) == PARTNERS
    for partner_id, _ in partners:
        response = stored[partner_id]
        answers = {a.item_id: a.value for a in response.answers}
        assert answers == {
            "feels-good": f"partner {partner_id} final",
            "keep-limits": f"partner {partner_id} limits",
        }
        assert response.status == "submitted" and response.submitted_at is not None
        # The autosave and one "Send" wrote; the second "Send" stored nothing.
        assert response.revision == 2
