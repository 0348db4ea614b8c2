"""The full result model as JSON (schema: docs/report-schema.md). Deterministic bytes."""

from __future__ import annotations

import json

from grader.results import Report


def to_json(report: Report) -> str:
    return json.dumps(report.to_dict(), indent=2, sort_keys=False, allow_nan=False) + "\n"
