"""Who a course or a web-conference is for.

``Audience`` is an abstract model: everyone, or a restriction by place
(territories and/or distributors) and by kind of person (team leads,
distributor staff, end customers — people with no distributor). Company
staff (managers, trainers, admins) are never restricted.

``audience_filter`` narrows a queryset to what a person is in the audience
of, in SQL (no per-row queries); ``audience_includes`` answers for one object.
"""

from typing import TypeVar

from django.db import models
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from academy import roles
from academy.models import User
from distributors.models import Distributor, Territory
from distributors.selectors import membership_current

M = TypeVar("M", bound=models.Model)

_UNRESTRICTED = frozenset({roles.ADMIN, roles.MANAGER, roles.TRAINER})


class Audience(models.Model):
    audience_everyone = models.BooleanField(
        _("everyone"),
        default=True,
        help_text=_("Untick to choose territories, distributors and kinds of people."),
    )
    audience_territories = models.ManyToManyField(
        Territory, blank=True, related_name="+", verbose_name=_("territories")
    )
    audience_distributors = models.ManyToManyField(
        Distributor, blank=True, related_name="+", verbose_name=_("distributors")
    )
    audience_leads = models.BooleanField(_("team leads"), default=True)
    audience_staff = models.BooleanField(_("distributor staff"), default=True)
    audience_customers = models.BooleanField(_("end customers"), default=True)

    class Meta:
        abstract = True


def _through_exists(model: type[models.Model], field_name: str, **filters: object) -> Exists:
    field = model._meta.get_field(field_name)
    through = field.remote_field.through  # type: ignore[union-attr]
    owner = field.m2m_field_name()  # type: ignore[union-attr]
    return Exists(through.objects.filter(**{owner: OuterRef("pk")}, **filters))


def audience_filter(queryset: QuerySet[M], *, user: User) -> QuerySet[M]:
    """Only the objects whose audience includes ``user``."""
    granted = roles.user_roles(user)
    if not granted:
        return queryset.none()
    if granted & _UNRESTRICTED:
        return queryset
    model = queryset.model
    membership = membership_current(user=user)
    no_place = ~_through_exists(model, "audience_territories") & ~_through_exists(
        model, "audience_distributors"
    )
    if membership is None:
        restricted = no_place & Q(audience_customers=True)
    else:
        distributor = membership.distributor
        place = (
            no_place
            | _through_exists(model, "audience_distributors", distributor_id=distributor.pk)
            | _through_exists(model, "audience_territories", territory_id=distributor.territory_id)
        )
        kind = Q(audience_leads=True) if membership.is_lead else Q(audience_staff=True)
        restricted = place & kind
    return queryset.filter(Q(audience_everyone=True) | restricted)


def audience_includes(obj: Audience, *, user: User) -> bool:
    """Whether ``user`` is in the audience of ``obj`` (one object)."""
    return audience_filter(type(obj)._default_manager.filter(pk=obj.pk), user=user).exists()


def audience_place_filter(queryset: QuerySet[M], *, distributors: QuerySet[Distributor]) -> QuerySet[M]:
    """Only the objects open to everyone, or whose places (territories or
    distributors) include one of ``distributors``: what may be offered to
    their teams, whatever the kind of person."""
    model = queryset.model
    no_place = ~_through_exists(model, "audience_territories") & ~_through_exists(
        model, "audience_distributors"
    )
    place = (
        no_place
        | _through_exists(model, "audience_distributors", distributor__in=distributors)
        | _through_exists(model, "audience_territories", territory__in=distributors.values("territory_id"))
    )
    return queryset.filter(Q(audience_everyone=True) | place)


def audience_open_to(obj: Audience, *, distributor: Distributor) -> bool:
    """Whether ``obj`` may be offered to ``distributor``'s team: open to
    everyone, to no place in particular, or to its territory or itself."""
    return audience_place_filter(
        type(obj)._default_manager.filter(pk=obj.pk),
        distributors=Distributor.objects.filter(pk=distributor.pk),
    ).exists()
