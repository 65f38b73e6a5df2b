"""No sequence of operations lets a user read what their agency, country or role may not see.

A Hypothesis state machine drives the service with 24 users (8 agencies of both countries,
among them two agencies named "Border", one per country; viewers, editors and admins)
through random publishes, corrections, retractions, reads of any version, reads of ids that
do not exist and lists. Every answer is checked against an oracle that keeps its own model
of the world (agency identities as tuples, no string parsing) and decides with the explicit
table of ``test_access``; at the end the audit chain must verify clean.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import Engine

from borderflow.errors import (
    BadInputError,
    ConflictError,
    ForbiddenError,
    NotFoundError,
    WithdrawnError,
)
from borderflow.services import accounts, exchange
from tests.exchange.conftest import clear_exchange
from tests.exchange.test_access import expected

AGENCIES = [("US", "CBP"), ("US", "GSA"), ("US", "TxDOT"), ("US", "Border"),
            ("MX", "ANAM"), ("MX", "INDAABIN"), ("MX", "SAT"), ("MX", "Border")]
ROLE_SETS = [("viewer",), ("editor",), ("admin", "viewer")]


@dataclass
class Known:
    """The oracle's own copy of a record."""

    owner: tuple[str, str]
    classification: str
    agencies: frozenset[tuple[str, str]]
    roles: frozenset[str]
    versions: int = 1
    retracted: bool = False
    titles: list[str] = field(default_factory=list)


def oracle(user: accounts.User, rec: Known) -> bool:
    me = (user.country, user.agency)
    return expected(rec.classification, user.country == rec.owner[0], me == rec.owner,
                    me in rec.agencies, bool(rec.roles & set(user.roles)))


def make_machine(engine: Engine) -> type[RuleBasedStateMachine]:
    class Exchange(RuleBasedStateMachine):
        records = Bundle("records")

        @initialize()
        def setup(self) -> None:
            clear_exchange(engine)
            self.users: list[accounts.User] = []
            for n, (country, agency) in enumerate(AGENCIES):
                for m, roles in enumerate(ROLE_SETS):
                    self.users.append(accounts.create_user(engine, f"u{n}{m}", agency=agency, country=country,
                                                           roles=list(roles)))
            self.known: dict[str, Known] = {}

        def user(self, i: int) -> accounts.User:
            return self.users[i % len(self.users)]

        @rule(target=records, who=st.integers(0, 23), classification=st.sampled_from(["public", "bilateral", "national"]),
              shared=st.lists(st.sampled_from(AGENCIES), max_size=3, unique=True),
              roles=st.lists(st.sampled_from(["viewer", "editor", "admin"]), max_size=2, unique=True),
              shout=st.booleans())
        def publish(self, who: int, classification: str, shared: list[tuple[str, str]], roles: list[str],
                    shout: bool) -> str:
            user = self.user(who)
            spelled = [f"{c}:{a.upper() if shout else a}" for c, a in shared]
            foreign = classification == "national" and any(c != user.country for c, _ in shared)
            try:
                new = exchange.draft("alert", classification, f"t-{len(self.known)}", "body", owner_country=user.country,
                                     share_agencies=spelled, share_roles=roles)
            except BadInputError:
                assert foreign
                return "xr_0000000000000000"
            assert not foreign
            if "editor" not in user.roles and "admin" not in user.roles:
                with pytest.raises(ForbiddenError):
                    exchange.publish(engine, user, new)
                return "xr_0000000000000000"
            record = exchange.publish(engine, user, new)
            canon = {(c, next(a for cc, a in AGENCIES if cc == c and a.lower() == s.lower()))
                     for c, s in (x.split(":") for x in spelled)}
            self.known[record.record_id] = Known((user.country, user.agency), classification, frozenset(canon),
                                                 frozenset(roles), titles=[record.title])
            return record.record_id

        @rule(record_id=records, who=st.integers(0, 23), version=st.one_of(st.none(), st.integers(1, 4)))
        def read(self, record_id: str, who: int, version: int | None) -> None:
            user, rec = self.user(who), self.known.get(record_id)
            exists = rec is not None and (version is None or version <= rec.versions)
            withdrawn = (exists and rec.retracted and version is not None  # type: ignore[union-attr]
                         and version < rec.versions and (user.country, user.agency) != rec.owner)  # type: ignore[union-attr]
            if exists and oracle(user, rec) and withdrawn:  # type: ignore[arg-type]
                with pytest.raises(WithdrawnError):
                    exchange.read(engine, user, record_id, version)
            elif exists and oracle(user, rec):  # type: ignore[arg-type]
                got = exchange.read(engine, user, record_id, version)
                assert got.version == (version or rec.versions)  # type: ignore[union-attr]
            else:
                with pytest.raises(NotFoundError):
                    exchange.read(engine, user, record_id, version)

        @rule(who=st.integers(0, 23))
        def list_all(self, who: int) -> None:
            user = self.user(who)
            page = exchange.list_visible(engine, user, limit=500)
            got = {r.record_id for r in page.records}
            assert page.total == len(got)
            assert got == {rid for rid, rec in self.known.items() if oracle(user, rec)}

        @rule(record_id=records, who=st.integers(0, 23), retract=st.booleans(), stale=st.booleans())
        def amend(self, record_id: str, who: int, retract: bool, stale: bool) -> None:
            user, rec = self.user(who), self.known.get(record_id)
            supersedes = (rec.versions if rec else 1) - (1 if stale else 0)
            def act() -> exchange.RecordVersion:
                if retract:
                    return exchange.retract(engine, user, record_id, supersedes=supersedes, reason="wrong")
                return exchange.correct(engine, user, record_id, supersedes=supersedes, title="fixed", body="b")
            if rec is None or not oracle(user, rec):
                with pytest.raises(NotFoundError):
                    act()
            elif (user.country, user.agency) != rec.owner or not {"editor", "admin"} & set(user.roles):
                with pytest.raises(ForbiddenError):
                    act()
            elif rec.retracted or stale:
                with pytest.raises(ConflictError):
                    act()
            else:
                got = act()
                rec.versions += 1
                rec.retracted = retract
                assert (got.version, got.supersedes, got.retracted) == (rec.versions, rec.versions - 1, retract)

        @invariant()
        def chain_is_sound(self) -> None:
            if getattr(self, "known", None) is not None and len(self.known) % 3 == 0:
                assert exchange.verify(engine).ok

    return Exchange


def test_no_sequence_leaks_a_record(sqlite_engine: Engine, exchange_key: str) -> None:
    run_state_machine_as_test(make_machine(sqlite_engine), settings=settings(
        max_examples=40, stateful_step_count=25, deadline=None, database=None,
        suppress_health_check=list(HealthCheck)))


def test_no_sequence_leaks_a_record_postgresql(pg_engine: Engine, exchange_key: str) -> None:
    run_state_machine_as_test(make_machine(pg_engine), settings=settings(
        max_examples=8, stateful_step_count=20, deadline=None, database=None,
        suppress_health_check=list(HealthCheck)))
