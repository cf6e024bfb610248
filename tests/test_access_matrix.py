"""Every route that takes an object id answers 404 to a therapist who does not own the object.

The matrix is built from the app's URL map, so a new route is covered the day it is added: if it
takes an id this file does not know yet, the test fails and asks for it to be added below.
"""

import pytest

from tests import factories

# Quick exit ends only the caller's own client session (tests/client/test_no_trail.py).
PUBLIC_ENDPOINTS = {"static", "auth.login", "index", "client.quick_exit"}


def owned_objects(owner) -> dict[str, int]:
    """One object of each kind, owned by ``owner``, keyed by the URL argument naming it."""
    from clinic.assignments import recurring
    from clinic.enums import RepeatUnit

    couple = factories.make_couple(owner)
    assignment = factories.make_assignment(couple)
    schedule = recurring.start_schedule(assignment, unit=RepeatUnit.WEEKS, interval=1)
    return {
        "couple_id": couple.id,
        "partner_id": couple.partners[0].id,
        "assignment_id": assignment.id,
        "assigned_id": assignment.worksheets[0].id,
        "link_id": assignment.links[0].id,
        "note_id": factories.make_session_note(couple, assignment=assignment).id,
        "alert_id": factories.make_safety_alert(couple).id,
        "schedule_id": schedule.id,
        "custom_id": factories.make_custom_worksheet(owner, factories.own_worksheet_yaml()).id,
        "session_id": factories.make_therapist_session(owner).id,
        "draft_id": factories.make_draft(owner).id,
        "prepared_id": factories.make_prepared_pdf(owner, couple).id,
    }


def id_routes(app):
    for rule in app.url_map.iter_rules():
        int_args = [
            name
            for name, conv in rule._converters.items()
            if conv.__class__.__name__ == "IntegerConverter"
        ]
        if int_args:
            methods = sorted(rule.methods - {"HEAD", "OPTIONS"})
            yield rule, int_args, methods


def test_every_id_route_hides_other_therapists_objects(app, client):
    owner = factories.make_therapist()
    objects = owned_objects(owner)
    factories.sign_in(client, factories.make_therapist())

    checked = 0
    for rule, int_args, methods in id_routes(app):
        unknown = [a for a in int_args if a not in objects]
        assert not unknown, f"{rule.rule}: add {unknown} to owned_objects() in this test"
        url = rule.build(
            {a: objects[a] for a in rule.arguments if a in objects}, append_unknown=False
        )[1]
        for method in methods:
            response = client.open(url, method=method, data={})
            assert response.status_code == 404, f"{method} {url} answered {response.status_code}"
            checked += 1
    assert checked >= 4  # the couples routes at least


def test_the_owner_can_reach_the_same_routes(app, client):
    owner = factories.make_therapist()
    objects = owned_objects(owner)
    factories.sign_in(client, owner)
    for rule, _int_args, methods in id_routes(app):
        url = rule.build(
            {a: objects[a] for a in rule.arguments if a in objects}, append_unknown=False
        )[1]
        if "GET" in methods:
            assert client.get(url).status_code in (200, 302), url


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_signed_out_visitors_are_sent_to_sign_in(app, client, method):
    objects = owned_objects(factories.make_therapist())
    for rule in app.url_map.iter_rules():
        if rule.endpoint in PUBLIC_ENDPOINTS or method not in rule.methods:
            continue
        if any(conv.__class__.__name__ != "IntegerConverter" for conv in rule._converters.values()):
            continue  # token routes are public by design and checked in their own tests
        url = rule.build({a: objects.get(a, 1) for a in rule.arguments}, append_unknown=False)[1]
        response = client.open(url, method=method, data={})
        assert response.status_code in (302, 404), f"{method} {url}: {response.status_code}"
        if response.status_code == 302:
            assert "/login" in response.headers["Location"]
