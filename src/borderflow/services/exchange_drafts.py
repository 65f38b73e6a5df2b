"""A new exchange record before it is published: its fields checked by one set of rules,
whichever front sent them (the API's body, the CLI's JSON file, a caller of the service).

:func:`draft_from_fields` takes the fields as JSON gives them and refuses, naming the
field, what is not of the type the API takes (a null body, a share list given as one
string); :func:`draft` checks the values (kind, classification, share list, text rules).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from borderflow.errors import BadInputError
from borderflow.exchange.access import CLASSIFICATIONS, agency_key, parse_agency
from borderflow.services.accounts import ROLES
from borderflow.text_rules import checked_text

KINDS: tuple[str, ...] = ("alert", "incident", "seizure_summary", "wanted_vehicle", "closure")
MAX_TITLE = 200
MAX_BODY = 20_000
MAX_SHARES = 50
MAX_AGENCY_NAME = 120
_PORT = re.compile(r"[0-9]{4}")


@dataclass(frozen=True)
class Draft:
    """A new record before it is published (checked by :func:`draft`)."""

    kind: str
    classification: str
    share_agencies: tuple[str, ...]
    share_roles: tuple[str, ...]
    title: str
    body: str
    port_code: str | None = None


def checked_record_text(value: str, name: str, limit: int, *, required: bool) -> str:
    """A record's text: within ``limit`` as sent, spaces around it included (the limit the
    API's schema states, so every front gives the same answer), then trimmed (a required
    one not empty) and safe to read (:func:`~borderflow.text_rules.checked_text`; a title
    or reason on one line)."""
    text = value.strip()
    rule = f"{name} must be {'1' if required else '0'}-{limit} characters"
    if required and not text:
        raise BadInputError(f"{rule}; got 0" + (f" ({len(value)} spaces)" if value else ""))
    if len(value) > limit:
        spaces = len(value) - len(text)
        raise BadInputError(f"{rule}, spaces around it included; got {len(value)}"
                            + (f" ({spaces} of them spaces around the text: remove them)" if spaces else ""))
    return checked_text(text, name, one_line=name in ("title", "reason"))


def checked_port(value: object) -> str | None:
    """A 4-digit CBP port code, or None for none (``None`` or ``""``)."""
    if value is None or value == "":
        return None
    if not isinstance(value, str) or not _PORT.fullmatch(value):
        raise BadInputError(f"port_code must be a 4-digit CBP port code such as 2504; got {value!r}")
    return value


def draft(kind: str, classification: str, title: str, body: str, *, owner_country: str,
          share_agencies: list[str] | tuple[str, ...] = (), share_roles: list[str] | tuple[str, ...] = (),
          port_code: str | None = None) -> Draft:
    """A checked draft for a publisher of ``owner_country``; BadInputError naming the rule broken."""
    if kind not in KINDS:
        raise BadInputError(f"kind must be one of {', '.join(KINDS)}; got {kind!r}")
    if classification not in CLASSIFICATIONS:
        raise BadInputError(f"classification must be one of {', '.join(CLASSIFICATIONS)}; got {classification!r}")
    if len(share_agencies) > MAX_SHARES:
        raise BadInputError(f"a share list names at most {MAX_SHARES} agencies; got {len(share_agencies)}")
    agencies: dict[str, str] = {}
    for entry in share_agencies:
        try:
            country, name = parse_agency(entry)
        except ValueError as exc:
            raise BadInputError(str(exc)) from None
        if len(name) > MAX_AGENCY_NAME:
            raise BadInputError(f"an agency name is at most {MAX_AGENCY_NAME} characters; got {len(name)}")
        if classification == "national" and country != owner_country:
            raise BadInputError(f"a national record never leaves {owner_country}: share it only with "
                                f"{owner_country} agencies, or classify it bilateral; got {entry!r}")
        agencies.setdefault(agency_key(country, name), f"{country}:{name}")
    roles = sorted(set(share_roles))
    bad = [r for r in roles if r not in ROLES]
    if bad:
        raise BadInputError(f"shared roles must be among {', '.join(ROLES)}; got {', '.join(bad)}")
    return Draft(kind=kind, classification=classification, share_agencies=tuple(sorted(agencies.values())),
                 share_roles=tuple(roles), title=checked_record_text(title, "title", MAX_TITLE, required=True),
                 body=checked_record_text(body, "body", MAX_BODY, required=False),
                 port_code=checked_port(port_code))


def _what(value: object) -> str:
    """How JSON calls ``value``'s type, for a message: null, true, a number, a string, ..."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return f"a number ({value!r})"
    if isinstance(value, str):
        return "a string"
    return "a list" if isinstance(value, list) else "an object" if isinstance(value, dict) else type(value).__name__


def _string(fields: Mapping[str, object], name: str, *, default: str | None = None,
            nullable: bool = False) -> str | None:
    if name not in fields:
        if default is None and not nullable:
            raise BadInputError(f"the record lacks the field {name!r}; kind, classification and title are required")
        return default
    value = fields[name]
    if value is None and nullable:
        return None
    if not isinstance(value, str):
        hint = ' ("" for none)' if default == "" else " or null" if nullable else ""
        raise BadInputError(f"{name} must be text{hint}; got {_what(value)}")
    return value


def _strings(fields: Mapping[str, object], name: str, example: str) -> list[str]:
    value = fields.get(name, [])
    if not isinstance(value, list):
        raise BadInputError(f"{name} must be a list of {example}; got {_what(value)}")
    for position, item in enumerate(value, start=1):
        if not isinstance(item, str):
            raise BadInputError(f"{name} must be a list of {example}; item {position} is {_what(item)}")
    return value


def draft_from_fields(fields: Mapping[str, object], *, owner_country: str) -> Draft:
    """A checked draft from fields as a JSON object gives them (as ``POST /records`` takes
    them): ``kind``, ``classification``, ``title`` text, required; ``body`` text (left out:
    empty); ``port_code`` 4 digits or null; ``share_agencies`` and ``share_roles`` lists of text.
    Other fields are ignored, as the API ignores them. BadInputError naming the field."""
    kind, classification, title = (str(_string(fields, name)) for name in ("kind", "classification", "title"))
    return draft(kind, classification, title, str(_string(fields, "body", default="")),
                 owner_country=owner_country,
                 share_agencies=_strings(fields, "share_agencies", "agencies like ['MX:ANAM']"),
                 share_roles=_strings(fields, "share_roles", "roles like ['viewer']"),
                 port_code=_port_field(fields))


def _port_field(fields: Mapping[str, object]) -> str | None:
    """``port_code`` as the API's schema takes it: 4 digits, or null (or left out) for none;
    "" is refused there, so here too (the command line's ``--port ''`` of a correction is
    another matter: an option cannot be null)."""
    value = _string(fields, "port_code", nullable=True)
    if value == "":
        raise BadInputError('port_code must be a 4-digit CBP port code such as 2504, or null (or left out) for '
                            'none; got ""')
    return checked_port(value)
