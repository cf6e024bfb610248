"""Safe contact: the therapist records how each partner may be reached; e-mail is then refused."""

import re

import pytest
from sqlalchemy import select

from clinic.extensions import db
from clinic.models import AuditEvent, ClientLink, Partner
from tests import factories

TOKEN_FIELD = re.compile(r'name="token" value="([A-Za-z0-9_-]{43})"')


def set_preference(client, couple, partner, preference: str):
    return client.post(
        f"/couples/{couple.id}/partners/{partner.id}/contact", data={"preference": preference}
    )


def chosen(page: str, partner) -> list[str]:
    """The preference ticked in a partner's contact form."""
    return re.findall(
        rf'<input checked id="preference-\d-{partner.id}" name="preference" type="radio" '
        r'value="(\w+)">',
        page,
    )


def links_page(client, couple) -> str:
    response = client.post(
        f"/couples/{couple.id}/assign",
        data={"worksheets": ["builtin:small-wins"], "who_answers": "design", "link_days": "14"},
        follow_redirects=True,
    )
    assert response.status_code == 200
    return response.get_data(as_text=True)


def force_email(client, page: str, partner):
    """Post the e-mail form for a partner's link, whether or not the page offered a button."""
    assignment_id = re.search(r"/assignments/(\d+)", page).group(1)
    link = db.session.scalars(
        select(ClientLink).where(
            ClientLink.partner_id == partner.id,
            ClientLink.revoked_at.is_(None),
            ClientLink.assignment_id == int(assignment_id),
        )
    ).one()
    return client.post(
        f"/assignments/{assignment_id}/links/email",
        data={"token": TOKEN_FIELD.findall(page), "send": str(link.id)},
        follow_redirects=True,
    )


def test_the_couple_page_offers_each_partner_a_contact_form(signed_in, couple):
    page = signed_in.get(f"/couples/{couple.id}").get_data(as_text=True)
    for partner in couple.partners:
        assert f'id="contact-{partner.id}"' in page
    assert "No e-mail: give links in person or by phone" in page
    assert "Printed card only, handed over in a session" in page
    assert [chosen(page, p) for p in couple.partners] == [["not_asked"], ["not_asked"]]


def test_the_therapist_changes_a_preference_and_it_is_recorded(signed_in, couple, therapist):
    alex = couple.partners[0]
    response = set_preference(signed_in, couple, alex, "no_email")
    assert response.headers["Location"].endswith(f"/couples/{couple.id}#contact")
    assert db.session.get(Partner, alex.id).contact_preference == "no_email"
    event = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "contact_preference_changed")
    ).one()
    # Not in the couple's access log, which the other partner's export would show.
    assert (event.object_id, event.couple_id, event.therapist_id) == (alex.id, None, therapist.id)
    page = signed_in.get(f"/couples/{couple.id}").get_data(as_text=True)
    assert "Contact preference saved for Alex." in page
    assert chosen(page, alex) == ["no_email"]


@pytest.mark.parametrize("value", ["sms", "", "print_only; drop table"])
def test_an_unknown_preference_changes_nothing(signed_in, couple, value):
    alex = couple.partners[0]
    response = set_preference(signed_in, couple, alex, value)
    assert response.status_code == 302
    assert db.session.get(Partner, alex.id).contact_preference == "not_asked"
    page = signed_in.get(response.headers["Location"]).get_data(as_text=True)
    assert "Choose how this partner may be reached." in page


def test_a_partner_of_another_couple_cannot_be_changed(signed_in, therapist, couple):
    other = factories.make_couple(therapist)
    response = set_preference(signed_in, couple, other.partners[0], "no_email")
    assert response.status_code == 404
    assert db.session.get(Partner, other.partners[0].id).contact_preference == "not_asked"


@pytest.mark.parametrize(
    ("preference", "reason"),
    [
        ("not_asked", "You have not recorded yet how Alex may be reached, so no e-mail is sent"),
        ("no_email", "Alex asked not to be contacted by e-mail. Give them the link in person"),
        ("print_only", "Alex asked not to be contacted by e-mail: give them the printed card"),
    ],
)
def test_the_app_refuses_to_email_and_says_why(signed_in, couple, inbox, preference, reason):
    alex = couple.partners[0]
    set_preference(signed_in, couple, alex, preference)
    page = links_page(signed_in, couple)
    assert reason in page and "E-mail to alex@example.org" not in page

    response = force_email(signed_in, page, alex)  # a forged request sends it anyway
    assert reason in response.get_data(as_text=True)
    assert inbox.messages == []  # the real SMTP server received nothing


def test_a_new_partner_gets_no_email_until_the_therapist_records_a_choice(signed_in, couple, inbox):
    alex = couple.partners[0]
    page = links_page(signed_in, couple)
    assert "You have not recorded yet how Alex may be reached" in page
    assert "E-mail to alex@example.org" not in page
    response = force_email(signed_in, page, alex)
    assert "You have not recorded yet how Alex may be reached" in response.get_data(as_text=True)
    assert inbox.messages == []


def test_with_any_way_allowed_the_link_is_emailed(signed_in, couple, inbox):
    alex = couple.partners[0]
    set_preference(signed_in, couple, alex, "no_email")
    set_preference(signed_in, couple, alex, "any")
    response = force_email(signed_in, links_page(signed_in, couple), alex)
    assert "Link e-mailed to Alex." in response.get_data(as_text=True)
    assert [m["To"] for m in inbox.messages] == ["alex@example.org"]
