"""A Python client generated from the schema works against the real API.

openapi-python-client, with its default configuration, generates a client
package from the schema (it formats the code with ruff, from this
environment); the test imports it and calls a live server signed in with
HTTP basic: a paginated list, a detail, a 404 and a 400 come back as the
typed models of the schema (the errors as its ``Error``). Any status the
schema does not document raises (``raise_on_unexpected_status``)."""

import base64
import importlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.utils import translation
from drf_spectacular.generators import SchemaGenerator

from tests.academy.factories import PASSWORD

PACKAGE = "academy_api_client"


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    """The generated client package, imported."""
    folder = tmp_path_factory.mktemp("openapi-client")
    with translation.override("en"):  # the names of generated classes come from the schema's titles
        schema = SchemaGenerator().get_schema(request=None, public=True)
    document = folder / "openapi.json"
    document.write_text(json.dumps(schema, default=str))
    output = folder / "academy-api-client"
    # ruff (the generator's formatting step) is beside this interpreter.
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "openapi_python_client",
            "generate",
            "--path",
            str(document),
            "--output-path",
            str(output),
            "--fail-on-warning",
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=folder,
        timeout=600,
        check=False,
    )
    log = run.stdout + run.stderr
    assert run.returncode == 0, log
    assert "not in PATH" not in log and "Warning" not in log, log
    sys.path.insert(0, str(output))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(output))
        for name in [name for name in sys.modules if name == PACKAGE or name.startswith(PACKAGE + ".")]:
            del sys.modules[name]


def _client(generated, live_server, user):
    credentials = base64.b64encode(f"{user.email}:{PASSWORD}".encode()).decode()
    return generated.AuthenticatedClient(
        base_url=live_server.url, token=credentials, prefix="Basic", raise_on_unexpected_status=True
    )


def test_generated_client_reads_pages_details_and_errors(generated, live_server, transactional_db, network):
    from academy_api_client.api.distributors import distributors_retrieve, memberships_list
    from academy_api_client.api.me import me_partial_update, me_retrieve
    from academy_api_client.models import (
        DistributorOutput,
        Error,
        MeOutput,
        PaginatedMembershipOutputList,
        PatchedMeInputRequest,
    )

    client = _client(generated, live_server, network.manager_a)

    me = me_retrieve.sync(client=client)
    assert isinstance(me, MeOutput)
    assert (me.email, me.time_zone, me.roles) == ("manager.a@test.example", "Africa/Dakar", ["manager"])

    # A list in pages: the territory's two memberships, one a page.
    first = memberships_list.sync(client=client, page_size=1, ordering="id")
    assert isinstance(first, PaginatedMembershipOutputList)
    assert first.count == 2 and len(first.results) == 1
    assert isinstance(first.next_, str) and first.previous is None
    second = memberships_list.sync(client=client, page_size=1, ordering="id", page=2)
    assert isinstance(second, PaginatedMembershipOutputList) and second.next_ is None
    people = {first.results[0].user.id, second.results[0].user.id}
    assert people == {network.lead_a.pk, network.staff_a.pk}
    assert first.results[0].ended_by is None  # null, as the schema says it may be
    assert first.results[0].distributor.id == network.distributor_a.pk

    detail = distributors_retrieve.sync(client=client, id=network.distributor_a.pk)
    assert isinstance(detail, DistributorOutput) and detail.name == "Dist A"

    # Another territory's distributor: not found, in the error model.
    missing = distributors_retrieve.sync(client=client, id=network.distributor_b.pk)
    assert isinstance(missing, Error) and missing.code == "not_found"

    refused = me_partial_update.sync(client=client, body=PatchedMeInputRequest(time_zone="Mars/Olympus"))
    assert isinstance(refused, Error) and refused.code == "invalid"
    assert list(refused.fields.additional_properties) == ["time_zone"]
    assert "Mars/Olympus" in refused.fields["time_zone"][0]


def test_generated_client_sees_no_credentials_refused_in_the_error_model(
    generated, live_server, transactional_db, network
):
    from academy_api_client.api.me import me_retrieve
    from academy_api_client.models import Error

    anonymous = generated.Client(base_url=live_server.url, raise_on_unexpected_status=True)
    answer = me_retrieve.sync_detailed(client=anonymous)  # type: ignore[arg-type]
    assert answer.status_code in (401, 403)
    assert isinstance(answer.parsed, Error) and answer.parsed.code == "not_authenticated"
