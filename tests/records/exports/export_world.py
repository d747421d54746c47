"""A learner's portfolio worth exporting: a signed-off unit (evidence with a photo, a decided review, the unit badge
awarded and baked), an open unit with voice feedback, a certificate whose PDF is not rendered yet, and an
enrolment at another centre."""

import io
import zipfile
from dataclasses import dataclass

from django.core.files.uploadedfile import SimpleUploadedFile

from assessment.services import review_decide, review_start
from audit.checkpoints import audit_checkpoints_write
from badges.certificates.services import certificate_issue
from badges.models import Award, Certificate
from portfolios.models import Enrolment, Evidence
from qualifications.models import AssessmentCriterion
from records.exports.builder import write_portfolio_export
from tests.badges.test_certificate_issue import enrolment_for
from tests.badges.test_ob3 import unit_award
from tests.moderation.external.sample_pack_world import submitted
from tests.portfolios.factories import make_enrolment, make_spec


@dataclass
class World:
    award: Award
    enrolment: Enrolment
    signed_off: Evidence  # in the signed-off unit
    open_item: Evidence  # in the open unit, returned with voice feedback
    certificate: Certificate
    elsewhere: Evidence  # at the other centre


def export_world(personas) -> World:
    p = personas
    award = unit_award(p)
    enrolment = award.enrolment
    signed_off = Evidence.objects.get(enrolment=enrolment)
    second_unit = enrolment.version.units.order_by("position")[1]
    criteria = list(AssessmentCriterion.objects.filter(unit=second_unit))
    open_item = submitted(enrolment, p.learner, criteria[:1], "Menu <b>costing</b> & \"prices\"",
                          colour=(40, 50, 60), name="../menu costing.jpg")
    review = review_start(submission=open_item.submissions.get(), actor=p.assessor)
    review_decide(review=review, actor=p.assessor, decisions={criteria[0].pk: False}, outcome="returned",
                  feedback="Show the <script>working</script>.", actions="Add the supplier prices.",
                  voice_feedback=SimpleUploadedFile("voice.webm", b"\x1a\x45\xdf\xa3 voice"))
    certificate = certificate_issue(enrolment=enrolment_for(p, code="CERT-L2"), actor=p.admin)
    other_version = make_spec(p.other_centre, code="OTHER-L1", units=1, outcomes=1, criteria=1)
    other = make_enrolment(p.learner, p.other_centre_assessor, other_version)
    elsewhere = Evidence.objects.create(enrolment=other, title="Work done elsewhere", reflection="Far away.")
    audit_checkpoints_write()
    return World(award=award, enrolment=enrolment, signed_off=signed_off, open_item=open_item,
                 certificate=certificate, elsewhere=elsewhere)


def exported(learner, **kwargs) -> tuple[bytes, object]:
    out = io.BytesIO()
    summary = write_portfolio_export(learner=learner, out=out, **kwargs)
    return out.getvalue(), summary


def zip_entries(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return {name: zf.read(name) for name in zf.namelist()}


def manifest_of(entries: dict[str, bytes]) -> dict:
    import json

    return json.loads(entries["manifest.json"])
