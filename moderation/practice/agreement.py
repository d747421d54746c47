"""How far the assessors of a blind co-marking exercise agree: per criterion, and over the exercise (Fleiss' kappa).

Fleiss (1971), "Measuring nominal scale agreement among many raters". With N subjects (here: criteria), n raters
each and k categories (here: met, not yet met), n_ij raters putting subject i in category j:

    P_i  = (sum_j n_ij^2 - n) / (n (n - 1))      agreement on subject i: the share of rater pairs that agree
    P̄    = mean of P_i                            observed agreement
    p_j  = sum_i n_ij / (N n)                     share of all judgements in category j
    P̄e   = sum_j p_j^2                            agreement expected by chance
    κ    = (P̄ − P̄e) / (1 − P̄e)

κ is not defined when there are fewer than two raters or no subjects, or when every judgement falls in one
category (P̄e = 1: nothing to tell apart from chance). Then `fleiss_kappa` returns None and the pages say
"not defined" while still showing the percentage agreement (which is 100 % in the one-category case).
"""

from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

from accounts.models import User
from moderation.models import CoMarkingExercise, CoMarkingJudgement
from qualifications.models import AssessmentCriterion

KAPPA_FORMULA = "κ = (P̄ − P̄e) / (1 − P̄e)"
# Landis and Koch (1977): the usual words for a kappa, upper bounds included.
KAPPA_BANDS = ((0.0, _("poor")), (0.20, _("slight")), (0.40, _("fair")), (0.60, _("moderate")),
               (0.80, _("substantial")), (1.0, _("almost perfect")))


def kappa_band(kappa: float | None) -> str:
    """"poor", "slight", ... for a kappa (Landis and Koch); "" when it is not defined."""
    if kappa is None:
        return ""
    return str(next((words for bound, words in KAPPA_BANDS if kappa < bound or (bound and kappa <= bound)),
                    KAPPA_BANDS[-1][1]))


def fleiss_kappa(table: list[list[int]]) -> float | None:
    """κ of a table of counts: a row per subject, a column per category; every row sums to the same n."""
    rows = [row for row in table if sum(row)]
    if not rows:
        return None
    raters = sum(rows[0])
    if any(sum(row) != raters for row in rows):
        raise ValueError("every subject must be rated by the same number of raters")
    if raters < 2:
        return None
    subjects, categories = len(rows), len(rows[0])
    observed = sum(pair_agreement(row) for row in rows) / subjects
    shares = [sum(row[j] for row in rows) / (subjects * raters) for j in range(categories)]
    chance = sum(p * p for p in shares)
    if chance >= 1 - 1e-12:
        return None
    return (observed - chance) / (1 - chance)


def pair_agreement(row: list[int]) -> float:
    """P_i: the share of pairs of raters who put this subject in the same category (1.0 with one rater)."""
    raters = sum(row)
    if raters < 2:
        return 1.0
    return (sum(c * c for c in row) - raters) / (raters * (raters - 1))


@dataclass
class CriterionAgreement:
    criterion: AssessmentCriterion
    met: list[User] = field(default_factory=list)
    not_met: list[User] = field(default_factory=list)
    notes: list[tuple[User, bool, str]] = field(default_factory=list)

    @property
    def raters(self) -> int:
        return len(self.met) + len(self.not_met)

    @property
    def percent(self) -> float | None:
        """The share of rater pairs that agree, 0-100; None with fewer than two raters."""
        if self.raters < 2:
            return None
        return 100 * pair_agreement([len(self.met), len(self.not_met)])

    @property
    def majority(self) -> bool | None:
        """True (met) or False (not yet met); None when the raters split evenly or there are none."""
        if len(self.met) == len(self.not_met):
            return None
        return len(self.met) > len(self.not_met)

    @property
    def differed(self) -> list[User]:
        """Who judged against the majority (nobody when the raters split evenly: there is no majority)."""
        if self.majority is None:
            return []
        return self.not_met if self.majority else self.met


@dataclass
class ExerciseAgreement:
    criteria: list[CriterionAgreement]
    raters: list[User]

    @property
    def table(self) -> list[list[int]]:
        return [[len(c.met), len(c.not_met)] for c in self.criteria]

    @property
    def kappa(self) -> float | None:
        return fleiss_kappa(self.table)

    @property
    def kappa_band(self) -> str:
        return kappa_band(self.kappa)

    @property
    def percent(self) -> float | None:
        """P̄ as a percentage: the mean share of agreeing pairs over the criteria."""
        if len(self.raters) < 2 or not self.criteria:
            return None
        return 100 * sum(pair_agreement(row) for row in self.table) / len(self.criteria)


def criterion_agreement(exercise: CoMarkingExercise) -> list[CriterionAgreement]:
    return exercise_agreement(exercise).criteria


def exercise_agreement(exercise: CoMarkingExercise) -> ExerciseAgreement:
    """Per criterion of the exercise (in the specification's order): who judged it met and who not. Two queries."""
    criteria = list(exercise.criteria.select_related("unit").order_by("unit__position", "position"))
    rows = {c.pk: CriterionAgreement(criterion=c) for c in criteria}
    raters: dict[int, User] = {}
    judgements = (CoMarkingJudgement.objects.filter(exercise=exercise, criterion__in=rows)
                  .select_related("assessor").order_by("assessor__last_name", "assessor__first_name", "assessor_id"))
    for judgement in judgements:
        row = rows[judgement.criterion_id]
        (row.met if judgement.met else row.not_met).append(judgement.assessor)
        if judgement.note:
            row.notes.append((judgement.assessor, judgement.met, judgement.note))
        raters.setdefault(judgement.assessor_id, judgement.assessor)
    return ExerciseAgreement(criteria=list(rows.values()), raters=list(raters.values()))
