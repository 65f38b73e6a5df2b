"""A summary of what the archive holds."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, func, select

from borderflow.store import schema
from borderflow.store.ordering import in_byte_order


def archive_status(engine: Engine) -> dict[str, Any]:
    from borderflow.store.forecast_schema import forecast_models, forecasts
    from borderflow.store.simulation_schema import simulation_runs

    tables = {name: getattr(schema, name) for name in (
        "crossings", "observations", "historical_averages", "volumes", "payloads", "quarantine", "conflicts",
        "adoptions")}
    tables.update({"forecast_models": forecast_models, "forecasts": forecasts, "simulation_runs": simulation_runs})
    with engine.connect() as conn:
        counts = {name: conn.execute(select(func.count()).select_from(table)).scalar_one()
                  for name, table in tables.items()}
        t = schema.observations.c
        by_source = [
            {"source": r[0], "rows": r[1], "first": r[2].isoformat() if r[2] else None, "last": r[3].isoformat() if r[3] else None}
            for r in conn.execute(
                select(t.source, func.count(), func.min(t.observed_at), func.max(t.observed_at)).group_by(t.source).order_by(in_byte_order(t.source))
            )
        ]
    return {"tables": counts, "observations_by_source": by_source}
