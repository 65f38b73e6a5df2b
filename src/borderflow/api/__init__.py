"""The web API: REST under ``/api/v1``, CBP's feed shape at ``/api/bwtnew`` and ``/xml/bwt.xml``.

``create_app`` builds the FastAPI application; ``borderflow serve`` runs it with uvicorn.
"""

from __future__ import annotations

from borderflow.api.app import create_app

__all__ = ["create_app"]
