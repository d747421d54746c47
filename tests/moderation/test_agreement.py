"""Fleiss' kappa against the published worked example and small cases computed by hand; per-criterion agreement."""

import pytest

from centres.models import Role
from moderation.practice.agreement import (
    criterion_agreement,
    exercise_agreement,
    fleiss_kappa,
    kappa_band,
    pair_agreement,
)
from moderation.practice.services import co_marking_close, co_marking_judge
from tests.factories import staff

from .practice_helpers import open_exercise

# Fleiss (1971), as worked on Wikipedia's "Fleiss' kappa" page: 10 subjects, 14 raters, 5 categories.
FLEISS_EXAMPLE = [
    [0, 0, 0, 0, 14],
    [0, 2, 6, 4, 2],
    [0, 0, 3, 5, 6],
    [0, 3, 9, 2, 0],
    [2, 2, 8, 1, 1],
    [7, 7, 0, 0, 0],
    [3, 2, 6, 3, 0],
    [2, 5, 3, 2, 2],
    [6, 5, 2, 1, 0],
    [0, 2, 2, 3, 7],
]


def test_the_published_example_gives_kappa_0_210():
    assert fleiss_kappa(FLEISS_EXAMPLE) == pytest.approx(0.210, abs=0.0005)


def test_the_published_example_has_the_published_subject_agreements():
    assert pair_agreement(FLEISS_EXAMPLE[0]) == 1.0
    assert pair_agreement(FLEISS_EXAMPLE[1]) == pytest.approx(0.253, abs=0.0005)
    assert sum(pair_agreement(r) for r in FLEISS_EXAMPLE) / 10 == pytest.approx(0.378, abs=0.0005)


def test_two_raters_who_agree_on_both_categories_have_kappa_one():
    assert fleiss_kappa([[2, 0], [0, 2]]) == pytest.approx(1.0)


def test_hand_computed_three_raters_two_criteria():
    # P_1 = (4+1-3)/6 = 1/3, P_2 = (9-3)/6 = 1: P̄ = 2/3; p_met = 5/6, p_not = 1/6: P̄e = 26/36; κ = -0.2
    assert fleiss_kappa([[2, 1], [3, 0]]) == pytest.approx(-0.2)


def test_hand_computed_four_raters_three_criteria():
    # P_i = (9+1-4)/12, 12/12, (1+9-4)/12: P̄ = 2/3; p = (8/12, 4/12): P̄e = 5/9; κ = (6/9 - 5/9) / (4/9) = 1/4
    assert fleiss_kappa([[3, 1], [4, 0], [1, 3]]) == pytest.approx(0.25)


def test_kappa_is_not_defined_when_everyone_gives_the_same_judgement():
    assert fleiss_kappa([[3, 0], [3, 0]]) is None


def test_kappa_is_not_defined_with_fewer_than_two_raters():
    assert fleiss_kappa([[1, 0], [0, 1]]) is None
    assert fleiss_kappa([]) is None


def test_rows_rated_by_different_numbers_of_raters_are_refused():
    with pytest.raises(ValueError):
        fleiss_kappa([[2, 0], [1, 2]])


@pytest.mark.django_db
def test_criterion_agreement_names_who_differed_from_the_majority(personas):
    third = staff(personas.centre, Role.ASSESSOR, first_name="Tia")
    exercise = open_exercise(personas, invited=[personas.assessor, personas.second_assessor, third])
    first, second, last = exercise.criteria.order_by("position")
    co_marking_judge(exercise=exercise, actor=personas.assessor,
                     judgements={first.pk: (True, ""), second.pk: (True, ""), last.pk: (True, "")})
    co_marking_judge(exercise=exercise, actor=personas.second_assessor,
                     judgements={first.pk: (True, ""), second.pk: (False, "no date"), last.pk: (True, "")})
    co_marking_judge(exercise=exercise, actor=third,
                     judgements={first.pk: (True, ""), second.pk: (True, ""), last.pk: (False, "")})
    co_marking_close(exercise=exercise, actor=personas.moderator)

    rows = criterion_agreement(exercise)
    assert [r.criterion for r in rows] == [first, second, last]
    assert [r.percent for r in rows] == [100, pytest.approx(100 / 3), pytest.approx(100 / 3)]
    assert [r.majority for r in rows] == [True, True, True]
    assert [r.differed for r in rows] == [[], [personas.second_assessor], [third]]
    assert rows[1].notes == [(personas.second_assessor, False, "no date")]
    # P̄ = (1 + 1/3 + 1/3)/3 = 5/9; p = (7/9, 2/9): P̄e = 53/81; κ = (45/81 - 53/81) / (28/81) = -2/7
    assert exercise_agreement(exercise).kappa == pytest.approx(-2 / 7)
    assert exercise_agreement(exercise).percent == pytest.approx(500 / 9)


@pytest.mark.django_db
def test_an_even_split_has_no_majority_and_nobody_differs(personas):
    exercise = open_exercise(personas)
    criteria = list(exercise.criteria.all())
    co_marking_judge(exercise=exercise, actor=personas.assessor, judgements={c.pk: (True, "") for c in criteria})
    co_marking_judge(exercise=exercise, actor=personas.second_assessor,
                     judgements={c.pk: (False, "") for c in criteria})
    [row, *_] = criterion_agreement(exercise)
    assert row.majority is None and row.differed == [] and row.percent == 0


@pytest.mark.parametrize("kappa,words", [(-0.2, "poor"), (0.0, "slight"), (0.2, "slight"), (0.21, "fair"),
                                         (0.5, "moderate"), (0.8, "substantial"), (0.81, "almost perfect"),
                                         (1.0, "almost perfect"), (None, "")])
def test_a_kappa_is_put_into_the_usual_words(kappa, words):
    assert kappa_band(kappa) == words
