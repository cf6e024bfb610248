"""The builder's FHIR upload as a therapist uses it: a Questionnaire opens as a draft, a file
that cannot be carried whole lists its problems in plain words and saves nothing."""

import io
import json

from sqlalchemy import func, select

from clinic.extensions import db
from clinic.models import WorksheetDraft
from tests.measures import nine_item_questionnaire

UPLOAD = "/worksheets/builder/fhir"


def upload(client, body: bytes):
    return client.post(UPLOAD, data={"file": (io.BytesIO(body), "questionnaire.json")})


def drafts() -> int:
    return db.session.scalar(select(func.count(WorksheetDraft.id)))


def test_the_builder_links_to_the_fhir_upload(signed_in):
    page = signed_in.get("/worksheets/builder/").get_data(as_text=True)
    assert f'href="{UPLOAD}"' in page
    assert 'id="fhir-upload-form"' in signed_in.get(UPLOAD).get_data(as_text=True)


def test_a_questionnaire_opens_as_a_draft_with_placeholders_named(signed_in):
    answer = upload(signed_in, json.dumps(nine_item_questionnaire()).encode())
    assert answer.status_code == 302 and drafts() == 1
    page = signed_in.get(answer.headers["Location"]).get_data(as_text=True)
    assert "Imported as a draft" in page and "Minutes it takes" in page
    assert "Placeholder question 9" in page and "/44259-9" in page  # the kept linkId


def test_problems_are_listed_and_nothing_is_saved(signed_in):
    resource = nine_item_questionnaire()
    resource["item"][1]["item"][0]["type"] = "attachment"
    resource["item"][1]["item"][1]["answerValueSet"] = "http://loinc.org/vs/LL358-3"
    answer = upload(signed_in, json.dumps(resource).encode())
    assert answer.status_code == 302 and answer.headers["Location"].endswith(UPLOAD)
    page = signed_in.get(UPLOAD).get_data(as_text=True)
    assert "could not be imported. Nothing was saved." in page
    assert "Tandem has no question of the FHIR type &#39;attachment&#39;" in page
    assert "http://loinc.org/vs/LL358-3" in page
    assert drafts() == 0
    assert "could not be imported" not in signed_in.get(UPLOAD).get_data(as_text=True)  # once


def test_bad_files_and_no_file_get_a_clear_message(signed_in):
    for body, message in [
        (b"<xml/>", "not valid JSON"),
        (b'{"resourceType": "Patient"}', "This is a Patient, not a FHIR Questionnaire."),
        (b"\x00\xff", "not text"),
    ]:
        upload(signed_in, body)
        assert message in signed_in.get(UPLOAD).get_data(as_text=True)
    answer = signed_in.post(UPLOAD, data={})
    assert answer.status_code == 302
    assert "Choose a FHIR Questionnaire file" in signed_in.get(UPLOAD).get_data(as_text=True)
    assert drafts() == 0
