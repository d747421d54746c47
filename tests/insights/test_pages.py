"""The report pages: catalogue, one report with its filters, figures, formulas and charts, the drill-down to the
learners behind a figure; who counts whom; fixed query counts."""

import datetime
import re

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from centres.models import Role
from insights.reports.base import CATALOGUE, Filters, Report
from portfolios.models import Enrolment
from tests.conftest import client_for
from tests.factories import learner, staff
from tests.moderation.external.factories import make_grant
from tests.portfolios.factories import make_enrolment, make_spec

from .crowd import crowd
from .tiny_report import TINY

S = Enrolment.Status


@pytest.fixture
def centre(personas):
    """Four enrolments at the centre, one at another centre.

    HOSP: Maya (assessor, active), the second learner (assessor, withdrawn);
    CARE: Cara (second assessor, active), Dan (second assessor, completed).
    The other centre: its learner, active. So for the centre: 4 learners, 2 active, 50 %.
    """
    hosp, care = make_spec(personas.centre, code="HOSP"), make_spec(personas.centre, code="CARE")
    cara = learner(personas.centre, personas.second_assessor, first_name="Cara")
    dan = learner(personas.centre, personas.second_assessor, first_name="Dan")
    make_enrolment(personas.learner, personas.assessor, hosp)
    make_enrolment(personas.second_learner, personas.assessor, hosp, status=S.WITHDRAWN)
    make_enrolment(cara, personas.second_assessor, care)
    make_enrolment(dan, personas.second_assessor, care, status=S.COMPLETED, completed_at=timezone.now())
    make_enrolment(personas.other_centre_learner, personas.other_centre_assessor,
                   make_spec(personas.other_centre, code="HOSP"))
    return {"hosp": hosp, "care": care, "cara": cara, "dan": dan}


def figures_of(response) -> dict[str, str]:
    """Each figure's label and value as the page shows them."""
    html = response.content.decode()
    pairs = re.findall(r'<span class="mi-figure-label">([^<]+)</span><span class="mi-figure-value">([^<]+)</span>',
                       html)
    return dict(pairs)


def report_url(slug="tiny", **query) -> str:
    url = reverse("insights_report", args=[slug])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def test_the_catalogue_lists_every_report_with_a_link(personas, tiny_report):
    response = client_for(personas.admin).get(reverse("insights_home"))
    assert response.status_code == 200
    for report in CATALOGUE.values():
        assert f'href="{reverse("insights_report", args=[report.slug])}"' in response.content.decode()


def test_a_centre_admin_sees_each_figure_with_its_formula_and_how_it_is_counted(personas, centre, tiny_report):
    response = client_for(personas.admin).get(report_url())
    assert figures_of(response) == {"Learners": "4", "Active": "2", "Active share": "50%"}  # 2 of 4 active
    html = response.content.decode()
    assert "every enrolment" in html and "active ÷ learners" in html  # each figure's formula
    assert "How this is counted" in html and TINY.how_counted in html
    assert f'href="{reverse("insights_drill", args=["tiny", "active"])}"' in html
    # the share has no learner rows of its own: it links nowhere
    assert html.count('class="mi-figure-link"') == 2


def test_the_filters_narrow_every_figure_and_follow_the_drill_down_and_export_links(personas, centre, tiny_report):
    care = centre["care"].qualification_id
    response = client_for(personas.admin).get(report_url(qualification=care))
    assert figures_of(response) == {"Learners": "2", "Active": "1", "Active share": "50%"}  # Cara and Dan
    html = response.content.decode()
    assert f'{reverse("insights_drill", args=["tiny", "active"])}?qualification={care}' in html
    assert f'{reverse("insights_export", args=["tiny", "csv"])}?qualification={care}' in html
    by_status = client_for(personas.admin).get(report_url(status="active"))
    assert figures_of(by_status) == {"Learners": "2", "Active": "2", "Active share": "100%"}
    by_assessor = client_for(personas.admin).get(report_url(assessor=personas.assessor.pk))
    assert figures_of(by_assessor) == {"Learners": "2", "Active": "1", "Active share": "50%"}


def test_a_cohort_filters_by_the_start_month_and_a_bad_month_is_explained(personas, centre, tiny_report):
    start = Enrolment.objects.get(learner=centre["cara"]).start_date
    Enrolment.objects.filter(learner=centre["cara"]).update(start_date=start.replace(year=start.year - 1))
    response = client_for(personas.admin).get(report_url(cohort=f"{start.year - 1}-{start.month:02d}"))
    assert figures_of(response) == {"Learners": "1", "Active": "1", "Active share": "100%"}
    wrong = client_for(personas.admin).get(report_url(cohort="someday"))
    assert "Give the start month as year and month" in wrong.content.decode()
    assert figures_of(wrong)["Learners"] == "4"  # the bad filter is left out, the others apply


def test_an_assessor_counts_only_their_own_caseload_and_has_no_assessor_filter(personas, centre, tiny_report):
    response = client_for(personas.assessor).get(report_url())
    assert figures_of(response) == {"Learners": "2", "Active": "1", "Active share": "50%"}  # Maya, the second
    assert 'name="assessor"' not in response.content.decode()
    assert 'name="assessor"' in client_for(personas.admin).get(report_url()).content.decode()


def test_another_centres_admin_counts_only_their_own_centre(personas, centre, tiny_report):
    response = client_for(staff(personas.other_centre, Role.CENTRE_ADMIN)).get(report_url())
    assert figures_of(response) == {"Learners": "1", "Active": "1", "Active share": "100%"}


def test_an_external_moderator_counts_only_the_learners_of_their_grant(personas, centre, tiny_report):
    make_grant(personas, scope="qualification", qualification=centre["care"].qualification)
    response = client_for(personas.external_moderator).get(report_url())
    assert figures_of(response) == {"Learners": "2", "Active": "1", "Active share": "50%"}  # CARE: Cara, Dan


def test_an_external_moderator_without_a_grant_finds_no_reports(personas, centre, tiny_report):
    assert client_for(personas.external_moderator).get(report_url()).status_code == 404


def test_a_learner_may_not_read_the_reports(personas, centre, tiny_report):
    client = client_for(personas.learner)
    assert client.get(reverse("insights_home")).status_code == 403
    assert client.get(report_url()).status_code == 403
    assert client.get(reverse("insights_drill", args=["tiny", "all"])).status_code == 403


def test_an_unknown_report_or_figure_is_not_found(personas, centre, tiny_report):
    client = client_for(personas.admin)
    assert client.get(report_url("nothing-here")).status_code == 404
    assert client.get(reverse("insights_drill", args=["tiny", "nobody"])).status_code == 404


def test_the_drill_down_lists_the_learners_behind_a_figure_with_the_filters(personas, centre, tiny_report):
    client = client_for(personas.admin)
    page = client.get(reverse("insights_drill", args=["tiny", "active"])).content.decode()
    active = page[page.index('<main'):]  # the header's menu names the reader, whose random name may hold "Dan"
    assert "Maya" in active and "Cara" in active and "Dan" not in active
    care = centre["care"].qualification_id
    filtered = client.get(reverse("insights_drill", args=["tiny", "active"]) + f"?qualification={care}")
    html = filtered.content.decode()
    html = html[html.index('<main'):]
    assert "Cara" in html and "Maya" not in html
    assert "1 enrolment" in html
    assert f'{reverse("insights_report", args=["tiny"])}?qualification={care}' in html  # back, same filters


def _leaky(enrolments, *, filters, bucket, today):
    return Enrolment.objects.all()  # a report that forgets the reader's scope


def test_the_drill_down_never_shows_a_learner_outside_the_readers_scope(personas, centre, tiny_report):
    CATALOGUE["leaky"] = Report(slug="leaky", title="Leaky", how_counted="", compute=TINY.compute, drill=_leaky,
                                buckets={"all": "All"})
    try:
        html = client_for(personas.assessor).get(reverse("insights_drill", args=["leaky", "all"])).content.decode()
    finally:
        del CATALOGUE["leaky"]
    assert "Maya" in html and "Cara" not in html and "2 enrolments" in html


def test_the_drill_down_shows_fifty_learners_a_page(personas, tiny_report):
    version = make_spec(personas.centre, code="BIG")
    for i in range(51):
        make_enrolment(learner(personas.centre, personas.assessor, first_name=f"L{i:02d}"), personas.assessor,
                       version)
    client = client_for(personas.admin)
    first = client.get(reverse("insights_drill", args=["tiny", "all"])).content.decode()
    second = client.get(reverse("insights_drill", args=["tiny", "all"]) + "?page=2").content.decode()
    assert "51 enrolments" in first and "Page 1 of 2" in first
    assert first.count('href="/enrolments/') == 50 and second.count('href="/enrolments/') == 1


def test_the_chart_is_drawn_as_svg_with_its_data_as_a_table(personas, centre, tiny_report):
    html = client_for(personas.admin).get(report_url()).content.decode()
    assert '<svg xmlns="http://www.w3.org/2000/svg"' in html and 'role="img"' in html
    assert re.search(r'<th scope="row">All</th><td>2</td><td>2</td><td>4</td>', html)  # active, other, total


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as context:
        assert client.get(url).status_code == 200
    return len(context)


def _counts_with(build, client, urls) -> dict[str, int]:
    """The queries of each page over what `build()` makes, in a savepoint rolled back afterwards (so the two
    sizes are measured over the same kind of centre). Each page is opened once first: the session and the
    reader's second factor are read on the first request only."""
    with transaction.atomic():
        made = build()
        paths = urls(made) if callable(urls) else urls
        for url in paths:
            client.get(url)
        counts = {url: _queries(client, url) for url in paths}
        transaction.set_rollback(True)
    return counts


def _learners(personas, n: int) -> None:
    version = make_spec(personas.centre, code="MORE")
    for _ in range(n):
        make_enrolment(learner(personas.centre, personas.assessor), personas.assessor, version)


def test_the_report_and_drill_down_pages_run_the_same_queries_for_10_and_200_learners(personas, tiny_report):
    client = client_for(personas.admin)
    urls = [report_url(), reverse("insights_drill", args=["tiny", "all"]), reverse("insights_home")]
    at_ten = _counts_with(lambda: _learners(personas, 10), client, urls)
    at_two_hundred = _counts_with(lambda: _learners(personas, 200), client, urls)
    assert at_two_hundred == at_ten
    # pinned, warm (the user, memberships and unread counts come from the cache): the filters' two choices and the
    # report's two queries (the drill-down: its count and its page, whose progress is stored on each enrolment).
    # The catalogue computes the real reports' headlines: the same number at both sizes (each report pins its own
    # count).
    assert list(at_ten.values())[:2] == [4, 4]


def _pages_of_every_report(personas, today):
    """Each report's page, and the drill-down of its largest count (a list that is not empty: an empty page needs
    one query fewer)."""
    enrolments = Enrolment.objects.filter(centre=personas.centre)
    urls = [reverse("home"), reverse("insights_home")]
    for slug, report in CATALOGUE.items():
        urls.append(reverse("insights_report", args=[slug]))
        figures = [f for f in report.compute(enrolments, filters=Filters(), today=today).figures
                   if f.bucket in report.buckets and f.value and f.unit == ""]  # a count of learners
        if figures:
            urls.append(reverse("insights_drill", args=[slug, max(figures, key=lambda f: f.value).bucket]))
    return urls


def test_every_real_report_page_runs_the_same_queries_for_10_and_200_learners(personas):
    """Every report of the catalogue over a centre with a bit of everything: its page and a drill-down."""
    today = timezone.localdate()
    client = client_for(personas.admin)
    at_ten = _counts_with(lambda: crowd(personas, 10, today=today), client,
                          lambda _: _pages_of_every_report(personas, today))
    at_two_hundred = _counts_with(lambda: crowd(personas, 200, today=today), client, list(at_ten))
    assert at_two_hundred == at_ten


def test_the_at_risk_learners_show_their_reasons_and_staff_may_flag_them_but_an_external_moderator_may_not(
        personas):
    today = timezone.localdate()
    version = make_spec(personas.centre, code="LATE")
    enrolment = make_enrolment(personas.learner, personas.assessor, version, start=today - datetime.timedelta(400),
                               end=today - datetime.timedelta(60))  # more than 4 weeks past its planned end
    url = reverse("insights_drill", args=["at_risk", "all"])
    html = client_for(personas.assessor).get(url).content.decode()
    assert "Maya" in html and "Late: planned end date" in html
    assert f'action="{reverse("insights_risk_flag", args=[enrolment.pk])}"' in html
    make_grant(personas, scope="centre")
    as_eqa = client_for(personas.external_moderator).get(url).content.decode()
    assert "Late: planned end date" in as_eqa and "insights_risk_flag" not in as_eqa
    assert reverse("insights_risk_flag", args=[enrolment.pk]) not in as_eqa


def test_a_long_report_table_is_shown_a_page_at_a_time_and_the_export_keeps_every_row(personas, centre, tiny_report,
                                                                                        monkeypatch):
    from insights import views

    monkeypatch.setattr(views, "TABLE_PAGE_SIZE", 1)  # the tiny report has a row per enrolment: 4 here
    page = client_for(personas.admin).get(report_url()).content.decode()
    table = page[page.index('class="mi-table"'):]
    body = table[table.index("<tbody>"):table.index("</tbody>")]
    assert body.count("<tr>") == 1
    assert "Rows 1–1 of 4; the exports have every row." in page
    export = client_for(personas.admin).get(reverse("insights_export", args=["tiny", "csv"]))
    assert b"".join(export.streaming_content if export.streaming else [export.content]).count(b"\n") >= 5
