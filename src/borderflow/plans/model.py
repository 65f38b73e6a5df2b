"""The plan document: frozen dataclasses and the validation of a plan file (JSON).

A plan file (``format: borderflow-plan/1``) holds one year's action plan under a
strategy: subcommittees (configurable keys and names), meetings, actions with
milestones, evidence and status history, and KPI definitions. Import and export use
exactly this shape, so an export imports back unchanged. Actions and milestones may
carry when they were added (``added_at``), and they, KPIs and meetings their edits
(``edits``: old and new value, who, when); a file without them (written before they were
kept) reads as one whose actions and milestones were always there, nothing edited.

Sides: every action field and every milestone and piece of evidence belongs to one
country side, ``US`` or ``MX`` (see :data:`SIDE_FIELDS`); the shared fields and the
status belong to the action's ``lead_side``. :mod:`borderflow.services.plans` enforces it.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from borderflow.errors import BadInputError
from borderflow.text_rules import checked_text

FORMAT = "borderflow-plan/1"
SIDES: tuple[str, ...] = ("US", "MX")
STATUSES: tuple[str, ...] = ("planned", "in_progress", "done", "delayed", "cancelled")
ACTION_KINDS: tuple[str, ...] = ("port_project", "program", "study")
EVIDENCE_KINDS: tuple[str, ...] = ("note", "link", "file")
#: The default subcommittees of the 21st Century Border Management committee; a plan may name others.
DEFAULT_SUBCOMMITTEES: tuple[tuple[str, str], ...] = (
    ("infrastructure", "Infrastructure"), ("secure_flows", "Secure Flows"),
    ("corridor_security", "Corridor Security"),
)
#: Action fields each side edits alone.
SIDE_FIELDS: dict[str, frozenset[str]] = {
    "US": frozenset({"lead_agency_us", "notes_us", "next_steps_us"}),
    "MX": frozenset({"lead_agency_mx", "notes_mx", "next_steps_mx"}),
}
#: Action fields only the lead side edits (the status has its own path, with a reason).
SHARED_FIELDS: frozenset[str] = frozenset({"title", "kind", "subcommittee", "lead_side"})
EDITABLE_FIELDS: frozenset[str] = SHARED_FIELDS | SIDE_FIELDS["US"] | SIDE_FIELDS["MX"]
_SLUG = re.compile(r"^[a-z0-9][a-z0-9_-]{0,79}$")
_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$")


def side_of_field(name: str, lead_side: str) -> str:
    """The side that may edit action field ``name`` (shared fields: the lead side)."""
    for side, names in SIDE_FIELDS.items():
        if name in names:
            return side
    if name in SHARED_FIELDS:
        return lead_side
    raise BadInputError(f"action field {name!r} cannot be edited; editable: {', '.join(sorted(EDITABLE_FIELDS))}")


@dataclass(frozen=True)
class Source:
    title: str
    url: str = ""


@dataclass(frozen=True)
class Subcommittee:
    key: str
    name: str


@dataclass(frozen=True)
class FieldEdit:
    """One edit of a field of an action, a milestone, a KPI or a meeting: the value it
    replaced and the value it wrote, as text (dates YYYY-MM-DD, a subcommittee by its key,
    a key of a KPI's definition as JSON: :func:`spec_value_text`; ``None`` is a ``done_on``
    left empty or a key of a definition not set), who made it and when (UTC)."""

    field: str
    old: str | None
    new: str | None
    at: dt.datetime
    username: str
    country: str = ""


#: The "edit" that records a meeting's addition (old: empty; new: its name as added) and
#: the one that records the retirement of a meeting or a KPI (old: empty; new: why).
#: A retired one is kept with its edits, as is who retired it, when and why; it is not
#: edited again (:func:`lifecycle_edit`).
ADDED, RETIRED = "added", "retired"


def lifecycle_edit(edits: tuple[FieldEdit, ...], name: str) -> FieldEdit | None:
    """The edit of ``edits`` that records the addition (``ADDED``) or the retirement
    (``RETIRED``), or None."""
    return next((e for e in edits if e.field == name), None)


def retired_by(edits: tuple[FieldEdit, ...], day: dt.date) -> bool:
    """Whether the meeting or KPI with ``edits`` was retired by the end of ``day`` (UTC date)."""
    retired = lifecycle_edit(edits, RETIRED)
    return retired is not None and retired.at.date() <= day


@dataclass(frozen=True)
class Meeting:
    name: str
    held_on: dt.date
    place: str = ""
    id: int | None = None
    #: Edits of its name and place (:data:`MEETING_EDIT_FIELDS`), and its addition and
    #: retirement (:data:`ADDED`, :data:`RETIRED`), oldest first.
    edits: tuple[FieldEdit, ...] = ()

    @property
    def retired(self) -> FieldEdit | None:
        """Its retirement (who, when, why: ``new``), or None while it stands."""
        return lifecycle_edit(self.edits, RETIRED)


@dataclass(frozen=True)
class Milestone:
    side: str
    title: str
    due_on: dt.date
    done_on: dt.date | None = None
    id: int | None = None
    #: When it was added to its action; None: always there (it came with the plan).
    added_at: dt.datetime | None = None
    #: Its edits (title, due_on, done_on), oldest first.
    edits: tuple[FieldEdit, ...] = ()


@dataclass(frozen=True)
class Evidence:
    side: str
    kind: str
    text: str = ""
    url: str = ""
    sha256: str = ""
    added_at: dt.datetime | None = None
    username: str = ""


@dataclass(frozen=True)
class StatusChange:
    from_status: str | None
    to_status: str
    at: dt.datetime
    username: str
    country: str
    why: str


@dataclass(frozen=True)
class Action:
    code: str
    subcommittee: str
    title: str
    kind: str
    lead_side: str
    status: str
    lead_agency_us: str = ""
    lead_agency_mx: str = ""
    notes_us: str = ""
    notes_mx: str = ""
    next_steps_us: str = ""
    next_steps_mx: str = ""
    milestones: tuple[Milestone, ...] = ()
    evidence: tuple[Evidence, ...] = ()
    history: tuple[StatusChange, ...] = ()
    id: int | None = None
    #: When it was added to its plan; None: always there (it came with the plan).
    added_at: dt.datetime | None = None
    #: Edits of its fields (:data:`EDITABLE_FIELDS`), oldest first.
    edits: tuple[FieldEdit, ...] = ()


@dataclass(frozen=True)
class KpiDefinition:
    key: str
    name: str
    spec: dict[str, Any]
    action: str | None = None
    id: int | None = None
    #: Edits of its name and of the keys of its definition (:func:`kpi_edit_fields`), and its
    #: retirement (:data:`RETIRED`), oldest first.
    edits: tuple[FieldEdit, ...] = ()

    @property
    def retired(self) -> FieldEdit | None:
        """Its retirement (who, when, why: ``new``), or None while it is measured."""
        return lifecycle_edit(self.edits, RETIRED)


@dataclass(frozen=True)
class Plan:
    slug: str
    year: int
    title: str
    strategy: str = ""
    is_example: bool = False
    sources: tuple[Source, ...] = ()
    subcommittees: tuple[Subcommittee, ...] = field(
        default_factory=lambda: tuple(Subcommittee(k, n) for k, n in DEFAULT_SUBCOMMITTEES))
    meetings: tuple[Meeting, ...] = ()
    actions: tuple[Action, ...] = ()
    kpis: tuple[KpiDefinition, ...] = ()
    id: int | None = None


# -- validation -----------------------------------------------------------------------


#: The most characters of a text field with no limit of its own (titles, notes, reasons).
TEXT_LIMIT = 10_000
#: Plan texts that may run over several lines (tabs and line breaks allowed); every other
#: (a title, a name, a key, an agency, a URL) is one line.
MULTI_LINE_FIELDS: frozenset[str] = frozenset({
    "strategy", "notes_us", "notes_mx", "next_steps_us", "next_steps_mx", "text", "why"})


def readable_text(text: str, name: str, field_name: str) -> str:
    """``text`` unchanged when plan field ``field_name`` may hold it: the exchange's rule
    for people's text (:func:`~borderflow.text_rules.checked_text`: no control character,
    direction override or lone surrogate), on one line unless the field is in
    :data:`MULTI_LINE_FIELDS`; BadInputError naming ``name`` and the character otherwise."""
    return checked_text(text, name, one_line=field_name not in MULTI_LINE_FIELDS)


def text_value(value: Any, name: str, *, required: bool = True, limit: int = TEXT_LIMIT,
               field_name: str | None = None) -> str:
    """``value`` as text trimmed of surrounding blanks (null counts as empty): BadInputError
    naming ``name`` when it is not text, is required but blank, is over ``limit``, or holds
    a character a plan may not (:func:`readable_text` for field ``field_name``, by default
    the last part of ``name``)."""
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise BadInputError(f"{name} must be text; got {type(value).__name__}", key="text.not_text",
                            fields={"name": name, "got": type(value).__name__})
    value = value.strip()
    if required and not value:
        raise BadInputError(f"{name} is required and may not be empty; give the {name.rsplit('.', 1)[-1]}",
                            key="text.required", fields={"name": name, "last": name.rsplit(".", 1)[-1]})
    if len(value) > limit:
        raise BadInputError(f"{name} may be at most {limit} characters; got {len(value)}; shorten it",
                            key="text.too_long", fields={"name": name, "limit": limit, "got": len(value)})
    return readable_text(value, name, field_name or name.rsplit(".", 1)[-1])


def _text(data: Mapping[str, Any], key: str, where: str, *, required: bool = True, limit: int = TEXT_LIMIT) -> str:
    return text_value(data.get(key, ""), f"{where}.{key}", required=required, limit=limit)


def choice(value: Any, options: tuple[str, ...], where: str) -> str:
    if value not in options:
        listed = ", ".join(options)
        raise BadInputError(f"{where} must be one of {listed}; got {value!r}", key="value.one_of",
                            fields={"path": where, "choices": listed, "got": repr(value)})
    return str(value)


#: Dates a plan may hold (milestones, meetings, KPI start/end): a plan's years, with room.
FIRST_DATE, LAST_DATE = dt.date(1990, 1, 1), dt.date(2100, 12, 31)
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}\Z")


def parse_date(value: Any, where: str) -> dt.date:
    """A date written YYYY-MM-DD (or a ``date``) between :data:`FIRST_DATE` and :data:`LAST_DATE`."""
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        day = value
    else:
        try:
            if not isinstance(value, str) or not _DATE.match(value.strip()):
                raise ValueError(value)
            day = dt.date.fromisoformat(value.strip())
        except ValueError:
            raise BadInputError(f"{where} must be a date YYYY-MM-DD; got {value!r}", key="date.format",
                                fields={"where": where, "got": value}) from None
    if not FIRST_DATE <= day <= LAST_DATE:
        raise BadInputError(f"{where} must be a date from {FIRST_DATE.isoformat()} to {LAST_DATE.isoformat()}; "
                            f"got {day.isoformat()}", key="date.range",
                            fields={"where": where, "first": FIRST_DATE.isoformat(), "last": LAST_DATE.isoformat(),
                                    "got": day.isoformat()})
    return day


def _optional_date(value: Any, where: str) -> dt.date | None:
    return None if value in (None, "") else parse_date(value, where)


def today() -> dt.date:
    """Today in UTC: never earlier than the date on either side of the border."""
    return dt.datetime.now(dt.UTC).date()


def parse_done_on(value: Any, where: str) -> dt.date | None:
    """A milestone's ``done_on``: empty (not done) or a date that has come (today at the latest)."""
    day = _optional_date(value, where)
    if day is not None and day > today():
        raise BadInputError(f"{where} {day.isoformat()} has not come yet (today is {today().isoformat()}); give "
                            "the day the milestone was done, or leave done_on empty until it is")
    return day


def parse_datetime(value: Any, where: str) -> dt.datetime:
    """A time in ISO 8601 with an offset, between :data:`FIRST_DATE` and :data:`LAST_DATE`, in UTC."""
    try:
        parsed = value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(str(value))
    except ValueError:
        raise BadInputError(f"{where} must be ISO 8601 with an offset, e.g. 2011-12-15T00:00:00Z; "
                            f"got {value!r}") from None
    if parsed.tzinfo is None:
        raise BadInputError(f"{where} needs a UTC offset or Z; got {value!r}")
    if not FIRST_DATE <= parsed.date() <= LAST_DATE:
        raise BadInputError(f"{where} must be a time from {FIRST_DATE.isoformat()} to {LAST_DATE.isoformat()}; "
                            f"got {value!r}")
    return parsed.astimezone(dt.UTC)


def _list(data: Mapping[str, Any], key: str, where: str) -> list[Any]:
    """``data[key]``: a list, or none given (left out or null); anything else is refused
    (an object ``{}`` is not an empty list)."""
    value = data.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise BadInputError(f"{where}.{key} must be a list; got {type(value).__name__}")
    return value


def _mapping(value: Any, where: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise BadInputError(f"{where} must be an object; got {type(value).__name__}")
    return value


MILESTONE_FIELDS: tuple[str, ...] = ("side", "title", "due_on", "done_on")


def milestone_field(name: str, value: Any, where: str) -> Any:
    """One milestone field checked by the rule a plan file's milestones follow: ``side``
    US or MX, ``title`` required text, ``due_on`` a date, ``done_on`` empty or a date that
    has come. The plan file, the CSV, the API and the CLI all check milestones here."""
    if name == "side":
        return choice(value, SIDES, f"{where}.side")
    if name == "title":
        return text_value(value, f"{where}.title")
    if name == "due_on":
        return parse_date(value, f"{where}.due_on")
    if name == "done_on":
        return parse_done_on(value, f"{where}.done_on")
    raise BadInputError(f"{where} has no field {name!r}; a milestone has {', '.join(MILESTONE_FIELDS)}")


def parse_milestone(data: Any, where: str) -> Milestone:
    item = _mapping(data, where)
    return Milestone(**{name: milestone_field(name, item.get(name), where) for name in MILESTONE_FIELDS})


MILESTONE_EDIT_FIELDS: tuple[str, ...] = ("title", "due_on", "done_on")


def milestone_text(milestone: Milestone, name: str) -> str | None:
    """Milestone field ``name`` (title, due_on, done_on) as an edit records it."""
    value = getattr(milestone, name)
    return value.isoformat() if isinstance(value, dt.date) else value


def _milestone_edit_value(name: str, value: Any, where: str) -> str | None:
    if name == "title":
        return text_value(value, where, field_name="title")
    if name == "due_on":
        return parse_date(value, where).isoformat()
    day = _optional_date(value, where)
    return day.isoformat() if day else None


def _action_edit_value(name: str, value: Any, where: str, subcommittee_keys: set[str]) -> str:
    if name == "kind":
        return choice(value, ACTION_KINDS, where)
    if name == "lead_side":
        return choice(value, SIDES, where)
    text = text_value(value, where, required=name in SHARED_FIELDS, field_name=name,
                      limit=120 if name.startswith("lead_agency") else TEXT_LIMIT)
    if name == "subcommittee" and text not in subcommittee_keys:
        raise BadInputError(f"{where} must be one of the plan's subcommittees ({', '.join(sorted(subcommittee_keys))}); "
                            f"got {text!r}")
    return text


def _parse_edits(item: Mapping[str, Any], where: str, fields: tuple[str, ...],
                 value: Callable[[str, Any, str], str | None], current: Mapping[str, str | None]) -> tuple[FieldEdit, ...]:
    return tuple(e for _, e in _indexed_edits(item, where, fields, value, current))


#: The keys of an edit in a plan file (:func:`edit_data`).
EDIT_KEYS: tuple[str, ...] = ("field", "old", "new", "at", "username", "country")


def _indexed_edits(item: Mapping[str, Any], where: str, fields: tuple[str, ...],
                   value: Callable[[str, Any, str], str | None],
                   current: Mapping[str, str | None]) -> list[tuple[int, FieldEdit]]:
    """The ``edits`` of a file's action or milestone, in time order (edits at the same
    moment keep their order in the file). Each edit of a field starts from the value the
    one before it wrote, and the latest writes the value the file gives: a broken chain is
    refused, naming the edit, as a status history whose status is another is. An edit has
    the keys of :data:`EDIT_KEYS` only, its ``country`` is US or MX (empty: not known), and it
    changes its field (an old value equal to the new one is no edit). Each comes with its
    place in the file."""
    parsed: list[tuple[int, FieldEdit]] = []
    for i, raw in enumerate(_list(item, "edits", where)):
        at = f"{where}.edits[{i}]"
        given = _mapping(raw, at)
        unknown = sorted(str(k) for k in given if k not in EDIT_KEYS)
        if unknown:
            raise BadInputError(f"{at} has no key {unknown[0]!r}; an edit has {', '.join(EDIT_KEYS)}: remove it")
        name = choice(given.get("field"), fields, f"{at}.field")
        country = given.get("country")
        if country not in (None, "", *SIDES):
            raise BadInputError(f"{at}.country must be the editor's country, US or MX; got {country!r}")
        edit = FieldEdit(name, value(name, given.get("old"), f"{at}.old"), value(name, given.get("new"), f"{at}.new"),
                         parse_datetime(given.get("at"), f"{at}.at"), _text(given, "username", at, limit=80),
                         country or "")
        if edit.old == edit.new:
            raise BadInputError(f"{at} of {name} writes the value it replaces ({edit.new!r}); setting a field to "
                                "the value it has is no edit: remove it or correct its values")
        parsed.append((i, edit))
    parsed.sort(key=lambda p: p[1].at)
    _check_lifecycle(parsed, where)
    last: dict[str, tuple[int, FieldEdit]] = {}
    for i, edit in parsed:
        if edit.field in last and last[edit.field][1].new != edit.old:
            j, before = last[edit.field]
            raise BadInputError(f"{where}.edits[{i}] of {edit.field} starts from {edit.old!r} but the edit before it "
                                f"({where}.edits[{j}], {before.at.isoformat()}) wrote {before.new!r}; each edit starts "
                                "from the value the one before it wrote: correct the values or the times")
        last[edit.field] = (i, edit)
    for name, (i, edit) in sorted(last.items()):
        if name in current and edit.new != current[name]:
            raise BadInputError(f"{where}.{name} is {current[name]!r} but its latest edit ({where}.edits[{i}], "
                                f"{edit.at.isoformat()}) wrote {edit.new!r}; set {name} to {edit.new!r} or correct "
                                "the edits")
    return parsed


def _check_lifecycle(parsed: list[tuple[int, FieldEdit]], where: str) -> None:
    """Refuse a second addition or retirement, an edit before the addition or after the
    retirement (``parsed`` in time order): a retired one is not edited again."""
    for name, first in ((ADDED, True), (RETIRED, False)):
        found = [(i, e) for i, e in parsed if e.field == name]
        if len(found) > 1:
            raise BadInputError(f"{where}.edits[{found[1][0]}] is a second {name!r} edit; there is one at most: remove it")
        if found:
            i, edit = found[0]
            wrong = [j for j, e in parsed if e is not edit and (e.at < edit.at if first else e.at > edit.at)]
            if wrong:
                raise BadInputError(f"{where}.edits[{wrong[0]}] is {'before its addition' if first else 'after its retirement'} "
                                    f"({where}.edits[{i}], {edit.at.isoformat()}); correct the times")


def lifecycle_value(name: str, value: Any, where: str) -> str | None:
    """A plan file's addition or retirement edit: its ``old`` empty, its ``new`` the name
    the meeting was added with (``ADDED``) or why it was retired (``RETIRED``)."""
    if where.endswith(".old"):
        if value not in (None, ""):
            raise BadInputError(f"{where} of {name} must be null (nothing was there before); got {value!r}")
        return None
    if name == ADDED:
        return text_value(value, where, limit=MEETING_NAME_LIMIT, field_name="name")
    return text_value(value, where, field_name="why")


#: A meeting's fields an edit may change: its date stays, as it says which edits and
#: changes came by the meeting (a report reads the plan as it stood at the end of that day).
MEETING_EDIT_FIELDS: tuple[str, ...] = ("name", "place")
#: The most characters of a meeting's name and place, and of a KPI's name.
MEETING_NAME_LIMIT, PLACE_LIMIT, KPI_NAME_LIMIT = 120, 200, 300


def meeting_edit_value(name: str, value: Any, where: str) -> str | None:
    """A meeting's ``name`` (required) or ``place`` under a plan file's rule (or its
    addition's or retirement's value: :func:`lifecycle_value`)."""
    if name in (ADDED, RETIRED):
        return lifecycle_value(name, value, where)
    if name == "name":
        return text_value(value, where, limit=MEETING_NAME_LIMIT, field_name="name")
    if name == "place":
        return text_value(value, where, required=False, limit=PLACE_LIMIT, field_name="place")
    raise BadInputError(f"{where}: a meeting's {name!r} cannot be edited; editable: {', '.join(MEETING_EDIT_FIELDS)}")


def kpi_edit_fields() -> tuple[str, ...]:
    """The fields of a KPI an edit records: ``name``, and ``spec.KEY`` for each key of its
    definition (``spec.target``, ``spec.baseline``, ...)."""
    from borderflow.plans.kpi import SPEC_KEYS

    return ("name", *(f"spec.{key}" for key in SPEC_KEYS))


def _whole_numbers(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    if isinstance(value, list):
        return [_whole_numbers(v) for v in value]
    if isinstance(value, dict):
        return {k: _whole_numbers(v) for k, v in value.items()}
    return value


def spec_value_text(value: Any) -> str | None:
    """A value of a key of a KPI's definition as an edit records it: JSON with keys sorted
    and a whole number written without decimals (``60``, not ``60.0``), so equal values
    read alike; ``None`` for a key not set."""
    return None if value is None else json.dumps(_whole_numbers(value), sort_keys=True, ensure_ascii=False)


_NOT_JSON = object()


def _refuse_constant(name: str) -> Any:
    raise ValueError(name)


def _decoded_json(value: Any) -> Any:
    """``value`` decoded as strict JSON text (no NaN or Infinity), or :data:`_NOT_JSON`."""
    if not isinstance(value, str):
        return _NOT_JSON
    try:
        return json.loads(value, parse_constant=_refuse_constant)
    except ValueError:
        return _NOT_JSON


def kpi_edit_value(name: str, value: Any, where: str) -> str | None:
    """A KPI's ``name`` (required text) or the JSON text of a key of its definition
    (``spec.target``: ``60``; ``null`` or empty: not set), as a plan file's edits give them."""
    if name == "name":
        return text_value(value, where, limit=KPI_NAME_LIMIT, field_name="name")
    if name == RETIRED:
        return lifecycle_value(name, value, where)
    if name not in kpi_edit_fields():
        raise BadInputError(f"{where}: {name!r} is not a field of a KPI; one of {', '.join(kpi_edit_fields())}")
    if value in (None, ""):
        return None
    decoded = _decoded_json(value)
    if decoded is _NOT_JSON:
        raise BadInputError(f"{where} must be the value of {name} as JSON text (60, \"minutes\", [6, 10]) or "
                            f"null; got {value!r}")
    text = spec_value_text(decoded)
    return None if text is None else readable_text(text, where, "spec")


def _file_meeting(data: Any, where: str) -> Meeting:
    """A plan file's meeting: its fields and its edits."""
    meeting = parse_meeting(data, where)
    edits = _parse_edits(_mapping(data, where), where, (*MEETING_EDIT_FIELDS, ADDED, RETIRED), meeting_edit_value,
                         {"name": meeting.name, "place": meeting.place})
    return replace(meeting, edits=edits)


def _added_at(item: Mapping[str, Any], where: str) -> dt.datetime | None:
    value = item.get("added_at")
    return None if value in (None, "") else parse_datetime(value, f"{where}.added_at")


def _file_milestone(data: Any, where: str) -> Milestone:
    """A plan file's milestone: its fields, when it was added and its edits."""
    stone = parse_milestone(data, where)
    item = _mapping(data, where)
    edits = _parse_edits(item, where, MILESTONE_EDIT_FIELDS, _milestone_edit_value,
                         {name: milestone_text(stone, name) for name in MILESTONE_EDIT_FIELDS})
    return replace(stone, added_at=_added_at(item, where), edits=edits)


def edit_data(edit: FieldEdit) -> dict[str, Any]:
    """An edit as a plan file writes it (what :func:`_parse_edits` reads)."""
    return {"field": edit.field, "old": edit.old, "new": edit.new, "at": edit.at.isoformat(),
            "username": edit.username, "country": edit.country}


def milestone_data(milestone: Milestone) -> dict[str, Any]:
    """The fields of ``milestone`` as a plan file writes them (what :func:`parse_milestone` reads)."""
    return {"side": milestone.side, "title": milestone.title, "due_on": milestone.due_on.isoformat(),
            "done_on": milestone.done_on.isoformat() if milestone.done_on else None}


def parse_meeting(data: Any, where: str) -> Meeting:
    """A meeting ``{"name", "held_on", "place"?}``: a name is required, the date bounded."""
    item = _mapping(data, where)
    return Meeting(_text(item, "name", where, limit=MEETING_NAME_LIMIT),
                   parse_date(item.get("held_on"), f"{where}.held_on"),
                   _text(item, "place", where, required=False, limit=PLACE_LIMIT))


_SHA256 = re.compile(r"[0-9a-fA-F]{64}\Z")


def _sha256(value: Any, where: str) -> str:
    """Empty, or a file's SHA-256 written as 64 hex digits (kept in lowercase)."""
    text = text_value(value, where, required=False, limit=64)
    if text and not _SHA256.match(text):
        raise BadInputError(f"{where} must be the file's SHA-256 as 64 hex digits (sha256sum FILE), or empty; "
                            f"got {text!r}")
    return text.lower()


def parse_evidence(data: Any, where: str) -> Evidence:
    item = _mapping(data, where)
    kind = choice(item.get("kind", "note"), EVIDENCE_KINDS, f"{where}.kind")
    evidence = Evidence(side=choice(item.get("side"), SIDES, f"{where}.side"), kind=kind,
                        text=_text(item, "text", where, required=kind == "note"),
                        url=_text(item, "url", where, required=kind != "note", limit=2000),
                        sha256=_sha256(item.get("sha256"), f"{where}.sha256"),
                        added_at=parse_datetime(item["added_at"], f"{where}.added_at") if item.get("added_at") else None,
                        username=_text(item, "username", where, required=False, limit=80))
    return evidence


def _parse_change(data: Any, where: str) -> StatusChange:
    item = _mapping(data, where)
    before = item.get("from_status")
    return StatusChange(
        from_status=None if before in (None, "") else choice(before, STATUSES, f"{where}.from_status"),
        to_status=choice(item.get("to_status"), STATUSES, f"{where}.to_status"),
        at=parse_datetime(item.get("at"), f"{where}.at"), username=_text(item, "username", where, limit=80),
        country=_text(item, "country", where, required=False, limit=2), why=_text(item, "why", where))


def parse_action(data: Any, where: str, subcommittee_keys: set[str]) -> Action:
    item = _mapping(data, where)
    code = _text(item, "code", where, limit=40)
    if not _CODE.match(code):
        raise BadInputError(f"{where}.code must be 1-40 letters, digits, '.', '_' or '-'; got {code!r}")
    sub = _text(item, "subcommittee", where, limit=40)
    if sub not in subcommittee_keys:
        raise BadInputError(f"{where}.subcommittee must be one of the plan's subcommittees "
                            f"({', '.join(sorted(subcommittee_keys))}); got {sub!r}")
    # The history is kept, exported and read in time order, whatever the file's order;
    # changes at the same moment keep their order in the file (the sort is stable).
    history = tuple(sorted((_parse_change(h, f"{where}.history[{i}]") for i, h in enumerate(_list(item, "history", where))),
                           key=lambda h: h.at))
    status = choice(item.get("status", "planned"), STATUSES, f"{where}.status")
    if history and history[-1].to_status != status:
        latest = history[-1]
        raise BadInputError(f"{where}.status is {status!r} but its latest change ({latest.at.isoformat()}) is to "
                            f"{latest.to_status!r}; set the status to {latest.to_status!r} or correct the changes' times")
    action = Action(
        code=code, subcommittee=sub, title=_text(item, "title", where),
        kind=choice(item.get("kind"), ACTION_KINDS, f"{where}.kind"),
        lead_side=choice(item.get("lead_side"), SIDES, f"{where}.lead_side"), status=status,
        **{name: _text(item, name, where, required=False, limit=120 if name.startswith("lead_agency") else 10_000)
           for name in sorted(SIDE_FIELDS["US"] | SIDE_FIELDS["MX"])},  # type: ignore[arg-type]
        milestones=tuple(_file_milestone(m, f"{where}.milestones[{i}]")
                         for i, m in enumerate(_list(item, "milestones", where))),
        evidence=tuple(parse_evidence(e, f"{where}.evidence[{i}]")
                       for i, e in enumerate(_list(item, "evidence", where))),
        history=history, added_at=_added_at(item, where),
    )
    edits = _parse_edits(item, where, tuple(sorted(EDITABLE_FIELDS)),
                         lambda name, value, at: _action_edit_value(name, value, at, subcommittee_keys),
                         {name: getattr(action, name) for name in EDITABLE_FIELDS})
    return replace(action, edits=edits)


def _check_past_definitions(definition: KpiDefinition, edits: list[tuple[int, FieldEdit]], where: str) -> None:
    """Refuse a KPI whose edits pass through a definition the rules of a KPI refuse: the
    edits are undone from the newest, one edit (its keys changed at one moment) at a time,
    from the file's definition, and each definition before an edit must pass
    :func:`~borderflow.plans.kpi.parse_spec`, as the live one does (a past meeting's report
    measures it)."""
    from borderflow.plans.kpi import parse_spec

    spec = dict(definition.spec)
    moments: dict[dt.datetime, list[tuple[int, FieldEdit]]] = {}
    for i, edit in edits:
        if edit.field.startswith("spec."):
            moments.setdefault(edit.at, []).append((i, edit))
    for at in sorted(moments, reverse=True):
        for _, edit in moments[at]:
            key = edit.field.removeprefix("spec.")
            if edit.old is None:
                spec.pop(key, None)
            else:
                spec[key] = json.loads(edit.old)
        try:
            parse_spec(spec, f"{where}.spec")
        except BadInputError as exc:
            named = ", ".join(f"{where}.edits[{i}] ({e.field})" for i, e in moments[at])
            raise BadInputError(f"KPI {definition.key!r}: its definition before {named} at {at.isoformat()} breaks "
                                f"a rule of a KPI: {exc}; every definition a KPI's edits pass through must follow "
                                "the rules of its definition: correct that edit's old value") from None


def _unique(values: list[str], where: str, name: str) -> None:
    """BadInputError naming the first repeated ``name`` in ``values`` and where it came first."""
    seen: dict[str, int] = {}
    for i, value in enumerate(values):
        if value in seen:
            raise BadInputError(f"{where}[{i}].{name} {value!r} is a repeated {name} ({where}[{seen[value]}] has it); "
                                f"each {name} must be unique: rename or merge one of them")
        seen[value] = i


def parse_plan(data: Any) -> Plan:
    """A validated :class:`Plan` from a decoded plan file; BadInputError naming the place."""
    doc = _mapping(data, "plan")
    if doc.get("format") != FORMAT:
        raise BadInputError(f"a plan file needs \"format\": \"{FORMAT}\"; got {doc.get('format')!r}")
    slug = _text(doc, "slug", "plan", limit=80)
    if not _SLUG.match(slug):
        raise BadInputError(f"plan.slug must be lowercase letters, digits, '_' or '-'; got {slug!r}")
    year = doc.get("year")
    if not isinstance(year, int) or not 1990 <= year <= 2100:
        raise BadInputError(f"plan.year must be a whole year 1990-2100; got {year!r}")
    subs_raw = _list(doc, "subcommittees", "plan")
    subs = tuple(Subcommittee(_text(_mapping(s, f"plan.subcommittees[{i}]"), "key", f"plan.subcommittees[{i}]", limit=40),
                              _text(s, "name", f"plan.subcommittees[{i}]", limit=200))
                 for i, s in enumerate(subs_raw)) or tuple(Subcommittee(k, n) for k, n in DEFAULT_SUBCOMMITTEES)
    _unique([s.key for s in subs], "plan.subcommittees", "key")
    keys = {s.key for s in subs}
    actions = tuple(parse_action(a, f"plan.actions[{i}]", keys) for i, a in enumerate(_list(doc, "actions", "plan")))
    codes = [a.code for a in actions]
    _unique(codes, "plan.actions", "code")
    meetings = tuple(_file_meeting(m, f"plan.meetings[{i}]") for i, m in enumerate(_list(doc, "meetings", "plan")))
    names = [m.name for m in meetings]
    if len(set(names)) != len(names):
        repeated = sorted({n for n in names if names.count(n) > 1})
        raise BadInputError(f"plan.meetings repeats the name {repeated[0]!r}; each meeting of a plan needs its own name")
    kpis: list[KpiDefinition] = []
    for i, k in enumerate(_list(doc, "kpis", "plan")):
        where = f"plan.kpis[{i}]"
        item = _mapping(k, where)
        from borderflow.plans.kpi import SPEC_KEYS, parse_spec

        spec = parse_spec(_mapping(item.get("spec"), f"{where}.spec"), f"{where}.spec")
        action = item.get("action") or None
        if action is not None and action not in codes:
            raise BadInputError(f"{where}.action names no action of this plan; got {action!r}")
        key = _text(item, "key", where, limit=60)
        if any(d.key == key for d in kpis):
            raise BadInputError(f"{where}.key {key!r} is used by another KPI of this plan; each KPI key must be unique")
        definition = KpiDefinition(key, _text(item, "name", where, limit=KPI_NAME_LIMIT), spec.as_dict(), action)
        current = {"name": definition.name, **{f"spec.{k}": spec_value_text(definition.spec.get(k))
                                               for k in SPEC_KEYS}}
        edits = _indexed_edits(item, where, (*kpi_edit_fields(), RETIRED), kpi_edit_value, current)
        _check_past_definitions(definition, edits, where)
        kpis.append(replace(definition, edits=tuple(e for _, e in edits)))
    sources = tuple(Source(_text(_mapping(s, f"plan.sources[{i}]"), "title", f"plan.sources[{i}]", limit=500),
                           _text(s, "url", f"plan.sources[{i}]", required=False, limit=2000))
                    for i, s in enumerate(_list(doc, "sources", "plan")))
    return Plan(slug=slug, year=year, title=_text(doc, "title", "plan", limit=300),
                strategy=_text(doc, "strategy", "plan", required=False), is_example=bool(doc.get("example", False)),
                sources=sources, subcommittees=subs, meetings=meetings, actions=actions, kpis=tuple(kpis))


def plan_to_dict(plan: Plan) -> dict[str, Any]:
    """The plan file of ``plan`` (what :func:`parse_plan` reads back)."""

    def action(a: Action) -> dict[str, Any]:
        return {
            "code": a.code, "subcommittee": a.subcommittee, "title": a.title, "kind": a.kind,
            "lead_side": a.lead_side, "status": a.status,
            **{n: getattr(a, n) for n in sorted(SIDE_FIELDS["US"] | SIDE_FIELDS["MX"])},
            "milestones": [{**milestone_data(m), "added_at": m.added_at.isoformat() if m.added_at else None,
                            "edits": [edit_data(e) for e in m.edits]} for m in a.milestones],
            "evidence": [{"side": e.side, "kind": e.kind, "text": e.text, "url": e.url, "sha256": e.sha256,
                          "added_at": e.added_at.isoformat() if e.added_at else None, "username": e.username}
                         for e in a.evidence],
            "history": [{"from_status": h.from_status, "to_status": h.to_status, "at": h.at.isoformat(),
                         "username": h.username, "country": h.country, "why": h.why} for h in a.history],
            "added_at": a.added_at.isoformat() if a.added_at else None,
            "edits": [edit_data(e) for e in a.edits],
        }

    return {
        "format": FORMAT, "slug": plan.slug, "year": plan.year, "title": plan.title, "strategy": plan.strategy,
        "example": plan.is_example, "sources": [{"title": s.title, "url": s.url} for s in plan.sources],
        "subcommittees": [{"key": s.key, "name": s.name} for s in plan.subcommittees],
        "meetings": [{"name": m.name, "held_on": m.held_on.isoformat(), "place": m.place,
                      "edits": [edit_data(e) for e in m.edits]} for m in plan.meetings],
        "actions": [action(a) for a in plan.actions],
        "kpis": [{"key": k.key, "name": k.name, "action": k.action, "spec": k.spec,
                  "edits": [edit_data(e) for e in k.edits]} for k in plan.kpis],
    }
