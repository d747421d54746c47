"""A learner's course with a conversation, and messages sent the way the page sends them."""

import shutil
import subprocess

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone

from assessment.models import Review
from moderation.models import Sample
from tests.assessment.test_queue import submitted
from tests.portfolios.factories import make_enrolment, make_spec


def course(personas, learner=None, code="HOSP-L3"):
    version = make_spec(personas.centre, code=code, units=1, outcomes=1, criteria=2)
    return make_enrolment(learner or personas.learner, personas.assessor, version)


def send(client, enrolment, text="", *, token=None, follow=False, **fields):
    """Post the message form; files as (name, bytes) pairs: voice=..., attachments=[...]."""
    data = {"text": text, "form_token": token or f"t-{timezone.now().timestamp()}"}
    if "voice" in fields:
        name, content = fields.pop("voice")
        data["voice"] = SimpleUploadedFile(name, content)
    if "attachments" in fields:
        data["attachments"] = [SimpleUploadedFile(n, c) for n, c in fields.pop("attachments")]
    data.update(fields)
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(reverse("message_send", args=[enrolment.pk]), data, follow=follow)


def countersigned_by(enrolment, colleague):
    """A review of the learner's evidence, countersigned by `colleague`."""
    evidence = submitted(enrolment, "Countersigned", status="accepted")
    return Review.objects.create(submission=evidence.submissions.get(), assessor=enrolment.assessor,
                                 outcome=Review.Outcome.ACCEPTED, decided_at=timezone.now(), needs_countersign=True,
                                 countersigned_by=colleague, countersigned_at=timezone.now())


def sampled_by(enrolment, moderator, status=Sample.Status.STARTED):
    return Sample.objects.create(centre=enrolment.centre, enrolment=enrolment, unit=enrolment.units.first(),
                                 assessor=enrolment.assessor, moderator=moderator, kind="interim", status=status)


def webm_voice_note(tmp_path) -> bytes:
    """A real second of Opus audio in WebM, as Chrome's MediaRecorder makes it (needs ffmpeg)."""
    if not shutil.which("ffmpeg"):
        import pytest

        pytest.skip("ffmpeg is not installed")
    out = tmp_path / "note.webm"
    subprocess.run(["ffmpeg", "-nostdin", "-loglevel", "error", "-f", "lavfi", "-i", "sine=frequency=440:duration=1",
                    "-c:a", "libopus", "-b:a", "24k", str(out)], check=True, timeout=30)
    return out.read_bytes()
