"""A9, X1: the JSON API fuzzed with schemathesis against its own OpenAPI document: no answer is a 500."""

from __future__ import annotations

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import login
from ui.app import create_app


@pytest.fixture
def api(make_platform):
    platform = make_platform(demo_users=True)
    app = create_app(platform)
    client = TestClient(app, base_url="https://testserver", raise_server_exceptions=False)
    login(client, "admin")
    return app, client


def test_no_operation_of_the_api_answers_500(api):
    app, client = api
    schema = schemathesis.openapi.from_dict(app.openapi())
    operations = [op.ok() for op in schema.get_all_operations()]
    assert operations, "the OpenAPI document lists the API"
    strategy = st.one_of(*[op.as_strategy() for op in operations])
    failures: list[str] = []

    @settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
    @given(case=strategy)
    def run(case) -> None:
        kwargs = case.as_transport_kwargs(base_url="https://testserver")
        headers = dict(client.headers) | dict(kwargs.get("headers") or {})
        response = client.request(kwargs["method"], kwargs["url"], params=kwargs.get("params"),
                                  json=kwargs.get("json"), headers=headers)
        if response.status_code >= 500 and case.formatted_path != "/healthz":  # 503 there is its answer
            failures.append(f"{case.method} {case.formatted_path} {kwargs.get('params')} -> {response.status_code}")

    run()
    assert failures == []
