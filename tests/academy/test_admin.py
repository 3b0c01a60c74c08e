import pytest
from django.apps import apps
from django.contrib import admin
from django.urls import reverse

from tests.academy.factories import UserFactory

OUR_APPS = {"academy", "distributors", "courses", "webinars"}


def _our_models():
    return [model for model in apps.get_models() if model._meta.app_label in OUR_APPS]


def test_every_model_is_in_the_admin_with_search_and_filters():
    for model in _our_models():
        assert model in admin.site._registry, f"{model._meta.label} is not registered"
        model_admin = admin.site._registry[model]
        assert model_admin.search_fields, f"{model._meta.label} has no search"
        assert model_admin.list_filter, f"{model._meta.label} has no filters"


@pytest.mark.django_db
def test_admin_pages_open_for_admins_only(client, network):
    client.force_login(network.admin)
    for model in _our_models():
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        assert client.get(url).status_code == 200, url
        assert client.get(url, {"q": "a"}).status_code == 200, url
    client.force_login(UserFactory(role="manager"))
    assert client.get(reverse("admin:index")).status_code == 302
