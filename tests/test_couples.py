import re

from clinic.extensions import db
from tests.helpers import couple_labelled


def test_create_couple_with_two_partners(signed_in, therapist):
    response = signed_in.post(
        "/couples/new",
        data={
            "label": "R & J",
            "partners-0-display_name": "Robin",
            "partners-0-email": "robin@example.org",
            "partners-1-display_name": "Jordan",
            "notes": "Met at intake.",
        },
    )
    assert response.status_code == 302
    couple = couple_labelled("R & J")
    assert couple.therapist_id == therapist.id
    assert [p.display_name for p in couple.partners] == ["Robin", "Jordan"]
    assert couple.partners[0].email == "robin@example.org"
    page = signed_in.get(response.headers["Location"])
    assert b"Robin" in page.data and b"Met at intake." in page.data


def test_a_couple_needs_two_partners(signed_in):
    response = signed_in.post(
        "/couples/new", data={"label": "Solo", "partners-0-display_name": "Only"}
    )
    assert response.status_code == 200
    assert b"at least two partners" in response.data
    assert couple_labelled("Solo") is None


def test_edit_keeps_partner_ids_and_adds_a_third(signed_in, couple):
    ids = [p.id for p in couple.partners]
    response = signed_in.post(
        f"/couples/{couple.id}/edit",
        data={
            "label": "Renamed",
            "partners-0-display_name": "Alex",
            "partners-1-display_name": "Sam",
            "partners-2-display_name": "Kai",
            "notes": "",
        },
    )
    assert response.status_code == 302
    db.session.refresh(couple)
    assert couple.label == "Renamed"
    assert [p.id for p in couple.partners][:2] == ids
    assert [p.display_name for p in couple.partners] == ["Alex", "Sam", "Kai"]


def test_edit_refuses_to_drop_a_partner(signed_in, couple):
    response = signed_in.post(
        f"/couples/{couple.id}/edit",
        data={
            "label": "X",
            "partners-0-display_name": "Alex",
            "partners-1-display_name": "",  # Sam's row emptied
            "partners-2-display_name": "Kai",
        },
    )
    assert response.status_code == 200
    assert b"cannot be removed" in response.data
    db.session.refresh(couple)
    assert len(couple.partners) == 2 and couple.label != "X"


def test_archive_and_restore(signed_in, couple):
    signed_in.post(f"/couples/{couple.id}/archive")
    assert couple.label.encode() not in signed_in.get("/couples/").data
    assert couple.label.encode() in signed_in.get("/couples/?archived=1").data
    signed_in.post(f"/couples/{couple.id}/archive")
    assert couple.label.encode() in signed_in.get("/couples/").data


def test_list_shows_only_own_couples(signed_in, couple):
    from tests import factories

    other = factories.make_couple(factories.make_therapist(), label="Someone Else's")
    page = signed_in.get("/couples/").data
    assert couple.label.encode() in page
    assert other.label.encode() not in page


def test_overlong_label_is_refused_with_a_message(signed_in):
    response = signed_in.post(
        "/couples/new",
        data={"label": "x" * 81, "partners-0-display_name": "A", "partners-1-display_name": "B"},
    )
    assert response.status_code == 200
    assert b"Field cannot be longer than 80 characters" in response.data


def test_the_list_pages_through_many_couples(signed_in, therapist, monkeypatch):
    from clinic.couples import service
    from tests import factories

    monkeypatch.setattr(service, "COUPLES_PER_PAGE", 3)
    for label in ["Ash", "Birch", "Cedar", "Drift", "Elm"]:
        factories.make_couple(therapist, label=label)
    first = signed_in.get("/couples/").text
    assert "Ash" in first and "Cedar" in first and "Drift" not in first
    assert "Page 1 of 2 · 5 couples" in first
    second = signed_in.get("/couples/?page=2").text
    assert "Drift" in second and "Elm" in second and "Ash" not in second
    assert "Page 2 of 2" in signed_in.get("/couples/?page=99").text


def test_the_list_searches_by_label(signed_in, therapist):
    from tests import factories

    factories.make_couple(therapist, label="Harbour")
    factories.make_couple(therapist, label="Meadow")
    page = signed_in.get("/couples/?q=harb").text
    assert "Harbour" in page and "Meadow" not in page
    assert "No couple matches" in signed_in.get("/couples/?q=zzz").text


def test_the_list_searches_by_partner_name_whatever_the_case_or_word_order(signed_in, therapist):
    from tests import factories

    factories.make_couple(therapist, label="Harbour", partners=[("Zoë", None), ("Ines", None)])
    factories.make_couple(therapist, label="Meadow", partners=[("Ravi", None), ("Sam", None)])
    for query in ["ZOË", "ines harb", "harbour zoë"]:
        page = signed_in.get("/couples/", query_string={"q": query}).text
        assert "Harbour" in page and "Meadow" not in page, query
    assert "No couple matches" in signed_in.get("/couples/?q=ravi+harbour").text


def test_the_list_is_sorted_by_label_whatever_the_case(signed_in, therapist):
    from tests import factories

    for label in ["birch", "Cedar", "ash"]:
        factories.make_couple(therapist, label=label)
    page = signed_in.get("/couples/").text
    titles = re.findall(r'<h2><a href="/couples/\d+">(.*?)</a></h2>', page)
    assert titles == ["ash", "birch", "Cedar"]


def test_page_titles_never_name_the_couple(signed_in, couple):
    """A tab title or browser history on a shared practice computer shows no couple label."""
    for page in ["", "/edit", "/record"]:
        url = f"/couples/{couple.id}{page}"
        title = re.search(r"<title>(.*?)</title>", signed_in.get(url).text, re.S).group(1)
        assert couple.label not in title, url
