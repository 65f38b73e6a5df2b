"""The server-drawn SVG charts: series clipped to the plot frame, unique ids, ticks that stay inside."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from borderflow.web import charts

HOUR = 3600.0


def parse(svg: str) -> ET.Element:
    return ET.fromstring(str(svg))


def spilling_chart() -> str:
    """A window of 24 hours whose forecast (line and band) starts 6 hours before it."""
    history = charts.Series("History", [(h * HOUR, 10.0 + h) for h in range(12)], "s-history", dots=True)
    forecast = charts.Series("Forecast", [(h * HOUR, 40.0) for h in range(-6, 18)], "s-forecast")
    band = charts.Band("80%", [(h * HOUR, 20.0, 60.0) for h in range(-6, 18)], "b-forecast")
    return charts.line_chart([history, forecast], [(0.0, "00:00"), (12 * HOUR, "12:00")], "Waits", "desc",
                             bands=[band], x_range=(0.0, 24 * HOUR), unit="minutes")


def test_lines_bands_and_dots_are_clipped_to_the_plot_frame() -> None:
    root = parse(spilling_chart())
    clips = root.findall("./defs/clipPath")
    assert len(clips) == 1
    rect = clips[0].find("rect")
    assert rect is not None
    grid = root.find("line[@class='grid']")
    assert grid is not None
    left, right = float(grid.get("x1", "")), float(grid.get("x2", ""))
    assert float(rect.get("x", "")) == left  # the frame's left edge: the y labels stay outside it
    assert float(rect.get("x", "")) + float(rect.get("width", "")) == right
    plot = root.find("g[@class='plot']")
    assert plot is not None and plot.get("clip-path") == f"url(#{clips[0].get('id')})"
    drawn = [el for el in plot if el.tag in ("polyline", "polygon", "circle")]
    assert {el.get("class", "").split()[0] for el in drawn} == {"line", "band", "dot"}
    # nothing of a series outside the clipped group; the points before the window lie left of the frame
    assert not [el for el in root if el.tag in ("polyline", "polygon", "circle")]
    band = next(el for el in drawn if el.tag == "polygon")
    assert min(float(p.split(",")[0]) for p in band.get("points", "").split()) < left


def test_data_at_the_ends_of_the_range_is_drawn_whole_inside_the_frame() -> None:
    root = parse(spilling_chart())
    rect = root.find("./defs/clipPath/rect")
    assert rect is not None
    left, right = float(rect.get("x", "")), float(rect.get("x", "")) + float(rect.get("width", ""))
    dots = [float(c.get("cx", "")) for c in root.iter("circle")]
    assert min(dots) - 2.5 >= left  # the first hour's dot is not cut in half by the clip
    assert max(dots) + 2.5 <= right


def test_every_chart_has_its_own_clip_id() -> None:
    ids = [parse(spilling_chart()).find("./defs/clipPath").get("id") for _ in range(3)]  # type: ignore[union-attr]
    assert len(set(ids)) == 3
    page = str(spilling_chart()) + str(spilling_chart())
    for ident in ids:
        assert page.count(f'id="{ident}"') <= 1


def test_the_y_axis_fits_the_values_inside_the_x_range() -> None:
    """A forecast peak before the window does not stretch the axis of the window it is cut from."""
    inside = charts.Series("h", [(h * HOUR, 10.0) for h in range(24)], "s-history")
    before = charts.Series("f", [(-5 * HOUR, 400.0), (-4 * HOUR, 400.0), (2 * HOUR, 12.0)], "s-forecast")
    root = parse(charts.line_chart([inside, before], [], "t", "d", x_range=(0.0, 23 * HOUR)))
    tops = [float(t.text.replace(",", "")) for t in root.iter("text")  # type: ignore[union-attr]
            if t.get("class") == "tick" and t.get("text-anchor") == "end"]
    assert max(tops) == charts.nice_ceiling(12.0)[0] == 15.0


def test_x_ticks_have_marks_and_labels_that_stay_inside_the_chart() -> None:
    ticks = [(0.0, "Jun 23"), (12 * HOUR, "12:00"), (24 * HOUR, "Jun 24")]
    root = parse(charts.line_chart([charts.Series("h", [(0.0, 1.0), (24 * HOUR, 2.0)], "s-history")], ticks,
                                   "t", "d", x_range=(0.0, 24 * HOUR)))
    marks = [el for el in root if el.get("class") == "tick-mark"]
    assert len(marks) == 3
    labels = {el.text: el for el in root.iter("text") if el.text in ("Jun 23", "12:00", "Jun 24")}
    assert labels["12:00"].get("text-anchor") == "middle"
    assert labels["Jun 24"].get("text-anchor") == "end"  # at the right edge: ends at its tick
    assert [float(m.get("x1", "")) for m in marks] == [float(labels[k].get("x", "")) for k in ("Jun 23", "12:00",
                                                                                               "Jun 24")]


def test_the_heat_map_has_a_colour_key_numbered_in_minutes_up_to_its_darkest_cell() -> None:
    values: list[list[float | None]] = [[None] * 24 for _ in range(7)]
    values[0][8], values[4][17] = 3.0, 47.0
    root = parse(charts.heat_map(values, list("MTWTFSS"), "Hour of the week", "d", lambda d, h: f"{d} {h}",
                                 key_title="Mean wait (minutes)", key_empty="No readings"))
    stops = [s.get("stop-color") for s in root.iter("stop")]
    assert stops == [charts.heat_colour(0), charts.heat_colour(1)]  # the cells' own colour scale
    gradient = root.find("./defs/linearGradient")
    assert gradient is not None
    key = root.find("g[@class='heat-key']")
    assert key is not None
    scale = key.find("rect[@class='scale']")
    assert scale is not None and scale.get("fill") == f"url(#{gradient.get('id')})"
    texts = [t.text for t in key.iter("text")]
    assert texts[0] == "Mean wait (minutes)" and texts[-1] == "No readings"
    numbers = [float(t or "") for t in texts[1:-1]]
    assert numbers[0] == 0 and numbers[-1] == 47 and numbers == sorted(numbers) and len(numbers) >= 3
    x0, width = float(scale.get("x", "")), float(scale.get("width", ""))
    at = {float(t.text or ""): float(t.get("x", "")) for t in key.iter("text") if t.text and t.text[0].isdigit()}
    assert at[0] == x0 and at[47] == x0 + width  # the darkest cell's wait at the scale's dark end
    assert root.find("./rect[@fill='" + charts.heat_colour(1) + "']") is not None  # that cell is the darkest
    bottom = float((root.get("viewBox") or "").split()[3])
    assert all(float(t.get("y", "")) <= bottom for t in root.iter("text"))
