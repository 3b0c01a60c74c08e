import factory

from academy import services
from academy.models import User

PASSWORD = "correct-horse-battery"


class UserFactory(factory.django.DjangoModelFactory):
    """Accounts made through ``academy.services.user_create``."""

    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"person{n}@test.example")
    first_name = factory.Faker("first_name", locale="fr_FR")
    last_name = factory.Faker("last_name", locale="fr_FR")
    role = "learner"
    language = "fr"
    time_zone = "Africa/Dakar"
    password = PASSWORD

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return services.user_create(**kwargs)
