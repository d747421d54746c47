"""The production shape, end to end: LEAP_PRODUCTION=1, two gunicorn processes sharing nothing but PostgreSQL,
Redis and S3, a Celery worker and Celery beat, all started as the image and docker-compose.yml start them.

A load balancer that terminates TLS (X-Forwarded-Proto: https) sends each request to the next web process in
turn, so every step of the phone journey crosses processes: the admin registers a learner (welcome email by SMTP),
the learner sets a password from the emailed link, uploads a photo straight to S3, submits it; the assessor signs in
with their second factor, decides per criterion and signs the unit off; the worker awards and bakes the unit badge
into S3; anyone verifies it publicly. Beat proves itself by queueing the outbox sweep, which sends an email the
broker lost.
"""

import io
import json
import re
import secrets
import time
from datetime import timedelta

import pytest
import requests
from allauth.mfa.models import Authenticator
from allauth.mfa.utils import decrypt
from cryptography.fernet import Fernet
from django.conf import global_settings
from django.db import transaction
from django.utils import timezone
from PIL import Image

from accounts.models import User
from assessment.models import CriterionDecision, UnitSignOff
from audit.checkpoints import new_signing_key
from audit.models import AuditEvent
from badges.models import Award
from badges.openbadges import baking
from centres.models import Membership, Role
from notifications.models import Notification
from notifications.services import notify
from portfolios.models import AchievedCriterion, Enrolment, Evidence, EvidenceFile, PendingUpload
from qualifications.models import AssessmentCriterion
from tests.accounts.test_sign_in_and_second_factor import totp_now
from tests.factories import PASSWORD, CentreFactory, staff
from tests.notifications.celery_worker import QUEUE, TasksToRedis, database_url_of_test_database, purge_broker
from tests.portfolios.evidence_samples import jpeg_bytes
from tests.portfolios.factories import make_spec
from tests.s3 import ACCESS_KEY, BUCKET, REGION, moto_server_fixture, s3_fixture  # noqa: F401
from tests.s3 import SECRET_KEY as S3_SECRET_KEY

from .browser import CLIENT_ADDRESS, Browser, LoadBalancer, Page
from .production import Shape, health, wait_for_log, wait_until_serving
from .smtp_sink import SmtpSink, plain_text

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.services]

HOST = "leap.test"
SITE_URL = f"https://{HOST}"
LEARNER_EMAIL = "nia.osei@example.org"
LEARNER_PASSWORD = "plated-three-courses-2026"
CLOSED_BROKER = "redis://127.0.0.1:6399/0"
WORKER_SECONDS = 120


def production_environment(*, redis_url: str, s3_url: str, email_url: str, secret_key: str) -> dict[str, str]:
    """docker-compose.yml's x-leap-env, filled in for this machine (test_compose_file checks the names match)."""
    return {
        "LEAP_PRODUCTION": "1",
        "SECRET_KEY": secret_key,
        "DATABASE_URL": database_url_of_test_database(),
        "REDIS_URL": redis_url,
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "S3_BUCKET": BUCKET,
        "S3_ENDPOINT_URL": s3_url,
        "S3_ACCESS_KEY_ID": ACCESS_KEY,
        "S3_SECRET_ACCESS_KEY": S3_SECRET_KEY,
        "S3_REGION": REGION,
        "S3_ADDRESSING_STYLE": "path",
        "EMAIL_URL": email_url,
        "DEFAULT_FROM_EMAIL": "LEAP <no-reply@leap.test>",
        "SITE_URL": SITE_URL,
        "ALLOWED_HOSTS": HOST,
        "CSRF_TRUSTED_ORIGINS": SITE_URL,
        "SECURE_SSL_REDIRECT": "1",
        "LEAP_TRUSTED_PROXY_COUNT": "1",
        "LOG_LEVEL": "INFO",
        "LEAP_AUDIT_CHECKPOINT_KEY": new_signing_key()[0],
        "LEAP_AUDIT_CHECKPOINT_LOCK_DAYS": "0",
        "LEAP_KEY_ENCRYPTION_KEY": Fernet.generate_key().decode(),
        "LEAP_SAMPLE_PACK_DAYS": "7",
    }


# Keys the test adds to the shared environment, which a deployment leaves at their defaults: its own Celery queue,
# so that another run on the same Redis never takes its tasks.
TEST_ONLY_ENVIRONMENT = {"CELERY_TASK_DEFAULT_QUEUE": QUEUE}


@pytest.fixture
def smtp():
    with SmtpSink() as sink:
        yield sink


@pytest.fixture
def shape(postgres, redis_url, s3, smtp, settings, tmp_path):
    secret_key = secrets.token_urlsafe(64)
    # Rows this process writes for the others (passwords, second factors) must read the same there.
    settings.SECRET_KEY = secret_key
    settings.PASSWORD_HASHERS = global_settings.PASSWORD_HASHERS
    purge_broker(redis_url)
    environment = production_environment(redis_url=redis_url, s3_url=s3.url, email_url=smtp.url,
                                         secret_key=secret_key)
    deployment = Shape({**environment, **TEST_ONLY_ENVIRONMENT}, tmp_path)
    try:
        yield deployment
    finally:
        deployment.stop()
        purge_broker(redis_url)


@pytest.fixture
def people(shape):
    centre = CentreFactory(name="North Vocational College")
    return {"centre": centre, "admin": staff(centre, Role.CENTRE_ADMIN, first_name="Ada", last_name="Admin"),
            "assessor": staff(centre, Role.ASSESSOR, first_name="Sam", last_name="Assessor"),
            "version": make_spec(centre, units=1, outcomes=1, criteria=2)}


def an_email_the_broker_lost(user: User) -> Notification:
    """A notification saved while the broker was down: only the outbox sweep (queued by beat) can send it."""
    broker_down = TasksToRedis(CLOSED_BROKER)
    try:
        with transaction.atomic():
            notification = notify(recipient=user, kind="assessor_changed", url="/",
                                  context={"assessor_name": "Sam Assessor", "centre_name": "North Vocational College"})
    finally:
        broker_down.restore()
    Notification.objects.filter(pk=notification.pk).update(created_at=timezone.now() - timedelta(minutes=2))
    assert Notification.objects.get(pk=notification.pk).email_sent_at is None
    return notification


def wait_until(condition, what: str, processes, timeout: float = WORKER_SECONDS):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        for process in processes:
            process.assert_running()
        time.sleep(0.3)
    logs = "\n".join(f"--- {p.name}\n{p.output()[-3000:]}" for p in processes)
    raise AssertionError(f"{what}: not within {timeout}s\n{logs}")


# --- The steps ---------------------------------------------------------------------------------------------------

def sign_in_staff(browser: Browser, user: User) -> None:
    login = browser.get("/accounts/login/")
    asked = browser.submit(login.form("/accounts/login/").set(login=user.email, password=PASSWORD))
    assert asked.url == browser.url("/accounts/2fa/authenticate/"), asked.url
    secret = decrypt(Authenticator.objects.get(user=user, type=Authenticator.Type.TOTP).data["secret"])
    signed_in = browser.submit(Page(asked).form("/2fa/authenticate/").set(code=totp_now(secret)))
    assert signed_in.status_code == 200 and signed_in.url == browser.url("/"), signed_in.url
    session = next(c for c in browser.cookies if c.name == "sessionid")
    assert session.secure and session.has_nonstandard_attr("HttpOnly")


def register_learner(admin: Browser, people: dict, smtp: SmtpSink) -> tuple[Membership, str]:
    page = admin.get("/centre/learners/add/")
    form = page.form("/centre/learners/add/").set(first_name="Nia", last_name="Osei", email=LEARNER_EMAIL,
                                                  assessor=str(people["assessor"].pk))
    assert admin.submit(form).status_code == 200
    membership = Membership.objects.get(user__email=LEARNER_EMAIL, centre=people["centre"], role=Role.LEARNER)
    assert membership.assessor == people["assessor"]
    assert AuditEvent.objects.filter(action="learner.registered", object_id=str(membership.pk)).exists()

    welcome = plain_text(smtp.wait_for(LEARNER_EMAIL, "Welcome to North Vocational College"))
    assert "Your assessor is Sam Assessor" in welcome
    link = re.search(rf"{re.escape(SITE_URL)}/account/welcome/\S+", welcome)
    assert link, welcome
    return membership, link.group(0)


def enrol(admin: Browser, membership: Membership, version) -> Enrolment:
    page = admin.get(f"/centre/learners/{membership.pk}/enrol/?version={version.pk}")
    assert admin.submit(page.form("/enrol/")).status_code == 200  # the page's defaults: every mandatory unit
    enrolment = Enrolment.objects.get(learner=membership.user, version=version)
    assert enrolment.assessor_id == membership.assessor_id and enrolment.enrolment_units.count() == 1
    return enrolment


def set_password_from_the_welcome_link(phone: Browser, link: str) -> None:
    page = phone.get(link)
    assert "Welcome, Nia" in page.html
    home = phone.submit(page.form("/account/welcome/").set(new_password1=LEARNER_PASSWORD,
                                                           new_password2=LEARNER_PASSWORD))
    assert home.url == phone.url("/") and "Your assessor is <strong>Sam Assessor</strong>" in home.text
    assert User.objects.get(email=LEARNER_EMAIL).check_password(LEARNER_PASSWORD)


def upload_photo_to_s3(phone: Browser, enrolment: Enrolment, s3, photo: bytes) -> Evidence:
    """evidence.js's steps: the first save creates the draft; presign; POST to the bucket; confirm."""
    portfolio = phone.get("/portfolio/")
    page = phone.get(portfolio.link(rf"/enrolments/{enrolment.pk}/evidence/new/$"))
    assert 'data-direct="1"' in page.html
    draft = page.form(form_id="draft-form").set(title="Plated a three-course menu", method="product",
                                                reflection="I plated all three courses for service.")
    created = phone.submit(draft, json_answer=True, csrf=page.csrf_token).json()
    assert created["ok"], created
    evidence = Evidence.objects.get(pk=created["pk"], enrolment=enrolment)

    grant = phone.fetch_json(created["presign_url"], page.csrf_token, {"name": "plated-dish.jpg",
                                                                      "size": len(photo)}).json()
    key = grant["fields"]["key"]
    assert grant["url"].startswith(s3.url) and PendingUpload.objects.filter(evidence=evidence, key=key).exists()
    sent = requests.post(grant["url"], data=grant["fields"], timeout=30,
                         files={"file": ("plated-dish.jpg", photo, "image/jpeg")})
    assert sent.status_code == 204, sent.text
    assert s3.read(key) == photo

    confirmed = phone.fetch_json(grant["confirm_url"], page.csrf_token).json()
    assert confirmed["files"][0]["ok"], confirmed
    attached = EvidenceFile.objects.get(evidence=evidence)
    assert re.fullmatch(r"evidence/[0-9a-f]{32}\.jpg", attached.file.name)
    assert key not in s3.keys() and not PendingUpload.objects.exists()
    return evidence


def claim_and_submit(phone: Browser, evidence: Evidence, criteria: list[AssessmentCriterion]) -> Evidence:
    page = phone.get(f"/evidence/{evidence.pk}/edit/")
    autosave_url = re.search(r'data-autosave-url="([^"]+)"', page.html).group(1)
    draft = page.form(form_id="draft-form").set(criteria=[str(c.pk) for c in criteria], activity_place="Kitchen")
    draft.action = phone.url(autosave_url)
    saved = phone.submit(draft, json_answer=True, csrf=page.csrf_token)
    assert saved.status_code == 200, saved.text
    page = phone.get(f"/evidence/{evidence.pk}/edit/")
    submitted = phone.submit(page.form(form_id="submit-form").set(declared="on"))
    assert submitted.url == phone.url(f"/evidence/{evidence.pk}/"), submitted.url
    evidence.refresh_from_db()
    assert evidence.status == Evidence.Status.SUBMITTED
    assert {c.pk for c in criteria} == set(evidence.claims.values_list("criterion_id", flat=True))
    assert [f["sha256"] for f in evidence.declaration["files"]] == [evidence.files.get().sha256]
    return evidence


def review_and_accept(assessor: Browser, evidence: Evidence, criteria, stored_photo: bytes) -> None:
    queue = assessor.get("/assessment/queue/")
    review = assessor.get(queue.link(r"/assessment/review/\d+/$"))
    assert "Plated a three-course menu" in review.html
    # The photo comes from the bucket, through a short-lived presigned link the web process hands out.
    photo = assessor.session.get(assessor.url(review.link(r"/evidence/files/\d+/$")), timeout=30)
    assert photo.status_code == 200 and photo.url.startswith("http://127.0.0.1") and "X-Amz-Signature=" in photo.url
    assert photo.content == stored_photo
    decision = review.form("/decide/").set(outcome="accepted", feedback="Clean plating, well timed.",
                                           **{f"criterion_{c.pk}": "met" for c in criteria})
    assert assessor.submit(decision).status_code == 200
    assert set(CriterionDecision.objects.filter(review__submission__evidence=evidence)
               .values_list("criterion_id", "met")) == {(c.pk, True) for c in criteria}
    assert AchievedCriterion.objects.filter(enrolment=evidence.enrolment).count() == len(criteria)


def sign_off(assessor: Browser, enrolment: Enrolment) -> UnitSignOff:
    unit_id = enrolment.enrolment_units.get().unit_id
    record = assessor.get(f"/assessment/enrolments/{enrolment.pk}/units/{unit_id}/")
    assert assessor.submit(record.form("/sign-off/").set(declared="on")).status_code == 200
    signed = UnitSignOff.objects.get(enrolment_unit__enrolment=enrolment)
    assert signed.enrolment_unit.locked_at is not None and signed.seal_hash
    return signed


def verify_publicly(anyone: Browser, award: Award, baked_ob3: bytes) -> None:
    page = anyone.get(f"/badges/awards/{award.uuid}/")
    assert award.badge_class.name in page.html
    credential = anyone.session.get(anyone.url(f"/badges/ob3/credentials/{award.uuid}"), timeout=30)
    assert credential.status_code == 200 and credential.json()["id"] == json.loads(
        baking.unbake_png(baked_ob3, baking.OB3_KEYWORD))["id"]
    form = anyone.get("/badges/verify/").form("/badges/verify/")
    report = anyone.submit(form, files={"image": ("badge.png", baked_ob3, "image/png")})
    assert report.status_code == 200
    assert 'class="badge-state valid"' in report.text, report.text[-3000:]
    assert "This badge is genuine and valid." in report.text


# --- The test -----------------------------------------------------------------------------------------------------

def test_the_phone_journey_runs_across_two_web_processes_a_worker_and_beat(shape, people, smtp, s3):
    beat = shape.beat()  # first: its outbox sweep is due a minute after it starts
    static = shape.build_static()
    worker = shape.worker()
    lost = an_email_the_broker_lost(people["admin"])
    webs = [shape.web("web-a", static), shape.web("web-b", static)]
    for web in webs:
        # Not eager: each web process queues its tasks on Redis.
        assert wait_until_serving(web, HOST)["checks"] == {"database": "ok", "cache": "ok", "broker": "ok",
                                                           "storage": "ok"}
    plain = requests.get(f"http://{webs[0].address}/accounts/login/", headers={"Host": HOST},
                         allow_redirects=False, timeout=10)
    assert plain.status_code == 301 and plain.headers["Location"] == f"{SITE_URL}/accounts/login/"

    balancer = LoadBalancer([web.address for web in webs])
    admin, phone, assessor, anyone = (Browser(SITE_URL, balancer) for _ in range(4))
    criteria = list(AssessmentCriterion.objects.filter(unit__version=people["version"]).order_by("position"))

    sign_in_staff(admin, people["admin"])
    membership, welcome_link = register_learner(admin, people, smtp)
    enrolment = enrol(admin, membership, people["version"])
    set_password_from_the_welcome_link(phone, welcome_link)

    photo = jpeg_bytes(size=(800, 600), gps=True)
    evidence = upload_photo_to_s3(phone, enrolment, s3, photo)
    attached = wait_until(lambda: EvidenceFile.objects.filter(evidence=evidence, processed_at__isnull=False).first(),
                          "the worker processes the photo", [worker])
    stored = s3.read(attached.file.name)
    assert not Image.open(io.BytesIO(stored)).getexif().get_ifd(0x8825)  # the worker removed the location
    evidence = claim_and_submit(phone, evidence, criteria)
    smtp.wait_for(people["assessor"].email, "submitted")

    sign_in_staff(assessor, people["assessor"])
    review_and_accept(assessor, evidence, criteria, stored)
    signed = sign_off(assessor, enrolment)

    # The unit badge: awarded and baked by the worker (the web processes only queued it), kept in the bucket.
    award = wait_until(lambda: Award.objects.filter(sign_off=signed).exclude(baked_ob3="").first(),
                       "the worker awards and bakes the unit badge", [worker])
    log = worker.output()
    for task in ("badges.awards.tasks.award_unit_badge", "badges.openbadges.tasks.bake_award"):
        assert re.search(rf"Task {re.escape(task)}\[[-0-9a-f]+\] succeeded", log), f"{task} not run by the worker"
    baked_ob3 = s3.read(award.baked_ob3.name)
    baked = json.loads(baking.unbake_png(baked_ob3, baking.OB3_KEYWORD))
    assert str(award.uuid) in baked["id"] and baked["proof"]
    assert str(award.uuid) in json.loads(baking.unbake_png(s3.read(award.baked_ob2.name), baking.OB2_KEYWORD))["id"]
    announced = smtp.wait_for(LEARNER_EMAIL, "badge")
    assert any(part.get_content_type() == "image/png" for part in announced.iter_attachments())

    verify_publicly(anyone, award, baked_ob3)

    # Beat queued the outbox sweep; the worker sent the email the broker had lost.
    wait_for_log(beat, "Sending due task email-outbox-sweep", timeout=WORKER_SECONDS)
    smtp.wait_for(people["admin"].email, "Your assessor at North Vocational College", timeout=WORKER_SECONDS)
    assert Notification.objects.get(pk=lost.pk).email_sent_at is not None

    # Both web processes served the journey, one request each in turn, and kept no file of their own.
    assert all(health(web, HOST).status_code == 200 for web in webs)
    served = [web.requests_served_for(CLIENT_ADDRESS) for web in webs]
    assert served == [balancer.served[web.address] for web in webs] and min(served) >= 15, served
    assert abs(served[0] - served[1]) <= 1
    for web in webs:
        assert not [p for p in (web.var_dir / "media").rglob("*") if p.is_file()], f"{web.name} kept files locally"
