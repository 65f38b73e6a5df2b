"""An independent SimPy model of the simulator's semantics, for tests and the benchmark.

Written from the rules in docs/simulator.md, not from the engine: booths are SimPy
processes' state, the queue is a deque, a dispatcher hands queued vehicles to idle open
booths (lowest number first) once all events of the current instant have happened, and
an hour-boundary process re-dispatches when booths open. Secondary is a
``simpy.Resource`` with ``spaces`` slots.

It takes its random inputs either from the engine's own draw (``inputs_from_engine``,
so both must agree vehicle by vehicle) or from its own generator
(``independent_inputs``: exponential gaps restarted each hour, so both must agree in
distribution).
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field

import numpy as np
import simpy

from borderflow.sim.scenario import Scenario, ServiceTime

HOUR = 3600.0


@dataclass
class ReferenceInputs:
    arrivals: list[list[float]]  # per demand entry, sorted times
    services: list[list[float]]  # per group, the k-th joiner's service
    referral_uniforms: list[list[float]]  # per group, empty when no secondary
    secondary_services: list[list[float]]  # per group, the j-th referral's


@dataclass
class ReferenceVehicle:
    entry: int
    arrival: float
    group: int = -1
    booth: int = -1
    start: float = math.nan
    end: float = math.nan
    referred: bool = False
    secondary_service: float = math.nan
    secondary_start: float = math.nan
    secondary_end: float = math.nan
    service: float = math.nan

    @property
    def wait(self) -> float:
        return self.start - self.arrival


@dataclass
class _Group:
    booths: tuple[int, ...]
    tail: int
    busy: list[bool]
    queue: deque = field(default_factory=deque)
    joined: int = 0
    referred: int = 0
    in_system: int = 0
    dispatch_pending: bool = False
    secondary: simpy.Resource | None = None


class ReferencePort:
    def __init__(self, scenario: Scenario, inputs: ReferenceInputs) -> None:
        self.env = simpy.Environment()
        self.scenario = scenario
        self.inputs = inputs
        self.hours = scenario.hours
        self.vehicles: list[ReferenceVehicle] = []
        self.groups: list[_Group] = []
        for g in scenario.lane_groups:
            tail = max(1, g.booths[-1])
            n = max(max(g.booths), tail)
            grp = _Group(booths=g.booths, tail=tail, busy=[False] * n)
            if g.secondary is not None:
                grp.secondary = simpy.Resource(self.env, capacity=g.secondary.spaces)
            self.groups.append(grp)
        self.group_index = {g.id: i for i, g in enumerate(scenario.lane_groups)}

    # rules ---------------------------------------------------------------
    def open_booths(self, g: int, t: float) -> int:
        hour = int(t // HOUR)
        grp = self.groups[g]
        return grp.tail if hour >= self.hours else grp.booths[hour]

    def choose(self, entry: int, t: float) -> int:
        targets = [self.group_index[x] for x in self.scenario.demand[entry].to]
        hour = min(int(t // HOUR), self.hours - 1)
        open_counts = [self.groups[g].booths[hour] for g in targets]
        if any(open_counts):
            scores = [
                (self.groups[g].in_system / b) if b > 0 else math.inf
                for g, b in zip(targets, open_counts)
            ]
        else:
            scores = [float(self.groups[g].in_system) for g in targets]
        best = min(range(len(targets)), key=lambda i: (scores[i], i))
        return targets[best]

    # processes -----------------------------------------------------------
    def arrivals(self, entry: int):
        for t in self.inputs.arrivals[entry]:
            yield self.env.timeout(t - self.env.now)
            v = ReferenceVehicle(entry=entry, arrival=self.env.now)
            g = self.choose(entry, v.arrival)
            grp = self.groups[g]
            v.group = g
            k = grp.joined
            grp.joined += 1
            v.service = self.inputs.services[g][k]
            u = self.inputs.referral_uniforms[g]
            sec = self.scenario.lane_groups[g].secondary
            if u and sec is not None and u[k] < sec.probability:
                v.referred = True
                v.secondary_service = self.inputs.secondary_services[g][grp.referred]
                grp.referred += 1
            grp.in_system += 1
            grp.queue.append(v)
            self.vehicles.append(v)
            self.request_dispatch(g)

    def hour_boundaries(self):
        for h in range(1, self.hours + 1):
            yield self.env.timeout(h * HOUR - self.env.now)
            for g in range(len(self.groups)):
                self.request_dispatch(g)

    def request_dispatch(self, g: int) -> None:
        grp = self.groups[g]
        if not grp.dispatch_pending:
            grp.dispatch_pending = True
            self.env.process(self.dispatch(g))

    def dispatch(self, g: int):
        yield self.env.timeout(0)  # after everything else at this instant
        grp = self.groups[g]
        grp.dispatch_pending = False
        n_open = self.open_booths(g, self.env.now)
        for b in range(min(n_open, len(grp.busy))):
            if not grp.queue:
                break
            if not grp.busy[b]:
                grp.busy[b] = True
                self.env.process(self.serve(g, b, grp.queue.popleft()))

    def serve(self, g: int, b: int, v: ReferenceVehicle):
        v.booth = b
        v.start = self.env.now
        yield self.env.timeout(v.service)
        v.end = self.env.now
        grp = self.groups[g]
        grp.busy[b] = False
        grp.in_system -= 1
        if v.referred:
            self.env.process(self.secondary(g, v))
        self.request_dispatch(g)

    def secondary(self, g: int, v: ReferenceVehicle):
        resource = self.groups[g].secondary
        assert resource is not None
        with resource.request() as req:
            yield req
            v.secondary_start = self.env.now
            yield self.env.timeout(v.secondary_service)
            v.secondary_end = self.env.now

    def run(self) -> list[ReferenceVehicle]:
        for e in range(len(self.scenario.demand)):
            self.env.process(self.arrivals(e))
        self.env.process(self.hour_boundaries())
        self.env.run()
        return self.vehicles


def run_reference(scenario: Scenario, inputs: ReferenceInputs) -> list[ReferenceVehicle]:
    """Simulate one replication; every vehicle, in arrival order."""
    return ReferencePort(scenario, inputs).run()


# inputs -----------------------------------------------------------------------


def inputs_from_engine(model, inputs) -> ReferenceInputs:
    """The engine's drawn inputs (``borderflow.sim.replication``) as plain lists."""
    n_entries = len(inputs.entry_ptr) - 1
    return ReferenceInputs(
        arrivals=[inputs.entry_arrivals(e).tolist() for e in range(n_entries)],
        services=[inputs.group_services(g).tolist() for g in range(model.n_groups)],
        referral_uniforms=[
            inputs.group_referral_uniforms(g).tolist() for g in range(model.n_groups)
        ],
        secondary_services=[
            inputs.group_secondary_services(g).tolist() for g in range(model.n_groups)
        ],
    )


def _sample(service: ServiceTime, rng: np.random.Generator) -> float:
    if service.dist == "exponential":
        return float(rng.exponential(service.mean_seconds))
    if service.dist == "deterministic":
        return service.mean_seconds
    if service.dist == "lognormal":
        sigma = math.sqrt(math.log(1.0 + service.cv**2))
        return float(rng.lognormal(math.log(service.mean_seconds) - sigma**2 / 2, sigma))
    if service.dist == "gamma":
        return float(rng.gamma(1.0 / service.cv**2, service.mean_seconds * service.cv**2))
    return float(rng.choice(service.values_seconds))


def independent_inputs(scenario: Scenario, rng: np.random.Generator) -> ReferenceInputs:
    """Inputs drawn here: exponential gaps at each hour's rate, restarted at each hour
    (valid for a Poisson process by memorylessness), one draw per vehicle."""
    arrivals = []
    joiners = [0] * len(scenario.lane_groups)
    index = {g.id: i for i, g in enumerate(scenario.lane_groups)}
    for d in scenario.demand:
        times: list[float] = []
        for h, rate in enumerate(d.per_hour):
            if rate <= 0:
                continue
            t = h * HOUR
            while True:
                t += rng.exponential(HOUR / rate)
                if t >= (h + 1) * HOUR:
                    break
                times.append(t)
        arrivals.append(times)
        for gid in d.to:
            joiners[index[gid]] += len(times)
    services, uniforms, secondaries = [], [], []
    for g, group in enumerate(scenario.lane_groups):
        services.append([_sample(group.service, rng) for _ in range(joiners[g])])
        if group.secondary is None:
            uniforms.append([])
            secondaries.append([])
            continue
        u = [float(x) for x in rng.random(joiners[g])]
        uniforms.append(u)
        n_ref = sum(1 for x in u if x < group.secondary.probability)
        secondaries.append([_sample(group.secondary.service, rng) for _ in range(n_ref)])
    return ReferenceInputs(arrivals, services, uniforms, secondaries)
