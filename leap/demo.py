"""The demo centre that `make run` loads: one person per role, ready to sign in."""

from dataclasses import dataclass

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, generate_totp_secret, hotp_value
from allauth.mfa.utils import decrypt
from django.contrib.auth import get_user_model
from django.db import transaction

from centres.models import Centre, Membership, Role
from centres.services import centre_create, learner_register, membership_grant
from portfolios.enrolments.services import enrolment_create
from portfolios.models import Enrolment
from qualifications.demo_specs import load_demo_specs

User = get_user_model()

DEMO_CENTRE = "Demo Training Centre"
DEMO_PASSWORD = "leap-demo-2026"
DOMAIN = "demo.leap.test"


@dataclass(frozen=True)
class DemoPerson:
    email: str
    first_name: str
    last_name: str
    role: str
    assessor: str = ""


ADMIN = DemoPerson(f"admin@{DOMAIN}", "Alex", "Morgan", Role.CENTRE_ADMIN)
ASSESSORS = [
    DemoPerson(f"assessor1@{DOMAIN}", "Sam", "Okafor", Role.ASSESSOR),
    DemoPerson(f"assessor2@{DOMAIN}", "Priya", "Nair", Role.ASSESSOR),
]
STAFF = [
    ADMIN,
    *ASSESSORS,
    DemoPerson(f"moderator@{DOMAIN}", "Jordan", "Ellis", Role.MODERATOR),
    DemoPerson(f"eqa@{DOMAIN}", "Chris", "Weber", Role.EXTERNAL_MODERATOR),
]
LEARNERS = [
    DemoPerson(f"learner1@{DOMAIN}", "Maya", "Lopez", Role.LEARNER, ASSESSORS[0].email),
    DemoPerson(f"learner2@{DOMAIN}", "Tom", "Becker", Role.LEARNER, ASSESSORS[0].email),
    DemoPerson(f"learner3@{DOMAIN}", "Aisha", "Khan", Role.LEARNER, ASSESSORS[0].email),
    DemoPerson(f"learner4@{DOMAIN}", "Luca", "Rossi", Role.LEARNER, ASSESSORS[1].email),
    DemoPerson(f"learner5@{DOMAIN}", "Emma", "Dubois", Role.LEARNER, ASSESSORS[1].email),
]


def _person(p: DemoPerson):
    user, created = User.objects.get_or_create(
        email=p.email, defaults={"first_name": p.first_name, "last_name": p.last_name}
    )
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
    EmailAddress.objects.update_or_create(user=user, email=user.email, defaults={"verified": True, "primary": True})
    return user


def _totp_secret(user) -> str:
    authenticator = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).first()
    if authenticator is None:
        secret = generate_totp_secret()
        TOTP.activate(user, secret)
        return secret
    return decrypt(authenticator.data["secret"])


def current_totp_code(secret: str) -> str:
    import time

    from allauth.mfa import app_settings

    return format_hotp_value(hotp_value(secret, int(time.time()) // app_settings.TOTP_PERIOD))


@transaction.atomic
def seed_demo() -> tuple[Centre, list[tuple[DemoPerson, str]]]:
    """Create (or find) the demo centre and its people. Safe to run again: nothing is duplicated."""
    centre = Centre.objects.filter(name=DEMO_CENTRE).first() or centre_create(name=DEMO_CENTRE, country="GB")
    logins: list[tuple[DemoPerson, str]] = []
    for p in STAFF:
        user = _person(p)
        if not Membership.objects.filter(user=user, centre=centre, role=p.role).exists():
            membership_grant(centre=centre, user=user, role=p.role)
        logins.append((p, _totp_secret(user)))
    admin = User.objects.get(email=ADMIN.email)
    for p in LEARNERS:
        user = _person(p)
        if not Membership.objects.filter(user=user, centre=centre, role=Role.LEARNER).exists():
            learner_register(centre=centre, email=p.email, first_name=p.first_name, last_name=p.last_name,
                             assessor=User.objects.get(email=p.assessor), actor=admin)
        logins.append((p, ""))
    _enrol_demo_learners(centre, admin)
    seed_demo_assessment(centre)
    seed_demo_moderation(centre)
    seed_demo_eqa(centre)
    seed_demo_comment_bank(centre)
    return centre, logins


def _enrol_demo_learners(centre: Centre, admin) -> None:
    """Learners 1-3 on the hospitality qualification (mandatory units plus enough optional credit), 4-5 on
    the barista course, started some weeks ago so progress and days left mean something."""
    import datetime

    from django.utils import timezone

    hospitality, barista = load_demo_specs(centre=centre, actor=admin)
    today = timezone.localdate()
    for i, person in enumerate(LEARNERS):
        version = hospitality if i < 3 else barista
        user = User.objects.get(email=person.email)
        if Enrolment.objects.filter(learner=user, version__qualification=version.qualification).exists():
            continue
        units = list(version.units.order_by("position"))
        chosen = [u for u in units if u.mandatory]
        for unit in (u for u in units if not u.mandatory):
            if sum(u.credits for u in chosen) >= version.minimum_credits:
                break
            chosen.append(unit)
        enrolment_create(
            learner_membership=Membership.objects.get(user=user, centre=centre, role=Role.LEARNER),
            version=version, units=chosen, actor=admin,
            start_date=today - datetime.timedelta(days=60 + 20 * i),
            planned_end_date=today + datetime.timedelta(days=300 if version is hospitality else 40))


# --- Evidence and assessment ------------------------------------------------------------------------------

def _photo(label: str, colour: tuple[int, int, int]) -> bytes:
    """A stand-in for a phone photo: a coloured picture with a caption, and a capture time."""
    import io

    from PIL import Image, ImageDraw

    image = Image.new("RGB", (1200, 900), colour)
    draw = ImageDraw.Draw(image)
    draw.rectangle((60, 60, 1140, 840), outline=(255, 255, 255), width=8)
    draw.text((100, 420), label, fill=(255, 255, 255))
    exif = Image.Exif()
    exif.get_ifd(0x8769)[0x9003] = "2026:10:14 11:30:00"
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85, exif=exif)
    return out.getvalue()


def _submit(enrolment: Enrolment, learner, *, title: str, reflection: str, criteria, colour):
    from django.core.files.base import ContentFile

    from portfolios.evidence.services import (
        evidence_create,
        evidence_file_attach,
        evidence_file_process,
        evidence_save_draft,
        evidence_submit,
    )

    evidence = evidence_create(enrolment=enrolment, actor=learner)
    photo = _photo(title, colour)
    attached = evidence_file_attach(evidence=evidence, upload=ContentFile(photo), name=f"{title}.jpg",
                                    size=len(photo), actor=learner)
    evidence_file_process(file_id=attached.pk)  # the demo loads in one transaction: process now, not on commit
    evidence.refresh_from_db()
    evidence_save_draft(evidence=evidence, revision=evidence.revision, actor=learner, title=title,
                        reflection=reflection, method="observation", activity_date=None,
                        activity_place="Training kitchen", criteria=criteria)
    evidence.refresh_from_db()
    evidence_submit(evidence=evidence, revision=evidence.revision, declared=True, actor=learner)
    return evidence


def _sign_off_with_evidence(enrolment: Enrolment, unit, learner, assessor, colour) -> None:
    """The learner evidences every criterion of the unit in two items; the assessor accepts both and signs off."""
    from assessment.services import review_decide, review_start, unit_sign_off
    from portfolios.models import EnrolmentUnit
    from qualifications.models import AssessmentCriterion

    criteria = list(AssessmentCriterion.objects.filter(unit=unit).order_by("position"))
    for n, part in enumerate([criteria[: len(criteria) // 2], criteria[len(criteria) // 2:]]):
        evidence = _submit(enrolment, learner, title=f"{unit.code}: {unit.title} ({n + 1})", criteria=part,
                           reflection="I did this during a busy service, supervised by my team leader.",
                           colour=colour)
        review = review_start(submission=evidence.submissions.get(), actor=assessor)
        review_decide(review=review, actor=assessor, decisions={c.pk: True for c in part}, outcome="accepted",
                      feedback="Clear, complete evidence. Well done.")
    unit_sign_off(enrolment_unit=EnrolmentUnit.objects.get(enrolment=enrolment, unit=unit), actor=assessor,
                  declared=True)


def seed_demo_assessment(centre: Centre) -> None:
    """Learner 1 has the first hospitality unit signed off (so its unit badge is awarded and baked); learner 2
    has evidence waiting in the assessor's queue; learner 4 has completed the barista course and holds its
    badges and a certificate of achievement. Done once: skipped when learner 1 already has evidence."""
    from badges.certificates.services import certificate_issue
    from portfolios.models import Evidence
    from qualifications.models import AssessmentCriterion

    first, second, _, fourth, _ = (User.objects.get(email=p.email) for p in LEARNERS)
    assessor, barista_assessor = (User.objects.get(email=p.email) for p in ASSESSORS)
    admin = User.objects.get(email=ADMIN.email)
    enrolment = Enrolment.objects.filter(learner=first, centre=centre).first()
    if enrolment is None or Evidence.objects.filter(enrolment=enrolment).exists():
        return
    unit = enrolment.units.order_by("position").first()
    _sign_off_with_evidence(enrolment, unit, first, assessor, colour=(11, 92, 171))
    waiting = Enrolment.objects.filter(learner=second, centre=centre).first()
    if waiting is not None:
        part = list(AssessmentCriterion.objects.filter(unit=unit).order_by("position")[:2])
        _submit(waiting, second, title="Temperature log for the week", criteria=part,
                reflection="I kept the fridge and freezer log all week and acted on one high reading.",
                colour=(164, 22, 26))
    barista = Enrolment.objects.filter(learner=fourth, centre=centre).first()
    if barista is not None:
        for barista_unit in barista.units.order_by("position"):
            _sign_off_with_evidence(barista, barista_unit, fourth, barista_assessor, colour=(111, 78, 55))
        barista.refresh_from_db()
        certificate_issue(enrolment=barista, actor=admin)


# --- Internal quality assurance ---------------------------------------------------------------------------

MODERATOR_EMAIL = f"moderator@{DOMAIN}"


def seed_demo_moderation(centre: Centre) -> None:
    """An approved sampling strategy for the hospitality qualification, this cycle's plan generated from it, and
    two of assessor 1's items sampled by the moderator: one signed "agree", one signed "disagree — assessor to
    act" with an open action. Each step is skipped when already done."""
    from django.utils import timezone

    from moderation.models import Sample, SamplingPlan
    from moderation.plans.services import sampling_plan_generate
    from moderation.strategies.selectors import current_strategy
    from moderation.strategies.services import strategy_approve, strategy_create

    moderator = User.objects.get(email=MODERATOR_EMAIL)
    enrolment = Enrolment.objects.filter(learner__email=LEARNERS[0].email, centre=centre).select_related(
        "version__qualification").first()
    if enrolment is None:
        return
    qualification = enrolment.version.qualification
    _demo_interim_work(centre)
    strategy = current_strategy(centre=centre, qualification=qualification)
    if strategy is None:
        strategy = strategy_create(centre=centre, qualification=qualification, actor=moderator)
        strategy = strategy_approve(strategy=strategy, actor=moderator, typed_name=moderator.get_full_name())
    start_year = strategy.cycle_start_year_of(timezone.localdate())
    plan = SamplingPlan.objects.filter(strategy=strategy, cycle_start=strategy.cycle_for(start_year)[0],
                                       current=True).first()
    if plan is None:
        plan = sampling_plan_generate(strategy=strategy, cycle_start_year=start_year, actor=moderator)
    if not Sample.objects.filter(centre=centre, plan_item__plan__strategy=strategy).exists():
        _demo_samples(plan, moderator)


def _demo_interim_work(centre: Centre) -> None:
    """Learner 3 has work in progress on the first hospitality unit, accepted by assessor 1: something for interim
    sampling. Done once: skipped when learner 3 already has evidence."""
    from assessment.services import review_decide, review_start
    from portfolios.models import Evidence
    from qualifications.models import AssessmentCriterion

    learner = User.objects.get(email=LEARNERS[2].email)
    assessor = User.objects.get(email=ASSESSORS[0].email)
    enrolment = Enrolment.objects.filter(learner=learner, centre=centre).first()
    if enrolment is None or Evidence.objects.filter(enrolment=enrolment).exists():
        return
    unit = enrolment.units.order_by("position").first()
    part = list(AssessmentCriterion.objects.filter(unit=unit).order_by("position")[:2])
    evidence = _submit(enrolment, learner, title="Opening checks in the training kitchen", criteria=part,
                       reflection="I did the opening checks on my own and wrote them up.", colour=(30, 120, 60))
    review = review_start(submission=evidence.submissions.get(), actor=assessor)
    review_decide(review=review, actor=assessor, decisions={c.pk: True for c in part}, outcome="accepted",
                  feedback="Good start: the checks are complete.")


def _demo_samples(plan, moderator) -> None:
    """The first item of assessor 1 that can be sampled is agreed; the next gets "disagree — assessor to act"."""
    from moderation.models import Sample
    from moderation.samples.services import (
        PROCESS_CHECKS,
        VACS,
        Check,
        SampleError,
        sample_record,
        sample_sign,
        sample_start,
    )

    assessor = User.objects.get(email=ASSESSORS[0].email)
    outcomes = [
        (Sample.Outcome.AGREE, "", []),
        (Sample.Outcome.DISAGREE_ACT,
         "The evidence does not show criterion 1.1 was met in a real service: the photo is from a training session.",
         [("Observe the learner in a live service and record it against 1.1, then review the decision.", None)]),
    ]
    for item in plan.items.filter(assessor=assessor, removed_at__isnull=True).order_by("position", "pk"):
        if not outcomes:
            break
        try:
            sample = sample_start(plan_item=item, actor=moderator)
        except SampleError:
            continue  # e.g. a summative item whose unit is not signed off (yet)
        outcome, feedback, actions = outcomes.pop(0)
        criteria = list(item.unit.criteria.order_by("position").values_list("pk", flat=True)[:2])
        sample_record(sample=sample, actor=moderator, criteria_ids=criteria,
                      vacs={name: Check(True) for name in VACS},
                      process_checks={name: Check(True) for name in PROCESS_CHECKS},
                      outcome=outcome, feedback=feedback, actions=actions)
        sample_sign(sample=sample, actor=moderator, typed_name=moderator.get_full_name())


# --- External quality assurance ---------------------------------------------------------------------------

EQA_EMAIL = f"eqa@{DOMAIN}"
EQA_AWARDING_BODY = "City & Guilds"


def seed_demo_eqa(centre: Centre):
    """The demo EQA's active 14-day grant over the demo moderator's current IQA plan, the visit in 10 days; made
    unless the EQA already holds an active grant at the centre (re-seeding after it ended gives a new one).
    Returns the grant, or None when the demo has no plan."""
    import datetime

    from django.utils import timezone

    from moderation.external.services import eqa_grant_create
    from moderation.models import EqaGrant, SamplingPlan

    eqa = User.objects.get(email=EQA_EMAIL)
    plan = (SamplingPlan.objects.filter(centre=centre, current=True, generated_by__email=MODERATOR_EMAIL)
            .order_by("-cycle_start", "-pk").first())
    if plan is None:
        return None
    grant = EqaGrant.objects.active().filter(centre=centre, moderator=eqa).first()
    if grant is None:
        now = timezone.now()
        grant = eqa_grant_create(
            centre=centre, actor=User.objects.get(email=ADMIN.email), email=eqa.email,
            scope=EqaGrant.Scope.IQA_PLAN, plan=plan, starts_at=now, expires_at=now + datetime.timedelta(days=14),
            visit_on=timezone.localdate() + datetime.timedelta(days=10), awarding_body=EQA_AWARDING_BODY)
    _demo_eqa_report(grant, eqa)
    return grant


def _demo_eqa_report(grant, eqa) -> None:
    """The EQA's finished report of `grant`: three sampled decisions (one changed), the checklist rated with one
    amber, two action points, signed and acknowledged by the admin. Made once: skipped when the grant has one."""
    import datetime

    from django.utils import timezone

    from moderation.external.reports import selectors, services
    from moderation.external.reports.models import EqaChecklistItem, EqaReport

    if EqaReport.objects.filter(grant=grant).exists():
        return
    units = list(selectors.in_scope_units(grant).select_related("enrolment__assessor", "unit")
                 .order_by("-locked_at", "enrolment__learner__last_name", "unit__position")[:3])
    if not units:
        return
    report = services.eqa_report_create(grant=grant, actor=eqa, visit_date=timezone.localdate(),
                                        sample_basis="The summative and interim items of the centre's current IQA "
                                                     "plan, at least one unit per assessor.")
    report = services.eqa_report_update(
        report=report, actor=eqa, visit_date=report.visit_date, sample_basis=report.sample_basis,
        good_practice="Feedback to learners is detailed and developmental; the IQA plan covers every assessor.",
        concerns="Standardisation records do not show how the photo evidence of practical units is judged.",
        improvements="Hold a standardisation meeting on photo evidence and record its decisions.")
    for n, unit in enumerate(units):
        changed = n == len(units) - 1 and len(units) > 1
        services.eqa_judgement_add(report=report, actor=eqa, enrolment_unit=unit, agreed=not changed,
                                   note="The photo does not show the learner at work: not yet sufficient."
                                   if changed else "")
    amber = "Standardisation takes place"
    services.eqa_ratings_save(report=report, actor=eqa, ratings={
        item.pk: ("amber", "No record of standardising photo evidence yet.") if item.text == amber else ("green", "")
        for item in EqaChecklistItem.objects.filter(centre=grant.centre, active=True)})
    today = timezone.localdate()
    moderator, assessor = User.objects.get(email=MODERATOR_EMAIL), User.objects.get(email=ASSESSORS[0].email)
    services.eqa_action_point_add(report=report, actor=eqa, owner=moderator, due_date=today + datetime.timedelta(30),
                                  text="Hold a standardisation meeting on photo evidence and record its decisions.")
    services.eqa_action_point_add(report=report, actor=eqa, owner=assessor, due_date=today + datetime.timedelta(14),
                                  text="Review the changed decision with the learner and add evidence of real work.")
    report = services.eqa_report_sign(report=report, actor=eqa, typed_name=eqa.get_full_name())
    services.eqa_report_acknowledge(report=report, actor=User.objects.get(email=ADMIN.email))


# --- Comment bank ---------------------------------------------------------------------------------------

DEMO_COMMENTS = [  # (title, text, suits, qualification code or None for any)
    ("Clear, complete record", "Your record is clear, complete and dated, and it shows you acting on the readings "
     "outside the safe range. That is exactly what this criterion asks for.", "feedback", "HOSP-L3"),
    ("Explain your reasons", "Tell me why you did it this way, not only what you did: what would you change next "
     "time, and why?", "both", None),
    ("Show yourself at work", "The photo shows the result but not you doing the task. Add a photo or a short video "
     "of you at work, or ask your supervisor for a witness statement.", "actions", None),
    ("Date and place", "Add the date and the place of the activity, and who saw you do it.", "actions", None),
]


def seed_demo_comment_bank(centre: Centre) -> None:
    """A few centre-wide comments (the admin's) and one of assessor 1's own, for the review page's picker.
    Made once: skipped when the centre has any."""
    from assessment.comment_bank.services import comment_snippet_create
    from assessment.models import CommentSnippet
    from qualifications.models import Qualification

    if CommentSnippet.objects.filter(centre=centre).exists():
        return
    admin, assessor = User.objects.get(email=ADMIN.email), User.objects.get(email=ASSESSORS[0].email)
    for title, text, suits, code in DEMO_COMMENTS:
        comment_snippet_create(centre=centre, actor=admin, title=title, text=text, suits=suits, centre_wide=True,
                               qualification=Qualification.objects.filter(centre=centre, code=code).first()
                               if code else None)
    comment_snippet_create(centre=centre, actor=assessor, title="Keep it going", suits="feedback",
                           text="Good progress this week. Keep the log going and bring it to our next review.")
