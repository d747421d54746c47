"""Journey 9 on a laptop, on the demo centre: the centre admin gives an external moderator 14 days' access to the
learners of the demo moderator's IQA plan; the EQA signs in, reads a sampled unit (its evidence and audit trail),
writes an EQA report judging that unit, rates the checklist and signs it; the admin then sees the EQA's page views
on the grant's activity page and the signed report waiting to be acknowledged. Screenshots at 1280x800 and
390x844 go to the temporary directory."""

import re
import tempfile
from pathlib import Path

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

from accounts.models import User
from audit.models import AuditEvent, object_type_of
from centres.models import Centre, Role
from centres.services import membership_grant
from leap import demo
from moderation.external.reports.models import EqaChecklistItem, EqaReport
from moderation.models import EqaGrant, Sample, SamplingPlan
from tests.browser.conftest import LAPTOP, go_to, secret_of, sign_in

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips (or fails under LEAP_REQUIRE_SERVICES=1) with the reason
    expect = None

pytestmark = pytest.mark.services
SCREENSHOTS = Path(tempfile.gettempdir())
LAPTOP_SIZE = LAPTOP["viewport"]
PHONE_SIZE = {"width": 390, "height": 844}
EQA_EMAIL = f"verifier@{demo.DOMAIN}"
EQA_NAME = "Dana Fischer"
AWARDING_BODY = "Pearson"


def shoot(page, name: str) -> None:
    """The page at laptop size, then at phone size (the same session), then back."""
    page.screenshot(path=SCREENSHOTS / f"leap-eqa-{name}-laptop.png", full_page=True)
    page.set_viewport_size(PHONE_SIZE)
    page.screenshot(path=SCREENSHOTS / f"leap-eqa-{name}-phone.png", full_page=True)
    page.set_viewport_size(LAPTOP_SIZE)


def an_external_moderator_without_a_grant(centre: Centre) -> tuple[User, str]:
    """Someone holding the EQA role at the demo centre, with a password and TOTP, and no grant (made as the demo
    makes its staff)."""
    first, last = EQA_NAME.split()
    eqa = User.objects.create_user(email=EQA_EMAIL, password=demo.DEMO_PASSWORD, first_name=first, last_name=last)
    EmailAddress.objects.create(user=eqa, email=eqa.email, verified=True, primary=True)
    membership_grant(centre=centre, user=eqa, role=Role.EXTERNAL_MODERATOR)
    secret = generate_totp_secret()
    TOTP.activate(eqa, secret)
    assert not EqaGrant.objects.filter(moderator=eqa).exists()
    return eqa, secret


def test_the_admin_gives_eqa_access_and_the_eqa_reads_a_sampled_unit_and_signs_a_report(laptop):
    centre, logins = demo.seed_demo()
    eqa, eqa_secret = an_external_moderator_without_a_grant(centre)
    plan = SamplingPlan.objects.get(centre=centre, current=True, generated_by__email=demo.MODERATOR_EMAIL)
    sample = (Sample.objects.filter(plan_item__plan=plan, status=Sample.Status.SIGNED)
              .select_related("plan_item__enrolment__learner", "plan_item__unit").order_by("pk").first())
    item = sample.plan_item
    learner_name, unit_code = item.enrolment.learner.display_name, item.unit.code

    # 1. The admin, from the navigation: EQA access, a new grant over the plan's learners, 14 days by default.
    admin_page = laptop()
    sign_in(admin_page, demo.ADMIN.email, secret_of(logins, demo.ADMIN.email))
    go_to(admin_page, "EQA access")
    expect(admin_page.get_by_role("heading", name="EQA access", level=1)).to_be_visible()
    admin_page.get_by_role("link", name="Give EQA access").click()
    expect(admin_page.get_by_role("heading", name="Give EQA access", level=1)).to_be_visible()
    admin_page.get_by_label("External moderator's email").fill(EQA_EMAIL)
    admin_page.get_by_label("Awarding body").fill(AWARDING_BODY)
    admin_page.get_by_role("radio", name="The learners of an IQA sampling plan").check()
    admin_page.get_by_role("combobox", name="IQA sampling plan").select_option(label=str(plan))
    shoot(admin_page, "grant-new")
    admin_page.get_by_role("button", name="Give access").click()
    expect(admin_page.get_by_text(f"Grant created; {EQA_EMAIL} has been told.")).to_be_visible()

    grant = EqaGrant.objects.get(centre=centre, email=EQA_EMAIL)
    assert (grant.moderator, grant.scope, grant.plan) == (eqa, EqaGrant.Scope.IQA_PLAN, plan)
    assert round((grant.expires_at - grant.starts_at).total_seconds() / 86400) == 14
    assert grant.is_active()
    expect(admin_page.get_by_role("heading", name=f"EQA grant #{grant.pk}: {EQA_NAME}")).to_be_visible()
    expect(admin_page.locator(".badge-pill", has_text="Active")).to_be_visible()
    expect(admin_page.get_by_role("row", name=re.compile(learner_name))).to_be_visible()
    shoot(admin_page, "grant-detail")
    go_to(admin_page, "EQA access")
    row = admin_page.get_by_role("row", name=re.compile(EQA_NAME))
    expect(row).to_contain_text("Active")
    expect(row).to_contain_text(AWARDING_BODY)
    expect(row).to_contain_text("ends in 14 days")
    shoot(admin_page, "grant-list")

    # 2. The EQA: their access on the home page, then the plan, the sampled unit, its evidence and audit trail.
    page = laptop()
    sign_in(page, EQA_EMAIL, eqa_secret)
    access = page.get_by_role("region", name="Your EQA access")
    expect(access).to_contain_text(AWARDING_BODY)
    expect(access).to_contain_text(f"Learners of IQA plan {plan}")
    expect(access).to_contain_text("(in 14 days)")
    shoot(page, "home")
    access.get_by_role("link", name="The IQA plan and its samples").click()
    expect(page.get_by_role("heading", name=re.compile(r"^Sampling plan .* #\d+$"))).to_be_visible()
    shoot(page, "plan")
    page.get_by_role("row").filter(has_text=unit_code).get_by_role("link", name=learner_name).first.click()
    expect(page.get_by_role("heading", name=f"{learner_name} · {unit_code}")).to_be_visible()
    page.get_by_role("link", name="Its samples").click()
    expect(page.get_by_role("heading", name="Samples of this item")).to_be_visible()
    expect(page.get_by_role("link", name=f"Sample #{sample.pk}", exact=True)).to_be_visible()
    expect(page.get_by_role("heading", name=re.compile(r"^\d+ evidence items?$"))).to_be_visible()
    expect(page.get_by_role("img", name=re.compile(r"^Photo: ")).first).to_be_visible()
    page.get_by_role("heading", name=re.compile(r"^Audit trail of the unit")).click()
    expect(page.locator("table.timeline tbody tr").first).to_be_visible()
    expect(page.get_by_role("button", name="Start sampling this unit")).to_have_count(0)
    shoot(page, "sampled-unit")
    page.get_by_role("link", name=f"Sample #{sample.pk}", exact=True).click()
    expect(page).to_have_url(re.compile(rf"/{sample.pk}/$"))
    shoot(page, "iqa-sample")

    # The EQA report: started, the unit judged, every checklist item rated, signed with the typed name.
    go_to(page, "EQA report")
    page.get_by_role("link", name="Start a report").click()
    page.get_by_label("Basis for the sample").fill("The IQA plan's signed samples, one unit per assessor.")
    page.get_by_role("button", name="Start the report").click()
    expect(page.get_by_text("Report started. Add the decisions you sampled, then rate the checklist.")).to_be_visible()
    report = EqaReport.objects.get(grant=grant)
    page.get_by_role("link", name="Add sampled decisions").click()
    page.get_by_label("Learner or unit").fill(learner_name)
    page.get_by_role("button", name="Find").click()
    unit_row = page.get_by_role("listitem").filter(has_text=unit_code).filter(has_text=learner_name)
    unit_row.get_by_text(f"Judge {unit_code}").click()
    unit_row.get_by_role("radio", name="Agreed: the decision stands").check()
    unit_row.get_by_role("button", name="Add to the sample").click()
    expect(page.get_by_text(f"Unit {unit_code} added to the sample.")).to_be_visible()
    expect(page.get_by_text("The report judges 1 decision so far.")).to_be_visible()
    shoot(page, "report-sample")
    page.get_by_role("link", name=f"Back to EQA report #{report.pk}").click()

    page.get_by_role("link", name="Rate the checklist").click()
    groups = page.locator("fieldset.iqa-yes-no")
    items = EqaChecklistItem.objects.filter(centre=centre, active=True).count()
    assert items and groups.count() == items
    for group in groups.all():
        group.get_by_role("radio", name="Green").check()
    shoot(page, "report-ratings")
    page.get_by_role("button", name="Save the ratings").click()
    expect(page.get_by_text("Ratings saved.")).to_be_visible()
    expect(page.get_by_text("Before you can sign:")).to_have_count(0)

    page.get_by_role("textbox", name="Type your full name to sign").fill(EQA_NAME)
    page.get_by_role("button", name="Sign", exact=True).click()
    expect(page.get_by_text(re.compile(r"^Report signed\. The centre admins have been told"))).to_be_visible()
    expect(page.get_by_text(re.compile(rf"signed by {EQA_NAME} on "))).to_be_visible()
    expect(page.get_by_role("link", name="Download the PDF")).to_be_visible()
    shoot(page, "report-signed")

    report.refresh_from_db()
    assert (report.status, report.signed_name, report.author) == (EqaReport.Status.SIGNED, EQA_NAME, eqa)
    judgement = report.judgements.get()
    assert (judgement.enrolment_id, judgement.unit_id, judgement.agreed) == (item.enrolment_id, item.unit_id, True)
    assert report.ratings.count() == items and not report.ratings.exclude(rating="green").exists()

    # 3. The admin again: the grant's activity lists the EQA's page views; the signed report awaits acknowledgement.
    viewed = AuditEvent.objects.filter(object_type=object_type_of(grant), object_id=str(grant.pk),
                                       action="eqa.viewed", actor=eqa)
    item_page = f"/moderation/sampling/items/{item.pk}/"
    assert {f"/moderation/plans/{plan.pk}/", item_page} <= set(viewed.values_list("data__path", flat=True))
    admin_page.get_by_role("link", name=re.compile(EQA_NAME)).click()
    admin_page.get_by_role("link", name="EQA activity").click()
    expect(admin_page.get_by_role("heading", name="EQA activity", level=1)).to_be_visible()
    views = viewed.count()
    files = AuditEvent.objects.filter(object_type=object_type_of(grant), object_id=str(grant.pk),
                                      action="eqa.file_downloaded", actor=eqa).count()
    assert files  # the evidence photo, as the EQA's browser loaded it

    def figure(words: str):
        return admin_page.locator("dl.stats div", has=admin_page.locator("dt", has_text=words)).locator("dd")

    expect(figure("Pages viewed")).to_have_text(str(views))  # the EQA has opened nothing since
    expect(figure("Files downloaded")).to_have_text(str(files))
    expect(figure("Refused attempts")).to_have_text("0")
    opened = admin_page.get_by_role("row").filter(has_text="Opened a page").filter(has_text=EQA_NAME)
    expect(opened.first).to_be_visible()
    expect(opened).to_have_count(views)
    expect(admin_page.get_by_role("row").filter(has_text=item_page)).not_to_have_count(0)
    shoot(admin_page, "grant-activity")

    admin_page.get_by_role("link", name=f"EQA grant #{grant.pk}: {EQA_NAME}").click()
    reports = admin_page.get_by_role("region", name="EQA reports")
    expect(reports.get_by_role("listitem").filter(has_text=f"Report #{report.pk}")).to_contain_text("Signed")
    reports.get_by_role("link", name=re.compile(rf"^Report #{report.pk}, visit ")).click()
    acknowledge = admin_page.get_by_role("button", name="Acknowledge the report")
    expect(acknowledge).to_be_visible()
    shoot(admin_page, "report-to-acknowledge")
    acknowledge.click()
    expect(admin_page.get_by_text("Report acknowledged; the external moderator has been told.")).to_be_visible()
    report.refresh_from_db()
    assert report.status == EqaReport.Status.ACKNOWLEDGED and report.acknowledged_by.email == demo.ADMIN.email
