"""The vocabulary types themselves."""

from __future__ import annotations

import dataclasses
import datetime as dt
import pickle

from borderflow.vocabulary import Observation


def test_an_observation_pickles_with_every_field() -> None:
    # every field set away from its default, so a field the pickling forgot shows up
    obs = Observation(
        crossing_id="250401", mode="passenger", program="sentri",
        observed_at=dt.datetime(2025, 1, 1, 8, tzinfo=dt.UTC), wait_minutes=7, lanes_open=3,
        status="delay", source="cbp-feed", direction="southbound", reported_time="At 12:00 am PST",
        dated_by_feed=True,
    )
    defaults = {f.name: f.default for f in dataclasses.fields(Observation)}
    assert all(getattr(obs, name) != default for name, default in defaults.items())
    back = pickle.loads(pickle.dumps(obs))
    assert back == obs
    assert len(obs.__reduce__()[1]) == len(defaults)
