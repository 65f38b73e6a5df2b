"""CBP's per-port RSS feed of wait times (RSS 2.0, one ``<item>`` per crossing).

Bytes in, :class:`~borderflow.feeds.records.Parsed` out (format ``cbp-rss``, source
``cbp-rss``, northbound). An item's ``<title>`` names the crossing ("Brownsville -
B&M"); its ``<description>`` is HTML lines::

    Hours: 24 hrs/day <br/> Date: 8/11/2026 <br/>
    <h4><b> Passenger Vehicles </b></h4> Maximum Lanes: 4 <br/>
    General Lanes: At 4:00 pm CDT 60 min delay 2 lane(s) open <br/>
    Sentri Lanes:  N/A <br/> Ready Lanes:  Lanes Closed <br/>
    <b>Border Notice: </b>...

Rules:

- **Crossing.** The title is split at the first " - " into port and crossing name and
  looked up in the catalog (:func:`borderflow.catalog.crossing_by_name`), then in
  ``KNOWN_NAMES`` (crossings seen in RSS). An unknown name is rejected, never guessed.
- **Feed time.** The channel ``pubDate`` says "EST" but is US-Eastern wall time with
  daylight saving (:func:`cbp_time.parse_rss_pubdate`); it is ``generated_at`` and
  every item's feed time.
- **Lanes.** "General" -> standard, "Sentri"/"NEXUS" -> sentri, "Ready" -> ready,
  "Fast" -> fast, under the mode of the last heading (Commercial Vehicles, Passenger
  Vehicles, Pedestrian). A line with "At <time>" is an Observation dated by the CBP
  time rule (:mod:`borderflow.feeds.cbp_time`) on the item's ``Date``, with the
  pubDate as feed time; ``reported_time`` keeps "At 4:00 pm CDT". "Lanes Closed" /
  "Update Pending" without a time is an Observation at the pubDate with
  ``wait_minutes`` None; "N/A" without a time is no reading, and the item's snapshot lists
  such lanes under ``absent_lanes`` (:data:`~borderflow.feeds.records.ABSENT_LANES`).
- **Status.** RSS prints "N min delay" for every timed lane, including those CBP's
  JSON calls "no delay" (0-8 minutes), so it does not carry CBP's operational status:
  ``status`` is None for those lines; "no delay", "Lanes Closed", "Update Pending",
  "N/A" map to their Status values.

Each reading depends only on the item's Date, the time text and the pubDate
comparison, so the same reading seen in many snapshots gives equal Observations.
"""

from __future__ import annotations

import datetime as dt
import html
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from zoneinfo import ZoneInfo

from borderflow.errors import BadInputError
from borderflow.feeds import cbp_time
from borderflow.feeds.cbp_feed import MODE_BLOCKS, parse_count, parse_delay_minutes, read_xml_prefix
from borderflow.feeds.partial import broken_off
from borderflow.feeds.records import ABSENT_LANES, CrossingSeen, Parsed, Rejected
from borderflow.vocabulary import CBP_LANES, Observation, Status

_catalog_crossing_by_name: Callable[[str, str], str | None] | None
try:  # the catalog ships with BorderFlow; a stripped install uses KNOWN_NAMES only
    from borderflow.catalog import crossing_by_name as _catalog_crossing_by_name
except ImportError:  # pragma: no cover - only without the catalog package
    _catalog_crossing_by_name = None

FORMAT = "cbp-rss"
SOURCE = "cbp-rss"

#: (port name, crossing name) as RSS titles write them, folded -> crossing number.
KNOWN_NAMES: dict[tuple[str, str], str] = {
    ("brownsville", "b&m"): "535501",
    ("brownsville", "veterans international"): "535502",
    ("brownsville", "los indios"): "535503",
    ("brownsville", "gateway"): "535504",
}
#: Description heading -> mode.
HEADINGS: dict[str, str] = {
    "commercial vehicles": "commercial",
    "passenger vehicles": "passenger",
    "pedestrian": "pedestrian",
    "pedestrians": "pedestrian",
}
#: Lane line name -> program.
LANE_NAMES: dict[str, str] = {
    "general": "standard",
    "standard": "standard",
    "sentri": "sentri",
    "nexus": "sentri",
    "nexus/sentri": "sentri",
    "ready": "ready",
    "fast": "fast",
}
#: The word after the wait (or alone) -> Status value; "delay" alone says nothing.
BODY_WORDS: dict[str, str | None] = {
    "delay": None,
    "no delay": Status.no_delay.value,
    "lanes closed": Status.closed.value,
    "update pending": Status.update_pending.value,
    "n/a": Status.not_applicable.value,
}
_UNTIMED = frozenset({Status.closed.value, Status.update_pending.value})
_BLOCK_OF_MODE = {mode: block for block, mode in MODE_BLOCKS.items()}

_HEADING = re.compile(r"<h\d[^>]*>(.*?)</h\d\s*>", re.IGNORECASE | re.DOTALL)
_BREAK = re.compile(r"<br\s*/?>|</?p\s*/?>", re.IGNORECASE)
_TAG = re.compile(r"<[^>]*>")
_LANE = re.compile(
    r"^(general|standard|sentri|nexus(?:/sentri)?|ready|fast)\s+lanes?\s*:(.*)$", re.IGNORECASE
)
_TIME = re.compile(
    r"^(at\s+(?:\d{1,2}(?::\d{2})?\s*[ap]\.?\s?m\.?|noon|midnight)(?:\s+[a-z]{2,4}\b)?)\s*(.*)$",
    re.IGNORECASE,
)
_BODY = re.compile(
    r"^(?:(?P<wait>\d+\s*(?:hrs?\s*)?(?:\d+\s*)?(?:mins?)?)\s*)?"
    r"(?P<word>no delay|delay|lanes closed|update pending|n/a)?\s*"
    r"(?:(?P<lanes>\d+)\s*lane\(s\)\s*open)?\s*$",
    re.IGNORECASE,
)


def sniff(head: bytes, name: str) -> bool:
    """Whether the first bytes look like CBP's wait-times RSS."""
    return b"<rss" in head and (b"Border Wait Times" in head or b"bwt.cbp.gov" in head)


def parse(data: bytes, name: str = "") -> Parsed:
    """Parse one RSS snapshot (rules in the module docstring)."""
    where = name or "input"
    root, complete, broke = read_xml_prefix(data, where, "CBP's wait-times RSS", ("item", 3))
    channel = root.find("channel") if root.tag == "rss" else None
    if channel is None:
        raise BadInputError(
            f"{where}: expected <rss><channel>, found <{root.tag}> without a channel; "
            "fix: supply CBP's wait-times RSS"
        )
    parsed = Parsed(format=FORMAT)
    items = channel.findall("item") if broke is None else complete
    # the feed's time: the channel's pubDate, else the first item's that reads
    stamps = [("channel pubDate", channel.findtext("pubDate"))] + [
        (f"item {n} pubDate", i.findtext("pubDate")) for n, i in enumerate(items, 1)]
    for where, stamp in stamps:
        if stamp and stamp.strip():
            try:
                parsed.generated_at = cbp_time.parse_rss_pubdate(stamp)
                break
            except BadInputError as error:
                parsed.rejected.append(Rejected(where, str(error), stamp))
    for index, item in enumerate(items):
        title = " ".join((item.findtext("title") or "").split())
        place = f"item {index + 1} ({title})"
        try:
            _read_item(parsed, place, title, item)
        except BadInputError as error:
            parsed.rejected.append(Rejected(place, str(error), _item_text(item)))
    if broke is not None:
        parsed.rejected.append(broken_off(f"item {broke.complete + 1} onward", broke, "items"))
    return parsed


def crossing_for(port_name: str, crossing_name: str) -> str | None:
    """The crossing number for an RSS title's names: catalog, then KNOWN_NAMES."""
    if _catalog_crossing_by_name is not None:
        found = _catalog_crossing_by_name(port_name, crossing_name)
        if found:
            return found
    return KNOWN_NAMES.get((_fold(port_name), _fold(crossing_name)))


def description_lines(description: ET.Element | None) -> list[str]:
    """The description's text lines; a heading becomes its own line "[[Pedestrian]]".

    Works whether the HTML arrives as child elements or as escaped text.
    """
    if description is None:
        return []
    markup = (description.text or "") + "".join(
        ET.tostring(child, encoding="unicode") for child in description
    )
    if _BREAK.search(markup) or _HEADING.search(markup):
        # HTML: a line ends at <br/>, <p> or a heading; a line break in the source is a
        # space (a pretty-printed feed breaks and indents wherever it likes).
        markup = " ".join(markup.split())
    markup = _HEADING.sub(lambda m: "\n[[" + " ".join(_TAG.sub("", m[1]).split()) + "]]\n", markup)
    markup = _BREAK.sub("\n", markup)
    text = html.unescape(_TAG.sub("", markup))
    return [" ".join(line.split()) for line in text.splitlines() if line.strip()]


def _fold(text: str) -> str:
    return " ".join(html.unescape(text).split()).casefold()


def _item_text(item: ET.Element) -> str:
    return ET.tostring(item, encoding="unicode")


def _read_item(parsed: Parsed, place: str, title: str, item: ET.Element) -> None:
    port_name, _, crossing_name = title.partition(" - ")
    crossing_id = crossing_for(port_name.strip(), crossing_name.strip())
    if crossing_id is None:
        raise BadInputError(
            f"crossing name {title!r} is not in the catalog; fix: add it to the catalog "
            "(or to cbp_rss.KNOWN_NAMES) with its 6-digit port_number"
        )
    snapshot = {
        "title": title,
        "port_name": port_name.strip(),
        "crossing_name": crossing_name.strip(),
    }
    if item.findtext("pubDate"):
        snapshot["pubDate"] = item.findtext("pubDate") or ""
    max_lanes: dict[str, int | None] = {}
    lanes: list[tuple[str, str, str, str]] = []  # (mode, program, rest, line)
    mode: str | None = None
    for line in description_lines(item.find("description")):
        key, _, value = line.partition(":")
        lane = _LANE.match(line)
        if line.startswith("[[") and line.endswith("]]"):
            mode = HEADINGS.get(_fold(line[2:-2]))
            if mode is None:
                parsed.rejected.append(Rejected(place, f"unknown heading {line[2:-2]!r}", line))
        elif _fold(key) == "maximum lanes" and mode is not None:
            try:
                max_lanes[mode] = parse_count(value, "Maximum Lanes")
            except BadInputError as error:
                max_lanes[mode] = None
                parsed.rejected.append(Rejected(place, str(error), line))
            snapshot[f"{_BLOCK_OF_MODE[mode]}.maximum_lanes"] = value.strip()
        elif _fold(key) in {"hours", "date"}:
            snapshot[_fold(key)] = value.strip()
        elif _fold(key) == "border notice":
            snapshot["construction_notice"] = value.strip()
        elif lane and mode is not None:
            program = LANE_NAMES[_fold(lane[1])]
            if (mode, program) in CBP_LANES:
                lanes.append((mode, program, lane[2].strip(), line))
            else:
                parsed.rejected.append(Rejected(place, f"CBP reports no {program} lanes for {mode} traffic; "
                                                       "is a heading missing before this line?", line))
        elif "construction_notice" in snapshot:  # a notice running over several lines
            snapshot["construction_notice"] += "\n" + line
        else:
            parsed.rejected.append(Rejected(place, "line not understood", line))
    feed_time = parsed.generated_at
    day = _item_day(snapshot.get("date", ""), feed_time, crossing_id)
    absent: list[str] = []
    for mode_name, program, rest, line in lanes:
        try:
            found = _lane_observation(crossing_id, mode_name, program, rest, day, feed_time)
        except BadInputError as error:
            parsed.rejected.append(Rejected(f"{place} {mode_name} {program}", str(error), line))
            continue
        if found is not None:
            parsed.observations.append(found)
        else:
            absent.append(f"{mode_name}/{program}")
    snapshot[ABSENT_LANES] = " ".join(sorted(absent))
    parsed.crossings.append(
        CrossingSeen(
            crossing_id=crossing_id,
            port_name=snapshot["port_name"],
            crossing_name=snapshot["crossing_name"],
            max_lanes=max_lanes,
            hours=snapshot.get("hours", ""),
            seen_at=feed_time,
            snapshot=snapshot,
        )
    )


def _item_day(text: str, feed_time: dt.datetime | None, crossing_id: str) -> dt.date | None:
    """The item's local date: its "Date:" line, else the pubDate's date at the crossing."""
    if text:
        return cbp_time.parse_feed_date(text)
    zone = cbp_time.crossing_zone(crossing_id)
    return cbp_time.local_date(feed_time, zone) if feed_time and zone else None


def _lane_observation(
    crossing_id: str,
    mode: str,
    program: str,
    rest: str,
    day: dt.date | None,
    feed_time: dt.datetime | None,
) -> Observation | None:
    """One lane line (after "General Lanes:") as an Observation, None for no lane."""
    timed = _TIME.match(rest)
    time_text, body_text = (timed[1], timed[2]) if timed else (None, rest)
    body = _BODY.match(body_text)
    if body is None:
        raise BadInputError(
            f"lane text {rest!r} is not like 'At 1:00 pm CDT 40 min delay 2 lane(s) open'"
        )
    status = BODY_WORDS[body["word"].lower()] if body["word"] else None
    wait_minutes = parse_delay_minutes(body["wait"] or "")
    lanes_open = parse_count(body["lanes"], "lanes open") if body["lanes"] else None
    dated_by_feed = False
    if time_text is not None:
        reading = cbp_time.parse_clock(time_text)
        zone = _zone(crossing_id, reading.label)
        if day is None:
            raise BadInputError("item has no Date and no pubDate to date its readings")
        observed_at = cbp_time.resolve_update_time(reading, day, zone, feed_time)
    elif status in _UNTIMED:
        if feed_time is None:
            raise BadInputError(f"status {status} without a time and no pubDate to date it")
        observed_at, wait_minutes, dated_by_feed = feed_time, None, True
    elif wait_minutes is None and lanes_open is None:
        return None  # "N/A" or blank: the lane does not exist at this crossing
    else:
        raise BadInputError(f"lane text {rest!r} has a wait but no time to date it")
    return Observation(
        crossing_id=crossing_id,
        mode=mode,
        program=program,
        observed_at=observed_at,
        wait_minutes=wait_minutes,
        lanes_open=lanes_open,
        status=status,
        source=SOURCE,
        reported_time=time_text,
        dated_by_feed=dated_by_feed,
    )


def _zone(crossing_id: str, label: str) -> ZoneInfo:
    zone = cbp_time.crossing_zone(crossing_id, label)
    if zone is None:
        raise BadInputError(
            f"no time zone for crossing {crossing_id} (not in the catalog, label {label!r} "
            "unknown); fix: add the crossing to the catalog"
        )
    return zone
