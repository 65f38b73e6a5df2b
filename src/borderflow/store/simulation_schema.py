"""Simulation runs submitted to the server (on the archive's ``metadata``); migration ``0006_simulation_runs``.

A row is one run: the validated scenario it ran (JSON in the scenario file's shape), its
progress, and when finished its results (gzip-compressed JSON, the shape ``borderflow
simulate --json`` writes) or its error. The process that accepted a run executes it and
renews ``heartbeat_at`` while the run is queued or running, so every server process
reads the same runs; when that process stops, a live one takes up its queued runs and
its running ones are seen as interrupted.
"""

from __future__ import annotations

from sqlalchemy import Column, Index, Integer, LargeBinary, String, Table, Text

from borderflow.store.schema import metadata
from borderflow.store.types import UTCDateTime

simulation_runs = Table(
    "simulation_runs",
    metadata,
    Column("id", String(32), primary_key=True),
    #: queued, running, done or failed
    Column("status", String(10), nullable=False),
    Column("label", String(200), nullable=False),
    Column("scenario_name", String(200), nullable=False),
    Column("hours", Integer, nullable=False),
    Column("replications", Integer, nullable=False),
    Column("replications_done", Integer, nullable=False),
    #: text: a seed may be any whole number >= 0
    Column("seed", Text, nullable=False),
    #: JSON list of the lane group ids.
    Column("lane_groups", Text, nullable=False),
    #: JSON of the validated scenario.
    Column("scenario", Text, nullable=False),
    #: The server process running it ("<host>:<pid>:<random>").
    Column("owner", String(120), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("started_at", UTCDateTime(), nullable=True),
    Column("finished_at", UTCDateTime(), nullable=True),
    Column("heartbeat_at", UTCDateTime(), nullable=False),
    #: gzip-compressed JSON of the results, when done.
    Column("results", LargeBinary, nullable=True),
    Column("error", Text, nullable=True),
    Index("ix_simulation_runs_created_at", "created_at"),
    Index("ix_simulation_runs_status", "status"),
)
