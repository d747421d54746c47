"""The server-drawn SVG charts: what they draw, the table under each, and text that cannot break out."""

import re

from insights.charts import render_charts


def only(charts: dict):
    (chart,) = render_charts(charts)
    return chart


def test_the_progress_scatter_shades_the_on_track_band_and_colours_each_spot_by_its_band():
    chart = only({"progress": {"margin": 10, "early_below": 25, "points": [
        {"time_used": 80, "achieved": 20, "learners": 3, "band": "off_track"},
        {"time_used": 50, "achieved": 55, "learners": 1},  # 5 points apart: on track, worked out here
        {"time_used": 10, "achieved": 0, "learners": 2},  # under 25 % of the time: early
    ]}})
    svg = str(chart.svg)
    # The band |achieved - time used| < 10 is the hexagon (0,0) (10,0) (100,90) (100,100) (90,100) (0,10): in the
    # drawing x = 44 + 3.04 * t and y = 312 - 3.04 * a, so its second corner (10, 0) is at (74.4, 312.0).
    assert re.search(r'<polygon points="44\.0,312\.0 74\.4,312\.0 348\.0,38\.4 ', svg)
    assert svg.count("<circle") == 3
    assert '<title>80 %, 20 %: 3</title>' in svg
    assert 'fill="#a4161a"' in svg  # off track
    assert 'fill="none"' in svg  # early learners are hollow dots
    assert chart.columns == ["Time used (%)", "Achieved (%)", "Learners", "State"]
    assert ["80", "20", 3, "Off track"] in chart.rows and ["50", "55", 1, "On track"] in chart.rows
    assert "Off track: 3" in svg and "On track: 1" in svg  # the drawing's accessible summary


def test_the_achievement_chart_stacks_completed_withdrawn_and_in_learning_per_cohort():
    chart = only({"achievement_by_cohort": [
        {"cohort": "2025-09", "label": "Sep 2025", "completed": 2, "withdrawn": 1, "in_learning": 1},
        {"cohort": "2026-01", "label": "Jan 2026", "completed": 0, "withdrawn": 1, "in_learning": 3},
    ]})
    assert chart.columns == ["Cohort", "Completed", "Withdrawn", "In learning", "Total"]
    assert chart.rows == [["Sep 2025", "2", "1", "1", "4"], ["Jan 2026", "0", "1", "3", "4"]]
    # both bars total 4, the longest: each is the full 202 units wide (2 + 1 + 1 and 1 + 3 quarters of it)
    widths = [float(w) for w in re.findall(r'<rect x="[\d.]+" y="\d+" width="([\d.]+)"', str(chart.svg))]
    assert widths == [101.0, 50.5, 50.5, 50.5, 151.5]  # the zero is not drawn


def test_the_turnaround_chart_has_a_bar_per_assessor_in_bands_of_working_days():
    chart = only({"turnaround_by_assessor": [
        {"assessor": "Sam Assessor", "median": 3, "p90": 8,
         "bins": [{"label": "0–5", "count": 6}, {"label": "6–10", "count": 3}, {"label": "over 10", "count": 1}]},
    ]})
    assert chart.columns == ["Assessor", "0–5", "6–10", "over 10", "Total"]
    assert chart.rows == [["Sam Assessor", "6", "3", "1", "10"]]


def test_the_inactivity_chart_has_a_column_per_week():
    import datetime

    weeks = [{"week_ending": datetime.date(2026, 11, d), "learners": n} for d, n in ((17, 2), (24, 5))]
    chart = only({"inactivity": {"weeks": weeks}})
    assert chart.columns == ["Week ending", "Learners"]
    assert chart.rows == [["17 Nov", "2"], ["24 Nov", "5"]]
    assert str(chart.svg).count("<rect") == 2


def test_text_in_a_chart_is_escaped():
    chart = only({"planned_end": {"bands": [{"band": "x", "label": "<script>alert(1)</script>", "learners": 1}]}})
    assert "<script>" not in str(chart.svg) and "&lt;script&gt;" in str(chart.svg)
