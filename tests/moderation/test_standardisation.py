"""Standardisation: meetings with attendees and files, blind co-marking, attendance per assessor per cycle."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from audit.models import AuditEvent
from centres.models import Role
from centres.services import ServiceError
from moderation.models import CoMarkingExercise, CoMarkingJudgement, MeetingFile, StandardisationMeeting
from moderation.practice.selectors import attendance
from moderation.practice.services import (
    co_marking_close,
    co_marking_create,
    co_marking_judge,
    meeting_file_attach,
    meeting_record,
)
from notifications.models import Notification
from portfolios.evidence.services import evidence_create
from tests.conftest import client_for
from tests.factories import UserFactory, staff
from tests.moderation.external.factories import make_grant
from tests.portfolios.evidence_samples import jpeg_bytes
from tests.portfolios.factories import make_enrolment, make_spec

from .practice_helpers import open_exercise, submitted_evidence

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF"


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def meeting(personas, *, held_on=datetime.date(2026, 2, 3), attendees=None, **extra) -> StandardisationMeeting:
    values = {"title": "Judging 2.1 consistently", "minutes": "We compared three portfolios.",
              "decisions": "A photo alone is not sufficient for 2.1."}
    return meeting_record(centre=personas.centre, actor=personas.moderator, held_on=held_on,
                          attendees=[personas.assessor, personas.second_assessor] if attendees is None else attendees,
                          **{**values, **extra})


def judge_all(exercise, actor, met=True, note=""):
    return co_marking_judge(exercise=exercise, actor=actor,
                            judgements={c.pk: (met, note) for c in exercise.criteria.all()})


# --- Meetings ----------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_a_moderator_records_a_meeting_with_its_attendees(personas):
    recorded = meeting(personas)
    assert set(recorded.attendees.all()) == {personas.assessor, personas.second_assessor}
    event = AuditEvent.objects.get(action="standardisation.meeting_recorded")
    assert event.data["attendees"] == sorted([personas.assessor.email, personas.second_assessor.email])


@pytest.mark.django_db
def test_only_a_moderator_records_a_meeting(personas):
    with pytest.raises(ServiceError):
        meeting_record(centre=personas.centre, actor=personas.assessor, held_on=datetime.date(2026, 1, 1),
                       title="t", attendees=[], minutes="", decisions="")
    assert not StandardisationMeeting.objects.exists()


@pytest.mark.django_db
def test_attendees_must_be_staff_of_the_centre(personas):
    for stranger in (personas.learner, personas.other_centre_assessor):
        with pytest.raises(ServiceError, match="not a member of staff"):
            meeting(personas, attendees=[personas.assessor, stranger])


@pytest.mark.django_db
def test_a_file_is_checked_hashed_and_stored(personas):
    recorded = meeting(personas)
    attached = meeting_file_attach(meeting=recorded, upload=SimpleUploadedFile("slides.pdf", PDF),
                                   actor=personas.moderator)
    import hashlib

    assert attached.sha256 == hashlib.sha256(PDF).hexdigest() and attached.size == len(PDF)
    assert attached.content_type == "application/pdf" and attached.file.read() == PDF
    assert AuditEvent.objects.filter(action="standardisation.file_attached").exists()


@pytest.mark.django_db
def test_a_file_that_is_not_what_it_claims_is_refused_and_nothing_is_stored(personas):
    recorded = meeting(personas)
    with pytest.raises(ServiceError):
        meeting_file_attach(meeting=recorded, upload=SimpleUploadedFile("slides.pdf", b"MZ\x90\x00 not a pdf"),
                            actor=personas.moderator)
    assert not MeetingFile.objects.exists()


@pytest.mark.django_db
def test_only_a_moderator_attaches_files(personas):
    with pytest.raises(ServiceError):
        meeting_file_attach(meeting=meeting(personas), upload=SimpleUploadedFile("s.pdf", PDF),
                            actor=personas.admin)
    assert not MeetingFile.objects.exists()


@pytest.mark.django_db
def test_meeting_files_are_served_to_the_centre_staff_and_an_external_moderator_under_a_grant(personas):
    attached = meeting_file_attach(meeting=meeting(personas), upload=SimpleUploadedFile("s.pdf", PDF),
                                   actor=personas.moderator)
    url = reverse("iqa_meeting_file", args=[attached.pk])
    for user in (personas.moderator, personas.assessor, personas.admin):
        response = client_for(user).get(url)
        assert response.status_code == 200 and b"".join(response.streaming_content) == PDF
    other_moderator = staff(personas.other_centre, Role.MODERATOR)
    assert client_for(other_moderator).get(url).status_code == 404
    assert client_for(personas.learner).get(url).status_code == 403
    eqa = client_for(personas.external_moderator)
    assert eqa.get(url).status_code == 404  # without a grant they know nothing of the centre
    make_grant(personas)
    response = eqa.get(url)
    assert response.status_code == 200 and b"".join(response.streaming_content) == PDF


@pytest.mark.django_db
def test_the_meeting_form_records_and_the_detail_shows_decisions(personas):
    client = client_for(personas.moderator)
    response = client.post(reverse("iqa_meeting_create"), {
        "held_on": "2026-02-10", "title": "Co-marking day", "attendees": [personas.assessor.pk],
        "minutes": "m", "decisions": "Witness testimony must be signed."})
    created = StandardisationMeeting.objects.get()
    assert response.status_code == 302 and response.url == reverse("iqa_meeting_detail", args=[created.pk])
    page = client_for(personas.assessor).get(response.url)
    assert "Witness testimony must be signed." in page.content.decode()
    upload = client.post(reverse("iqa_meeting_file_attach", args=[created.pk]),
                         {"upload": SimpleUploadedFile("minutes.pdf", PDF)})
    assert upload.status_code == 302 and created.files.count() == 1


@pytest.mark.django_db
def test_other_centres_cannot_see_a_meeting(personas):
    recorded = meeting(personas)
    other_moderator = staff(personas.other_centre, Role.MODERATOR)
    assert client_for(other_moderator).get(reverse("iqa_meeting_detail", args=[recorded.pk])).status_code == 404
    assert client_for(other_moderator).post(reverse("iqa_meeting_file_attach", args=[recorded.pk]),
                                            {"upload": SimpleUploadedFile("s.pdf", PDF)}).status_code == 404
    assert client_for(personas.learner).get(reverse("iqa_meeting_detail", args=[recorded.pk])).status_code == 403
    assert not client_for(other_moderator).get(reverse("iqa_meeting_list")).context["meetings"]


@pytest.mark.django_db
def test_the_meeting_list_takes_the_same_queries_however_many_rows(personas, django_assert_num_queries):
    client = client_for(personas.moderator)
    meeting(personas)
    client.get(reverse("iqa_meeting_list"))  # the first request of a session reads more (session, second factor)
    with django_assert_num_queries(1) as few:  # warm: the person, memberships and navigation counts come from the cache
        client.get(reverse("iqa_meeting_list"))
    counted = len(few.captured_queries)  # now: each request empties the connection's query log
    for n in range(8):
        recorded = meeting(personas, title=f"Meeting {n}")
        meeting_file_attach(meeting=recorded, upload=SimpleUploadedFile("s.pdf", PDF), actor=personas.moderator)
    client.get(reverse("iqa_meeting_list"))  # the writes forgot the people concerned: warm the cache again
    with django_assert_num_queries(counted):
        page = client.get(reverse("iqa_meeting_list"))
    assert len(page.context["meetings"]) == 9


# --- Attendance --------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_attendance_counts_meetings_attended_in_the_cycle(personas):
    start, end = datetime.date(2025, 8, 1), datetime.date(2026, 7, 31)
    meeting(personas, held_on=start)
    meeting(personas, held_on=end, attendees=[personas.assessor])
    meeting(personas, held_on=start - datetime.timedelta(days=1))  # the cycle before
    assert attendance(centre=personas.centre, cycle_start=start, cycle_end=end) == {
        personas.assessor.pk: 2, personas.second_assessor.pk: 1}
    assert attendance(centre=personas.other_centre, cycle_start=start, cycle_end=end) == {}


@pytest.mark.django_db
def test_the_attendance_page_lists_every_assessor_fewest_first(personas, django_assert_num_queries):
    meeting(personas, held_on=datetime.date(2025, 9, 1), attendees=[personas.second_assessor])
    client = client_for(personas.moderator)
    client.get(reverse("iqa_attendance"))
    with django_assert_num_queries(4) as few:  # warm: the person, memberships and navigation counts come from the cache
        page = client.get(reverse("iqa_attendance"), {"cycle": 2025})
    counted = len(few.captured_queries)  # now: each request empties the connection's query log
    assert [(r.assessor, r.meetings) for r in page.context["rows"]] == [
        (personas.assessor, 0), (personas.second_assessor, 1)]
    for _ in range(5):
        staff(personas.centre, Role.ASSESSOR)
        meeting(personas, held_on=datetime.date(2025, 10, 1))
    client.get(reverse("iqa_attendance"), {"cycle": 2025})  # the writes forgot the people concerned: warm again
    with django_assert_num_queries(counted):
        client.get(reverse("iqa_attendance"), {"cycle": 2025})
    assert client_for(personas.assessor).get(reverse("iqa_attendance")).status_code == 403


# --- Blind co-marking: services ----------------------------------------------------------------------

@pytest.mark.django_db
def test_an_exercise_judges_the_criteria_the_evidence_claims_and_invites_the_assessors(personas):
    evidence = submitted_evidence(personas, criteria=3)
    exercise = open_exercise(personas, evidence=evidence)
    assert set(exercise.criteria.all()) == set(evidence.criteria.all()) and exercise.criteria.count() == 3
    assert exercise.status == CoMarkingExercise.Status.OPEN
    assert Notification.objects.filter(kind="co_marking_invited").count() == 2
    assert AuditEvent.objects.filter(action="co_marking.created").exists()


@pytest.mark.django_db
def test_an_exercise_needs_two_assessors_of_the_centre(personas):
    evidence = submitted_evidence(personas)
    for invited in ([personas.assessor], [personas.assessor, personas.other_centre_assessor],
                    [personas.assessor, personas.moderator]):
        with pytest.raises(ServiceError):
            open_exercise(personas, evidence=evidence, invited=invited)
    assert not CoMarkingExercise.objects.exists()


@pytest.mark.django_db
def test_draft_evidence_or_another_centres_cannot_be_co_marked(personas):
    version = make_spec(personas.centre, code="DRAFT", units=1)
    draft = evidence_create(enrolment=make_enrolment(personas.learner, personas.assessor, version),
                            actor=personas.learner)
    with pytest.raises(ServiceError, match="draft"):
        open_exercise(personas, evidence=draft)
    other_moderator = staff(personas.other_centre, Role.MODERATOR)
    with pytest.raises(ServiceError, match="not of this centre"):
        co_marking_create(centre=personas.other_centre, evidence=submitted_evidence(personas), title="t",
                          invited=[personas.assessor, personas.second_assessor], actor=other_moderator)


@pytest.mark.django_db
def test_only_a_moderator_creates_an_exercise(personas):
    with pytest.raises(ServiceError):
        co_marking_create(centre=personas.centre, evidence=submitted_evidence(personas), title="t",
                          invited=[personas.assessor, personas.second_assessor], actor=personas.assessor)


@pytest.mark.django_db
def test_an_invited_assessor_judges_once(personas):
    exercise = open_exercise(personas)
    judge_all(exercise, personas.assessor)
    with pytest.raises(ServiceError, match="already judged"):
        judge_all(exercise, personas.assessor, met=False)
    assert not CoMarkingJudgement.objects.filter(met=False).exists()
    assert AuditEvent.objects.filter(action="co_marking.judged").count() == 1


@pytest.mark.django_db
def test_an_assessor_who_is_not_invited_cannot_judge(personas):
    exercise = open_exercise(personas)
    third = staff(personas.centre, Role.ASSESSOR)
    with pytest.raises(ServiceError, match="invited"):
        judge_all(exercise, third)
    assert not CoMarkingJudgement.objects.exists()


@pytest.mark.django_db
def test_every_criterion_must_be_judged(personas):
    exercise = open_exercise(personas)
    first = exercise.criteria.first()
    with pytest.raises(ServiceError, match="every criterion"):
        co_marking_judge(exercise=exercise, actor=personas.assessor, judgements={first.pk: (True, "")})
    assert not CoMarkingJudgement.objects.exists()


@pytest.mark.django_db
def test_nobody_judges_a_closed_exercise(personas):
    exercise = open_exercise(personas)
    judge_all(exercise, personas.assessor)
    co_marking_close(exercise=exercise, actor=personas.moderator)
    with pytest.raises(ServiceError, match="closed"):
        judge_all(exercise, personas.second_assessor)
    assert not CoMarkingJudgement.objects.filter(assessor=personas.second_assessor).exists()


@pytest.mark.django_db
def test_closing_is_for_a_moderator_and_happens_once(personas):
    exercise = open_exercise(personas)
    with pytest.raises(ServiceError):
        co_marking_close(exercise=exercise, actor=personas.assessor)
    exercise.refresh_from_db()
    assert exercise.status == CoMarkingExercise.Status.OPEN
    co_marking_close(exercise=exercise, actor=personas.moderator)
    with pytest.raises(ServiceError, match="already closed"):
        co_marking_close(exercise=exercise, actor=personas.moderator)
    assert AuditEvent.objects.filter(action="co_marking.closed").count() == 1


# --- Blind co-marking: pages -------------------------------------------------------------------------

@pytest.mark.django_db
def test_the_judging_page_shows_the_evidence_and_records_the_judgement(personas):
    exercise = open_exercise(personas)
    client = client_for(personas.second_assessor)  # not the learner's assessor
    page = client.get(reverse("iqa_co_marking_judge", args=[exercise.pk]))
    [photo] = page.context["files"]
    file_url = reverse("iqa_co_marking_file", args=[exercise.pk, photo.pk])
    assert file_url in page.content.decode()
    assert client.get(file_url).status_code == 200
    data = {f"criterion_{c.pk}": "met" for c in exercise.criteria.all()}
    response = client.post(reverse("iqa_co_marking_judge", args=[exercise.pk]), data)
    assert response.status_code == 302
    assert CoMarkingJudgement.objects.filter(assessor=personas.second_assessor).count() == 3


@pytest.mark.django_db
def test_judgements_stay_hidden_until_the_exercise_closes(personas):
    exercise = open_exercise(personas)
    judge_all(exercise, personas.assessor, met=False, note="secret reasoning")
    for user in (personas.second_assessor, personas.moderator, personas.assessor):
        page = client_for(user).get(reverse("iqa_co_marking_detail", args=[exercise.pk]))
        assert page.context["agreement"] is None and "secret reasoning" not in page.content.decode()
    judging = client_for(personas.second_assessor).get(reverse("iqa_co_marking_judge", args=[exercise.pk]))
    assert "secret reasoning" not in judging.content.decode()
    co_marking_close(exercise=exercise, actor=personas.moderator)
    page = client_for(personas.second_assessor).get(reverse("iqa_co_marking_detail", args=[exercise.pk]))
    assert "secret reasoning" in page.content.decode() and "κ = (P̄ − P̄e) / (1 − P̄e)" in page.content.decode()


@pytest.mark.django_db
def test_the_results_show_agreement_and_who_differed(personas):
    third = staff(personas.centre, Role.ASSESSOR, first_name="Odd", last_name="One")
    exercise = open_exercise(personas, invited=[personas.assessor, personas.second_assessor, third])
    judge_all(exercise, personas.assessor)
    judge_all(exercise, personas.second_assessor)
    judge_all(exercise, third, met=False)
    client_for(personas.moderator).post(reverse("iqa_co_marking_close", args=[exercise.pk]))
    page = client_for(personas.moderator).get(reverse("iqa_co_marking_detail", args=[exercise.pk]))
    agreement = page.context["agreement"]
    assert all(row.differed == [third] for row in agreement.criteria)
    # P_i = 1/3 on each criterion; p = (2/3, 1/3): P̄e = 5/9; κ = (1/3 - 5/9) / (4/9) = -1/2
    assert agreement.kappa == pytest.approx(-0.5)
    assert "Odd One" in page.content.decode()


@pytest.mark.django_db
def test_an_assessor_sees_only_exercises_they_are_invited_to(personas):
    exercise = open_exercise(personas)
    third = staff(personas.centre, Role.ASSESSOR)
    client = client_for(third)
    assert not client.get(reverse("iqa_co_marking_list")).context["exercises"]
    for name in ("iqa_co_marking_detail", "iqa_co_marking_judge"):
        assert client.get(reverse(name, args=[exercise.pk])).status_code == 404
    photo = exercise.evidence.files.get()
    assert client.get(reverse("iqa_co_marking_file", args=[exercise.pk, photo.pk])).status_code == 404
    assert [e.pk for e in client_for(personas.assessor).get(reverse("iqa_co_marking_list")).context["exercises"]] \
        == [exercise.pk]


@pytest.mark.django_db
def test_other_centres_and_learners_get_nothing_of_an_exercise(personas):
    exercise = open_exercise(personas)
    other_moderator = staff(personas.other_centre, Role.MODERATOR)
    for name, method in (("iqa_co_marking_detail", "get"), ("iqa_co_marking_close", "post")):
        url = reverse(name, args=[exercise.pk])
        assert getattr(client_for(other_moderator), method)(url).status_code == 404
        assert getattr(client_for(personas.learner), method)(url).status_code == 403
        assert getattr(client_for(UserFactory()), method)(url).status_code == 403
    exercise.refresh_from_db()
    assert exercise.status == CoMarkingExercise.Status.OPEN


@pytest.mark.django_db
def test_the_create_page_finds_evidence_by_learner_name_and_creates(personas):
    evidence = submitted_evidence(personas)
    client = client_for(personas.moderator)
    found = client.get(reverse("iqa_co_marking_create"), {"q": personas.learner.first_name})
    assert list(found.context["evidence_list"]) == [evidence]
    assert not client.get(reverse("iqa_co_marking_create"), {"q": "nobody-by-this-name"}).context["evidence_list"]
    url = reverse("iqa_co_marking_create") + f"?evidence={evidence.pk}"
    form_page = client.get(url)
    assert set(form_page.context["form"].initial["criteria"]) == set(evidence.criteria.values_list("pk", flat=True))
    response = client.post(url, {"title": "Desserts", "invited": [personas.assessor.pk, personas.second_assessor.pk],
                                 "criteria": list(evidence.criteria.values_list("pk", flat=True))[:2]})
    exercise = CoMarkingExercise.objects.get()
    assert response.status_code == 302 and exercise.criteria.count() == 2


@pytest.mark.django_db
def test_the_co_marking_list_takes_the_same_queries_however_many_rows(personas, django_assert_num_queries):
    evidence = submitted_evidence(personas)
    open_exercise(personas, evidence=evidence)
    for user, queries in ((personas.moderator, 1), (personas.assessor, 1)):  # warm: nav counts cached
        client = client_for(user)
        client.get(reverse("iqa_co_marking_list"))
        with django_assert_num_queries(queries) as few:
            client.get(reverse("iqa_co_marking_list"))
        counted = len(few.captured_queries)
        for _ in range(4):
            judge_all(open_exercise(personas, evidence=evidence), personas.assessor)
        client.get(reverse("iqa_co_marking_list"))  # the writes forgot the people concerned: warm again
        with django_assert_num_queries(counted):
            client.get(reverse("iqa_co_marking_list"))


@pytest.mark.django_db
def test_the_evidence_search_takes_the_same_queries_however_many_rows(personas, django_assert_num_queries):
    submitted_evidence(personas)
    client = client_for(personas.moderator)
    client.get(reverse("iqa_co_marking_create"))
    with django_assert_num_queries(2) as few:  # warm: the person, memberships and navigation counts come from the cache
        client.get(reverse("iqa_co_marking_create"))
    counted = len(few.captured_queries)  # now: each request empties the connection's query log
    for n in range(3):
        submitted_evidence(personas, code=f"MORE{n}", title=f"Item {n}")
    client.get(reverse("iqa_co_marking_create"))  # the writes forgot the people concerned: warm the cache again
    with django_assert_num_queries(counted):
        page = client.get(reverse("iqa_co_marking_create"))
    assert len(page.context["evidence_list"]) == 4


def test_the_jpeg_sample_is_real():  # the judging page's file must be something check_upload accepts
    assert jpeg_bytes()[:2] == b"\xff\xd8"


@pytest.mark.django_db
def test_a_moderator_who_also_assesses_cannot_judge_an_exercise_they_are_not_invited_to(personas):
    from tests.factories import MembershipFactory

    exercise = open_exercise(personas)
    MembershipFactory(user=personas.moderator, centre=personas.centre, role=Role.ASSESSOR)
    client = client_for(personas.moderator)
    assert client.get(reverse("iqa_co_marking_judge", args=[exercise.pk])).status_code == 404
    assert client.get(reverse("iqa_co_marking_detail", args=[exercise.pk])).status_code == 200


@pytest.mark.django_db
def test_an_exercise_serves_only_the_files_of_its_own_evidence(personas):
    exercise = open_exercise(personas)
    other = submitted_evidence(personas, code="OTHER", title="Other item")
    url = reverse("iqa_co_marking_file", args=[exercise.pk, other.files.get().pk])
    assert client_for(personas.second_assessor).get(url).status_code == 404
