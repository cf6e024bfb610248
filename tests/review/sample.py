"""A small worksheet with one item of every type a partner answers alone, and answers to it,
for the review tests (an agreement is made together: tests/client/test_agreements.py)."""

from clinic.worksheets.loader import load_text

SAMPLE_YAML = """
id: review-sample
version: 1
title: Review sample
purpose: Every item type once.
minutes: 5
themes: [boundaries]
answered_by: each_partner
instructions: Answer alone.
guide: {how_to_use: Alone first., look_for: Limits., when_not_to_use: Coercion.}
discussion_prompts: ["What did you notice?"]
sections:
  - id: main
    title: Main
    items:
      - {id: word, type: short_text, prompt: One word for this week}
      - {id: story, type: long_text, prompt: Describe a moment}
      - id: who
        type: single_choice
        prompt: Who decides?
        options: [{value: me, label: I do}, {value: partner, label: My partner does}]
      - id: times
        type: multiple_choice
        prompt: Good times to talk
        options: [{value: evening, label: Evenings}, {value: walk, label: On a walk}]
      - {id: closeness, type: scale, prompt: Closeness, min: 0, max: 10,
         min_label: Not at all, max_label: A lot}
      - id: grid
        type: boundary_grid
        prompt: How do you feel about these?
        rows: [{id: kiss, label: Kissing}, {id: hold, label: Holding hands},
               {id: bath, label: Bathing together}, {id: film, label: Filming}]
      - id: words
        type: reframe
        prompt: Say it another way
        phrases: [{id: late, text: You are always late.}]
        allow_own: true
"""


def sample_worksheet():
    return load_text(SAMPLE_YAML, "review-sample.yaml")


def grid(**rows):
    """``grid(kiss="yes", film=("no", True))`` -> a stored boundary-grid value."""
    value = {}
    for row, answer in rows.items():
        answer, firm = answer if isinstance(answer, tuple) else (answer, False)
        value[row] = {"answer": answer, "non_negotiable": firm}
    return value


def full_answers(marker: str) -> dict:
    """An answer to every sample item, each carrying ``marker`` or a choice unique to it."""
    return {
        "word": f"{marker}-word",
        "story": f"{marker}-story: you always rush.",
        "who": "me",
        "times": ["evening"],
        "closeness": 7,
        "grid": grid(kiss="yes", hold="yes", bath="maybe", film="no")
        | {"kiss": {"answer": "yes", "non_negotiable": False, "note": f"{marker}-note"}},
        "words": {
            "late": {"rewrite": f"{marker}-rewrite: I feel worried when plans change."},
            "own": {"original": f"{marker}-original", "rewrite": f"{marker}-own-rewrite"},
        },
    }
