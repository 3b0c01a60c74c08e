import factory

from distributors import services
from distributors.models import Distributor, Membership, Territory
from tests.academy.factories import UserFactory


class TerritoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Territory

    name = factory.Sequence(lambda n: f"Territory {n}")
    countries = factory.LazyFunction(lambda: ["SN", "CI", "CM"])
    managers = factory.LazyFunction(list)

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return services.territory_create(**kwargs)


class DistributorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Distributor

    name = factory.Sequence(lambda n: f"Distributor {n}")
    territory = factory.SubFactory(TerritoryFactory)
    country = "SN"
    city = "Dakar"
    status = "active"
    created_by = None

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return services.distributor_create(**kwargs)


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    distributor = factory.SubFactory(DistributorFactory)
    role = "staff"

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return services.membership_start(**kwargs)
