"""Alert rules and private_only in the worksheet format: what an author may write, what fires."""

import hashlib
import json

import pytest
import yaml

from clinic.safety.alerts import raised_alerts
from clinic.worksheets.loader import BUILTIN_DIR, WorksheetError, builtin_library, load_text

CHECK_IN_SOURCE = (BUILTIN_DIR / "safety-check-in.yaml").read_text(encoding="utf-8")
OTHER_SOURCE = (BUILTIN_DIR / "consent-check-in.yaml").read_text(encoding="utf-8")


def problems(data: dict) -> list[str]:
    with pytest.raises(WorksheetError) as caught:
        load_text(yaml.safe_dump(data), "t.yaml")
    return [str(p) for p in caught.value.problems]


def check_in(**changes) -> dict:
    data = yaml.safe_load(CHECK_IN_SOURCE)
    data.update(changes)
    return data


@pytest.fixture(scope="module")
def ws():
    return load_text(CHECK_IN_SOURCE)


class TestTheBuiltInCheckIn:
    def test_is_answered_by_each_partner_alone_and_never_shared(self):
        ws = builtin_library()["safety-check-in"]
        assert ws.answered_by == "each_partner" and ws.private_only

    def test_asks_about_safety_fear_sex_control_and_safe_contact(self, ws):
        texts = " ".join(ws.client_texts()).lower()
        for topic in ("feel at home", "afraid", "into sex", "money", "phone", "where i go"):
            assert topic in texts, topic
        for topic in ("friends or family", "by e-mail", "by text message", "safest way"):
            assert topic in texts, topic

    def test_guide_says_what_it_is_not_and_to_see_each_partner_alone(self, ws):
        guide = " ".join(ws.guide.model_dump().values())
        assert "conversation aid" in guide
        assert "not a validated instrument" in guide and "not a crisis service" in guide
        assert "see each partner alone" in guide

    def test_every_answer_that_signals_danger_raises_an_alert(self, ws):
        cases = {
            "safe-at-home": ("unsafe", "urgent"),
            "afraid": ("always", "urgent"),
            "forced": ("recent", "urgent"),
            "pressure": (3, "soon"),
            "controls": (["contacts"], "soon"),
            "email-safe": ("unsure", "review"),
            "text-safe": ("no", "review"),
            "anything-else": ("Something", "review"),
        }
        for item_id, (value, urgency) in cases.items():
            raised = raised_alerts(ws, {item_id: value})
            assert [(a.item_id, a.urgency) for a in raised] == [(item_id, urgency)], item_id

    def test_calm_answers_raise_nothing(self, ws):
        calm = {
            "safe-at-home": "safe",
            "afraid": "rarely",
            "pressure": 1,
            "forced": "no",
            "controls": ["none"],
            "email-safe": "yes",
            "text-safe": "yes",
            "best-way": "E-mail is fine",
        }
        assert raised_alerts(ws, calm) == []


class TestEvaluation:
    def test_scales_compare_with_at_least_and_at_most(self, ws):
        data = check_in(alerts=[{"item": "pressure", "at_most": 1, "urgency": "review"}])
        low = load_text(yaml.safe_dump(data))
        assert [a.urgency for a in raised_alerts(low, {"pressure": 0})] == ["review"]
        assert raised_alerts(low, {"pressure": 2}) == []
        assert [a.item_id for a in raised_alerts(ws, {"pressure": 2})] == ["pressure"]
        assert raised_alerts(ws, {"pressure": 1}) == []

    def test_a_stored_number_given_as_text_still_counts(self, ws):
        assert [a.item_id for a in raised_alerts(ws, {"pressure": "4"})] == ["pressure"]

    def test_values_that_no_longer_fit_raise_nothing_and_never_fail(self, ws):
        odd = {"afraid": ["often"], "pressure": "lots", "controls": "phone", "forced": 3}
        assert raised_alerts(ws, odd) == []

    def test_blank_text_is_not_an_answer(self, ws):
        assert raised_alerts(ws, {"anything-else": "   "}) == []


class TestAuthorsMistakes:
    def test_a_private_worksheet_cannot_be_answered_together(self):
        assert problems(check_in(answered_by="couple")) == [
            "t.yaml:answered_by: a private_only worksheet is answered by each partner alone; "
            "use 'each_partner'"
        ]

    def test_alerts_need_a_private_worksheet(self):
        data = yaml.safe_load(OTHER_SOURCE)
        data["alerts"] = [{"item": "saying-no", "answered": True, "urgency": "review"}]
        assert problems(data) == [
            "t.yaml:private_only: a worksheet with alerts must be 'private_only: true', so that "
            "answers which raise an alert never reach the other partner"
        ]

    def test_every_bad_rule_is_reported_with_its_place(self):
        data = check_in(
            alerts=[
                {"item": "afraid", "any_of": ["often"], "urgency": "urgent"},
                {"item": "nowhere", "answered": True, "urgency": "soon"},
                {"item": "pressure", "at_most": 9, "urgency": "soon"},
                {"item": "best-way", "at_least": 1, "urgency": "soon"},
                {"item": "afraid", "urgency": "soon"},
            ]
        )
        assert problems(data) == [
            "t.yaml:alerts[4]: give exactly one condition: any_of, at_least, at_most or answered",
        ]
        del data["alerts"][4]
        assert problems(data) == [
            "t.yaml:alerts[1].item: no item 'nowhere' in this worksheet",
            "t.yaml:alerts[2].at_most: 9 is outside the scale of item 'pressure' (0 to 4), so "
            "this alert could never be raised",
            "t.yaml:alerts[3].at_least: item 'best-way' is a short_text; at_least works with "
            "scale items only",
        ]

    def test_answered_false_and_repeated_values_are_refused(self):
        data = check_in(
            alerts=[
                {"item": "afraid", "answered": False, "urgency": "soon"},
                {"item": "afraid", "any_of": ["often", "often"], "urgency": "soon"},
            ]
        )
        assert problems(data) == [
            "t.yaml:alerts[0]: 'answered: false' never raises an alert; use 'answered: true'",
            "t.yaml:alerts[1]: value 'often' is used more than once",
        ]

    def test_private_only_is_never_coerced(self):
        assert problems(check_in(private_only="yes")) == [
            "t.yaml:private_only: expected true or false, got text"
        ]


def test_worksheets_that_do_not_use_the_new_fields_keep_their_content_hash():
    """Answers stored before private_only and alerts existed still name the text they answered
    (the file's later translations taken out again)."""
    untranslated = yaml.safe_load(OTHER_SOURCE)
    untranslated.pop("translations", None)
    ws = load_text(yaml.safe_dump(untranslated))
    before = _without_later_fields(
        ws.model_dump(
            mode="json", exclude={"private_only", "alerts", "search_aliases", "translations"}
        )
    )
    canonical = json.dumps(before, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert ws.content_hash() == hashlib.sha256(canonical.encode("utf-8")).hexdigest()
    spelled_out = untranslated | {"private_only": False, "alerts": [], "translations": {}}
    assert load_text(yaml.safe_dump(spelled_out)).content_hash() == ws.content_hash()


def _without_later_fields(node):
    """The dump as it was before scoring, show_if, option scores and FHIR origins existed (all
    unset here)."""
    if isinstance(node, dict):
        return {
            k: _without_later_fields(v)
            for k, v in node.items()
            if not (k in {"scoring", "show_if", "score", "fhir", "code"} and v is None)
        }
    if isinstance(node, list):
        return [_without_later_fields(v) for v in node]
    return node


def test_the_new_fields_change_the_hash_when_set(ws):
    data = check_in()
    data["alerts"] = data["alerts"][:-1]
    assert load_text(yaml.safe_dump(data)).content_hash() != ws.content_hash()
