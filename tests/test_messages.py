"""Messages said in the reader's language: the Message type, the catalog, and the keys the code uses."""

from __future__ import annotations

import ast
import json
import pickle
import string
from collections.abc import Callable
from pathlib import Path

import pytest

from borderflow.errors import BadInputError, BorderFlowError, NotFoundError
from borderflow.message_texts import PAGE_WORDED, TEXTS
from borderflow.messages import Message, say

SRC = Path(__file__).parents[1] / "src" / "borderflow"
#: Entries whose Spanish is rightly the English text (a list of problems, each said on its own).
SAME_IN_BOTH = {"problems"}


def fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_a_message_is_its_english_text_and_says_itself_in_spanish() -> None:
    inner = Message("nothing", "value.nothing")
    message = Message(f"hours must be a whole number from 1 to 168; got {inner}", "scenario.whole_range",
                      {"path": "hours", "low": 1, "high": 168, "got": inner})
    assert message == "hours must be a whole number from 1 to 168; got nothing"
    assert json.dumps({"m": message}) == '{"m": "hours must be a whole number from 1 to 168; got nothing"}'
    assert say(message, "en") == message
    assert say(message, "es") == "hours debe ser un número entero de 1 a 168; se recibió un valor vacío"
    copied = pickle.loads(pickle.dumps(message))
    assert (copied.key, copied.fields["got"].key) == ("scenario.whole_range", "value.nothing")
    # a list of messages is said item by item; text without a key, or with an unknown key, as written
    listed = Message("a; b", "problems", {"problems": [Message("x", "value.nothing"), "plain"]})
    assert say(listed, "es") == "un valor vacío; plain"
    assert say("plain text", "es") == "plain text" and say(Message("odd", "no.such.key"), "es") == "odd"
    # an entry whose fields are missing (a bug) says the English rather than failing the page
    assert say(Message("english", "scenario.whole_range", {"path": "x"}), "es") == "english"


def test_an_error_carries_its_key_and_fields_and_keeps_its_text() -> None:
    error = BadInputError("days must be one of 1, 7; got '3'", key="crossing.days",
                          fields={"choices": "1, 7", "got": "3"})
    assert str(error) == "days must be one of 1, 7; got '3'" and error.args == ("days must be one of 1, 7; got '3'",)
    assert say(error, "es") == "el periodo (days) debe ser de 1, 7 días; se recibió «3»"
    again = pickle.loads(pickle.dumps(error))  # errors cross process boundaries (sweeps)
    assert (again.key, again.fields, str(again)) == ("crossing.days", {"choices": "1, 7", "got": "3"}, str(error))
    # an error made from a Message takes its key; a plain one says its text
    made = NotFoundError(Message("no plan 'x'", "plan.unknown", {"ref": "x"}))
    assert made.key == "plan.unknown" and say(made, "es").startswith("no existe el plan «x»")
    assert say(BorderFlowError("plain"), "es") == "plain" and BorderFlowError().message == ""


def test_every_entry_has_both_languages_with_the_same_fields() -> None:
    assert len(TEXTS) > 100
    for key, (english, spanish) in TEXTS.items():
        assert english.strip() and spanish.strip(), key
        assert fields(english) == fields(spanish), key
        assert english != spanish or key in SAME_IN_BOTH, f"{key} is not translated"
    spanish_text = " ".join(es for _, es in TEXTS.values())
    assert "usted" not in spanish_text.lower()  # the usted form is in the verbs: "elija", "revise"
    assert all(word in spanish_text for word in ("elija", "revise", "inténtelo", "se recibió"))


def _keys_in_source() -> tuple[dict[str, list[set[str] | None]], set[str]]:
    """Keys the code names, each with the field names of every place that names it (None
    where the fields are not a literal dict), and the prefixes of keys built at run time."""
    found: dict[str, list[set[str] | None]] = {}
    prefixes: set[str] = set()

    def constants(node: ast.expr) -> list[str]:
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return [node.value]
        if isinstance(node, ast.IfExp):
            return constants(node.body) + constants(node.orelse)
        if isinstance(node, ast.JoinedStr):
            head = node.values[0]
            if isinstance(head, ast.Constant) and isinstance(head.value, str):
                prefixes.add(head.value)
        return []

    def names(node: ast.expr | None) -> set[str] | None:
        if isinstance(node, ast.Dict) and all(isinstance(k, ast.Constant) for k in node.keys):
            return {k.value for k in node.keys if isinstance(k, ast.Constant)}
        return set() if node is None else None

    for path in SRC.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            keywords = {k.arg: k.value for k in node.keywords}
            if "key" in keywords:
                for key in constants(keywords["key"]):
                    found.setdefault(key, []).append(names(keywords.get("fields")))
            if isinstance(node.func, ast.Name) and node.func.id == "Message" and len(node.args) >= 2:
                for key in constants(node.args[1]):
                    found.setdefault(key, []).append(names(node.args[2] if len(node.args) > 2 else None))
    return found, prefixes


def test_every_key_the_code_names_has_an_entry_that_its_fields_fill() -> None:
    found, prefixes = _keys_in_source()
    assert len(found) > 80
    missing = set(found) - set(TEXTS)
    assert not missing, f"keys without an entry: {sorted(missing)}"
    for key, places in found.items():
        needed = fields(TEXTS[key][0])
        for given in places:
            assert given is None or needed <= given, f"{key} needs {sorted(needed)}; a place gives {sorted(given)}"
    for prefix in prefixes & {"mode.", "measure.", "period.", "field."}:
        assert any(k.startswith(prefix) for k in TEXTS), prefix
    from borderflow.planning.volumes import MEASURE_OF_MODE
    from borderflow.plans.kpi import PERIODS
    from borderflow.vocabulary import MODES
    from borderflow.web.pages_planning import FIELDS

    built = ({f"mode.{m}" for m in MODES} | {f"measure.{m}" for m in MEASURE_OF_MODE.values()}
             | {f"period.{p}" for p in PERIODS} | {m.key for m in FIELDS.values() if m.key})
    assert built <= set(TEXTS), sorted(built - set(TEXTS))
    unused = set(TEXTS) - set(found) - built
    assert not unused, f"entries nobody says: {sorted(unused)}"


def _raises(call: Callable[[], object]) -> BorderFlowError:
    with pytest.raises(BorderFlowError) as caught:
        call()
    return caught.value


def _cases() -> list[tuple[str, Callable[[], object]]]:
    from borderflow.plans.kpi import KpiSpec, results_series
    from borderflow.services import simulations
    from borderflow.sim.scenario import load_scenario
    from borderflow.web.crossing import parse_choice, parse_until

    small = {"name": "x", "hours": 2, "lane_groups": {"g": {"mode": "passenger", "program": "standard", "booths": 1,
                                                            "service": {"dist": "exponential", "mean_seconds": 60}}},
             "demand": [{"to": "g", "per_hour": 10}]}
    results = KpiSpec("results", "value", "quarter", "higher", results=(("2026Q1", "/nonexistent/r.json", "x"),))
    return [
        ("crossing.days", lambda: parse_choice(None, "3", [])),
        ("crossing.lane", lambda: parse_choice("car-x", None, [])),
        ("crossing.until_format", lambda: parse_until("2017-13-01", "UTC")),
        ("crossing.until_range", lambda: parse_until("1800-01-01", "UTC")),
        ("scenario.syntax_at", lambda: simulations.parse_scenario_text("name: a: b")),
        ("scenario.not_mapping", lambda: simulations.parse_scenario_text("[1, 2]")),
        ("sim.multiplier", lambda: simulations.apply_edits(small, demand_multiplier=500)),
        ("scenario.problem", lambda: load_scenario({**small, "hours": -2})),
        ("scenario.problems", lambda: load_scenario({**small, "name": "", "demand": [{"to": "h", "per_hour": [1]}],
                                                     "extra": 1})),
        ("kpi.results_missing", lambda: results_series(results)),
    ]


@pytest.mark.parametrize(("key", "call"), _cases(), ids=[key for key, _ in _cases()])
def test_a_page_says_in_english_what_the_cli_says_and_in_spanish_something_else(
        key: str, call: Callable[[], object]) -> None:
    error = _raises(call)
    assert error.key == key
    assert not any(key == k or (k.endswith(".") and key.startswith(k)) for k in PAGE_WORDED)
    assert say(error, "en") == str(error)
    spanish = say(error, "es")
    assert spanish != str(error) and "must be" not in spanish and " got " not in spanish


def test_the_api_envelope_keeps_the_english_text() -> None:
    import asyncio

    from borderflow.api.errors import _borderflow_error

    error = BadInputError("days must be one of 1, 7; got '3'", key="crossing.days", fields={"choices": "1, 7", "got": "3"})
    response = asyncio.run(_borderflow_error(None, error))  # type: ignore[arg-type]
    assert json.loads(bytes(response.body)) == {"error": {"code": "bad_input",
                                                          "message": "days must be one of 1, 7; got '3'"}}


def test_a_staffing_plans_hour_issues_say_the_cli_text_in_english() -> None:
    import numpy as np

    from borderflow.staffing.planner import _missed_hour

    before = np.array([True, True, False])
    overloaded = np.array([True, False, True])
    issues = [_missed_hour("general", 2, 10.0, 120.0, 4, 150.0, 14.2, 0.5, 3.0, before, overloaded, None),
              _missed_hour("general", 1, 10.0, 120.0, 6, 150.0, 12.5, 0.4, 3.0, before, overloaded, "9.8"),
              _missed_hour("general", 0, 1.0, 120.0, 6, 90.0, 0.9, 0.2, 3.0, before, overloaded, None)]
    assert [i.reason for i in issues] == ["overload", "backlog", "tight"]
    for issue in issues:
        assert say(issue.message, "en") == issue.message
        assert say(issue.message, "es").startswith(f"grupo general, hora {issue.hour:02d}: no se cumple la meta")
    assert "la verificación con semillas nuevas midió 9.8 min" in say(issues[1].message, "es")
    assert say(issues[2].message, "es").endswith(
        "demasiado cerca para garantizarlo (carga de 3.0 de 6 casetas); la meta es menor que el tiempo medio de "
        "inspección de 2.0 min")
    # a real day's hours as its clock shows them: the day the clocks go back repeats 01:00
    labels = ["00:00 CDT", "01:00 CDT", "01:00 CST"]
    backlog = _missed_hour("general", 2, 10.0, 120.0, 6, 150.0, 12.5, 0.4, 3.0, np.array([True, True, True]),
                           np.array([False, True, False]), None, labels)
    assert backlog.message.startswith("general hour 01:00 CST: target 10 min not met: the queue built up from hour "
                                      "01:00 CDT is still being served")
    assert say(backlog.message, "es").startswith("grupo general, hora 01:00 CST: no se cumple la meta de 10 min: "
                                                 "todavía se está atendiendo la cola acumulada desde la hora 01:00 CDT")
