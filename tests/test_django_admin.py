import pytest

from tests.conftest import client_for
from tests.factories import UserFactory, with_totp

pytestmark = pytest.mark.django_db


def test_a_superuser_with_a_second_factor_uses_the_django_admin(personas):
    admin = with_totp(UserFactory(is_superuser=True, is_staff=True))
    client = client_for(admin)
    for url in ["/django-admin/", "/django-admin/accounts/user/", "/django-admin/centres/membership/",
                "/django-admin/audit/auditevent/", "/django-admin/notifications/notification/"]:
        assert client.get(url).status_code == 200, url


def test_centre_admins_are_not_django_admin_users(personas):
    response = client_for(personas.admin).get("/django-admin/")
    assert response.status_code in (302, 403)
