"""The OpenAPI document describes every route, its parameters and the error envelope."""

from __future__ import annotations

from fastapi.routing import APIRoute
from fastapi.testclient import TestClient


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
