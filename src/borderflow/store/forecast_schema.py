"""Trained forecasting models and the forecasts they made (on the archive's ``metadata``).

A model row holds the whole fitted model (gzip-compressed JSON with LightGBM's text
models inside, never a pickle), its settings, the lanes and hours it was trained on.
A forecast row is one target hour of one lane as one model version forecast it from one
origin, having seen readings up to ``last_reading_at``; the same forecast is never stored
twice. Migration ``0003_forecasts`` mirrors this file.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    Float,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from borderflow.store.schema import metadata
from borderflow.store.types import UTCDateTime

forecast_models = Table(
    "forecast_models",
    metadata,
    #: "<model>-<trained_at YYYYmmddTHHMMSSZ>-<first 8 hex of sha256>"
    Column("version", String(64), primary_key=True),
    Column("model_name", String(40), nullable=False),
    Column("trained_at", UTCDateTime(), nullable=False),
    #: JSON: the model's settings.
    Column("params", Text, nullable=False),
    #: JSON: {unique_id: {"start", "end", "observed_hours"}} of every lane trained on.
    Column("series", Text, nullable=False),
    Column("train_start", UTCDateTime(), nullable=False),
    Column("train_end", UTCDateTime(), nullable=False),
    Column("train_rows", Integer, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("size_bytes", BigInteger, nullable=False),
    Column("content", LargeBinary, nullable=False),
    Index("ix_forecast_models_trained_at", "trained_at"),
)

forecasts = Table(
    "forecasts",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("crossing_id", String(6), nullable=False),
    Column("mode", String(12), nullable=False),
    Column("program", String(12), nullable=False),
    Column("direction", String(12), nullable=False),
    Column("made_at", UTCDateTime(), nullable=False),
    #: The first forecast hour; the model saw only readings before it.
    Column("origin", UTCDateTime(), nullable=False),
    Column("target_at", UTCDateTime(), nullable=False),
    Column("horizon", Integer, nullable=False),
    Column("point", Float, nullable=False),
    Column("lo80", Float, nullable=False),
    Column("hi80", Float, nullable=False),
    Column("lo95", Float, nullable=False),
    Column("hi95", Float, nullable=False),
    Column("model_version", String(64), nullable=False),
    #: observed_at of the newest reading the forecast saw.
    Column("last_reading_at", UTCDateTime(), nullable=False),
    #: The highest observations.id among the readings it could see: a reading stored
    #: late for an earlier hour makes the same question a new one (NULL before 0008).
    Column("newest_reading_id", BigInteger),
    UniqueConstraint(
        "crossing_id", "mode", "program", "direction", "model_version", "origin",
        "last_reading_at", "newest_reading_id", "target_at", name="uq_forecasts_target",
    ),
    Index("ix_forecasts_lane_target", "crossing_id", "mode", "program", "target_at"),
)

__all__ = ["forecast_models", "forecasts"]
