"""Every change to a qualification specification: one function per act, each checked, atomic and audited.

Content edits carry the `revision` the editor page was rendered with. The revision is bumped by an atomic
compare-and-set, so of two people editing from the same page only the first succeeds and the second is told
to reload: no edit silently overwrites another.
"""

from collections import defaultdict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, Literal

from django.db import transaction
from django.db.models import F, Max, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from accounts.models import User
from audit.services import audit_record
from centres.models import Centre, Role
from centres.services import ServiceError, ensure_role
from centres.workflow import check_move, move_status

from .models import AssessmentCriterion, LearningOutcome, Qualification, QualificationVersion, Unit
from .selectors import version_tree

Direction = Literal["up", "down"]
OutcomeTree = list[tuple[LearningOutcome, list[AssessmentCriterion]]]
UnitTree = list[tuple[Unit, OutcomeTree]]

VERSION_FIELDS = ("title", "awarding_body", "level", "framework", "total_credits", "guided_learning_hours",
                  "minimum_credits")
UNIT_FIELDS = ("code", "title", "level", "credits", "guided_learning_hours", "mandatory")

FROZEN = gettext_lazy("This version is in use by enrolled learners and can no longer change. "
                      "Start a new version to make changes.")
STALE = gettext_lazy("Someone else changed this qualification after you opened it. "
                     "Reload the page to see their changes; nothing was saved.")


class PublishError(ServiceError):
    """Publishing refused; `problems` lists everything that must be fixed first."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__(_("This version cannot be published until these problems are fixed: %(problems)s")
                         % {"problems": " ".join(problems)})


# --- Guard rails shared by every act -----------------------------------------------------------------

def _claim(version: QualificationVersion, revision: int, *, content: bool) -> None:
    """Compare-and-set: bump the revision only if it is still the one the user's form was rendered with."""
    claimed = QualificationVersion.objects.filter(pk=version.pk, revision=revision)
    if content:
        # Checked in the same statement: an enrolment may have frozen the version since the page was opened.
        claimed = claimed.filter(frozen_at__isnull=True).exclude(status=QualificationVersion.Status.RETIRED)
    if not claimed.update(revision=F("revision") + 1):
        version.refresh_from_db(fields=["revision", "frozen_at", "status"])
        raise ServiceError(FROZEN if content and not version.is_editable else STALE)
    version.revision = revision + 1


@contextmanager
def _editing(version: QualificationVersion, revision: int, actor: User, *, content: bool = True) -> Iterator[None]:
    ensure_role(actor, version.qualification.centre, Role.CENTRE_ADMIN)
    if content and not version.is_editable:
        raise ServiceError(FROZEN)
    with transaction.atomic():
        _claim(version, revision, content=content)
        yield


def _audit(action: str, *, actor: User, version: QualificationVersion, **data: Any) -> None:
    audit_record(action=f"qualification.{action}", actor=actor, centre=version.qualification.centre,
                 target=version, data={"code": version.qualification.code, "version": version.number, **data})


def _next_position(siblings: QuerySet) -> int:
    return (siblings.aggregate(last=Max("position"))["last"] or 0) + 1


def _moved(siblings: list, item, direction: Direction) -> list:
    """`siblings` in their new order, with `item` swapped with its neighbour."""
    index = next(i for i, sibling in enumerate(siblings) if sibling.pk == item.pk)
    other = index - 1 if direction == "up" else index + 1
    if not 0 <= other < len(siblings):
        raise ServiceError(_("It is already first.") if direction == "up" else _("It is already last."))
    siblings[index], siblings[other] = siblings[other], siblings[index]
    return siblings


# --- Numbering: the one rule, and the one place it is applied after a change ---------------------------

def number_tree(outcomes: Sequence[tuple[LearningOutcome, Sequence[AssessmentCriterion]]]) -> None:
    """Number one unit's outcomes 1, 2, ... and criteria n.m, in memory, in the order given.

    A criterion's position runs through the whole unit (outcome order, then criterion order), so a unit's
    criteria sort without a join.
    """
    position = 0
    for n, (outcome, criteria) in enumerate(outcomes, start=1):
        outcome.position, outcome.number = n, str(n)
        for m, criterion in enumerate(criteria, start=1):
            position += 1
            criterion.position, criterion.number = position, f"{n}.{m}"


def _renumber_unit(unit: Unit, *, outcomes: list[LearningOutcome] | None = None,
                   criteria: list[AssessmentCriterion] | None = None) -> None:
    """Renumber a unit after a structural change. `outcomes` (all of the unit's) or `criteria` (all of one
    outcome's) give a new order; everything else keeps the order it has."""
    if outcomes is None:
        outcomes = list(unit.outcomes.order_by("position", "pk"))
    grouped: dict[int, list[AssessmentCriterion]] = defaultdict(list)
    for criterion in AssessmentCriterion.objects.filter(outcome__unit=unit).order_by("position", "pk"):
        grouped[criterion.outcome_id].append(criterion)
    if criteria:
        grouped[criteria[0].outcome_id] = criteria
    tree = [(outcome, grouped[outcome.pk]) for outcome in outcomes]
    number_tree(tree)
    all_criteria = [criterion for _outcome, cs in tree for criterion in cs]
    for criterion in all_criteria:
        criterion.unit_id = unit.pk  # the denormalised unit always follows the outcome
    LearningOutcome.objects.bulk_update(outcomes, ["position", "number"])
    AssessmentCriterion.objects.bulk_update(all_criteria, ["position", "number", "unit"])


def _save_unit_order(units: list[Unit]) -> None:
    for position, unit in enumerate(units, start=1):
        unit.position = position
    Unit.objects.bulk_update(units, ["position"])


def tree_create(*, version: QualificationVersion, units: UnitTree) -> None:
    """Save a whole tree of unsaved units, outcomes and criteria under `version`, numbered, in three inserts.

    A building block of the acts that make a version (import, new version); it checks nothing itself.
    """
    for position, (unit, outcomes) in enumerate(units, start=1):
        unit.version, unit.position = version, position
        number_tree(outcomes)
        for outcome, criteria in outcomes:
            outcome.unit = unit
            for criterion in criteria:
                criterion.outcome, criterion.unit = outcome, unit
    Unit.objects.bulk_create([unit for unit, _outcomes in units])
    LearningOutcome.objects.bulk_create([o for _unit, outcomes in units for o, _criteria in outcomes])
    AssessmentCriterion.objects.bulk_create(
        [c for _unit, outcomes in units for _outcome, criteria in outcomes for c in criteria])


# --- Qualifications and versions -----------------------------------------------------------------------

def qualification_create(
    *, centre: Centre, code: str, kind: str, title: str, awarding_body: str = "", level: str = "",
    framework: str = "", total_credits: int = 0, guided_learning_hours: int = 0, minimum_credits: int = 0, actor: User,
) -> QualificationVersion:
    """A new qualification or short course at `centre`, with its first version as an empty draft."""
    ensure_role(actor, centre, Role.CENTRE_ADMIN)
    code = code.strip()
    with transaction.atomic():
        if Qualification.objects.filter(centre=centre, code=code).exists():
            raise ServiceError(_("A qualification with the code %(code)s already exists at this centre.")
                               % {"code": code})
        qualification = Qualification.objects.create(centre=centre, code=code, kind=kind)
        version = QualificationVersion.objects.create(
            qualification=qualification, number=1, title=title.strip(), awarding_body=awarding_body.strip(),
            level=level.strip(), framework=framework, total_credits=total_credits,
            guided_learning_hours=guided_learning_hours, minimum_credits=minimum_credits)
        _audit("created", actor=actor, version=version, kind=kind, title=version.title)
    return version


def version_update(*, version: QualificationVersion, revision: int, actor: User, **fields: Any) -> QualificationVersion:
    """Change the details of a version: any of VERSION_FIELDS."""
    if unknown := set(fields) - set(VERSION_FIELDS):
        raise TypeError(f"version_update() cannot change {sorted(unknown)}")
    with _editing(version, revision, actor):
        changes = {f: [getattr(version, f), v] for f, v in fields.items() if getattr(version, f) != v}
        for field, value in fields.items():
            setattr(version, field, value)
        version.save(update_fields=list(fields))
        _audit("version_updated", actor=actor, version=version, changes=changes)
    return version


def version_publish_problems(version: QualificationVersion) -> list[str]:
    """Everything that stops `version` (as given by `selectors.version_tree`) from being published."""
    problems = []
    units = list(version.units.all())
    if not units:
        problems.append(_("Add at least one unit."))
    for unit in units:
        outcomes = list(unit.outcomes.all())
        if not outcomes:
            problems.append(_("Unit %(unit)s has no learning outcomes.") % {"unit": unit.code})
        problems += [_("Unit %(unit)s, learning outcome %(outcome)s has no assessment criteria.")
                     % {"unit": unit.code, "outcome": o.number} for o in outcomes if not o.criteria.all()]
    if version.minimum_credits:
        mandatory = sum(u.credits for u in units if u.mandatory)
        available = sum(u.credits for u in units)
        if mandatory > version.minimum_credits:
            problems.append(ngettext("The mandatory units add up to %(mandatory)s credit, more than the minimum of "
                                     "%(minimum)s.",
                                     "The mandatory units add up to %(mandatory)s credits, more than the minimum of "
                                     "%(minimum)s.", mandatory)
                            % {"mandatory": mandatory, "minimum": version.minimum_credits})
        if version.minimum_credits > available:
            problems.append(ngettext("The minimum of %(minimum)s credit is more than all the units together "
                                     "(%(available)s).",
                                     "The minimum of %(minimum)s credits is more than all the units together "
                                     "(%(available)s).", version.minimum_credits)
                            % {"minimum": version.minimum_credits, "available": available})
    return problems


def version_publish(*, version: QualificationVersion, revision: int, actor: User) -> QualificationVersion:
    """Make a draft available for enrolment, once it is complete and its rules of combination add up."""
    with _editing(version, revision, actor, content=False):
        check_move(version, QualificationVersion.Status.PUBLISHED, refusal=_("Only a draft can be published."))
        if problems := version_publish_problems(version_tree(version)):
            raise PublishError(problems)
        move_status(version, QualificationVersion.Status.PUBLISHED)
        version.save(update_fields=["status"])
        _audit("version_published", actor=actor, version=version)
    return version


def version_retire(*, version: QualificationVersion, revision: int, actor: User) -> QualificationVersion:
    """No new enrolments on this version; learners already enrolled carry on."""
    with _editing(version, revision, actor, content=False):
        move_status(version, QualificationVersion.Status.RETIRED, refusal=_("This version is already retired."))
        version.save(update_fields=["status"])
        _audit("version_retired", actor=actor, version=version)
    return version


def version_freeze(*, version: QualificationVersion) -> None:
    """Freeze a version's content because a learner is being enrolled on it.

    Called by the enrolment service inside its own transaction, which has already checked the permission
    and records the enrolment in the audit trail; so there is no actor here. Freezing twice changes nothing.
    """
    if version.frozen_at is None:
        QualificationVersion.objects.filter(pk=version.pk, frozen_at__isnull=True).update(frozen_at=timezone.now())
        version.refresh_from_db(fields=["frozen_at"])


def version_new_from(*, version: QualificationVersion, actor: User) -> QualificationVersion:
    """A new draft (number max + 1) with a copy of everything in `version`, free to change."""
    ensure_role(actor, version.qualification.centre, Role.CENTRE_ADMIN)
    with transaction.atomic():
        # Locked so that two people starting a new version at once get different numbers.
        qualification = Qualification.objects.select_for_update().get(pk=version.qualification_id)
        number = qualification.versions.aggregate(last=Max("number"))["last"] + 1
        source = version_tree(version)
        new = QualificationVersion.objects.create(qualification=qualification, number=number,
                                                  **{f: getattr(source, f) for f in VERSION_FIELDS})
        tree_create(version=new, units=[
            (Unit(**{f: getattr(u, f) for f in UNIT_FIELDS}),
             [(LearningOutcome(text=o.text), [AssessmentCriterion(text=c.text) for c in o.criteria.all()])
              for o in u.outcomes.all()])
            for u in source.units.all()
        ])
        _audit("version_started", actor=actor, version=new, from_version=version.number)
    return new


# --- Units -------------------------------------------------------------------------------------------

def _ensure_unit_code_free(version: QualificationVersion, code: str, *, unit: Unit | None = None) -> None:
    if not code:
        raise ServiceError(_("Every unit needs a code."))
    if version.units.filter(code=code).exclude(pk=unit.pk if unit else None).exists():
        raise ServiceError(_("Unit code %(code)s is already used in this version.") % {"code": code})


def unit_add(
    *, version: QualificationVersion, revision: int, actor: User, code: str, title: str, level: str = "",
    credits: int = 0, guided_learning_hours: int = 0, mandatory: bool = True,
) -> Unit:
    code = code.strip()
    with _editing(version, revision, actor):
        _ensure_unit_code_free(version, code)
        unit = Unit.objects.create(version=version, position=_next_position(version.units), code=code,
                                   title=title.strip(), level=level.strip(), credits=credits,
                                   guided_learning_hours=guided_learning_hours, mandatory=mandatory)
        _audit("unit_added", actor=actor, version=version, unit=code)
    return unit


def unit_update(*, unit: Unit, revision: int, actor: User, **fields: Any) -> Unit:
    """Change any of UNIT_FIELDS."""
    if unknown := set(fields) - set(UNIT_FIELDS):
        raise TypeError(f"unit_update() cannot change {sorted(unknown)}")
    version = unit.version
    with _editing(version, revision, actor):
        if "code" in fields:
            fields["code"] = fields["code"].strip()
            _ensure_unit_code_free(version, fields["code"], unit=unit)
        changes = {f: [getattr(unit, f), v] for f, v in fields.items() if getattr(unit, f) != v}
        for field, value in fields.items():
            setattr(unit, field, value)
        unit.save(update_fields=list(fields))
        _audit("unit_updated", actor=actor, version=version, unit=unit.code, changes=changes)
    return unit


def unit_delete(*, unit: Unit, revision: int, actor: User) -> None:
    """Delete a unit with its outcomes and criteria."""
    version = unit.version
    with _editing(version, revision, actor):
        unit.delete()
        _save_unit_order(list(version.units.order_by("position", "pk")))
        _audit("unit_deleted", actor=actor, version=version, unit=unit.code)


def unit_move(*, unit: Unit, direction: Direction, revision: int, actor: User) -> None:
    version = unit.version
    with _editing(version, revision, actor):
        _save_unit_order(_moved(list(version.units.order_by("position", "pk")), unit, direction))
        _audit("unit_moved", actor=actor, version=version, unit=unit.code, direction=direction)


# --- Learning outcomes -------------------------------------------------------------------------------

def outcome_add(*, unit: Unit, revision: int, actor: User, text: str) -> LearningOutcome:
    """A learning outcome at the end of `unit`."""
    with _editing(unit.version, revision, actor):
        outcome = LearningOutcome.objects.create(unit=unit, position=_next_position(unit.outcomes),
                                                 text=text.strip())
        _renumber_unit(unit)
        outcome.refresh_from_db(fields=["position", "number"])
        _audit("outcome_added", actor=actor, version=unit.version, unit=unit.code, outcome=outcome.number)
    return outcome


def outcome_update(*, outcome: LearningOutcome, revision: int, actor: User, text: str) -> LearningOutcome:
    unit = outcome.unit
    with _editing(unit.version, revision, actor):
        previous, outcome.text = outcome.text, text.strip()
        outcome.save(update_fields=["text"])
        _audit("outcome_updated", actor=actor, version=unit.version, unit=unit.code, outcome=outcome.number,
               changes={"text": [previous, outcome.text]})
    return outcome


def outcome_delete(*, outcome: LearningOutcome, revision: int, actor: User) -> None:
    """Delete an outcome with its criteria; the outcomes after it are renumbered."""
    unit = outcome.unit
    with _editing(unit.version, revision, actor):
        outcome.delete()
        _renumber_unit(unit)
        _audit("outcome_deleted", actor=actor, version=unit.version, unit=unit.code, outcome=outcome.number,
               text=outcome.text)


def outcome_move(*, outcome: LearningOutcome, direction: Direction, revision: int, actor: User) -> None:
    unit = outcome.unit
    with _editing(unit.version, revision, actor):
        _renumber_unit(unit, outcomes=_moved(list(unit.outcomes.order_by("position", "pk")), outcome, direction))
        _audit("outcome_moved", actor=actor, version=unit.version, unit=unit.code, outcome=outcome.number,
               direction=direction)


# --- Assessment criteria -----------------------------------------------------------------------------

def criterion_add(*, outcome: LearningOutcome, revision: int, actor: User, text: str) -> AssessmentCriterion:
    """An assessment criterion at the end of `outcome`."""
    unit = outcome.unit
    with _editing(unit.version, revision, actor):
        # Past every criterion of the unit, so it sorts last within its own outcome before renumbering.
        criterion = AssessmentCriterion.objects.create(
            outcome=outcome, unit=unit, position=_next_position(unit.criteria), text=text.strip())
        _renumber_unit(unit)
        criterion.refresh_from_db(fields=["position", "number"])
        _audit("criterion_added", actor=actor, version=unit.version, unit=unit.code, criterion=criterion.number)
    return criterion


def criterion_update(*, criterion: AssessmentCriterion, revision: int, actor: User, text: str) -> AssessmentCriterion:
    unit = criterion.outcome.unit
    with _editing(unit.version, revision, actor):
        previous, criterion.text = criterion.text, text.strip()
        criterion.save(update_fields=["text"])
        _audit("criterion_updated", actor=actor, version=unit.version, unit=unit.code, criterion=criterion.number,
               changes={"text": [previous, criterion.text]})
    return criterion


def criterion_delete(*, criterion: AssessmentCriterion, revision: int, actor: User) -> None:
    unit = criterion.outcome.unit
    with _editing(unit.version, revision, actor):
        criterion.delete()
        _renumber_unit(unit)
        _audit("criterion_deleted", actor=actor, version=unit.version, unit=unit.code, criterion=criterion.number,
               text=criterion.text)


def criterion_move(*, criterion: AssessmentCriterion, direction: Direction, revision: int, actor: User) -> None:
    """Move a criterion up or down within its learning outcome."""
    outcome = criterion.outcome
    with _editing(outcome.unit.version, revision, actor):
        siblings = list(outcome.criteria.order_by("position", "pk"))
        _renumber_unit(outcome.unit, criteria=_moved(siblings, criterion, direction))
        _audit("criterion_moved", actor=actor, version=outcome.unit.version, unit=outcome.unit.code,
               criterion=criterion.number, direction=direction)
