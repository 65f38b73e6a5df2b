"""Wait severity: the colour classes of the pages, always shown together with the number."""

from __future__ import annotations

#: Upper bounds (minutes, inclusive) of each class; above the last is ``red``.
THRESHOLDS: tuple[tuple[int, str], ...] = ((15, "green"), (45, "yellow"), (90, "orange"))
CLASSES: tuple[str, ...] = ("green", "yellow", "orange", "red", "grey")
#: Fill colours for SVG (the CSS uses the same values).
COLOURS: dict[str, str] = {"green": "#2e9e4f", "yellow": "#e8c21a", "orange": "#ef7d1a", "red": "#d1352b",
                           "grey": "#9aa0a6"}


#: A reading older than this, minutes (CBP updates a lane about hourly; its own feed shows a
#: lane "N/A" after a day without one), is shown with its age but not coloured as current.
CURRENT_MINUTES = 24 * 60


def severity(wait_minutes: float | None, age_minutes: float | None = None) -> str:
    """``green`` <= 15 min, ``yellow`` <= 45, ``orange`` <= 90, ``red`` above, ``grey``
    unknown — or, given its age, a reading older than :data:`CURRENT_MINUTES`."""
    if wait_minutes is None or (age_minutes is not None and age_minutes > CURRENT_MINUTES):
        return "grey"
    for bound, name in THRESHOLDS:
        if wait_minutes <= bound:
            return name
    return "red"
