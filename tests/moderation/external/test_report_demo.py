"""The demo's finished EQA report: signed and acknowledged, a few judgements, one amber rating, two action
points, made once however often the demo is seeded."""

import pytest

from leap import demo
from moderation.external.reports.models import EqaReport
from moderation.external.reports.selectors import report_figures

pytestmark = pytest.mark.django_db


def test_the_demo_grant_has_one_finished_report(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    demo.seed_demo()
    demo.seed_demo()
    report = EqaReport.objects.get(author__email=demo.EQA_EMAIL)
    assert report.status == EqaReport.Status.ACKNOWLEDGED and report.signed_name == "Chris Weber"
    figures = report_figures(report)
    assert figures.sample_size >= 1 and figures.overall == "amber"
    assert [r.rating for r in figures.ratings].count("amber") == 1
    assert report.action_points.count() == 2
