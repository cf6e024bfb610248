"""A partner answers in Spanish on a phone; the therapist reviews in English and prints the
partner's blank worksheet and the joint handout in Spanish (issue #18)."""

import pypdf
import pytest

from tests import factories
from tests.browser.fixtures import ARTIFACTS
from tests.browser.steps import sign_in

pytestmark = pytest.mark.browser

SPANISH_TITLE = "Chequeo mensual"
SPANISH_QUESTION = "¿Cuánta cercanía sentiste con tu pareja?"
ENGLISH_QUESTION = "How close did you feel to your partner?"
ANA_WROTE = "Cocinamos juntos el domingo."
SCALES = {"closeness": 8, "heard": 7, "fairness": 6, "safety": 9}


def spanish_link(server):
    """A couple whose first partner reads Spanish, a monthly check-in, and both links; the
    second partner (English) has already sent answers shared with the first."""

    def create():
        therapist = factories.make_therapist(email="rosa@example.org")
        couple = factories.make_couple(
            therapist, label="R & S", partners=[("Ana", None), ("Ben", None)], languages=["es"]
        )
        assignment = factories.make_assignment(couple, slugs=["monthly-check-in"])
        tokens = factories.client_tokens(assignment)
        answers = {**SCALES, "small-win": "We cooked on Sunday."}
        [sheet] = assignment.worksheets
        factories.answer_worksheet(sheet, couple.partners[1], answers, shared=all)
        return couple.id, assignment.id, f"{server.url}/w/{tokens[0]}"

    return server.run(create)


def downloaded_text(page, button: str, name: str) -> tuple[str, str]:
    """Downloads one PDF of the print page; its text (spaces normalised) and its language."""
    # Rendering fonts for the first PDF of a fresh server takes a while on a busy machine.
    with page.expect_download(timeout=90_000) as download:
        page.locator(button).click(no_wait_after=True)
    folder = ARTIFACTS / "handouts"
    folder.mkdir(parents=True, exist_ok=True)
    download.value.save_as(folder / name)
    reader = pypdf.PdfReader(download.value.path())
    text = " ".join(" ".join(p.extract_text().split()) for p in reader.pages)
    return text, str(reader.trailer["/Root"].get("/Lang", ""))


def test_a_partner_answers_in_spanish_and_the_therapist_prints_in_spanish(
    live_server, phone, desktop, shoot, assert_accessible
):
    live_server.app.config["LANGUAGES"] = ("en", "es")
    couple_id, assignment_id, url = spanish_link(live_server)

    # Ana opens her link on her phone: the page and the worksheet speak Spanish.
    phone.goto(url)
    assert phone.locator("html").get_attribute("lang") == "es"
    phone.get_by_role("link", name=SPANISH_TITLE).click()
    phone.get_by_role("heading", name=SPANISH_TITLE).wait_for()
    assert phone.locator("#worksheet-text").get_attribute("lang") == "es"
    assert phone.get_by_text(SPANISH_QUESTION).is_visible()
    assert phone.get_by_text(ENGLISH_QUESTION).count() == 0
    assert phone.locator("#language-switch").is_visible()  # English is offered too
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    shoot(phone, "spanish-worksheet")
    assert_accessible(phone, "a worksheet in Spanish on a phone")

    for item, number in SCALES.items():
        phone.locator(f'label[for="f.a.{item}.{number}"]').click()
    phone.locator('textarea[name="a.small-win"]').fill(ANA_WROTE)
    phone.locator('input[name="share.small-win"]').check()
    for item in SCALES:
        phone.locator(f'input[name="share.{item}"]').check()
    shoot(phone, "answered")
    phone.locator("#submit-button").click()
    phone.locator("#sheet-list .badge.ok").wait_for()  # back on the list, marked as sent
    assert phone.locator("html").get_attribute("lang") == "es"
    shoot(phone, "sent")

    # The therapist reviews in English and sees which language Ana answered in.
    sign_in(desktop, live_server, "rosa@example.org", factories.PASSWORD)
    desktop.goto(f"{live_server.url}/review/assignments/{assignment_id}")
    desktop.get_by_text("answered in Spanish").wait_for()
    assert desktop.locator("html").get_attribute("lang") == "en"
    assert desktop.get_by_text(ENGLISH_QUESTION).first.is_visible()
    assert desktop.get_by_text(SPANISH_QUESTION).count() == 0
    assert desktop.get_by_text(ANA_WROTE).first.is_visible()  # her words, as she wrote them
    shoot(desktop, "review")

    # ... and prints Ana's blank worksheet and the joint handout in Spanish.
    desktop.goto(f"{live_server.url}/couples/{couple_id}/handouts")
    desktop.locator("#blank-worksheet").select_option(label="Monthly check-in")
    desktop.locator("#blank-language").select_option("es")
    blank, blank_lang = downloaded_text(desktop, "#download-blank", "blank-es.pdf")
    assert blank_lang == "es"
    assert SPANISH_TITLE in blank and SPANISH_QUESTION in blank and "Mucha cercanía" in blank
    assert ENGLISH_QUESTION not in blank

    desktop.locator("#version-joint").check()
    desktop.locator("#session-language").select_option("es")
    joint, joint_lang = downloaded_text(desktop, "#download-session", "joint-es.pdf")
    assert joint_lang == "es"
    assert SPANISH_TITLE in joint and SPANISH_QUESTION in joint
    assert ENGLISH_QUESTION not in joint
    assert ANA_WROTE in joint and "We cooked on Sunday." in joint  # each partner's as given
