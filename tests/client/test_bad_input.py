"""Whatever a browser or an attacker sends to the client forms: a clear answer, never a 500,
and nothing saved is lost. Hypothesis writes the requests."""

from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from clinic.extensions import db
from clinic.models import Answer
from clinic.worksheets.answers import clean_answer
from tests.client.browser_form import filled, open_form
from tests.client.sample import SAMPLE

ITEM_IDS = [item.id for _, item in SAMPLE.items()]
TEXT_ITEMS = {item.id for _, item in SAMPLE.items() if item.type in ("short_text", "long_text")}
NAMES = (
    [f"a.{i}" for i in ITEM_IDS]
    + [f"share.{i}" for i in ITEM_IDS]
    + [f"base.{i}" for i in ITEM_IDS]
    + ["items", "revision", "action", "a.not-an-item", "share.", "base.", "a."]
)
VALUES = st.one_of(
    st.text(max_size=40),
    st.sampled_from([*ITEM_IDS, "me", "partner", "tense", "5", "11", "-1", "1e9", "submit"]),
    st.integers(-(10**12), 10**12).map(str),
    st.builds(lambda n: "é" * n, st.sampled_from([301, 2001, 5001, 60_000])),  # over the limits
    st.text(alphabet="\x00\x0b\ud800\u202e\ufeff<>&\"'", max_size=20),
    st.binary(max_size=12),  # not UTF-8 at all
)
REQUESTS = st.lists(
    st.tuples(st.one_of(st.sampled_from(NAMES), st.text(max_size=12)), VALUES), max_size=25
)
CSRF = st.sampled_from(["valid", "missing", "stale"])
CLEAR_STATUSES = {200, 302, 400, 403, 409, 413, 422}
EXAMPLES = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def stored(assignment) -> dict:
    partner = assignment.couple.partners[0]
    response = next(r for r in assignment.worksheets[0].responses if r.partner_id == partner.id)
    db.session.expire_all()
    return {
        a.item_id: a.value
        for a in db.session.scalars(select(Answer).where(Answer.response_id == response.id))
    }


def build(client, base_form: MultiDict, pairs, csrf: str) -> MultiDict:
    form = base_form.copy()
    for name, value in pairs:
        form.add(name, value)
    form.poplist("csrf_token")
    if csrf == "valid":
        form["csrf_token"] = client.csrf_token()
    elif csrf == "stale":
        form["csrf_token"] = "IjAwMDAi.stale.token"
    return form


def post(client, url: str, form: MultiDict):
    """Post exactly these bytes, as a hand-made request could (lone surrogates included)."""
    body = urlencode(list(form.items(multi=True)), encoding="utf-8", errors="surrogatepass")
    return client.post(url, data=body, content_type="application/x-www-form-urlencoded")


def as_received(value: str | bytes) -> str:
    """What the server reads for a posted value: invalid UTF-8 becomes U+FFFD."""
    raw = value if isinstance(value, bytes) else value.encode("utf-8", "surrogatepass")
    return raw.decode("utf-8", "replace")


def check_nothing_lost(before: dict, after: dict, form: MultiDict, csrf: str) -> None:
    if csrf != "valid":
        assert after == before, "a refused request changed saved answers"
        return
    assert set(after) <= set(ITEM_IDS), "an unknown item id was stored"
    for item_id in set(before) | set(after):
        if before.get(item_id) == after.get(item_id):
            continue
        assert item_id in form.getlist("items"), f"{item_id} changed without being sent"
        if item_id in TEXT_ITEMS and item_id in after:
            sent = form.getlist(f"a.{item_id}")[:1]
            expected = [clean_answer(SAMPLE.item(item_id), as_received(v)) for v in sent]
            assert after[item_id] in expected, f"{item_id} holds what was not sent"


@pytest.fixture
def saved_form(client, sheet_url, assignment):
    """The first partner's form, with two answers saved already."""
    form = open_form(client, sheet_url)
    client.post(sheet_url, data=filled(form, {"a.story": "Kept safe.", "a.trust": "3"}))
    assert stored(assignment) == {"story": "Kept safe.", "trust": 3}
    return open_form(client, sheet_url)


@EXAMPLES
@given(pairs=REQUESTS, csrf=CSRF, autosave=st.booleans())
def test_any_posted_form_gets_a_clear_answer_and_loses_nothing(
    client, sheet_url, assignment, saved_form, pairs, csrf, autosave
):
    url = sheet_url + ("/autosave" if autosave else "")
    form = build(client, saved_form, pairs, csrf)
    before = stored(assignment)
    response = post(client, url, form)
    assert response.status_code in CLEAR_STATUSES, response.status_code
    if autosave:
        assert response.get_json()["message"]
    elif response.status_code != 302:
        assert 'role="alert"' in response.get_data(as_text=True)
    after = stored(assignment)
    check_nothing_lost(before, after, form, csrf)

    replay = post(client, url, form)  # the same request once more
    assert replay.status_code in CLEAR_STATUSES
    assert stored(assignment) == after, "a replayed request changed saved answers"


@EXAMPLES
@given(
    item_ids=st.lists(st.text(max_size=70), max_size=6),
    number=st.text(max_size=8).filter(lambda s: "/" not in s and "?" not in s and "#" not in s),
)
def test_tampered_item_ids_and_worksheet_numbers_store_nothing(
    client, tokens, assignment, saved_form, item_ids, number
):
    before = stored(assignment)
    form = MultiDict([("csrf_token", client.csrf_token()), ("revision", "1")])
    for item_id in item_ids:
        form.add("items", item_id)
        form.add(f"a.{item_id}", "tampered")
        form.add(f"base.{item_id}", "0" * 16)
    for url in (f"/w/{tokens[0]}/{number}", f"/w/{tokens[0]}/{number}/autosave"):
        response = post(client, url, form)
        assert response.status_code in CLEAR_STATUSES | {308, 404, 405, 429}  # 429: misses count
    assert stored(assignment) == before


@pytest.mark.parametrize("autosave", [False, True])
def test_a_body_over_the_size_limit_is_refused_plainly(
    client, sheet_url, assignment, saved_form, autosave
):
    form = filled(saved_form, {"a.story": "x" * (2 * 1024 * 1024)})
    response = client.post(sheet_url + ("/autosave" if autosave else ""), data=form)
    assert response.status_code == 413
    text = response.get_data(as_text=True)
    assert "too long to save" in text and "<title>Tandem" not in text
    assert stored(assignment) == {"story": "Kept safe.", "trust": 3}
