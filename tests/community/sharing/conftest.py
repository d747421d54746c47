"""A group with staff and three learners, and the first learner's submitted evidence shared with it."""

import pytest

from community.groups.services import group_create
from community.sharing.services import comment_post, item_share
from tests.assessment.comment_bank.helpers import submitted_evidence
from tests.community.groups.helpers import add
from tests.factories import learner as make_learner
from tests.portfolios.factories import make_enrolment, make_spec


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def group(personas):
    """The assessor's group (the assessor is its staff) with the two learners in it."""
    made = group_create(centre=personas.centre, actor=personas.assessor, name="Bakery L2, September")
    add(made, personas.assessor, personas.learner, personas.second_learner)
    return made


@pytest.fixture
def third(personas, group):
    """A third learner in the group."""
    person = make_learner(personas.centre, personas.assessor, first_name="Theo")
    add(group, personas.assessor, person)
    return person


@pytest.fixture
def evidence(personas):
    enrolment = make_enrolment(personas.learner, personas.assessor, make_spec(personas.centre, units=1))
    return submitted_evidence(enrolment, personas.learner, title="Sourdough loaf")


@pytest.fixture
def item(personas, group, evidence, third):
    return item_share(actor=personas.learner, group=group, evidence=evidence)


def comment(item, author, text="Lovely crust!", **kwargs):
    return comment_post(actor=author, item=item, text=text, **kwargs)
