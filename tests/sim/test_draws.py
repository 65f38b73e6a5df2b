"""The compiled drawing of a replication's inputs against NumPy's vector methods.

The reference below draws, with NumPy's own vectorised calls, the inputs from the
streams ``borderflow.sim.replication`` documents; the compiled drawing must give exactly
the same arrays, so a replication's numbers are those of its seed, whichever way drawn.
"""

from __future__ import annotations

import hashlib
import math
from pathlib import Path

import numpy as np
import pytest

from borderflow.sim import load_scenario, simulate
from borderflow.sim.engine import arrival_times
from borderflow.sim.replication import (
    CompiledScenario,
    compile_scenario,
    draw_and_run,
    draw_inputs,
    new_statistics,
    run_replication,
)
from borderflow.sim.scenario import ServiceTime

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "scenarios"


def numpy_service(service: ServiceTime, n: int, rng: np.random.Generator) -> np.ndarray:
    if n == 0:
        return np.empty(0)
    mean = service.mean_seconds
    if service.dist == "exponential":
        return rng.exponential(mean, n)
    if service.dist == "deterministic":
        return np.full(n, mean)
    if service.dist == "lognormal":
        s2 = math.log1p(service.cv**2)
        return rng.lognormal(math.log(mean) - s2 / 2, math.sqrt(s2), n)
    if service.dist == "gamma":
        cv2 = service.cv**2
        return rng.gamma(1 / cv2, mean * cv2, n)
    values = np.asarray(service.values_seconds, dtype=float)
    return values[(rng.random(n) * len(values)).astype(np.intp)]


def numpy_inputs(model: CompiledScenario, seed: np.random.SeedSequence) -> dict[str, np.ndarray]:
    base = seed.generate_state(4, np.uint64).tobytes()

    def stream(key: bytes) -> np.random.Generator:
        digest = hashlib.blake2b(base + key, digest_size=32).digest()
        bits = np.random.PCG64()
        bits.state = {"bit_generator": "PCG64", "has_uint32": 0, "uinteger": 0,
                      "state": {"state": int.from_bytes(digest[:16], "little"),
                                "inc": int.from_bytes(digest[16:], "little") | 1}}
        return np.random.Generator(bits)

    times = []
    for e, expected in enumerate(model.expected_per_entry):
        rng = stream(model.entry_keys[e])
        n = int(rng.poisson(expected)) if expected > 0 else 0
        times.append(arrival_times(model.rates[e], rng.standard_exponential(n + 1)) if expected > 0 else np.empty(0))
    counts = [len(t) for t in times]
    possible = [sum(counts[e] for e in entries) for entries in model.entries_of_group]
    svc = [numpy_service(model.services[g], possible[g], stream(model.group_keys[g])) for g in range(model.n_groups)]
    refer, sec = [], []
    for g in range(model.n_groups):
        service = model.sec_services[g]
        if service is None or model.sec_prob[g] <= 0:
            continue
        rng = stream(model.secondary_keys[g])
        u = rng.random(possible[g])
        refer.append(u)
        sec.append(numpy_service(service, int(np.count_nonzero(u < model.sec_prob[g])), rng))

    def cat(parts: list[np.ndarray]) -> np.ndarray:
        return np.concatenate(parts) if parts else np.empty(0)

    return {"entry_times": cat(times), "svc": cat(svc), "refer_u": cat(refer), "sec_svc": cat(sec)}


SCENARIOS = ["commercial_fast.yaml", "san_ysidro_day.yaml", "small_crossing.json", "mmc_check.yaml"]


@pytest.mark.parametrize("name", SCENARIOS)
def test_compiled_draws_equal_numpy_vector_draws(name: str) -> None:
    model = compile_scenario(load_scenario(EXAMPLES / name))
    for child in np.random.SeedSequence(20261128).spawn(3):
        mine = draw_inputs(model, child)
        ref = numpy_inputs(model, child)
        assert len(mine.entry_times) > 0
        for key, expected in ref.items():
            np.testing.assert_array_equal(getattr(mine, key), expected, err_msg=key)


def test_deterministic_and_empty_secondary_draw_nothing() -> None:
    scenario = load_scenario(
        {
            "name": "d",
            "hours": 2,
            "seed": 1,
            "replications": 1,
            "lane_groups": {
                "a": {"mode": "passenger", "program": "standard", "booths": 1,
                      "service": {"dist": "deterministic", "mean_seconds": 30},
                      "secondary": {"probability": 0.0, "spaces": 1,
                                    "service": {"dist": "exponential", "mean_seconds": 60}}},
            },
            "demand": [{"to": "a", "per_hour": [10, 0]}],
        }
    )
    model = compile_scenario(scenario)
    child = np.random.SeedSequence(5)
    mine = draw_inputs(model, child)
    ref = numpy_inputs(model, child)
    np.testing.assert_array_equal(mine.entry_times, ref["entry_times"])
    assert np.all(mine.svc == 30.0)
    assert len(mine.refer_u) == 0 and len(mine.sec_svc) == 0
    assert np.all(mine.entry_times < 3600.0)


@pytest.mark.parametrize("name", SCENARIOS)
def test_draw_and_run_equals_draw_then_run(name: str) -> None:
    model = compile_scenario(load_scenario(EXAMPLES / name))
    child = np.random.SeedSequence(7)
    a = new_statistics(model, 1)
    b = new_statistics(model, 1)
    run_replication(model, draw_inputs(model, child), a[0][0], a[1][0], a[2])
    draw_and_run(model, child, b[0][0], b[1][0], b[2])
    for x, y in zip(a, b, strict=True):
        np.testing.assert_array_equal(x, y)
    assert a[0].sum() > 0


def test_records_do_not_change_the_numbers() -> None:
    scenario = load_scenario(EXAMPLES / "commercial_fast.yaml")
    plain = simulate(scenario, replications=4, workers=1)
    recorded = simulate(scenario, replications=4, workers=1, records=True)
    assert plain.to_json_dict()["lane_groups"] == recorded.to_json_dict()["lane_groups"]


def _reordered(mapping: dict) -> dict:  # type: ignore[type-arg]
    """The same scenario with its lane groups and its demand entries listed backwards."""
    return {**mapping, "lane_groups": dict(reversed(list(mapping["lane_groups"].items()))),
            "demand": list(reversed(mapping["demand"]))}


@pytest.mark.parametrize("name", ["commercial_fast.yaml", "san_ysidro_day.yaml"])
def test_the_order_of_groups_and_entries_in_the_file_changes_no_number(name: str) -> None:
    from borderflow.sim.scenario import scenario_mapping

    mapping = scenario_mapping(load_scenario(EXAMPLES / name))
    forward = simulate(load_scenario(mapping), replications=3, workers=1).to_json_dict()["lane_groups"]
    backward = simulate(load_scenario(_reordered(mapping)), replications=3, workers=1).to_json_dict()["lane_groups"]
    assert len(forward) > 1 and list(backward) == list(reversed(forward))
    assert backward == forward  # every number of every group


def test_a_change_to_one_group_leaves_the_other_groups_draws_alone() -> None:
    from borderflow.sim.scenario import scenario_mapping

    mapping = scenario_mapping(load_scenario(EXAMPLES / "commercial_fast.yaml"))
    changed = {**mapping, "lane_groups": {**mapping["lane_groups"], "fast": {
        **mapping["lane_groups"]["fast"], "service": {"dist": "lognormal", "mean_seconds": 50, "cv": 1.1}}}}
    seed = np.random.SeedSequence(3)
    a = draw_inputs(compile_scenario(load_scenario(mapping)), seed)
    b = draw_inputs(compile_scenario(load_scenario(changed)), seed)
    np.testing.assert_array_equal(a.entry_times, b.entry_times)
    np.testing.assert_array_equal(a.group_services(0), b.group_services(0))  # standard: untouched
    np.testing.assert_array_equal(a.group_secondary_services(1), b.group_secondary_services(1))
    assert not np.array_equal(a.group_services(1), b.group_services(1))
