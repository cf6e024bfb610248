"""E-mailing a link, against a real SMTP server on localhost (aiosmtpd), never a mock."""

import re

import pytest
from sqlalchemy import select

from clinic.extensions import db
from clinic.models import Assignment, Partner
from tests.helpers import free_port, pdf_text

LINK_URL = re.compile(r'value="(https?://[^"]*/w/[A-Za-z0-9_-]{43})"')
TOKEN_FIELD = re.compile(r'name="token" value="([A-Za-z0-9_-]{43})"')
SEND_BUTTON = re.compile(r'name="send" value="(\d+)"')


@pytest.fixture(autouse=True)
def email_allowed(signed_in, couple):
    """The therapist has asked both partners and recorded that e-mail is fine."""
    for partner in couple.partners:
        response = signed_in.post(
            f"/couples/{couple.id}/partners/{partner.id}/contact", data={"preference": "any"}
        )
        assert response.status_code == 302


def links_page(client, couple):
    response = client.post(
        f"/couples/{couple.id}/assign",
        data={
            "worksheets": ["builtin:power-patterns"],
            "who_answers": "design",
            "link_days": "14",
            "note": "Private note for the couple.",
        },
        follow_redirects=True,
    )
    assert response.status_code == 200
    return response.get_data(as_text=True)


def send(client, couple, page: str, button: int = 0):
    assignment_id = re.search(r"/assignments/(\d+)/links/email", page).group(1)
    return client.post(
        f"/assignments/{assignment_id}/links/email",
        data={"token": TOKEN_FIELD.findall(page), "send": SEND_BUTTON.findall(page)[button]},
        follow_redirects=True,
    )


def test_a_link_is_emailed_with_nothing_but_the_link_and_the_therapists_name(
    signed_in, therapist, couple, inbox
):
    page = links_page(signed_in, couple)
    alex_url = LINK_URL.findall(page)[0]
    response = send(signed_in, couple, page)
    after = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Link e-mailed to Alex." in after
    assert LINK_URL.findall(after) == LINK_URL.findall(page)  # both links still on the page

    (message,) = inbox.messages
    assert message["To"] == "alex@example.org"
    assert message["From"] == "practice@tandem.example"
    assert message["Subject"] == f"A link from {therapist.display_name}"
    body = message.get_content()
    assert alex_url in body and therapist.display_name in body
    everything = message.as_string()
    for private in ("power", "Noticing", "Alex", "Sam", couple.label, "Private note", "couple"):
        assert private not in everything


def test_a_personal_code_is_in_no_email_and_on_no_card(signed_in, couple, inbox):
    alex = couple.partners[0]
    code = {"code": "Lantern 4821"}
    signed_in.post(f"/couples/{couple.id}/partners/{alex.id}/code", data=code)
    assert db.session.get(Partner, alex.id).code_hash is not None
    page = links_page(signed_in, couple)
    send(signed_in, couple, page)
    assignment_id = re.search(r"/assignments/(\d+)/links/email", page).group(1)
    cards = signed_in.post(
        f"/assignments/{assignment_id}/cards", data={"token": TOKEN_FIELD.findall(page)}
    )
    assert cards.status_code == 200
    (message,) = inbox.messages
    card = pdf_text(cards.data)
    assert "/w/" in message.get_content() and "Your worksheet link" in card
    for sent in (message.as_string(), card):
        assert "4821" not in sent and "lantern" not in sent.casefold()


def test_a_partner_who_asked_for_no_email_is_never_sent_one(signed_in, couple, inbox):
    alex = couple.partners[0]
    alex.contact_preference = "no_email"
    db.session.commit()
    page = links_page(signed_in, couple)
    assert "Alex asked not to be contacted by e-mail." in page
    assert "E-mail to alex@example.org" not in page

    # A forged request names Alex's link anyway.
    assignment = db.session.scalar(select(Assignment))
    (link,) = [link for link in assignment.links if link.partner_id == alex.id]
    tokens = [url.rsplit("/", 1)[1] for url in LINK_URL.findall(page)]
    response = signed_in.post(
        f"/assignments/{assignment.id}/links/email",
        data={"token": tokens, "send": link.id},
        follow_redirects=True,
    )
    assert "Alex asked not to be contacted by e-mail." in response.get_data(as_text=True)
    assert inbox.messages == []


def test_an_unreachable_mail_server_is_explained_and_the_links_stay(app, signed_in, couple):
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=free_port())
    page = links_page(signed_in, couple)
    response = send(signed_in, couple, page)
    after = response.get_data(as_text=True)
    assert "Not sent: The mail server could not be reached." in after
    assert LINK_URL.findall(after) == LINK_URL.findall(page)


def test_a_wrong_mail_login_is_explained(app, signed_in, couple, inbox):
    app.config["SMTP_PASSWORD"] = "wrong"
    response = send(signed_in, couple, links_page(signed_in, couple))
    assert "did not accept the configured login" in response.get_data(as_text=True)
    assert inbox.messages == []


def test_tokens_that_are_not_this_assignments_send_nothing(signed_in, couple, inbox):
    page = links_page(signed_in, couple)
    other_page = links_page(signed_in, couple)
    assignment_id = re.search(r"/assignments/(\d+)/links/email", page).group(1)
    response = signed_in.post(
        f"/assignments/{assignment_id}/links/email",
        data={"token": TOKEN_FIELD.findall(other_page), "send": SEND_BUTTON.findall(other_page)[0]},
    )
    assert response.status_code == 302
    assert inbox.messages == []


def test_without_smtp_the_therapist_is_told_to_copy_the_link(signed_in, couple):
    page = links_page(signed_in, couple)
    assert "E-mail is not set up for this practice" in page
    assert "E-mail to" not in page
