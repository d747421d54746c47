"""A small world for sample packs: two learners with submitted, decided evidence; a grant on the first only."""

import io
import zipfile

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase

from assessment.services import review_decide, review_start
from portfolios.evidence.services import evidence_create, evidence_file_attach, evidence_save_draft, evidence_submit
from qualifications.models import AssessmentCriterion
from tests.portfolios.evidence_samples import jpeg_bytes
from tests.portfolios.factories import make_enrolment, make_spec

from .factories import make_grant


def submitted(enrolment, learner, criteria, title, *, colour=(1, 2, 3), name="photo.jpg"):
    evidence = evidence_create(enrolment=enrolment, actor=learner)
    photo = jpeg_bytes(colour=colour)
    with TestCase.captureOnCommitCallbacks(execute=True):  # processed, so staff (and the pack) may take the file
        evidence_file_attach(evidence=evidence, upload=ContentFile(photo), name=name, size=len(photo), actor=learner)
    evidence.refresh_from_db()
    evidence_save_draft(evidence=evidence, revision=evidence.revision, actor=learner, title=title, reflection="r",
                        method="product", activity_date=None, activity_place="", criteria=criteria)
    evidence.refresh_from_db()
    evidence_submit(evidence=evidence, revision=evidence.revision, declared=True, actor=learner)
    evidence.refresh_from_db()
    return evidence


def pack_world(personas, **grant_kwargs):
    """(grant, inside evidence, outside evidence): the grant lists the first learner only."""
    p = personas
    version = make_spec(p.centre, units=1, outcomes=1, criteria=2)
    criteria = list(AssessmentCriterion.objects.filter(unit__version=version))
    inside = submitted(make_enrolment(p.learner, p.assessor, version), p.learner, criteria, "Knife skills",
                       name="knife-skills.jpg")
    review = review_start(submission=inside.submissions.get(), actor=p.assessor)
    review_decide(review=review, actor=p.assessor, decisions={c.pk: True for c in criteria}, outcome="accepted",
                  feedback="Clear photos, well dated.", voice_feedback=SimpleUploadedFile("v.webm", b"\x1a\x45\xdf"))
    outside = submitted(make_enrolment(p.second_learner, p.assessor, version), p.second_learner, criteria[:1],
                        "Outside the scope", colour=(9, 9, 9), name="outsider.jpg")
    grant = make_grant(p, scope="learners", learners=[p.learner], **grant_kwargs)
    return grant, inside, outside


def zip_entries(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return {name: zf.read(name) for name in zf.namelist()}


def rewritten(data: bytes, change) -> bytes:
    """The ZIP with each entry passed through `change(name, content)` (None drops it), written afresh."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for name in source.namelist():
            content = change(name, source.read(name))
            if content is not None:
                target.writestr(name, content)
    return out.getvalue()
