"""A summary of what the archive holds."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, func, select

from borderflow.store import schema
from borderflow.store.ordering import in_byte_order


def archive_status(engine: Engine) -> dict[str, Any]:
    """Rows of each table, the kept versions of ``conflicts`` by status (open and replaced:
    not stored now; adopted: stored now) and the readings of each source."""
    from borderflow.store.forecast_schema import forecast_models, forecasts
    from borderflow.store.simulation_schema import simulation_runs

    tables = {name: getattr(schema, name) for name in (
        "crossings", "observations", "historical_averages", "volumes", "payloads", "quarantine", "conflicts",
        "adoptions")}
    tables.update({"forecast_models": forecast_models, "forecasts": forecasts, "simulation_runs": simulation_runs})
    with engine.connect() as conn:
        counts = {name: conn.execute(select(func.count()).select_from(table)).scalar_one()
                  for name, table in tables.items()}
        c = schema.conflicts.c
        statuses: dict[str, int] = {s: n for s, n in conn.execute(select(c.status, func.count()).group_by(c.status))}
        t = schema.observations.c
        by_source = [
            {"source": r[0], "rows": r[1], "first": r[2].isoformat() if r[2] else None, "last": r[3].isoformat() if r[3] else None}
            for r in conn.execute(
                select(t.source, func.count(), func.min(t.observed_at), func.max(t.observed_at)).group_by(t.source).order_by(in_byte_order(t.source))
            )
        ]
    # every version a clash keeps is a row of ``conflicts``; what needs a look is the part not stored now
    conflicts = {"open": statuses.get("open", 0), "replaced": statuses.get("replaced", 0),
                 "adopted": statuses.get("adopted", 0)}
    return {"tables": counts, "conflicts_by_status": conflicts, "observations_by_source": by_source}
