"""``may_read`` against a table of explicit expectations, for every case and for random ones."""

from __future__ import annotations

from dataclasses import dataclass

from hypothesis import given, settings
from hypothesis import strategies as st

from borderflow.exchange.access import may_read

# The rule as a table, written independently of may_read. Columns: classification, reader of the
# owning country, reader of the owning agency, reader's agency on the share list, one of the
# reader's roles on the share list -> may read. "*" matches anything. Every combination must
# match at least one row, and all rows it matches must agree.
TABLE = """
public     *   *   *   *   yes
bilateral  *   yes *   *   yes
bilateral  *   *   yes *   yes
bilateral  *   *   *   yes yes
bilateral  *   no  no  no  no
national   no  *   *   *   no
national   yes yes *   *   yes
national   yes *   yes *   yes
national   yes *   *   yes yes
national   yes no  no  no  no
"""
ROWS = [line.split() for line in TABLE.strip().splitlines()]


def expected(classification: str, same_country: bool, owner: bool, agency_listed: bool, role_listed: bool) -> bool:
    facts = [classification, *("yes" if f else "no" for f in (same_country, owner, agency_listed, role_listed))]
    answers = {row[5] for row in ROWS if all(p in ("*", f) for p, f in zip(row[:5], facts, strict=True))}
    assert len(answers) == 1, (facts, answers)
    return answers.pop() == "yes"


@dataclass(frozen=True)
class R:  # reader
    country: str
    agency: str
    roles: tuple[str, ...]


@dataclass(frozen=True)
class Rec:
    owner_country: str
    owner_agency: str
    classification: str
    share_agencies: tuple[str, ...]
    share_roles: tuple[str, ...]


AGENCIES = [("US", "CBP"), ("US", "GSA"), ("US", "Border"), ("MX", "ANAM"), ("MX", "INDAABIN"), ("MX", "Border")]
ROLES = ("viewer", "editor", "admin")


def test_the_table_covers_every_case() -> None:
    for c in ("public", "bilateral", "national"):
        for bits in range(16):
            same, owner, agency, role = (bool(bits & (1 << i)) for i in range(4))
            if owner and not same:
                continue  # the owning agency is of the owning country
            expected(c, same, owner, agency, role)


def test_named_cases() -> None:
    us_viewer, mx_viewer = R("US", "CBP", ("viewer",)), R("MX", "ANAM", ("viewer",))
    nat = Rec("US", "CBP", "national", (), ("viewer",))
    assert may_read(us_viewer, nat) and not may_read(mx_viewer, nat)
    # a foreign agency on a national share list is ignored (the service also refuses to store it)
    assert not may_read(mx_viewer, Rec("US", "GSA", "national", ("MX:ANAM",), ()))
    # same agency name, other country: a different agency
    assert not may_read(R("MX", "Border", ("editor",)), Rec("US", "Border", "bilateral", (), ()))
    assert may_read(R("MX", "anam", ("viewer",)), Rec("US", "CBP", "bilateral", ("MX:ANAM",), ()))
    assert may_read(mx_viewer, Rec("US", "CBP", "public", (), ()))
    assert not may_read(R("CA", "CBSA", ("admin",)), Rec("US", "CBP", "public", (), ()))
    assert not may_read(us_viewer, Rec("US", "CBP", "secret", (), ()))
    assert not may_read(us_viewer, Rec("US", "GSA", "bilateral", ("US", ":CBP", "CBP"), ("editor",)))


readers = st.builds(R, st.sampled_from(AGENCIES).map(lambda a: a[0]), st.sampled_from(AGENCIES).map(lambda a: a[1]),
                    st.lists(st.sampled_from(ROLES), min_size=1, max_size=3, unique=True).map(tuple))


@st.composite
def records(draw: st.DrawFn) -> Rec:
    country, agency = draw(st.sampled_from(AGENCIES))
    shared = draw(st.lists(st.sampled_from(AGENCIES), max_size=4, unique=True))
    spelled = tuple(f"{c}:{draw(st.sampled_from([a, a.lower(), a.upper()]))}" for c, a in shared)
    return Rec(country, agency, draw(st.sampled_from(["public", "bilateral", "national"])), spelled,
               tuple(draw(st.lists(st.sampled_from(ROLES), max_size=3, unique=True))))


@given(reader=readers, record=records())
@settings(max_examples=600, deadline=None)
def test_may_read_matches_the_table(reader: R, record: Rec) -> None:
    listed = {(s.split(":")[0], s.split(":")[1].lower()) for s in record.share_agencies}
    same = reader.country == record.owner_country
    owner = same and reader.agency.lower() == record.owner_agency.lower()
    agency_listed = (reader.country, reader.agency.lower()) in listed
    role_listed = any(r in record.share_roles for r in reader.roles)
    assert may_read(reader, record) == expected(record.classification, same, owner, agency_listed, role_listed)
