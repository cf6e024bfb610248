"""The fixed words as enums: worksheet files and stored rows still hold the same plain words."""

import json
from pathlib import Path

import pytest
from sqlalchemy import text, update

from clinic.enums import AnsweredBy, ContactPreference, ResponseStatus, Urgency
from clinic.extensions import db
from clinic.models import Partner, Response
from clinic.safety import service as safety
from clinic.safety.alerts import most_pressing
from clinic.worksheets import loader
from clinic.worksheets.schema import Worksheet
from tests import factories

TOGETHER = Path(__file__).parent / "worksheets" / "broken" / "private-only-together.yaml"


def worksheet_yaml(answered_by: str) -> str:
    source = TOGETHER.read_text(encoding="utf-8")
    return source.replace("private_only: true", "private_only: false").replace(
        "answered_by: couple", f"answered_by: {answered_by}"
    )


@pytest.mark.parametrize("word", ["each_partner", "couple"])
def test_a_worksheet_file_names_who_answers_by_its_word_in_strict_mode(word):
    assert Worksheet.model_config["strict"] is True
    worksheet = loader.load_text(worksheet_yaml(word))
    assert worksheet.answered_by is AnsweredBy(word)
    # Stored definitions are JSON (clinic.worksheets.versions) and read back the same.
    dumped = worksheet.model_dump(mode="json")
    assert dumped["answered_by"] == word
    assert Worksheet.model_validate_json(json.dumps(dumped)).answered_by is AnsweredBy(word)


@pytest.mark.parametrize(
    ("word", "shown"), [("together", "'together'"), ("5", "5"), ("Couple", "'Couple'")]
)
def test_an_unknown_answered_by_keeps_its_message(word, shown):
    with pytest.raises(loader.WorksheetError) as caught:
        loader.load_text(worksheet_yaml(word))
    [problem] = caught.value.problems
    assert problem.location == "answered_by"
    assert problem.message == f"{shown} is not allowed here; use 'each_partner' or 'couple'"


def test_rows_hold_the_plain_words_and_read_back_as_members(couple):
    assignment = factories.make_assignment(couple)
    sheet = assignment.worksheets[0]
    response = sheet.responses[0]
    db.session.execute(
        update(Response).where(Response.id == response.id).values(status=ResponseStatus.IN_PROGRESS)
    )
    db.session.commit()
    stored = db.session.execute(
        text("SELECT status FROM responses WHERE id = :id"), {"id": response.id}
    ).scalar_one()
    assert type(stored) is str and stored == "in_progress"
    db.session.expire_all()
    assert response.status is ResponseStatus.IN_PROGRESS
    assert sheet.answered_by is AnsweredBy.EACH_PARTNER
    assert couple.partners[0].contact_preference is ContactPreference.NOT_ASKED


def test_an_unknown_contact_word_in_the_database_still_refuses_email(couple):
    partner = couple.partners[0]
    db.session.execute(
        text("UPDATE partners SET contact_preference = 'carrier_pigeon' WHERE id = :id"),
        {"id": partner.id},
    )
    db.session.commit()
    db.session.expire_all()
    partner = db.session.get(Partner, partner.id)
    assert partner.contact_preference == "carrier_pigeon"
    assert safety.email_refusal(partner) is not None


def test_urgencies_run_from_the_most_pressing():
    assert [u.rank for u in Urgency] == [0, 1, 2]
    assert most_pressing(["review", "urgent", "soon"]) is Urgency.URGENT
