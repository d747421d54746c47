import pytest

from qualifications.demo_specs import load_demo_specs
from tests.conftest import client_for
from tests.factories import UserFactory, with_totp

pytestmark = pytest.mark.django_db


def test_a_superuser_reads_specifications_in_the_django_admin_but_cannot_change_them(personas):
    version = load_demo_specs(centre=personas.centre, actor=personas.admin)[0]
    unit = version.units.first()
    client = client_for(with_totp(UserFactory(is_superuser=True, is_staff=True)))
    for url in ["/django-admin/qualifications/qualification/", "/django-admin/qualifications/qualificationversion/",
                f"/django-admin/qualifications/qualificationversion/{version.pk}/change/",
                f"/django-admin/qualifications/unit/{unit.pk}/change/",
                f"/django-admin/qualifications/learningoutcome/{unit.outcomes.first().pk}/change/"]:
        response = client.get(url)
        assert response.status_code == 200, url
    page = client.get(f"/django-admin/qualifications/unit/{unit.pk}/change/").content.decode()
    assert 'name="_save"' not in page
    assert client.get("/django-admin/qualifications/unit/add/").status_code == 403
