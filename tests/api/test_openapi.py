"""The OpenAPI document describes every route, its parameters and the error envelope."""

from __future__ import annotations

import re

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from borderflow.api import create_app


def test_every_route_is_documented_with_the_error_envelope(sqlite_client: TestClient) -> None:
    spec = sqlite_client.get("/openapi.json").json()
    paths = spec["paths"]
    routes = [r for r in sqlite_client.app.routes  # type: ignore[attr-defined]
              if isinstance(r, APIRoute) and r.include_in_schema]
    for route in routes:
        for method in route.methods:
            operation = paths[route.path_format][method.lower()]
            assert operation.get("summary") or operation.get("description"), route.path
            if route.path_format.startswith(("/api/v1/crossings", "/api/v1/ports", "/api/v1/waits",
                                              "/api/v1/volumes", "/api/v1/averages", "/api/bwtnew",
                                              "/xml/")):
                error = operation["responses"]["422"]["content"]["application/json"]["schema"]
                assert error == {"$ref": "#/components/schemas/ErrorEnvelope"}, route.path
    for required in ("/api/v1/ports", "/api/v1/crossings", "/api/v1/waits/current",
                     "/api/v1/crossings/{crossing_id}/waits/current",
                     "/api/v1/crossings/{crossing_id}/lanes/{mode}/{program}/history",
                     "/api/v1/crossings/{crossing_id}/lanes/{mode}/{program}/profile",
                     "/api/v1/volumes", "/api/v1/averages", "/api/bwtnew", "/xml/bwt.xml", "/api/v1/observations"):
        assert required in paths, required
    post = paths["/api/v1/observations"]["post"]
    assert set(post["requestBody"]["content"]) == {"text/csv", "application/json"}
    assert post["security"] == [{"bearerToken": []}]
    assert {"401", "403"} <= set(post["responses"])
    assert sqlite_client.get("/docs").status_code == 200


def test_the_plan_routes_document_what_they_answer(sqlite_client: TestClient) -> None:
    spec = sqlite_client.get("/openapi.json").json()
    paths, schemas = spec["paths"], spec["components"]["schemas"]
    envelope = {"$ref": "#/components/schemas/ErrorEnvelope"}
    for path, operations in paths.items():
        if not path.startswith(("/api/v1/plan", "/api/v1/plans")):
            continue
        for operation in operations.values():
            if "422" in operation["responses"]:
                assert operation["responses"]["422"]["content"]["application/json"]["schema"] == envelope, path
    for path in ("/api/v1/plan-kpis/{kpi_id}/edits", "/api/v1/plan-meetings/{meeting_id}/edits",
                 "/api/v1/plan-actions/{action_id}/edits"):
        assert "422" in paths[path]["get"]["responses"], path
    kpi, meeting = paths["/api/v1/plan-kpis/{kpi_id}"]["patch"], paths["/api/v1/plan-meetings/{meeting_id}"]["patch"]
    assert "409" in kpi["responses"] and "409" in meeting["responses"]
    for operation in (kpi, meeting):
        answer = operation["responses"]["200"]["content"]["application/json"]["schema"]
        assert answer == {"$ref": "#/components/schemas/DefinitionEditOut"}
    assert set(schemas["DefinitionEditOut"]["properties"]) == {"id", "changed"}
    # retiring: DELETE with a reason, answering the retired record; already retired is 409
    for path, model in (("/api/v1/plan-kpis/{kpi_id}", "RetiredKpiOut"),
                        ("/api/v1/plan-meetings/{meeting_id}", "RetiredMeetingOut")):
        retire = paths[path]["delete"]
        assert {"401", "403", "404", "409", "422"} <= set(retire["responses"]), path
        assert retire["responses"]["200"]["content"]["application/json"]["schema"] == {
            "$ref": f"#/components/schemas/{model}"}
        body = retire["requestBody"]["content"]["application/json"]["schema"]
        assert body == {"$ref": "#/components/schemas/RetireIn"} and retire["requestBody"]["required"]
        assert retire["security"] == [{"bearerToken": []}]
    assert schemas["RetireIn"]["required"] == ["why"]
    assert set(schemas["RetiredOut"]["properties"]) == {"at", "username", "country", "why"}
    action_field = schemas["ActionEdit"]["properties"]["field"]["description"]
    assert "milestone" in action_field and "spec." not in action_field
    # what the API answers is the envelope the document promises
    answer = sqlite_client.get("/api/v1/plan-kpis/99999999999999/edits")
    assert answer.status_code == 422 and set(answer.json()) == {"error"}


def test_every_route_that_takes_a_body_documents_the_too_large_answer(sqlite_engine: Engine,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BORDERFLOW_API_MAX_BODY_BYTES", "1000")
    with TestClient(create_app(engine=sqlite_engine), raise_server_exceptions=False) as client:
        paths = client.get("/openapi.json").json()["paths"]
        writes = [(path, method) for path, operations in paths.items() for method in operations
                  if method in ("post", "put", "patch")]
        assert len(writes) >= 12
        for path, method in writes:
            assert "413" in paths[path][method]["responses"], (method, path)
            if path.startswith(("/api/v1/exchange/", "/api/v1/observations")):
                continue  # they sign the caller in first (401 here) and hold their own limit: tested there
            answer = client.request(method.upper(), re.sub(r"\{[^}]+\}", "1", path), content=b"{}" + b" " * 2000,
                                    headers={"content-type": "application/json"})
            assert answer.status_code == 413 and answer.json()["error"]["code"] == "payload_too_large", path
