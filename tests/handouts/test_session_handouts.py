"""Session handouts read back from the PDF: the joint copy has shared answers, nothing private."""

from clinic.handouts import service
from tests import factories
from tests.handouts import sample
from tests.handouts.hostile import hostile_text
from tests.helpers import image_count, pdf_text, read_pdf


def render(couple, assignment, version: str) -> bytes:
    return service.session_handout_pdf(service.build_handout(couple, [assignment.id], version))


def test_the_joint_handout_shows_shared_answers_side_by_side_and_nothing_private(session):
    couple, assignment = session
    text = pdf_text(render(couple, assignment, "joint"))

    # Shared by both: side by side, with the comparison and the discussion prompts.
    assert "We don't bring up old fights." in text and "Either of us can ask to continue" in text
    assert "Plan one calm check-in on Sunday walks." in text
    assert "A limit to respect" in text and "Both yes" in text
    assert "Which rules did you both pick, and which one matters most to each of you?" in text
    # Never a private answer, and never the therapist's material.
    for marker in sample.PRIVATE_MARKERS:
        assert marker not in text
    assert "Lonely, a bit scared." not in text  # private to Alex
    assert "Sam named the sulking" not in text  # a session note
    assert "How to use" not in text and "therapist only" not in text


def test_an_item_only_one_partner_shared_is_left_out_entirely(session):
    couple, assignment = session
    text = pdf_text(render(couple, assignment, "joint"))
    # Alex shared "had-more-say", Sam did not: neither answer is printed, nor is the prompt.
    assert "When I decide we are too tired" not in text
    assert "had more say than your partner" not in text
    # Sam shared "felt-small", Alex did not.
    assert "you change the subject" not in text


def test_the_joint_handout_waits_until_every_partner_has_submitted(therapist):
    couple = factories.make_couple(therapist)
    assignment = factories.make_assignment(couple, ("power-patterns",))
    sheet, (alex, sam) = assignment.worksheets[0], couple.partners
    factories.answer_worksheet(sheet, alex, {"feelings": "Hopeful-ALEX"}, shared=all)
    factories.answer_worksheet(sheet, sam, {"feelings": "Draft-SAM"}, shared=all, submit=False)
    joint = pdf_text(render(couple, assignment, "joint"))
    assert "Hopeful-ALEX" not in joint and "Draft-SAM" not in joint
    assert "No shared answers to show from this worksheet yet." in joint

    therapist_copy = pdf_text(render(couple, assignment, "therapist"))
    assert "Hopeful-ALEX" in therapist_copy and "Draft-SAM" in therapist_copy
    assert "In progress" in therapist_copy


def test_answers_a_couple_wrote_together_are_printed_once_submitted(therapist):
    couple = factories.make_couple(therapist)
    assignment = factories.make_assignment(couple, ("conflict-pre-agreement",))
    sheet = assignment.worksheets[0]
    answers = {"hot-topics": "Money-TOGETHER and who starts sex."}
    # The client pages store what a couple writes together as shareable.
    factories.answer_worksheet(sheet, None, answers, shared=all, submit=False)
    assert "Money-TOGETHER" not in pdf_text(render(couple, assignment, "joint"))
    factories.answer_worksheet(sheet, None, answers, shared=all)
    assert "Money-TOGETHER and who starts sex." in pdf_text(render(couple, assignment, "joint"))


def test_the_therapist_copy_holds_everything_with_guide_notes_marks_and_trends(session):
    couple, assignment = session
    text = pdf_text(render(couple, assignment, "therapist"))
    for marker in sample.PRIVATE_MARKERS:
        assert marker in text
    assert "For the therapist only" in text and "therapist only" in text
    assert "When not to use" in text  # the worksheet's guide
    assert "Sam named the sulking himself" in text  # the session note
    assert "Absolute word" in text  # a language mark ("never", "always")
    assert "Over time: When this pattern shows up, how much do you trust your partner?" in text


def test_handouts_have_the_couple_in_the_running_header_but_not_in_the_metadata(session):
    couple, assignment = session
    for version in service.VERSIONS:
        reader = read_pdf(render(couple, assignment, version))
        pages = [page.extract_text() for page in reader.pages]
        assert len(pages) >= 3
        assert couple.label in pages[1] and f"Page 2 of {len(pages)}" in pages[1]
        info = reader.metadata
        assert info.title == "Session handout" and info.subject is None and info.author is None
        xmp = reader.trailer["/Root"]["/Metadata"].get_object().get_data()
        for name in (couple.label, "Alex", "Sam"):
            assert name.encode() not in xmp


def test_client_text_that_looks_like_markup_is_printed_as_text_and_fetches_nothing(
    therapist, http_server
):
    couple = factories.make_couple(therapist)
    assignment = factories.make_assignment(couple, ("power-patterns",))
    sheet, (alex, sam) = assignment.worksheets[0], couple.partners
    payload = hostile_text(http_server.url)
    for partner in (alex, sam):
        factories.answer_worksheet(sheet, partner, {"small-change": payload}, shared=all)

    for version in service.VERSIONS:
        pdf = render(couple, assignment, version)
        assert http_server.hits == []
        assert image_count(pdf) == 0
        text = pdf_text(pdf)
        assert '<img src="file:///etc/passwd">' in text  # shown as the characters typed
        assert "root:" not in text


def test_a_paper_size_setting_of_letter_prints_on_letter(app, session):
    couple, assignment = session
    app.config["PAPER_SIZE"] = "Letter"
    box = read_pdf(render(couple, assignment, "joint")).pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (612, 792)


def test_a_worksheet_assigned_again_prints_its_guide_chart_and_prompts_once(session):
    couple, _assignment = session
    every = [a.id for a in couple.assignments]
    assert len(every) == 3  # two earlier rounds of the power-patterns worksheet, then this one
    handout = service.build_handout(couple, every, "therapist")
    titles = [printed.ws.title for printed in handout.worksheets]
    assert titles.count("Noticing power patterns") == 3
    text = pdf_text(service.session_handout_pdf(handout))
    assert text.count("When not to use") == 3  # one guide for each of the three worksheets
    assert text.count("Over time: When this pattern shows up") == 1
    assert text.count("How can you point out the pattern to each other") == 1
    # The earlier rounds asked only about trust: the rest is listed, not printed blank.
    assert "Not answered by anyone yet: Describe a time you felt small" in text
