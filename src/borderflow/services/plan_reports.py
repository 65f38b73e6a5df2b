"""A plan's KPIs measured from the archive, and the progress report of a meeting.

A KPI holds only its definition (:mod:`borderflow.plans.kpi`); its values are computed
here from the archive each time it is shown: wait readings of crossings, monthly counts
of ports, or numbers in saved results files. A meeting's report measures the KPIs from
their definitions as they stood at the end of the meeting day
(:func:`borderflow.plans.report.definitions_at`).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, func, select

from borderflow.errors import BadInputError, NotFoundError
from borderflow.messages import Message
from borderflow.plans import kpi as kpis
from borderflow.plans.model import KpiDefinition
from borderflow.plans.report import ProgressReport, build_report, definitions_at
from borderflow.services.plans import load_plan
from borderflow.store.ordering import in_byte_order
from borderflow.store.schema import crossings, observations, ports, volumes


def _wait_readings(engine: Engine, spec: kpis.KpiSpec) -> list[tuple[dt.datetime, float, dt.tzinfo]]:
    from borderflow.services.queries import readings_only

    o = observations.c
    query = (select(o.observed_at, o.wait_minutes, crossings.c.timezone)
             .join(crossings, crossings.c.crossing_id == o.crossing_id)
             .where(o.crossing_id.in_(spec.crossings), o.mode == spec.mode, o.program == spec.program,
                    o.direction == spec.direction, o.wait_minutes.is_not(None),
                    # Means over a day (cascade-daily-mean) are not readings: the hourly rule.
                    *readings_only()))
    # A day's margin each side: the exact cut is in local time, done in Python.
    if spec.start:
        query = query.where(o.observed_at >= dt.datetime.combine(spec.start, dt.time(), dt.UTC) - dt.timedelta(days=1))
    if spec.end:
        query = query.where(o.observed_at < dt.datetime.combine(spec.end, dt.time(), dt.UTC) + dt.timedelta(days=1))
    zones: dict[str, ZoneInfo] = {}
    with engine.connect() as conn:
        return [(at, float(w), zones.setdefault(tz, ZoneInfo(tz))) for at, w, tz in conn.execute(query)]


def _volume_counts(engine: Engine, spec: kpis.KpiSpec) -> list[tuple[dt.date, float]]:
    """Monthly sums over the spec's ports from one source only: ``volumes_from`` when the
    spec names it (all its rows: TxDOT's bridges add up to the port), else the port-level
    totals of the source with the most of them (BTS, where it was loaded)."""
    v = volumes.c
    rows = (v.port_code.in_(spec.ports), v.measure == spec.measure, v.direction == spec.direction,
            v.period == "month")
    with engine.connect() as conn:
        chosen: tuple[Any, ...]
        if spec.volumes_from:
            chosen = (v.source == spec.volumes_from,)
        else:
            best = conn.execute(select(v.source).where(*rows, v.site == "").group_by(v.source)
                                .order_by(func.count().desc(), in_byte_order(v.source)).limit(1)).scalar()
            chosen = (v.source == best, v.site == "")
        query = (select(v.period_start, func.sum(v.value)).where(*rows, *chosen)
                 .group_by(v.period_start).order_by(v.period_start))
        return [(d, float(total)) for d, total in conn.execute(query)]


def _check_places(engine: Engine, spec: kpis.KpiSpec) -> None:
    """NotFoundError when the spec names a crossing the catalog does not hold (its readings
    could not be placed in local time), a port neither in the catalog nor in any count, or
    a source of counts (``volumes_from``) the archive has never stored: such a KPI would
    otherwise read as one still waiting for data."""
    with engine.connect() as conn:
        if spec.source == "observations":
            known = set(conn.scalars(select(crossings.c.crossing_id).where(crossings.c.crossing_id.in_(spec.crossings))))
            missing = [c for c in spec.crossings if c not in known]
            if missing:
                raise NotFoundError(Message(
                    f"not in the catalog of crossings: {', '.join(missing)}; correct the KPI's crossing ids "
                    "(GET /api/v1/crossings lists the known ones)", "kpi.crossing_unknown",
                    {"crossings": ", ".join(missing)}))
        elif spec.source == "volumes":
            known = set(conn.scalars(select(ports.c.port_code).where(ports.c.port_code.in_(spec.ports))))
            known |= set(conn.scalars(select(volumes.c.port_code).where(volumes.c.port_code.in_(spec.ports))
                                      .distinct()))
            missing = [p for p in spec.ports if p not in known]
            if missing:
                raise NotFoundError(Message(
                    f"not in the catalog of ports and without counts in the archive: {', '.join(missing)}; correct "
                    "the KPI's port codes (GET /api/v1/ports lists the known ones)", "kpi.port_unknown",
                    {"ports": ", ".join(missing)}))
            if spec.volumes_from and conn.execute(
                    select(volumes.c.id).where(volumes.c.source == spec.volumes_from).limit(1)).first() is None:
                sources = sorted(conn.scalars(select(volumes.c.source).distinct()))
                raise NotFoundError(Message(
                    f"the archive holds no counts from source {spec.volumes_from!r} (volumes_from); its sources of "
                    f"counts are {', '.join(sources) or 'none yet'}: correct the KPI's volumes_from",
                    "kpi.volumes_source_unknown",
                    {"source": spec.volumes_from, "sources": ", ".join(sources) or "-"}))


def compute_kpi(engine: Engine, key: str, name: str, spec: kpis.KpiSpec, base: Path | None = None) -> kpis.KpiSeries:
    """One KPI computed now; NotFoundError when it names a crossing or port that is not there."""
    _check_places(engine, spec)
    if spec.source == "observations":
        values = kpis.wait_series(_wait_readings(engine, spec), spec)
    elif spec.source == "volumes":
        values = kpis.volume_series(_volume_counts(engine, spec), spec)
    else:
        values = kpis.results_series(spec, base)
    return kpis.KpiSeries(key, name, spec, tuple(values), kpis.baseline_of(values, spec))


def measure_kpi(engine: Engine, definition: KpiDefinition, base: Path | None = None) -> kpis.KpiSeries:
    """One stored KPI computed now; a KPI that cannot be measured (its results file is
    missing, its stored definition is no longer valid) comes back with its ``error``."""
    try:
        spec = kpis.parse_spec(definition.spec, f"KPI {definition.key!r}")
    except (BadInputError, NotFoundError) as exc:
        # the stored definition broke a rule added since (its detail may have no Spanish text)
        reason = Message(str(exc), "kpi.definition", {"problem": exc.message})
        return kpis.unmeasured(definition.key, definition.name, definition.spec, reason)
    try:
        return compute_kpi(engine, definition.key, definition.name, spec, base)
    except (BadInputError, NotFoundError) as exc:
        return kpis.unmeasured(definition.key, definition.name, definition.spec, exc.message)


def plan_kpis_computed(engine: Engine, ref: str | int, base: Path | None = None) -> list[kpis.KpiSeries]:
    """Every KPI of a plan not retired, computed now from the archive (each on its own: one
    that cannot be measured says why and does not stop the others)."""
    plan = load_plan(engine, ref)
    return [measure_kpi(engine, d, base) for d in plan.kpis if d.retired is None]


def meeting_report(engine: Engine, ref: str | int, meeting_name: str, base: Path | None = None,
                   generated_on: dt.date | None = None) -> ProgressReport:
    """The progress report of plan ``ref`` for its meeting named ``meeting_name``: the plan
    as it stood at the end of the meeting day, its KPIs measured from their definitions as
    they stood then (NotFoundError for an unknown plan or meeting)."""
    plan = load_plan(engine, ref)
    _, definitions = definitions_at(plan, meeting_name)
    return build_report(plan, meeting_name, [measure_kpi(engine, d, base) for d in definitions], generated_on)
