"""The archive's tables (SQLAlchemy Core). Migrations in ``migrations/`` mirror this file."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    Date,
    Float,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from borderflow.store.types import UTCDateTime

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

ports = Table(
    "ports",
    metadata,
    Column("port_code", String(4), primary_key=True),
    Column("name", String(120), nullable=False),
    Column("state", String(40), nullable=False, default=""),
    Column("border", String(10), nullable=False, default=""),
    Column("timezone", String(40), nullable=False),
    Column("latitude", Float),
    Column("longitude", Float),
)

crossings = Table(
    "crossings",
    metadata,
    Column("crossing_id", String(6), primary_key=True),
    Column("port_code", String(4), nullable=False),
    Column("bts_port_code", String(4), nullable=False, default=""),
    Column("bwt_id", String(8), nullable=False, default=""),
    Column("port_name", String(120), nullable=False, default=""),
    Column("crossing_name", String(120), nullable=False, default=""),
    Column("border", String(10), nullable=False, default=""),
    Column("state", String(40), nullable=False, default=""),
    Column("timezone", String(40), nullable=False),
    Column("latitude", Float),
    Column("longitude", Float),
    Column("hours", String(80), nullable=False, default=""),
    Column("max_lanes_passenger", Integer),
    Column("max_lanes_commercial", Integer),
    Column("max_lanes_pedestrian", Integer),
    #: "catalog" when shipped with BorderFlow, else the source that first showed it.
    Column("origin", String(40), nullable=False, default="catalog"),
    Column("first_seen_at", UTCDateTime()),
)

payloads = Table(
    "payloads",
    metadata,
    Column("sha256", String(64), primary_key=True),
    Column("format", String(40), nullable=False),
    Column("name", Text, nullable=False),
    Column("size_bytes", BigInteger, nullable=False),
    Column("compression", String(10), nullable=False),
    Column("content", LargeBinary, nullable=False),
    Column("stored_at", UTCDateTime(), nullable=False),
    #: When the source says it published the payload (a live feed's own time), when it
    #: says; a feed replay shows a reading only from then on (NULL: not known).
    Column("published_at", UTCDateTime()),
    # the newest payload (every answer's Last-Modified), the newest live captures (the feed)
    Index("ix_payloads_stored_at", "stored_at"),
    Index("ix_payloads_published_at", "published_at"),
)

observations = Table(
    "observations",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("crossing_id", String(6), nullable=False),
    Column("mode", String(12), nullable=False),
    Column("program", String(12), nullable=False),
    Column("direction", String(12), nullable=False),
    Column("observed_at", UTCDateTime(), nullable=False),
    Column("wait_minutes", Integer),
    Column("lanes_open", Integer),
    Column("status", String(16)),
    Column("source", String(40), nullable=False),
    Column("reported_time", String(40)),
    Column("payload_sha256", String(64)),
    UniqueConstraint(
        "crossing_id", "mode", "program", "direction", "observed_at", "source",
        name="uq_observations_reading",
    ),
    Index("ix_observations_lane_time", "crossing_id", "mode", "program", "observed_at"),
    Index("ix_observations_observed_at", "observed_at"),
)

#: Port-level state of a crossing as a live feed showed it (hours, port status,
#: notices, maximum lanes), stored when it changes; serves CBP's feed shape back.
crossing_states = Table(
    "crossing_states",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("crossing_id", String(6), nullable=False),
    Column("seen_at", UTCDateTime(), nullable=False),
    Column("snapshot", Text, nullable=False),
    Column("payload_sha256", String(64)),
    UniqueConstraint("crossing_id", "seen_at", name="uq_crossing_states_seen"),
)

historical_averages = Table(
    "historical_averages",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    #: crossing|mode|program|kind|month|weekday|hour|on_date|year|source; NULL-free identity.
    Column("natural_key", String(160), nullable=False, unique=True),
    Column("crossing_id", String(6), nullable=False),
    Column("mode", String(12), nullable=False),
    Column("program", String(12), nullable=False),
    Column("kind", String(8), nullable=False),
    Column("month", Integer),
    Column("weekday", Integer),
    Column("hour", Integer, nullable=False),
    Column("on_date", Date),
    Column("year", Integer),
    Column("wait_minutes", Float),
    Column("source", String(40), nullable=False),
    Column("payload_sha256", String(64)),
    Index("ix_historical_averages_crossing", "crossing_id", "mode", "program"),
)

volumes = Table(
    "volumes",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("port_code", String(4), nullable=False),
    Column("site", String(120), nullable=False),
    Column("period", String(8), nullable=False),
    Column("period_start", Date, nullable=False),
    Column("measure", String(60), nullable=False),
    Column("direction", String(12), nullable=False),
    Column("value", Float, nullable=False),
    Column("source", String(40), nullable=False),
    Column("payload_sha256", String(64)),
    UniqueConstraint(
        "port_code", "site", "period", "period_start", "measure", "direction", "source",
        name="uq_volumes_count",
    ),
    Index("ix_volumes_port_period", "port_code", "period_start"),
)

#: Records refused by a parser or by validation, with their reason; nothing is lost.
quarantine = Table(
    "quarantine",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("payload_sha256", String(64)),
    Column("source_name", Text, nullable=False),
    Column("place", String(200), nullable=False),
    Column("reason", Text, nullable=False),
    Column("raw", Text, nullable=False, default=""),
    Column("created_at", UTCDateTime(), nullable=False),
)

#: Readings or counts that arrived again with different values; never silently chosen.
#: ``incoming`` is a version of the record that is not the stored one, from the payload
#: ``payload_sha256``; ``stored`` the stored values it was kept against.
conflicts = Table(
    "conflicts",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("kind", String(20), nullable=False),
    Column("natural_key", Text, nullable=False),
    Column("stored", Text, nullable=False),
    Column("incoming", Text, nullable=False),
    Column("payload_sha256", String(64)),
    Column("source_name", Text, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    #: "open" (kept by an ingest), "adopted" (its values are the stored record's) or
    #: "replaced" (the stored version an adoption took out, kept so it can come back).
    Column("status", String(10), nullable=False, default="open", server_default="open"),
    #: The adoption that set ``status`` last (NULL while open).
    Column("adoption_id", BigInteger().with_variant(Integer, "sqlite")),
    UniqueConstraint("kind", "natural_key", "incoming", name="uq_conflicts_seen"),
)

#: Every file that brought a version kept in ``conflicts`` (the first one, and every later
#: file holding the same version again, including one bringing back a ``replaced`` version),
#: so a version is found by any file that holds it, not only by the first.
conflict_files = Table(
    "conflict_files",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("conflict_id", BigInteger().with_variant(Integer, "sqlite"), nullable=False),
    Column("source_name", Text, nullable=False),
    Column("payload_sha256", String(64)),
    Column("created_at", UTCDateTime(), nullable=False),
    UniqueConstraint("conflict_id", "source_name", name="uq_conflict_files"),
)

#: Every adoption of a kept-aside version, never changed: the record, the values and
#: payload it replaced and those it adopted, who, when and why.
adoptions = Table(
    "adoptions",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    #: The ``conflicts`` row adopted, and the one that keeps the version it replaced.
    Column("conflict_id", BigInteger().with_variant(Integer, "sqlite"), nullable=False),
    Column("replaced_conflict_id", BigInteger().with_variant(Integer, "sqlite"), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("natural_key", Text, nullable=False),
    Column("replaced", Text, nullable=False),
    Column("replaced_payload_sha256", String(64)),
    Column("adopted", Text, nullable=False),
    Column("adopted_payload_sha256", String(64)),
    Column("adopted_at", UTCDateTime(), nullable=False),
    Column("adopted_by", String(120), nullable=False),
    Column("why", Text, nullable=False, default=""),
    Index("ix_adoptions_record", "kind", "natural_key"),
)

__all__ = [
    "adoptions",
    "conflict_files",
    "conflicts",
    "crossing_states",
    "crossings",
    "historical_averages",
    "metadata",
    "observations",
    "payloads",
    "ports",
    "quarantine",
    "volumes",
]

from borderflow.store import (
    accounts_schema,  # noqa: F401  (users, tokens, audit_log on this metadata)
    exchange_schema,  # noqa: F401  (exchange records and hash-chained audit on this metadata)
    forecast_schema,  # noqa: F401  (forecast_models, forecasts on this metadata)
    plans_schema,  # noqa: F401  (action plans, milestones, KPIs on this metadata)
    simulation_schema,  # noqa: F401  (simulation runs on this metadata)
)
