"""An agreement two partners make on their own phones, and what the therapist sees of it."""

import subprocess

import pytest
from playwright.sync_api import expect

from clinic.storage import utcnow
from tests import factories
from tests.browser.fixtures import ARTIFACTS, PHONE, _new_page
from tests.browser.steps import sign_in
from tests.helpers import pdf_text

pytestmark = pytest.mark.browser

EMAIL = "agree-therapist@example.org"
PDF_MS = 60_000  # the first PDF of a process loads its fonts


def _setup():
    therapist = factories.make_therapist(email=EMAIL)
    couple = factories.make_couple(
        therapist, label="Rivers", partners=[("Alex", None), ("Sam", None)]
    )
    given = factories.give_links(couple, ("conflict-pre-agreement",))
    return given.assignment.id, given.assignment.worksheets[0].id, given.tokens


def _phone(browser, request):
    return _new_page(
        browser, request, viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=1
    )


def reviewed(page, clause):
    """One clause of the plan on the therapist's review or session page."""
    return page.locator(f"#review-clause-plan-{clause}")


def agree(page, clause):
    page.locator(f"#agree-plan-{clause}").click()
    expect(page.locator(f"#withdraw-plan-{clause}")).to_be_visible()


def test_two_partners_confirm_change_reconfirm_and_withdraw_an_agreement(
    live_server, browser, desktop, request, shoot, assert_accessible
):
    assignment_id, assigned_id, (token_a, token_b) = live_server.run(_setup)
    context_a, alex = _phone(browser, request)
    context_b, sam = _phone(browser, request)
    sheet_a, sheet_b = (f"{live_server.url}/w/{t}/1" for t in (token_a, token_b))

    # Alex fills in the plan and confirms every part.
    alex.goto(sheet_a)
    alex.locator("#f\\.a\\.plan\\.pause\\.word").fill("Pineapple")
    alex.locator("#f\\.a\\.plan\\.time-out\\.length").fill("20")
    alex.locator("#f\\.a\\.plan\\.follow-up\\.who").select_option("asked")
    alex.locator("#f\\.a\\.plan\\.follow-up\\.when").select_option("same-day")
    alex.locator("#f\\.a\\.plan\\.repair\\.phrase").fill("We are on the same side")
    for clause in ("pause", "time-out", "follow-up", "repair", "no-sex-to-fix", "impact"):
        agree(alex, clause)
    expect(alex.locator("#who-plan-pause")).to_contain_text("You confirmed on")
    expect(alex.locator("#who-plan-pause")).to_contain_text("Your partner has not confirmed yet")
    shoot(alex, "alex-confirmed")
    alex.get_by_role("button", name="Send to my therapist").click()
    expect(alex.get_by_text("Your answers were sent to your therapist")).to_be_visible()

    # The therapist's review and the joint handout: Alex confirmed today, Sam not yet.
    today = f"{utcnow().day} {utcnow():%b %Y}"
    sign_in(desktop, live_server, EMAIL, factories.PASSWORD)
    review = f"{live_server.url}/review/assignments/{assignment_id}"
    desktop.goto(review)
    expect(reviewed(desktop, "time-out")).to_contain_text(f"Alex confirmed on {today}")
    expect(reviewed(desktop, "time-out")).to_contain_text("Sam has not confirmed yet")
    shoot(desktop, "therapist-review-alex-confirmed")
    text = handout_text(desktop, live_server, assignment_id, "joint", "joint-1-alex-confirmed")
    assert f"Alex confirmed on {today}" in text and "Sam has not confirmed yet" in text
    assert "Not agreed yet" in text

    # Sam sees Alex's confirmations, changes the time-out and confirms everything.
    sam.goto(sheet_b)
    expect(sam.locator("#who-plan-time-out")).to_contain_text("Your partner confirmed on")
    sam.locator("#f\\.a\\.plan\\.time-out\\.length").fill("30")
    for clause in ("pause", "time-out", "follow-up", "repair", "no-sex-to-fix", "impact"):
        agree(sam, clause)
    expect(sam.locator("#who-plan-time-out")).to_contain_text(
        "Your partner confirmed an earlier version"
    )
    expect(sam.locator("#who-plan-pause")).to_contain_text("Your partner confirmed on")
    shoot(sam, "sam-changed-and-confirmed")

    # The therapist sees that Alex is asked again since today's change, and Sam confirmed.
    asked_again = f"Alex confirmed an earlier version; asked again since {today}"
    desktop.goto(review)
    expect(reviewed(desktop, "time-out")).to_contain_text(asked_again)
    expect(reviewed(desktop, "time-out")).to_contain_text(f"Sam confirmed on {today}")
    expect(reviewed(desktop, "pause")).to_contain_text(f"Alex confirmed on {today}")
    shoot(desktop, "therapist-review-asked-again")
    text = handout_text(desktop, live_server, assignment_id, "joint", "joint-2-asked-again")
    assert asked_again in text and "30 minutes" in text and "Not agreed yet" in text

    # Alex's next visit asks him to read the changed part again, and shows what changed.
    alex.goto(f"{live_server.url}/w/{token_a}")
    expect(alex.locator("#asked-again-1")).to_contain_text("A part you had confirmed has changed")
    shoot(alex, "alex-next-visit")
    alex.locator("#sheet-link-1").click()
    changed = alex.locator("#changed-plan-time-out")
    expect(changed).to_contain_text("This part changed after you confirmed it")
    expect(changed).to_contain_text("before 20 minutes, now 30 minutes")
    expect(alex.locator("#changed-plan-pause")).to_have_count(0)
    shoot(alex, "alex-asked-again")
    assert_accessible(alex, "an agreement that asks again after a change")
    agree(alex, "time-out")
    expect(alex.locator("#agreed-plan")).to_contain_text("You both agreed to all of this")
    alex.locator("#f\\.a\\.plan\\._again").fill("2027-03-01")
    alex.get_by_role("button", name="Save changes").click()
    expect(alex.get_by_text("Saved.")).to_be_visible()
    alex.goto(sheet_a)
    alex.locator("#read-plan").click()
    expect(alex.get_by_role("heading", name="Our agreement")).to_be_visible()
    expect(alex.locator(".agreement-state")).to_contain_text("To look at again on 1 Mar 2027")
    shoot(alex, "alex-reads-the-agreement")
    assert_accessible(alex, "the agreement to read and print")
    own_copy = alex.request.get(
        live_server.url + alex.locator("#agreement-pdf").get_attribute("href"), timeout=PDF_MS
    )
    own_text = pdf_text(own_copy.body())
    assert own_text.count("You confirmed on") == 6
    assert own_text.count("Your partner confirmed on") == 6
    assert "Alex" not in own_text and "Sam" not in own_text

    # The therapist's review, the joint handout and "Our agreement" show both confirmations.
    desktop.goto(review)
    expect(reviewed(desktop, "time-out")).to_contain_text(f"Alex confirmed on {today}")
    expect(reviewed(desktop, "time-out")).to_contain_text(f"Sam confirmed on {today}")
    expect(desktop.get_by_text("To look at again on 1 Mar 2027")).to_be_visible()
    shoot(desktop, "therapist-review-agreed")
    desktop.goto(f"{live_server.url}/review/assignments/{assignment_id}/session")
    expect(reviewed(desktop, "repair")).to_contain_text("Sam confirmed on")
    shoot(desktop, "therapist-session-view")
    text = handout_text(desktop, live_server, assignment_id, "joint", "joint-3-agreed")
    assert f"Alex confirmed on {today}" in text and f"Sam confirmed on {today}" in text
    assert "Agreed by both" in text and "withdrew" not in text and "asked again" not in text
    alone = desktop.request.get(
        f"{live_server.url}/assignments/{assignment_id}/worksheets/{assigned_id}/alone.pdf?item=plan",
        timeout=PDF_MS,
    )
    folder = ARTIFACTS / "agreements"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "our-agreement.pdf").write_bytes(alone.body())
    subprocess.run(
        ["pdftoppm", "-png", "-r", "60", str(folder / "our-agreement.pdf"), str(folder / "page")],
        check=True,
    )
    alone_text = pdf_text(alone.body())
    assert "Our agreement" in alone_text and "Pineapple" in alone_text
    assert alone_text.count("confirmed on") == 12

    # Alex withdraws one part, with no reason asked; Sam and the therapist see it and when.
    alex.goto(sheet_a)
    alex.locator("#withdraw-plan-pause").click()
    expect(alex.get_by_text("Your confirmation is withdrawn")).to_be_visible()
    expect(alex.locator("#who-plan-pause")).to_contain_text("You withdrew on")
    shoot(alex, "alex-withdrew")
    sam.goto(sheet_b)
    expect(sam.locator("#who-plan-pause")).to_contain_text("Your partner withdrew on")
    expect(sam.locator("#agreed-plan")).to_have_count(0)
    shoot(sam, "sam-sees-the-withdrawal")
    desktop.goto(review)
    expect(reviewed(desktop, "pause")).to_contain_text(f"Alex withdrew on {today}")
    expect(reviewed(desktop, "pause")).to_contain_text(f"Sam confirmed on {today}")
    shoot(desktop, "therapist-review-withdrawn")
    text = handout_text(desktop, live_server, assignment_id, "joint", "joint-4-withdrawn")
    assert f"Alex withdrew on {today}" in text and "Not agreed yet" in text
    text = handout_text(desktop, live_server, assignment_id, "therapist", "therapist-copy")
    assert f"Alex withdrew on {today}" in text and f"Sam confirmed on {today}" in text
    context_a.close()
    context_b.close()


def handout_text(desktop, server, assignment_id, version, name):
    """The session handout's text as pypdf reads it; the PDF is kept in the artifacts."""
    pdf = desktop.request.get(
        f"{server.url}/couples/{_couple_id(server, assignment_id)}/handouts/session.pdf",
        params={"version": version, "assignment": str(assignment_id)},
        timeout=PDF_MS,
    )
    assert pdf.ok
    folder = ARTIFACTS / "agreements"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.pdf").write_bytes(pdf.body())
    return pdf_text(pdf.body())


def _couple_id(server, assignment_id):
    from clinic.extensions import db
    from clinic.models import Assignment

    return server.run(lambda: db.session.get(Assignment, assignment_id).couple_id)
