import factory
from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.contrib.auth import get_user_model

from centres.models import Centre, Membership, Role

PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")

    @factory.post_generation
    def password(obj, create, extracted, **kwargs):
        obj.set_password(extracted or PASSWORD)
        if create:
            obj.save(update_fields=["password"])
            EmailAddress.objects.create(user=obj, email=obj.email, primary=True, verified=True)


class CentreFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Centre

    name = factory.Sequence(lambda n: f"Centre {n}")
    slug = factory.Sequence(lambda n: f"centre-{n}")
    country = "GB"


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    centre = factory.SubFactory(CentreFactory)
    role = Role.LEARNER


def with_totp(user):
    """Give a staff user their second factor, as they would have after setting it up."""
    TOTP.activate(user, generate_totp_secret())
    return user


def staff(centre: Centre, role: str, **user_fields):
    user = with_totp(UserFactory(**user_fields))
    MembershipFactory(user=user, centre=centre, role=role)
    return user


def learner(centre: Centre, assessor, **user_fields):
    user = UserFactory(**user_fields)
    MembershipFactory(user=user, centre=centre, role=Role.LEARNER, assessor=assessor)
    return user
