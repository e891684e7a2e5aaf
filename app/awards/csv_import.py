"""Bulk grade imports from CSV through the same pipeline as ``POST /api/v1/grades``.

Resumable: after each committed row the position is saved next to the file
(``FILE.csv.laurel-progress``, tied to the file's SHA-256), and a rerun continues after it.
Even without that file nothing is awarded twice: each row is an event (its ``event_id``
column, or a hash of the row when there is none) and the award table's unique constraint
settles duplicates.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from sqlalchemy.engine import Engine
from sqlmodel import Session

from app.awards.schemas import GradeEventIn
from app.awards.service import GradingService
from app.db import session_scope
from app.errors import AppError
from app.models import Organization

REQUIRED_COLUMNS = ("learner_id", "course_run", "percent_grade", "mode", "timestamp")
OPTIONAL_COLUMNS = (
    "event_id",
    "learner_name",
    "learner_email",
    "holder_did",
    "letter_grade",
)
SAVE_EVERY = 10
MAX_LISTED_FAILURES = 50


class ImportFileError(ValueError):
    """The file cannot be imported at all (missing columns, unreadable)."""


class Interrupted(Exception):
    def __init__(self, summary: ImportSummary) -> None:
        super().__init__("import interrupted")
        self.summary = summary


@dataclass
class ImportSummary:
    rows: int = 0
    issued: int = 0
    programs_issued: int = 0
    skipped: dict[str, int] = field(default_factory=dict)
    refused: dict[str, int] = field(default_factory=dict)
    failed: int = 0
    failures: list[str] = field(default_factory=list)
    resumed_after: int = 0

    def add_skip(self, status: str) -> None:
        self.skipped[status] = self.skipped.get(status, 0) + 1

    def add_refusal(self, reason: str) -> None:
        self.refused[reason] = self.refused.get(reason, 0) + 1

    def add_failure(self, line: int, message: str) -> None:
        self.failed += 1
        if len(self.failures) < MAX_LISTED_FAILURES:
            self.failures.append(f"line {line}: {message}")

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    def lines(self) -> list[str]:
        out = [f"rows:     {self.rows}"]
        if self.resumed_after:
            out.append(f"          (resumed after row {self.resumed_after})")
        out.append(
            f"issued:   {self.issued} course credentials, "
            f"{self.programs_issued} program credentials"
        )
        skipped = sum(self.skipped.values())
        detail = ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in sorted(self.skipped.items()))
        out.append(f"skipped:  {skipped}" + (f" ({detail})" if detail else ""))
        out.append(f"refused:  {sum(self.refused.values())}")
        for reason, count in Counter(self.refused).most_common():
            out.append(f"  {count:7d}  {reason}")
        out.append(f"failed:   {self.failed}")
        out.extend(f"  {f}" for f in self.failures)
        if self.failed > len(self.failures):
            out.append(f"  ... and {self.failed - len(self.failures)} more")
        return out


def file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def count_rows(path: Path) -> int:
    with path.open(newline="", encoding="utf-8-sig") as handle:
        return max(0, sum(1 for _ in csv.reader(handle)) - 1)


def row_event(row: dict[str, str]) -> dict[str, Any]:
    """A CSV row as a grade event; rows without event_id get a stable one from their content."""

    def value(name: str) -> str | None:
        text = (row.get(name) or "").strip()
        return text or None

    event_id = value("event_id")
    if event_id is None:
        canonical = json.dumps([value(c) for c in REQUIRED_COLUMNS + OPTIONAL_COLUMNS[1:]])
        event_id = "csv:" + hashlib.sha256(canonical.encode()).hexdigest()[:32]
    return {
        "event_id": event_id,
        "learner": {
            "id": value("learner_id"),
            "name": value("learner_name"),
            "email": value("learner_email"),
            "holder_did": value("holder_did"),
        },
        "course_run": value("course_run"),
        "percent_grade": value("percent_grade"),
        "letter_grade": value("letter_grade"),
        "mode": value("mode"),
        "timestamp": value("timestamp"),
    }


class Progress:
    """The resume point of one file, tied to its content hash."""

    def __init__(self, source: Path) -> None:
        self.path = source.with_name(source.name + ".laurel-progress")
        self.digest = file_digest(source)

    def load(self) -> tuple[int, ImportSummary]:
        try:
            saved = json.loads(self.path.read_text())
        except (OSError, ValueError):
            return 0, ImportSummary()
        if saved.get("sha256") != self.digest:
            return 0, ImportSummary()
        return int(saved["rows_done"]), ImportSummary(**saved["summary"])

    def save(self, rows_done: int, summary: ImportSummary) -> None:
        tmp = self.path.with_name(self.path.name + ".tmp")
        tmp.write_text(
            json.dumps({"sha256": self.digest, "rows_done": rows_done, "summary": asdict(summary)})
        )
        os.replace(tmp, self.path)

    def clear(self) -> None:
        self.path.unlink(missing_ok=True)


class GradeImporter:
    def __init__(
        self, grading: GradingService, engine: Engine, org: Organization, actor: str
    ) -> None:
        self.grading = grading
        self.engine = engine
        self.org = org
        self.actor = actor

    def rows(self, path: Path) -> Iterator[tuple[int, dict[str, str]]]:
        """(line number, row) pairs; refuses a file without the required columns."""
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            columns = set(reader.fieldnames or ())
            missing = [c for c in REQUIRED_COLUMNS if c not in columns]
            if missing:
                raise ImportFileError(
                    f"{path.name}: missing column(s) {', '.join(missing)}; "
                    f"expected {', '.join(REQUIRED_COLUMNS + OPTIONAL_COLUMNS)}"
                )
            for row in reader:
                yield reader.line_num, row

    def run(
        self,
        path: Path,
        *,
        restart: bool = False,
        on_row: Callable[[], None] | None = None,
        on_resume: Callable[[int], None] | None = None,
    ) -> ImportSummary:
        progress = Progress(path)
        done, summary = (0, ImportSummary()) if restart else progress.load()
        if done and on_resume:
            on_resume(done)
        summary.resumed_after = done
        position = 0
        try:
            for line, row in self.rows(path):
                position += 1
                if position <= done:
                    continue
                # The importer is the worker: each row is its own transaction, committed
                # before its progress is saved (a failed row rolls back alone).
                with session_scope(self.engine) as session:
                    self._one(session, line, row, summary)
                summary.rows = position
                if position % SAVE_EVERY == 0:
                    progress.save(position, summary)
                if on_row:
                    on_row()
        except KeyboardInterrupt:
            progress.save(summary.rows, summary)
            raise Interrupted(summary) from None
        summary.rows = max(summary.rows, position)
        progress.clear()
        return summary

    def _one(
        self, session: Session, line: int, row: dict[str, str], summary: ImportSummary
    ) -> None:
        try:
            event = GradeEventIn.model_validate(row_event(row))
            with session.begin_nested():  # a refused row leaves nothing behind
                outcome = self.grading.record_grade(session, self.org, event, self.actor)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            summary.add_failure(line, f"{where}: {first['msg']}")
            return
        except AppError as exc:
            summary.add_failure(line, exc.detail)
            return
        if outcome.status == "awarded":
            summary.issued += 1
        elif outcome.status == "refused":
            summary.add_refusal(outcome.reason or "refused")
        else:
            summary.add_skip(outcome.status)
        summary.programs_issued += sum(1 for p in outcome.programs if p.status == "awarded")
