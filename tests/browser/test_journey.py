"""The whole path a therapist and a couple take, in a real browser."""

import pypdf
import pytest
from playwright.sync_api import expect

from tests.browser.fixtures import ARTIFACTS
from tests.browser.steps import autosaved, open_link_again, sign_in

ARTIFACTS_PDF = ARTIFACTS / "handouts"

pytestmark = pytest.mark.browser

CONSENT = "Consent check-in"
SMALL_WINS = "Small wins"


def add_couple(page, label, first, second, notes=""):
    page.get_by_role("link", name="Add a couple").click()
    page.get_by_label("Label").fill(label)
    names = page.get_by_label("Name shown to you")
    names.nth(0).fill(first)
    names.nth(1).fill(second)
    if notes:
        page.get_by_label("Private notes").fill(notes)
    page.get_by_role("button", name="Save").click()
    page.get_by_role("heading", name=label).wait_for()


def assign(page, titles, note):
    """From a couple's page: assign worksheets; returns each partner's link from the links page."""
    page.get_by_role("link", name="Assign worksheets").click()
    for title in titles:
        page.locator("label.check", has_text=title).get_by_role("checkbox").check()
    page.get_by_label("A short personal note").fill(note)
    page.get_by_role("button", name="Assign and make links").click()
    page.locator("#links-once-warning").wait_for()
    return {
        card.get_by_role("heading").inner_text(): card.locator("input.link-url").input_value()
        for card in page.locator(".issued-link").all()
    }


def answer(page, prompt, text):
    field = page.get_by_label(prompt)
    field.fill(text)
    return field


def test_therapist_signs_in_with_the_demo_login_and_adds_a_couple(demo_server, desktop, shoot):
    page = desktop
    page.goto(demo_server.url)
    shoot(page, "sign-in")
    sign_in(page, demo_server)

    add_couple(page, "Couple C", "Morgan", "Kai", "Referred by their GP; first session Tuesday.")
    assert page.get_by_text("Couple added.").is_visible()
    shoot(page, "couple")

    page.get_by_role("link", name="Couples", exact=True).click()
    cards = page.locator(".cards .card")
    assert cards.filter(has_text="Couple C").get_by_text("Morgan · Kai").is_visible()
    shoot(page, "couples", readme="couples.png")


def test_a_couple_completes_two_worksheets_on_their_phones_and_the_therapist_reviews_them(
    demo_server, desktop, new_phone, shoot
):
    therapist = desktop
    sign_in(therapist, demo_server)
    add_couple(therapist, "Couple C", "Morgan", "Kai")
    links = assign(therapist, [CONSENT, SMALL_WINS], "Take your time; answer on your own.")
    assert set(links) == {"Morgan", "Kai"}
    assert all(demo_server.url + "/w/" in url for url in links.values())
    shoot(therapist, "links", readme="links.png")

    # Morgan starts on the bus, saves, closes the page ...
    morgan = new_phone()
    morgan.goto(links["Morgan"])
    assert morgan.title() == "Worksheet"
    morgan.get_by_text("Take your time; answer on your own.").wait_for()
    shoot(morgan, "morgan-overview", readme="client-overview.png")
    morgan.get_by_role("link", name=CONSENT).click()
    answer(morgan, "What feels good or inviting to you these days?", "Slow mornings together.")
    autosaved(morgan)
    answer(morgan, "Which limits should stay in place for now?", "No surprises in public.")
    morgan.get_by_role("button", name="Save and finish later").click()
    morgan.get_by_text("Saved. You can close this page").wait_for()
    morgan.context.close()

    # ... and finishes at home: after one tap on the neutral Continue page, everything is
    # still there.
    morgan = new_phone()
    open_link_again(morgan, links["Morgan"])
    morgan.get_by_role("link", name=CONSENT).click()
    assert morgan.get_by_label("What feels good or inviting").input_value() == (
        "Slow mornings together."
    )
    assert morgan.get_by_label("Which limits should stay").input_value() == (
        "No surprises in public."
    )
    assert morgan.locator("#progress-text").inner_text() == "2 of 10 answered"
    answer(morgan, "What would break your trust if it happened?", "Being pushed after a no.")
    morgan.locator("#ws-item-feels-good").get_by_label("My partner may see this answer").check()
    autosaved(morgan)
    shoot(morgan, "morgan-consent", readme="client-worksheet.png")  # from the top, as it opens
    morgan.get_by_role("button", name="Send to my therapist").click()
    morgan.get_by_text("Thank you. Your answers were sent").wait_for()
    complete_small_wins(morgan, "You listened when I said I was tired.")
    shoot(morgan, "morgan-done")

    # Kai does both in one go, on another phone.
    kai = new_phone()
    kai.goto(links["Kai"])
    kai.get_by_role("link", name=CONSENT).click()
    assert kai.get_by_label("What feels good or inviting").input_value() == ""
    answer(kai, "What feels good or inviting to you these days?", "Cooking together.")
    kai.locator("#ws-item-feels-good").get_by_label("My partner may see this answer").check()
    answer(kai, "Which limits should stay in place for now?", "Nothing after midnight.")
    autosaved(kai)
    kai.get_by_role("button", name="Send to my therapist").click()
    kai.get_by_text("Thank you. Your answers were sent").wait_for()
    complete_small_wins(kai, "You asked before planning my weekend.")
    shoot(kai, "kai-done")

    # The therapist sees both partners' worksheets as submitted ...
    therapist.get_by_role("link", name="Done").click()
    statuses = therapist.locator(".status-table .status-cell .badge")
    assert statuses.all_inner_texts() == ["Submitted"] * 4
    shoot(therapist, "statuses", readme="assignment-status.png")

    # ... reads every answer side by side, private ones included ...
    therapist.get_by_role("link", name="Couple C").first.click()
    therapist.get_by_role("link", name="Answers side by side").click()
    therapist.get_by_role("heading", name="Review: Couple C").wait_for()
    for text in ("Slow mornings together.", "Cooking together.", "No surprises in public."):
        expect(therapist.locator(".answer-cell", has_text=text).first).to_be_visible()
    consent_review = therapist.get_by_role("heading", name=CONSENT).first
    shoot(therapist, "review", readme="review.png", start_at=consent_review)

    # ... and downloads both handouts: the joint one holds shared answers only.
    therapist.get_by_role("link", name="Back to the couple").click()
    therapist.get_by_role("link", name="Print").click()
    shoot(therapist, "print")
    joint = download_pdf_text(therapist, "joint")
    assert "Slow mornings together." in joint and "Cooking together." in joint
    for private in ("No surprises in public.", "Nothing after midnight.", "pushed after a no"):
        assert private not in joint
    therapist_copy = download_pdf_text(therapist, "therapist")
    for text in ("Slow mornings together.", "No surprises in public.", "pushed after a no"):
        assert text in therapist_copy


def download_pdf_text(page, version: str) -> str:
    """Downloads the session handout in one version; returns its text, spaces normalised."""
    page.locator(f"#version-{version}").check()
    # Rendering takes seconds on a busy machine: the click waits for the form's answer.
    with page.expect_download(timeout=60_000) as download:
        page.get_by_role("button", name="Download PDF").first.click(timeout=60_000)
    path = download.value.path()
    ARTIFACTS_PDF.mkdir(parents=True, exist_ok=True)
    download.value.save_as(ARTIFACTS_PDF / f"session-handout-{version}.pdf")
    reader = pypdf.PdfReader(path)
    assert reader.pages, "an empty PDF"
    return " ".join(" ".join(sheet.extract_text().split()) for sheet in reader.pages)


def complete_small_wins(page, felt_heard):
    """From the overview: "Send" first without the required answer, then with it."""
    page.get_by_role("link", name=SMALL_WINS).click()
    page.get_by_role("button", name="Send to my therapist").click()
    page.locator("#ws-item-felt-heard .error").wait_for()  # a required answer is missing
    answer(page, "Describe a moment when you felt heard", felt_heard)
    page.get_by_role("button", name="Send to my therapist").click()
    page.get_by_text("Thank you. Your answers were sent").wait_for()
    assert page.locator(".badge.ok", has_text="Sent").count() == 2
