"""The plans pages render the shared plan in the reader's language."""

from __future__ import annotations

import warnings

from sqlalchemy import Engine

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from borderflow.api import create_app
from borderflow.web.pages_plans import router


def test_plan_pages_in_both_languages(plan_engine: Engine) -> None:
    app = create_app(engine=plan_engine)
    app.include_router(router)
    with TestClient(app, raise_server_exceptions=False) as client:
        listing = client.get("/plans", headers={"Accept-Language": "en"})
        assert listing.status_code == 200 and "/plans/21cbm-example" in listing.text
        es = client.get("/plans/21cbm-example", headers={"Accept-Language": "es"})
        assert es.status_code == 200
        assert "Historial de estado" in es.text and "Status history" not in es.text
        assert "Joint study of truck crossing capacity" in es.text  # names as entered
        en = client.get("/plans/21cbm-example", headers={"Accept-Language": "en"})
        assert "Status history" in en.text and "EXAMPLE" in en.text
        assert client.get("/plans/nope").status_code == 404
