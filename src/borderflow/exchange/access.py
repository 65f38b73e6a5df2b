"""Who may read an exchange record: the one place the rule lives.

Vocabulary
----------
- An **agency** is identified by its country and name together, written ``CC:NAME``
  (``US:CBP``, ``MX:ANAM``); names compare case-insensitively (``US:cbp`` is ``US:CBP``).
  Two countries may have agencies of the same name; they are different agencies.
- A record has an **owning agency** (``owner_country`` + ``owner_agency``), a
  **classification** (``public``, ``bilateral``, ``national``) and a **share list**:
  agencies (``share_agencies``, each ``CC:NAME``) and roles (``share_roles``:
  ``viewer``, ``editor``, ``admin``).
- A **reader** is an authenticated, enabled user: a country (``US``/``MX``), an agency and
  one or more roles. Anonymous callers never reach this function: every exchange endpoint
  and command needs an account first.

The rule (:func:`may_read`)
---------------------------
- ``public``: every reader, of either country, whatever the share list.
- ``bilateral``: a reader of either country who belongs to the owning agency, or whose
  agency is on the share list, or who holds a role on the share list.
- ``national``: a reader **of the owning country only** who belongs to the owning agency,
  or whose agency is on the share list, or who holds a role on the share list. A reader
  of the other country never reads a national record, whatever the share list says (the
  service also refuses to publish such a share list; this function ignores it anyway).
- Anything else (an unknown classification, a reader whose country is neither US nor MX)
  reads nothing: the rule fails closed.

Every version of a record carries the same owner, classification and share list (a
correction changes content only), so the rule gives the same answer for all versions.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from borderflow.errors import BadInputError
from borderflow.text_rules import checked_text

CLASSIFICATIONS: tuple[str, ...] = ("public", "bilateral", "national")
COUNTRIES: frozenset[str] = frozenset({"US", "MX"})


class Reader(Protocol):
    """A user as the rule sees them (``borderflow.services.accounts.User`` fits)."""

    @property
    def country(self) -> str: ...
    @property
    def agency(self) -> str: ...
    @property
    def roles(self) -> tuple[str, ...]: ...


class Shared(Protocol):
    """A record as the rule sees it: its owner, classification and share list."""

    @property
    def owner_country(self) -> str: ...
    @property
    def owner_agency(self) -> str: ...
    @property
    def classification(self) -> str: ...
    @property
    def share_agencies(self) -> tuple[str, ...]: ...
    @property
    def share_roles(self) -> tuple[str, ...]: ...


def agency_key(country: str, agency: str) -> str:
    """The canonical ``CC:NAME`` of an agency: country upper-case, name case-folded."""
    return f"{country.strip().upper()}:{agency.strip().casefold()}"


def parse_agency(text: str) -> tuple[str, str]:
    """``"MX:ANAM"`` -> ``("MX", "ANAM")``; ValueError when not ``CC:NAME`` with CC in US, MX,
    or when the name breaks the one-line text rule (:func:`~borderflow.text_rules.checked_text`:
    no control, direction override or line break)."""
    country, sep, name = text.partition(":")
    country = country.strip().upper()
    if not sep or country not in COUNTRIES or not name.strip():
        raise ValueError(f"a shared agency is COUNTRY:NAME with COUNTRY US or MX, e.g. MX:ANAM; got {text!r}")
    try:
        checked_text(name.strip(), f"the shared agency name {text.strip()[:60]!r}", one_line=True)
    except BadInputError as exc:
        raise ValueError(str(exc)) from None
    return country, name.strip()


def _listed(reader: Reader, agencies: Iterable[str], roles: Iterable[str]) -> bool:
    mine = agency_key(reader.country, reader.agency)
    keys = set()
    for entry in agencies:
        try:
            keys.add(agency_key(*parse_agency(entry)))
        except ValueError:
            continue  # a malformed entry names nobody
    return mine in keys or bool(set(reader.roles) & set(roles))


def may_read(reader: Reader, record: Shared) -> bool:
    """True when ``reader`` may read ``record`` (every version of it); see the module doc."""
    if reader.country not in COUNTRIES:
        return False
    if record.classification == "public":
        return True
    if record.classification == "bilateral":
        allowed_countries = COUNTRIES
    elif record.classification == "national":
        allowed_countries = frozenset({record.owner_country})
    else:
        return False
    if reader.country not in allowed_countries:
        return False
    owner = agency_key(record.owner_country, record.owner_agency) == agency_key(reader.country, reader.agency)
    return owner or _listed(reader, record.share_agencies, record.share_roles)
