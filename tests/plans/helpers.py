"""Plan files for the tests: the plan export of an engagement, as CSV bytes, and edits."""

from __future__ import annotations

import csv
import io

from exports.registry import exportables
from exports.writers import csv_chunks
from kernel.exportables import ENGAGEMENT


def plan_export(*, actor, engagement) -> list[list[str]]:
    spec = next(spec for spec in exportables(ENGAGEMENT) if spec.kind == "plan")
    body = "".join(csv_chunks(spec, spec.rows(actor=actor, engagement=engagement)))
    return list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))


def as_csv(rows: list[list]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue().encode()
