"""The one error envelope, pinned: every failure is {"error": {"code", "message", "details"?}}."""

from __future__ import annotations

import warnings

from fastapi import APIRouter

from borderflow.api import create_app
from borderflow.errors import ConflictError, ForbiddenError, NotFoundError

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # starlette asks for httpx2; httpx works
    from fastapi.testclient import TestClient


def assert_envelope(body: dict, code: str) -> None:
    assert set(body) == {"error"}
    assert set(body["error"]) <= {"code", "message", "details"}
    assert body["error"]["code"] == code
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]


def test_unknown_route_is_404_envelope(sqlite_client: TestClient) -> None:
    response = sqlite_client.get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert_envelope(response.json(), "not_found")


def test_wrong_method_is_405_envelope(sqlite_client: TestClient) -> None:
    response = sqlite_client.delete("/api/v1/ports")
    assert response.status_code == 405
    assert_envelope(response.json(), "method_not_allowed")
    assert "GET" in response.headers["allow"]


def test_validation_error_is_422_with_field_details(sqlite_client: TestClient) -> None:
    response = sqlite_client.get("/api/v1/ports", params={"limit": 5000, "border": "mars"})
    assert response.status_code == 422
    body = response.json()
    assert_envelope(body, "bad_input")
    fields = {tuple(d["loc"]) for d in body["error"]["details"]}
    assert fields == {("query", "limit"), ("query", "border")}


def test_domain_errors_map_to_their_status_and_code(sqlite_engine) -> None:  # type: ignore[no-untyped-def]
    app = create_app(engine=sqlite_engine)
    router = APIRouter()
    errors = {"missing": NotFoundError("no such"), "clash": ConflictError("clash"), "nope": ForbiddenError("no")}
    def raiser(exc: Exception):  # type: ignore[no-untyped-def]
        def raise_it() -> None:
            raise exc
        return raise_it

    for name, exc in errors.items():
        router.add_api_route(f"/boom/{name}", raiser(exc))
    router.add_api_route("/boom/bug", lambda: 1 / 0)
    app.include_router(router)
    with TestClient(app, raise_server_exceptions=False) as client:
        for name, (status, code) in {"missing": (404, "not_found"), "clash": (409, "conflict"),
                                     "nope": (403, "forbidden")}.items():
            response = client.get(f"/boom/{name}")
            assert response.status_code == status
            assert_envelope(response.json(), code)
        response = client.get("/boom/bug")
        assert response.status_code == 500
        assert_envelope(response.json(), "internal_error")
        assert "Traceback" not in response.text and "ZeroDivision" not in response.text


def test_a_nul_postgresql_refuses_is_named_as_such(pg_engine) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import text

    app = create_app(engine=pg_engine)
    router = APIRouter()

    def lookup(name: str) -> None:  # a route that asks the database without checking its text first
        with pg_engine.connect() as conn:
            conn.execute(text("SELECT 1 WHERE :name = 'x'"), {"name": name})

    router.add_api_route("/boom/lookup", lookup)
    app.include_router(router)
    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get("/boom/lookup", params={"name": "a\x00b"})
    assert response.status_code == 422
    assert_envelope(response.json(), "bad_input")
    assert "U+0000 (NUL)" in response.json()["error"]["message"]


def test_bad_instant_is_422_never_500(sqlite_client: TestClient) -> None:
    for at in ("2024-05-01T00:00:00", "yesterday", "0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00"):
        response = sqlite_client.get("/api/bwtnew", params={"at": at})
        assert response.status_code == 422, (at, response.text)
        assert_envelope(response.json(), "bad_input")


def test_an_instant_far_from_any_reading_is_refused_with_the_years_allowed(sqlite_client: TestClient) -> None:
    for path in ("/api/bwtnew", "/xml/bwt.xml", "/api/v1/waits/current"):
        for at in ("9999-12-31T23:59:59Z", "0001-01-01T00:00:00Z", "1899-12-31T23:59:59Z"):
            response = sqlite_client.get(path, params={"at": at})
            assert response.status_code == 422, (path, at, response.text)
            assert "years 1900-2200" in response.json()["error"]["message"]
    assert sqlite_client.get("/api/bwtnew", params={"at": "2200-12-31T23:59:59Z"}).status_code == 200
    window = {"start": "2024-01-01T00:00:00Z", "end": "9999-01-01T00:00:00Z"}
    response = sqlite_client.get("/api/v1/crossings/250401/lanes/passenger/standard/history", params=window)
    assert response.status_code == 422 and "years 1900-2200" in response.json()["error"]["message"]


def test_a_query_parameter_the_address_does_not_take_is_422_naming_it(sqlite_client: TestClient) -> None:
    """A misspelt filter (``port`` for ``port_code``) is refused rather than dropped, which
    would answer with everything as if it were the filtered list."""
    for path, params, taken in (("/api/v1/volumes", {"port": "2304"}, "port_code"),
                                ("/api/v1/ports", {"bogus": "1", "limit": "5"}, "limit"),
                                ("/api/v1/crossings/250401/forecast", {"houres": "3"}, "hours")):
        response = sqlite_client.get(path, params=params)
        assert response.status_code == 422, (path, response.text)
        body = response.json()
        assert_envelope(body, "bad_input")
        unknown = next(k for k in params if k != "limit")
        assert repr(unknown) in body["error"]["message"] and taken in body["error"]["message"], body
    assert sqlite_client.get("/api/v1/volumes", params={"port_code": "2304"}).status_code == 200
    assert sqlite_client.get("/api/v1/ports", params={"limit": "5"}).status_code == 200


def test_a_query_parameter_of_one_value_given_twice_is_422(sqlite_client: TestClient) -> None:
    """``?at=A&at=B`` would silently answer as of B."""
    for path, query in (("/api/v1/crossings/250401/forecast", "at=2013-07-01T00:00:00Z&at=2013-08-01T00:00:00Z"),
                        ("/api/v1/volumes", "port_code=2304&port_code=2506"),
                        ("/api/v1/waits/current", "mode=passenger&mode=commercial")):
        response = sqlite_client.get(f"{path}?{query}")
        assert response.status_code == 422, (path, response.text)
        assert "given more than once; give each once" in response.json()["error"]["message"]
    assert sqlite_client.get("/api/v1/volumes?port_code=2304").status_code == 200
