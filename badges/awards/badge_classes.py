"""Badge classes: made from a specification (unit and qualification badges) or by hand."""


from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from audit.services import audit_record
from badges.awards.images import badge_png_generate, badge_png_validate
from badges.models import BadgeClass
from badges.openbadges import ob2
from centres.models import Centre, Role
from centres.services import ServiceError, ensure_role
from centres.web_urls import web_url_problem
from qualifications.models import QualificationVersion, Unit

User = get_user_model()
Kind = BadgeClass.Kind
NON_FORMAL_KINDS = (Kind.PARTICIPATION, Kind.SKILL, Kind.EVENT)

# The EU micro-credential elements of a formal (unit or qualification) badge. Stored, not translated: they
# are part of what the centre issues.
FORMAL_ASSESSMENT = ("Summative assessment against every criterion by a qualified assessor; "
                     "internally quality assured")
FORMAL_PARTICIPATION = "Work-based, in person"
FORMAL_QUALITY_ASSURANCE = ("Internal quality assurance (IQA) by the centre; "
                            "external quality assurance by the awarding body")
ALIGNMENT_KEYS = ("targetName", "targetUrl", "targetDescription", "targetFramework", "targetCode")


class BadgeError(ServiceError):
    pass


def _level(version: QualificationVersion, level: str = "") -> str:
    """The level named with its framework ("RQF 3", "EQF 4"): a bare number means little across borders."""
    level = level or version.level
    return f"{version.framework} {level}".strip()[:20] if level else ""


def _give_image(badge: BadgeClass, png: bytes | None = None) -> None:
    if png is None:
        png = badge_png_generate(name=badge.name, formal=badge.is_formal, brand_colour=badge.centre.brand_colour,
                                 accent_colour=badge.centre.accent_colour, label=str(Kind(badge.kind).label))
    badge.image.save(f"{slugify(badge.name)[:60] or 'badge'}-{badge.uuid.hex[:8]}.png", ContentFile(png), save=False)


def _created(badge: BadgeClass, actor: User | None = None) -> BadgeClass:
    badge.save()
    audit_record(action="badge_class.created", actor=actor, centre=badge.centre, target=badge,
                 data={"kind": badge.kind, "name": badge.name, "unit": badge.unit_id, "version": badge.version_id})
    return badge


# --- Badge classes -------------------------------------------------------------------------------------

def badge_class_for_unit(*, unit: Unit, centre: Centre) -> BadgeClass:
    """The centre's badge for a unit, made from the specification the first time it is needed."""
    with transaction.atomic():
        Centre.objects.select_for_update().get(pk=centre.pk)  # two first awards at once make one badge class
        existing = BadgeClass.objects.filter(centre=centre, kind=Kind.UNIT, unit=unit).first()
        if existing is not None:
            return existing
        unit = Unit.objects.select_related("version__qualification").get(pk=unit.pk)
        version, qualification = unit.version, unit.version.qualification
        if qualification.centre_id != centre.pk:
            raise BadgeError(_("This unit belongs to another centre's qualification."))
        outcomes = list(unit.outcomes.prefetch_related("criteria"))
        criteria_count = sum(len(o.criteria.all()) for o in outcomes)
        criteria_text = ("its one assessment criterion" if criteria_count == 1
                         else f"every one of its {criteria_count} assessment criteria")
        badge = BadgeClass(
            centre=centre, kind=Kind.UNIT, unit=unit, qualification=qualification, version=version,
            name=f"{unit.title} ({unit.code})"[:200],
            description=(f"Unit {unit.code} {unit.title} of {version.title} ({qualification.code})"
                         f"{f', certified by {version.awarding_body}' if version.awarding_body else ''}. "
                         f"Awarded by {centre.name} when a qualified assessor has signed the unit off: the learner "
                         f"met {criteria_text}. "
                         f"{_count(unit.credits, 'credit', 'credits')}, "
                         f"{_count(unit.guided_learning_hours, 'guided learning hour', 'guided learning hours')}."),
            criteria_narrative=_unit_criteria_narrative(outcomes),
            tags=[t for t in (qualification.code, unit.code, _level(version, unit.level)) if t],
            credits=unit.credits, notional_hours=unit.guided_learning_hours, level=_level(version, unit.level),
            assessment_type=FORMAL_ASSESSMENT, participation_form=FORMAL_PARTICIPATION,
            quality_assurance=FORMAL_QUALITY_ASSURANCE)
        url = ob2.badge_class_url(badge)
        badge.alignments = [
            {"targetName": f"{c.number} {c.text}", "targetUrl": url, "targetDescription": f"{o.number} {o.text}",
             "targetFramework": qualification.code, "targetCode": f"{unit.code}/{c.number}"}
            for o in outcomes for c in o.criteria.all()]
        _give_image(badge)
        return _created(badge)


def _count(n: int, one: str, many: str) -> str:
    # Badge texts are the issuer's words, stored once in English (not translated per reader): "1 credit", "2 credits".
    return f"{n} {one if n == 1 else many}"


def _unit_criteria_narrative(outcomes) -> str:
    lines = ["The learner met every assessment criterion of this unit, judged by a qualified assessor against "
             "evidence that is valid, authentic, current and sufficient. The unit was then signed off and locked.",
             "", "Learning outcomes and assessment criteria:", ""]
    for outcome in outcomes:
        lines.append(f"{outcome.number}. {outcome.text}")
        lines += [f"    - {c.number} {c.text}" for c in outcome.criteria.all()]
    return "\n".join(lines)


def badge_class_for_qualification(*, version: QualificationVersion, centre: Centre) -> BadgeClass:
    """The centre's badge for a qualification version: it stacks that version's unit badges."""
    with transaction.atomic():
        Centre.objects.select_for_update().get(pk=centre.pk)
        existing = BadgeClass.objects.filter(centre=centre, kind=Kind.QUALIFICATION, version=version).first()
        if existing is not None:
            return existing
        version = QualificationVersion.objects.select_related("qualification").get(pk=version.pk)
        qualification = version.qualification
        if qualification.centre_id != centre.pk:
            raise BadgeError(_("This qualification belongs to another centre."))
        units = list(version.units.order_by("position", "pk"))
        unit_lines = [f"- {u.code} {u.title} ({_count(u.credits, 'credit', 'credits')}"
                      f"{'' if u.mandatory else ', optional'})" for u in units]
        hours = version.guided_learning_hours or sum(u.guided_learning_hours for u in units)
        minimum = version.minimum_credits
        minimum_text = f", for at least {_count(minimum, 'credit', 'credits')} in total" if minimum else ""
        badge = BadgeClass(
            centre=centre, kind=Kind.QUALIFICATION, qualification=qualification, version=version,
            name=f"{version.title} ({qualification.code})"[:200],
            description="\n".join([
                f"{version.title} ({qualification.code}, version {version.number})"
                f"{f', certified by {version.awarding_body}' if version.awarding_body else ''}, "
                f"awarded by {centre.name}. This badge stacks the unit badges of the qualification: it is awarded "
                "when every unit the learner takes is signed off and the rules of combination are met.",
                "", "Unit badges:", *unit_lines]),
            criteria_narrative=(
                "Every unit the learner took was signed off by a qualified assessor after every assessment "
                "criterion was met, including all mandatory units"
                f"{minimum_text}."
                "\n\nUnits:\n" + "\n".join(unit_lines)),
            tags=[t for t in (qualification.code, _level(version)) if t],
            credits=version.total_credits or sum(u.credits for u in units), notional_hours=hours,
            level=_level(version), assessment_type=FORMAL_ASSESSMENT, participation_form=FORMAL_PARTICIPATION,
            quality_assurance=FORMAL_QUALITY_ASSURANCE)
        url = ob2.badge_class_url(badge)
        badge.alignments = [{"targetName": f"{u.code} {u.title}", "targetUrl": url,
                             "targetFramework": qualification.code, "targetCode": u.code} for u in units]
        _give_image(badge)
        return _created(badge)


def badge_class_create(
    *,
    centre: Centre,
    kind: str,
    name: str,
    description: str,
    criteria_narrative: str,
    actor: User,
    image: bytes | None = None,
    tags: list[str] | tuple = (),
    alignments: list[dict] | tuple = (),
    validity_days: int | None = None,
    credits: int | None = None,
    notional_hours: int | None = None,
    level: str = "",
    assessment_type: str = "",
    participation_form: str = "",
    quality_assurance: str = "",
) -> BadgeClass:
    """A hand-made badge (participation, skill or event) of a centre, by its centre admin. Without an image
    one is drawn in the centre's colours."""
    ensure_role(actor, centre, Role.CENTRE_ADMIN)
    if kind not in NON_FORMAL_KINDS:
        raise BadgeError(_("Unit and qualification badges are made from the specification; "
                           "choose participation, skill or event."))
    name, description, criteria_narrative = name.strip(), description.strip(), criteria_narrative.strip()
    if not (name and description and criteria_narrative):
        raise BadgeError(_("Give the badge a name, a description and its criteria."))
    if validity_days is not None and validity_days < 1:
        raise BadgeError(_("A badge is valid for at least one day, or leave the validity empty."))
    png = badge_png_validate(image) if image is not None else None
    with transaction.atomic():
        badge = BadgeClass(
            centre=centre, kind=kind, name=name[:200], description=description, criteria_narrative=criteria_narrative,
            tags=[t.strip() for t in tags if t.strip()], alignments=_clean_alignments(alignments),
            validity_days=validity_days, credits=credits, notional_hours=notional_hours, level=level.strip()[:20],
            assessment_type=assessment_type.strip(), participation_form=participation_form.strip(),
            quality_assurance=quality_assurance.strip())
        _give_image(badge, png)
        return _created(badge, actor)


def _clean_alignments(alignments) -> list[dict]:
    cleaned = []
    for n, alignment in enumerate(alignments, start=1):
        item = {k: str(alignment.get(k, "")).strip() for k in ALIGNMENT_KEYS if str(alignment.get(k, "")).strip()}
        if not item.get("targetName") or web_url_problem(item.get("targetUrl", "")):
            raise BadgeError(_("Alignment %(n)s needs a name and a web address (https://…).") % {"n": n})
        cleaned.append(item)
    return cleaned


# --- Awarding ------------------------------------------------------------------------------------------
