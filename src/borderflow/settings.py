"""Settings: one table drives environment variables, CLI defaults and docs."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Setting:
    name: str
    env: str
    default: str
    help: str


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "database_url",
        "BORDERFLOW_DATABASE_URL",
        "sqlite:///var/borderflow.sqlite3",
        "SQLAlchemy URL of the database; relative SQLite paths are relative to the "
        "current directory.",
    ),
    Setting(
        "log_level",
        "BORDERFLOW_LOG_LEVEL",
        "WARNING",
        "Logging level for messages on stderr.",
    ),
    Setting(
        "api_cache_seconds",
        "BORDERFLOW_API_CACHE_SECONDS",
        "0",
        "How long the API may reuse a rendered answer while the archive is unchanged; "
        "'borderflow serve' sets it from --cache-seconds (default 1).",
    ),
    Setting(
        "exchange_rate_per_minute",
        "BORDERFLOW_EXCHANGE_RATE_PER_MINUTE",
        "120",
        "Requests a token (or an address without a valid token) may make to the exchange "
        "endpoints per minute, counted in the database, so shared by every server process; "
        "over it: 429 with Retry-After.",
    ),
    Setting(
        "api_max_body_bytes",
        "BORDERFLOW_API_MAX_BODY_BYTES",
        "20000000",
        "The largest request body the API reads, in bytes; a larger one is refused with 413 "
        "before it is read (POST /api/v1/observations checks it after sign-in, so the refusal "
        "is audited; the exchange endpoints take at most 512 KiB whatever this says).",
    ),
    Setting(
        "forwarded_allow_ips",
        "BORDERFLOW_FORWARDED_ALLOW_IPS",
        "",
        "Comma-separated addresses of reverse proxies whose X-Forwarded-For and "
        "X-Forwarded-Proto 'borderflow serve' trusts ('serve --forwarded-allow-ips'); empty: "
        "none, the client address is the connection's peer.",
    ),
    Setting(
        "exchange_key",
        "BORDERFLOW_EXCHANGE_KEY",
        "",
        "Operator key (32 bytes, URL-safe base64; 'borderflow exchange keygen' makes one) "
        "that encrypts national exchange records at rest. Never stored by BorderFlow.",
    ),
)


def setting(name: str) -> str:
    """The value of a setting: its environment variable, else its default."""
    for s in SETTINGS:
        if s.name == name:
            return os.environ.get(s.env, s.default)
    raise KeyError(name)


def chosen_database_url(override: str | None = None) -> str:
    """The database URL in force: an explicit override, the environment, the default
    (nothing on disk is touched)."""
    return override or setting("database_url")


def database_url(override: str | None = None) -> str:
    """The database URL in force (see :func:`chosen_database_url`); the folder of a
    relative SQLite path is created."""
    url = chosen_database_url(override)
    if url.startswith("sqlite:///") and not url.startswith("sqlite:////"):
        path = url[len("sqlite:///") :]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
    return url
