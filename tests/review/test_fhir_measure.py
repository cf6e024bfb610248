"""Issue 17's acceptance case from the FHIR side: a PHQ-9-shaped Questionnaire (placeholder
wording, the published structure and scoring) comes from another system, the therapist
imports it and completes in the builder what FHIR cannot say (bands, reliable change, the
private alert on the last item), a partner answers it twice, and the review shows both
scores, the band and a reliable change while every export passes both validators."""

import io
import json
from datetime import UTC, datetime

from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.questionnaire import Questionnaire
from sqlalchemy import select

from clinic.extensions import db
from clinic.models import CustomWorksheet, SafetyAlert
from clinic.worksheets import library
from clinic.worksheets.fhir import to_questionnaire
from tests import factories
from tests.builder.test_builder_views import press
from tests.helpers import independent_fhir_problems, pdf_text
from tests.measures import ANSWER_CODES, BANDS, nine_item_questionnaire
from tests.review.test_scores import backdate
from tests.safety.check_in import send

MARCH, APRIL = datetime(2026, 3, 2, 9, tzinfo=UTC), datetime(2026, 4, 6, 9, tzinfo=UTC)
ITEMS = [f"4425{n}-9" for n in range(1, 10)]


def upload(client, resource: dict) -> str:
    data = {"file": (io.BytesIO(json.dumps(resource).encode()), "questionnaire.json")}
    response = client.post("/worksheets/builder/fhir", data=data)
    assert response.status_code == 302
    return response.headers["Location"]


def complete_in_builder(client, url: str) -> str:
    """What only Tandem has, typed into the builder's plain forms: returns the published page."""
    url = press(
        client,
        url,
        "add:scoring.scores",
        minutes="5",
        private_only="y",
        **{
            "guide.how_to_use": "Placeholder guide.",
            "guide.look_for": "Placeholder guide.",
            "guide.when_not_to_use": "Placeholder guide.",
            "scoring.about": "Placeholder measure for tests.",
        },
    )
    score = {
        "scoring.scores.0.label": "Total",
        "scoring.scores.0.items": list(ITEMS),  # ticked in the list of questions
        "scoring.scores.0.higher_is": "worse",
        "scoring.scores.0.cutoff": "10",
        "scoring.scores.0.reliability": "0.84",
        "scoring.scores.0.sd": "5.7",
    }
    for _ in BANDS:
        url = press(client, url, "add:scoring.scores.0.bands", **score)
    bands = {}
    for index, (low, high, label) in enumerate(BANDS):
        bands |= {
            f"scoring.scores.0.bands.{index}.min": str(low),
            f"scoring.scores.0.bands.{index}.max": str(high),
            f"scoring.scores.0.bands.{index}.label": label,
        }
    url = press(client, url, "add:alerts", **bands)
    alert = {
        "alerts.0.item": ITEMS[-1],
        "alerts.0.urgency": "urgent",
        "alerts.0.any_of": [code.lower() for code in ANSWER_CODES[1:]],
    }
    return press(client, url, "publish", **alert)


def answers(*scores: int) -> dict[str, str]:
    return {
        f"a.{item}": ANSWER_CODES[score].lower() for item, score in zip(ITEMS, scores, strict=True)
    }


def test_an_imported_measure_is_scored_banded_and_raises_the_private_alert(
    client, couple, signed_in, therapist
):
    draft_url = upload(signed_in, nine_item_questionnaire())
    assert "/worksheets/builder/" in draft_url
    page = signed_in.get(draft_url).get_data(as_text=True)
    assert "Tandem filled in placeholders for" in page and "Therapist guide" in page
    published = complete_in_builder(signed_in, draft_url)
    custom = db.session.scalar(select(CustomWorksheet))
    assert published.endswith(f"/worksheets/own/{custom.id}"), published
    ws = library.own_entry(therapist, custom.id).worksheet
    assert ws.item(ITEMS[0]).fhir.link_id == "/44251-9"

    alex = couple.partners[0]
    first = factories.make_assignment_of(couple, [ws])
    tokens = factories.client_tokens(first)
    send(client, tokens[0], answers(1, 1, 1, 1, 1, 1, 1, 1, 0))  # 8: Mild
    send(client, tokens[1], answers(0, 0, 1, 0, 0, 1, 0, 0, 0))  # 2: Minimal
    backdate(first, MARCH)
    second = factories.make_assignment_of(couple, [ws])
    tokens = factories.client_tokens(second)
    send(client, tokens[0], answers(2, 2, 2, 2, 2, 2, 2, 2, 1))  # 17: Moderately severe
    backdate(second, APRIL)

    (alert,) = db.session.scalars(select(SafetyAlert))
    assert alert.item_ids == [ITEMS[-1]] and alert.urgency == "urgent"
    assert alert.response.partner_id == alex.id

    page = signed_in.get(f"/review/assignments/{second.id}").get_data(as_text=True)
    card = page[page.index('class="score-card"') : page.index("</table>", page.index("score-card"))]
    assert "17 of 27 (Moderately severe)" in card
    assert "Since last time: 8 to 17: reliable deterioration" in card
    assert "Answers that raised a private alert" in page and "Placeholder question 9" in page
    history = signed_in.get(f"/review/couples/{couple.id}").get_data(as_text=True)
    assert "8 of 27 (Mild)" in history and "2 of 27 (Minimal)" in history
    therapist_copy = signed_in.get(
        f"/couples/{couple.id}/handouts/session.pdf",
        query_string={"version": "therapist", "assignment": [first.id, second.id]},
    )
    text = pdf_text(therapist_copy.data)
    assert "17 of 27 (Moderately severe)" in text and "reliable deterioration" in text
    # A private measure never reaches the screen both partners see.
    session = signed_in.get(f"/review/assignments/{second.id}/session").get_data(as_text=True)
    assert "of 27" not in session and "Nine item measure" not in session

    # Every export passes both validators, with the other system's linkIds and codes.
    questionnaire = to_questionnaire(ws)
    Questionnaire.model_validate(questionnaire)
    bundle = json.loads(signed_in.get(f"/couples/{couple.id}/record.fhir.json").data)
    Bundle.model_validate(bundle)
    resources = [entry["resource"] for entry in bundle["entry"]]
    assert independent_fhir_problems([questionnaire, *resources]) == [
        [] for _ in range(len(resources) + 1)
    ]
    response = next(r for r in resources if r["resourceType"] == "QuestionnaireResponse")
    section = response["item"][0]
    assert section["linkId"] == "/44249-1"
    assert section["item"][0]["linkId"] == "/44251-9"
    assert section["item"][0]["answer"][0]["valueCoding"]["system"] == "http://loinc.org"


def test_the_session_view_shows_a_score_only_for_the_partner_who_shared_it(
    client, couple, signed_in, therapist
):
    """Without an alert the measure may be shared; the screen both partners see shows a
    score only where its partner shared every question, with no flags and no earlier score."""
    resource = nine_item_questionnaire()
    draft_url = upload(signed_in, resource)
    url = press(
        signed_in,
        draft_url,
        "add:scoring.scores",
        **{"scoring.about": "Placeholder measure for tests."},
    )
    score = {
        "scoring.scores.0.label": "Total",
        "scoring.scores.0.items": list(ITEMS),  # ticked in the list of questions
        "scoring.scores.0.higher_is": "worse",
        "guide.how_to_use": "Placeholder guide.",
        "guide.look_for": "Placeholder guide.",
        "guide.when_not_to_use": "Placeholder guide.",
    }
    press(signed_in, url, "publish", **score)
    ws = library.own_entry(therapist, db.session.scalar(select(CustomWorksheet.id))).worksheet
    assignment = factories.make_assignment_of(couple, [ws])
    alex, sam = couple.partners
    sheet = assignment.worksheets[0]
    alex_answers = {i: ANSWER_CODES[1].lower() for i in ITEMS}  # 9
    sam_answers = {i: ANSWER_CODES[2].lower() for i in ITEMS}  # 18
    factories.answer_worksheet(sheet, alex, alex_answers, shared=all)
    factories.answer_worksheet(sheet, sam, sam_answers, shared=set(ITEMS[:8]))
    session = signed_in.get(f"/review/assignments/{assignment.id}/session").get_data(as_text=True)
    card = session[session.index('class="score-card"') :]
    assert "9 of 27" in card and "18 of 27" not in card
    assert "Placeholder measure for tests." not in session  # the therapist's note on the scores
    review = signed_in.get(f"/review/assignments/{assignment.id}").get_data(as_text=True)
    assert "9 of 27" in review and "18 of 27" in review
