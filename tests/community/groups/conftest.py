import pytest

from community.groups.services import group_create

from .helpers import add


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def group(personas):
    """The assessor's group (the assessor is its staff) with the two learners in it."""
    made = group_create(centre=personas.centre, actor=personas.assessor, name="Bakery L2, September",
                        description="Our cohort.")
    add(made, personas.assessor, personas.learner, personas.second_learner)
    return made
