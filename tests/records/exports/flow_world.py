"""What the export flow's tests share: a learner with a little work, an export asked for and built by the eager task,
the link read from the email."""

import hashlib
import io
import re
import zipfile

from django.core import mail
from django.test import TestCase

from centres.models import Membership, Role
from qualifications.models import AssessmentCriterion
from records.exports.models import ExportRequest
from records.exports.services import export_request
from tests.moderation.external.sample_pack_world import submitted
from tests.portfolios.factories import make_enrolment, make_spec

LINK = re.compile(r"/records/exports/download/([A-Za-z0-9_-]+)/")


def learner_with_work(personas):
    """The learner's enrolment (assessed by the persona assessor) with one submitted piece of evidence."""
    version = make_spec(personas.centre, units=1, outcomes=1, criteria=2)
    enrolment = make_enrolment(personas.learner, personas.assessor, version)
    criteria = list(AssessmentCriterion.objects.filter(unit__version=version))
    submitted(enrolment, personas.learner, criteria, "Knife skills", name="knife-skills.jpg")
    return enrolment


def learner_membership(user) -> Membership:
    return Membership.objects.get(user=user, role=Role.LEARNER)


def built(**kwargs) -> ExportRequest:
    """Asked for, and built by the eager task once the request commits."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        export = export_request(**kwargs)
    export.refresh_from_db()
    return export


def emailed_tokens(to) -> list[str]:
    """The download tokens emailed to `to`, oldest first (from the plain-text bodies)."""
    return [match for m in mail.outbox if m.to == [to.email] for match in LINK.findall(m.body)]


def streamed(response) -> bytes:
    return b"".join(response.streaming_content)


def zip_names(data: bytes) -> set[str]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return set(zf.namelist())


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
