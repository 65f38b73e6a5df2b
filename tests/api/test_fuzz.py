"""schemathesis against /openapi.json: bounded generated requests to every operation, no 5xx.

Valid and invalid requests (schemathesis' positive and negative modes), 25 examples per
operation and mode. The archive holds a real CBP feed, BTS counts and CBP averages, so
queries reach real rows; every request carries a valid editor token, so generated bodies
reach the ingest path of ``POST /api/v1/observations`` too. Every 4xx must be the envelope.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from sqlalchemy import Engine

from borderflow.api import create_app
from borderflow.exchange.crypto import new_key
from borderflow.services import accounts
from tests.api.conftest import API_DATA, DATA, ingest_file

EXAMPLES_PER_OPERATION = 25


def test_no_server_errors_for_generated_requests(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    # the exchange encrypts national records with the operator's key and limits the rate
    monkeypatch.setenv("BORDERFLOW_EXCHANGE_KEY", new_key())
    monkeypatch.setenv("BORDERFLOW_EXCHANGE_RATE_PER_MINUTE", "100000")
    ingest_file(engine, DATA / "cbp-feed" / "bwtnew-2022-06-29.json")
    ingest_file(engine, API_DATA / "bts-san-ysidro-2024.csv")
    ingest_file(engine, API_DATA / "elpaso-averages-excerpt.csv")
    accounts.create_user(engine, "fuzzer", agency="CBP", country="US", roles=["editor"])
    headers = {"Authorization": f"Bearer {accounts.create_token(engine, 'fuzzer').text}"}
    schema = schemathesis.openapi.from_asgi("/openapi.json", create_app(engine=engine))
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 12
    statuses: set[int] = set()
    for operation in operations:
        strategy = st.one_of(operation.as_strategy(GenerationMode.POSITIVE),
                             operation.as_strategy(GenerationMode.NEGATIVE))

        @given(case=strategy)
        @settings(max_examples=2 * EXAMPLES_PER_OPERATION, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))
        def run(case: schemathesis.Case) -> None:
            response = case.call(headers=headers)
            statuses.add(response.status_code)
            case.validate_response(response, checks=[not_a_server_error])
            if response.status_code >= 400:
                body = response.json()
                assert set(body) == {"error"} and {"code", "message"} <= set(body["error"]), body

        run()
    assert 200 in statuses and 422 in statuses
