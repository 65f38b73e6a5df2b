"""Modernization planning: representative days from the archive, alternatives as edits,
yearly delay and its value, NPV and BCR, ranking across ports, and sweeps on a process
pool or a Dask cluster. docs/appraisal.md describes the method and its sources.
"""

from __future__ import annotations

from borderflow.planning.appraisal import (
    Alternative,
    AppraisalOptions,
    AppraisalResult,
    appraise,
)
from borderflow.planning.values import Valuation

__all__ = ["Alternative", "AppraisalOptions", "AppraisalResult", "Valuation", "appraise"]
