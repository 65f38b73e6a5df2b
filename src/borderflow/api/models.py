"""Response and request bodies of the API (pydantic lives only here, at the edge).

Timestamps are ISO 8601 with an offset ("Z" for UTC); waits are minutes.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, StrictFloat, StrictInt, StrictStr


class Paged(BaseModel):
    limit: int
    offset: int
    next: str | None = Field(None, description="URL of the next page; null on the last page.")


class Port(BaseModel):
    port_code: str
    name: str
    state: str
    border: str
    timezone: str
    latitude: float | None
    longitude: float | None


class PortDetail(Port):
    #: The crossings under the port: those whose feed number starts with its code and those
    #: it counts (its BTS port), e.g. Brownsville's 5355xx under 2301.
    crossing_ids: list[str]


class PortList(Paged):
    items: list[Port]


class MaxLanes(BaseModel):
    commercial: int | None
    passenger: int | None
    pedestrian: int | None


class Crossing(BaseModel):
    crossing_id: str
    port_code: str
    bts_port_code: str
    bwt_id: str
    port_name: str
    crossing_name: str
    border: str
    state: str
    timezone: str
    latitude: float | None
    longitude: float | None
    hours: str
    max_lanes: MaxLanes
    origin: str
    first_seen_at: dt.datetime | None


class CrossingList(Paged):
    items: list[Crossing]


class CurrentWait(BaseModel):
    crossing_id: str
    port_name: str
    crossing_name: str
    border: str
    state: str
    mode: str
    program: str
    direction: str
    observed_at: dt.datetime = Field(description="The source's own update time of the reading.")
    age_minutes: int = Field(description="Whole minutes from observed_at to as_of.")
    wait_minutes: int | None
    lanes_open: int | None
    status: str | None = Field(description="delay, no_delay, closed, not_applicable, update_pending or null.")
    source: str
    max_lanes: int | None = Field(description="CBP's maximum lanes for the mode at the crossing.")


class CurrentWaitList(Paged):
    as_of: dt.datetime = Field(description="The instant ages are measured to.")
    items: list[CurrentWait]


class Reading(BaseModel):
    observed_at: dt.datetime
    wait_minutes: int | None
    lanes_open: int | None
    status: str | None
    source: str
    direction: str


class WaitStats(BaseModel):
    count: int = Field(description="Readings with a wait in the cell.")
    mean_wait_minutes: float | None
    p50_wait_minutes: float | None
    p90_wait_minutes: float | None
    min_wait_minutes: float | None
    max_wait_minutes: float | None


class Bucket(WaitStats):
    start: dt.datetime = Field(description="Start of the hour (UTC) or local day (crossing's offset).")


class History(Paged):
    crossing_id: str
    mode: str
    program: str
    direction: str
    aggregate: str
    start: dt.datetime
    end: dt.datetime
    readings: list[Reading] | None = Field(None, description="aggregate=raw: the readings, oldest first.")
    buckets: list[Bucket] | None = Field(None, description="aggregate=hour|day: statistics per interval.")


class ProfileCell(WaitStats):
    weekday: int = Field(description="0 = Monday .. 6 = Sunday, crossing's local time.")
    hour: int = Field(description="0-23, crossing's local time.")


class Profile(BaseModel):
    crossing_id: str
    mode: str
    program: str
    direction: str
    timezone: str
    start: dt.datetime
    end: dt.datetime
    cells: list[ProfileCell] = Field(description="168 cells, Monday 00:00 first.")


class Volume(BaseModel):
    port_code: str
    site: str = Field(description="Bridge or sub-site; empty for port totals.")
    month: str = Field(description="YYYY-MM (for a daily count, the month of its day).")
    date: str | None = Field(None, description="YYYY-MM-DD: the day of a daily count (period=day); "
                             "null for a monthly count.")
    measure: str
    direction: str
    value: float
    source: str


class VolumeList(Paged):
    items: list[Volume]


class HistoricalAverage(BaseModel):
    crossing_id: str
    mode: str
    program: str
    kind: str = Field(description="mean, min or max.")
    month: int | None
    weekday: int | None = Field(description="0 = Monday .. 6 = Sunday, or null.")
    hour: int = Field(description="0-23, local time at the crossing.")
    on_date: dt.date | None
    year: int | None
    wait_minutes: float | None
    source: str


class AverageList(Paged):
    items: list[HistoricalAverage]


class ErrorBody(BaseModel):
    code: str
    message: str
    details: Any = None


class ErrorEnvelope(BaseModel):
    error: ErrorBody


Scalar = StrictInt | StrictFloat | StrictStr | None


class ObservationIn(BaseModel):
    """One reading, as a row of the observations CSV; values are checked by the CSV rules."""

    model_config = ConfigDict(extra="forbid")

    crossing_id: StrictStr = Field(max_length=40)
    mode: StrictStr = Field(max_length=40)
    program: StrictStr = Field(max_length=40)
    observed_at: StrictStr = Field(max_length=64, description="ISO 8601 with offset or Z.")
    wait_minutes: Scalar = None
    lanes_open: Scalar = None
    status: StrictStr | None = Field(None, max_length=40)
    source: StrictStr = Field(max_length=40)
    direction: StrictStr | None = Field(None, max_length=40)


class ObservationsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    observations: list[ObservationIn] = Field(max_length=10_000)


class Refused(BaseModel):
    place: str
    reason: str


class IngestResult(BaseModel):
    format: str
    sha256: str = Field(description="SHA-256 of the stored payload (the CSV as received or made from JSON).")
    read: int
    stored: int
    duplicates: int
    conflicts: int
    quarantined: int
    new_crossings: int
    refused: list[Refused] = Field(description="Rows kept aside in quarantine, with the reason (first 100).")
