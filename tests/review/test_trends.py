"""Scale answers over time become an accessible SVG chart with a text alternative."""

import re
import xml.etree.ElementTree as ET
from datetime import UTC, date, datetime

from clinic.review.trends import Observation, Point, Series, Trend, collect_trends, render_svg
from clinic.worksheets.loader import load_text

SVG = "{http://www.w3.org/2000/svg}"
CHECK_IN = """
id: check-in-sample
version: {version}
title: Monthly check-in
purpose: How things are.
minutes: 5
themes: [check-in]
answered_by: each_partner
instructions: Alone.
guide: {{how_to_use: Monthly., look_for: Drops., when_not_to_use: Crisis.}}
discussion_prompts: [What changed]
sections:
  - id: main
    title: Main
    items:
      - {{id: closeness, type: scale, prompt: "{prompt}", min: 0, max: {top},
          min_label: Not at all, max_label: Very}}
      - {{id: note, type: short_text, prompt: Anything else}}
"""


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # noqa: S314 - our own output, not untrusted XML


def check_in(version=1, prompt="How close do you feel?", top=10):
    return load_text(CHECK_IN.format(version=version, prompt=prompt, top=top))


def at(month, day=1):
    return datetime(2026, month, day, 9, 0, tzinfo=UTC)


def observations(*rows, worksheet=None):
    ws = worksheet or check_in()
    return [Observation(ws, who, when, {"closeness": value}) for who, when, value in rows]


def sample_trend(names=("Alex", "Sam")):
    return Trend(
        "How close do you feel?",
        "Monthly check-in",
        0,
        10,
        "Not at all",
        "Very",
        (
            Series(names[0], (Point(at(1), 3), Point(at(2), 5), Point(at(3), 8))),
            Series(names[1], (Point(at(1, 3), 6),)),
        ),
    )


class TestCollectTrends:
    def test_one_series_per_partner_in_partner_order_oldest_first(self):
        obs = observations(
            ("Sam", at(2), 4), ("Alex", at(3), 7), ("Alex", at(1), 2), ("Sam", at(1), 5)
        )
        (trend,) = collect_trends(obs, ["Alex", "Sam"])
        assert trend.title == "How close do you feel?"
        assert [(s.name, [p.value for p in s.points]) for s in trend.series] == [
            ("Alex", [2, 7]),
            ("Sam", [5, 4]),
        ]

    def test_a_single_answer_is_not_yet_a_trend(self):
        assert collect_trends(observations(("Alex", at(1), 2), ("Sam", at(1), 5)), []) == []
        assert len(collect_trends(observations(("Alex", at(1), 2)), [], min_points=1)) == 1

    def test_only_scale_items_with_values_in_range_are_plotted(self):
        ws = check_in()
        obs = [
            Observation(ws, "Alex", at(1), {"closeness": 11, "note": "x"}),
            Observation(ws, "Alex", at(2), {"closeness": True}),
            Observation(ws, "Alex", at(3), {"closeness": 4}),
            Observation(ws, "Alex", at(4), {"closeness": 6}),
        ]
        (trend,) = collect_trends(obs, ["Alex"])
        assert [p.value for p in trend.series[0].points] == [4, 6]

    def test_versions_of_one_worksheet_form_one_trend_worded_as_the_newest(self):
        old, new = check_in(1, "Closeness?", top=5), check_in(2, "How close now?")
        obs = observations(("Alex", at(1), 5), worksheet=old) + observations(
            ("Alex", at(2), 9), worksheet=new
        )
        (trend,) = collect_trends(obs, ["Alex"])
        assert (trend.title, trend.minimum, trend.maximum) == ("How close now?", 0, 10)
        assert [p.value for p in trend.series[0].points] == [5, 9]


def test_the_table_has_a_row_per_day_and_a_column_per_partner():
    assert sample_trend().table() == [
        (date(2026, 1, 1), [3, None]),
        (date(2026, 1, 3), [None, 6]),
        (date(2026, 2, 1), [5, None]),
        (date(2026, 3, 1), [8, None]),
    ]


class TestSvg:
    def test_is_well_formed_svg_labelled_by_its_title_and_description(self):
        root = parse(render_svg(sample_trend(), "c1"))
        assert root.tag == f"{SVG}svg" and root.get("role") == "img"
        title_id, desc_id = root.get("aria-labelledby").split()
        assert root.find(f"{SVG}title").get("id") == title_id
        assert root.find(f"{SVG}title").text == "How close do you feel?"
        desc = root.find(f"{SVG}desc")
        assert desc.get("id") == desc_id
        assert "Alex: 3 answers from 1 Jan 2026 to 1 Mar 2026, starting at 3 and ending at 8" in (
            desc.text
        )
        assert "Sam: 1 answer, on 3 Jan 2026: 6." in desc.text

    def test_draws_a_line_per_partner_and_a_titled_marker_per_answer(self):
        root = parse(render_svg(sample_trend(), "c1"))
        assert len(root.findall(f"{SVG}polyline")) == 2
        tips = [t.text for t in root.iter(f"{SVG}title")][1:]
        assert tips == [
            "Alex, 1 Jan 2026: 3",
            "Alex, 1 Feb 2026: 5",
            "Alex, 1 Mar 2026: 8",
            "Sam, 3 Jan 2026: 6",
        ]

    def test_higher_values_are_drawn_higher(self):
        root = parse(render_svg(sample_trend(), "c1"))
        line = root.find(f"{SVG}polyline").get("points")
        ys = [float(pair.split(",")[1]) for pair in line.split()]
        assert ys[0] > ys[1] > ys[2]

    def test_client_text_is_escaped_and_ids_are_safe(self):
        svg = render_svg(sample_trend(("<script>alert(1)</script>", 'Sam & "Jo"')), 'x" onload="y')
        assert "<script" not in svg and ' onload="' not in svg
        root = parse(svg)
        names = [t.text for t in root.iter(f"{SVG}text")]
        assert "<script>alert(1)</script>" in names and 'Sam & "Jo"' in names

    def test_uses_no_style_attributes_or_scripts_for_the_strict_csp(self):
        svg = render_svg(sample_trend(), "c1")
        assert not re.search(r"\sstyle=|<style|<script|\son\w+=", svg)

    def test_a_single_day_of_answers_still_draws(self):
        trend = Trend("Q", "W", 0, 4, "Low", "High", (Series("Alex", (Point(at(1), 2),)),))
        root = parse(render_svg(trend, "one"))
        assert root.find(f"{SVG}polyline") is not None

    def test_weasyprint_can_embed_it_in_a_pdf(self):
        from weasyprint import HTML

        pdf = HTML(
            string=f"<html><body>{render_svg(sample_trend(), 'p')}</body></html>"
        ).write_pdf()
        assert pdf.startswith(b"%PDF")
