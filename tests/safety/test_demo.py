"""The demo data shows a new user the feature: one private check-in with an alert to review."""

from sqlalchemy import select

from clinic.demo import load_demo
from clinic.extensions import db
from clinic.models import Answer, SafetyAlert


def test_the_demo_holds_one_private_check_in_with_an_alert_waiting(app):
    lines = load_demo()
    (alert,) = db.session.scalars(select(SafetyAlert))
    assert alert.reviewed_at is None and alert.urgency == "soon"
    response = alert.response
    assert response.status == "submitted"
    assert response.assigned_worksheet.worksheet_version.slug == "safety-check-in"
    assert response.partner.display_name == "Robin"
    assert not any(
        a.shareable
        for a in db.session.scalars(select(Answer).where(Answer.response_id == response.id))
    )
    assert any("Private check-in sent by Robin" in line for line in lines)
