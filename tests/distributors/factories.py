import factory

from distributors import services
from distributors.models import Distributor, FieldReport, Invitation, Membership, ScorecardReview, Territory
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


class ScorecardReviewFactory(factory.django.DjangoModelFactory):
    """Reviews made through ``scorecard_review_create``; pass ``actor`` (a manager of the territory)."""

    class Meta:
        model = ScorecardReview

    payment_reliability = 4
    established_network = 3
    technical_competence = 3
    commitment = 4

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return services.scorecard_review_create(**kwargs)


class InvitationFactory(factory.django.DjangoModelFactory):
    """Invitations made through ``invitation_create`` (no e-mail unless ``send_email=True``);
    the returned instance carries the raw ``token``. Pass ``actor`` and ``distributor``."""

    class Meta:
        model = Invitation

    email = factory.Sequence(lambda n: f"invitee{n}@test.example")
    role = "staff"
    language = "fr"
    send_email = False

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return services.invitation_create(**kwargs)


class FieldReportFactory(factory.django.DjangoModelFactory):
    """Reports sent through ``field_report_create``; pass ``sender`` (a member of a distributor)."""

    class Meta:
        model = FieldReport

    kind = "customer_feedback"
    title = factory.Sequence(lambda n: f"Report {n}")
    description = "The laboratories ask for a French manual."
    urgency = "normal"

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return services.field_report_create(**kwargs)
