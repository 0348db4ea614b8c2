"""The full result model as JSON (schema: docs/report-schema.md). Deterministic bytes."""

from __future__ import annotations

from grader.results import Report, serialize


def to_json(report: Report) -> str:
    return serialize(report, indent=2) + "\n"
