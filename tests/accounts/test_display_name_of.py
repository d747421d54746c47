"""`display_name_of` names a person from their values exactly as `User.display_name` does, masking included."""

import pytest

from accounts.models import User, display_name_of
from accounts.pseudonyms import Masking, masked

PEOPLE = [(1, "Ana", "Silva", "ana@example.test"), (2, "", "", "nameless@example.test"),
          (3, "Zoë", "", "zoe@example.test"), (4, "", "", "other@example.test")]


def _learners():
    return [(pk, email, first, last) for pk, first, last, email in PEOPLE[:3]]  # person 4 is not masked


@pytest.mark.parametrize("masking", [None, Masking(_learners), Masking(_learners, hide_contact=False),
                                     Masking(_learners, pseudonym_key="grant-7")])
def test_same_name_as_the_user_shows(masking):
    with masked(masking):
        for pk, first, last, email in PEOPLE:
            user = User(pk=pk, first_name=first, last_name=last, email=email)
            assert display_name_of(pk, first, last, email) == user.display_name
