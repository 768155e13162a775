"""The API's own OpenAPI description: well formed, and fuzzed against the app in process (schemathesis)."""

from __future__ import annotations

import logging

import pytest
from hypothesis import HealthCheck, settings
from starlette.testclient import TestClient

from handouts import schema as prescription_schema
from handouts.web import create_app
from handouts.web.app import Settings

schemathesis = pytest.importorskip("schemathesis")
from schemathesis.checks import not_a_server_error  # noqa: E402

app = create_app(Settings(workers=1, pool="thread", max_rows=10))
api = schemathesis.openapi.from_asgi("/api/openapi.json", app)
# Fuzzing only: the coverage phase's boundary cases for every field of the prescription take minutes.
api.config.phases.coverage.enabled = False
RESPONSE_KEYS = {"description", "content", "headers", "links"}


def test_the_description_is_well_formed_and_says_what_each_call_takes():
    spec = TestClient(app).get("/api/openapi.json").json()
    for path, methods in spec["paths"].items():
        for method, operation in methods.items():
            for status, response in operation["responses"].items():
                assert set(response) <= RESPONSE_KEYS and None not in response.values(), (path, method, status)
            if method == "post":
                assert operation["requestBody"]["content"], (path, method)
    render = spec["paths"]["/api/render"]["post"]["requestBody"]["content"]
    assert render["application/json"]["schema"] == {"$ref": "#/components/schemas/Prescription"}
    defined = spec["components"]["schemas"]
    assert set(prescription_schema.load()["$defs"]) < set(defined)
    assert "#/$defs/" not in str(defined)


@api.exclude(path="/pharmacy/batches").parametrize()       # a batch runs in a process of its own
@settings(max_examples=10, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_request_the_description_allows_gets_a_server_error(case, caplog):
    token = TestClient(app).get("/api/csrf").text
    with caplog.at_level(logging.ERROR, logger="handouts"):
        response = case.call(headers={"x-csrf-token": token})
    case.validate_response(response, checks=[not_a_server_error])
    assert "Traceback" not in response.text and 'File "' not in response.text
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
