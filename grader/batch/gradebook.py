"""The batch's gradebook: one SQLite file in the output folder, the only place a grade lives.

Every student's result is written in one transaction (WAL journal, synchronous writes), so a
batch killed at any moment, even by ``kill -9``, leaves each grade either fully there or not
there at all; running the batch again grades the rest. Only the batch's parent process
writes. A result replaced by a newer one moves to ``history``, and so does the result of a student
the instructor forgets (``grade batch --forget``); a re-grade that fails never replaces a good
result, it is kept in ``attempts`` instead. The ``meta`` table names the
course, so a batch never writes into another course's gradebook, and the schema, so a grader
never reads records another version wrote (each is ``grader.results.serialize``'s JSON).
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from grader.batch.records import FAILED, GRADED, StudentRecord
from grader.errors import InputError, UsageError
from grader.results import SCHEMA_VERSION, deserialize, serialize

FILE = "gradebook.sqlite"
SCHEMA = f"2/{SCHEMA_VERSION}"  # the rows' layout (2: records as serialize writes them) / their result schema
TABLES = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS grades (
    student TEXT PRIMARY KEY, status TEXT NOT NULL, content_hash TEXT NOT NULL,
    fingerprint TEXT NOT NULL, graded_at TEXT NOT NULL, record TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS history (
    id INTEGER PRIMARY KEY AUTOINCREMENT, student TEXT NOT NULL, replaced_at TEXT NOT NULL,
    record TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS attempts (
    id INTEGER PRIMARY KEY AUTOINCREMENT, student TEXT NOT NULL, at TEXT NOT NULL,
    status TEXT NOT NULL, problem TEXT NOT NULL);
"""


class Gradebook:
    """The gradebook of ``course`` in ``folder`` (created if absent)."""

    def __init__(self, folder: Path, *, course: str) -> None:
        self.path = folder / FILE
        try:
            folder.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(self.path, isolation_level=None)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")
            self._db.executescript(TABLES)
            found = dict(self._db.execute("SELECT key, value FROM meta").fetchall())
        except (OSError, sqlite3.Error) as error:
            raise UsageError(f"{self.path}: cannot be used as a gradebook ({error})") from None
        if found and found.get("course") != course:
            self._db.close()
            raise UsageError(f"{folder} holds the gradebook of another course ({found.get('course')!r}, not "
                             f"{course!r}); choose another --out folder")
        if found and found.get("schema") != SCHEMA:
            self._db.close()
            raise UsageError(f"{self.path} was written by another version of the grader (gradebook schema "
                             f"{found.get('schema')!r}, this grader writes {SCHEMA!r}); choose another --out folder")
        if not found:
            with self._db:
                self._db.execute("BEGIN IMMEDIATE")
                self._db.executemany("INSERT OR IGNORE INTO meta VALUES (?, ?)",
                                     [("course", course), ("schema", SCHEMA), ("created", _now())])

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> Gradebook:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def is_current(self, student: str, content_hash: str, fingerprint: str) -> bool:
        """Whether ``student`` already has a good grade for these files from this grader."""
        row = self._db.execute("SELECT status, content_hash, fingerprint FROM grades WHERE student = ?",
                               (student,)).fetchone()
        return row is not None and row[0] != FAILED and row[1:] == (content_hash, fingerprint)

    def save(self, record: StudentRecord, fingerprint: str) -> bool:
        """Store ``record`` in one transaction; False if it was a failure kept out of a good grade."""
        now = _now()
        with self._db:
            self._db.execute("BEGIN IMMEDIATE")
            row = self._db.execute("SELECT status, record FROM grades WHERE student = ?",
                                   (record.student,)).fetchone()
            if record.status == FAILED and row is not None and row[0] == GRADED:
                self._db.execute("INSERT INTO attempts (student, at, status, problem) VALUES (?, ?, ?, ?)",
                                 (record.student, now, record.status, record.problem))
                return False
            if row is not None:
                self._db.execute("INSERT INTO history (student, replaced_at, record) VALUES (?, ?, ?)",
                                 (record.student, now, row[1]))
            self._db.execute(
                "INSERT OR REPLACE INTO grades VALUES (?, ?, ?, ?, ?, ?)",
                (record.student, record.status, record.content_hash, fingerprint, record.graded_at or now,
                 serialize(record)))
        return True

    def forget(self, student: str) -> bool:
        """Move ``student``'s current result to ``history`` (the exports no longer hold them), in one
        transaction; False if the gradebook has no result for them."""
        with self._db:
            self._db.execute("BEGIN IMMEDIATE")
            row = self._db.execute("SELECT record FROM grades WHERE student = ?", (student,)).fetchone()
            if row is None:
                return False
            self._db.execute("INSERT INTO history (student, replaced_at, record) VALUES (?, ?, ?)",
                             (student, _now(), row[0]))
            self._db.execute("DELETE FROM grades WHERE student = ?", (student,))
        return True

    def records(self) -> list[StudentRecord]:
        """Every student's current result, sorted by id."""
        rows = self._db.execute("SELECT record FROM grades ORDER BY student").fetchall()
        return [self._record(row[0]) for row in rows]

    def attempts(self, student: str) -> list[tuple[str, str]]:
        """The failed attempts kept for ``student``: (status, problem), oldest first."""
        return self._db.execute("SELECT status, problem FROM attempts WHERE student = ? ORDER BY id",
                                (student,)).fetchall()

    def history(self, student: str) -> list[StudentRecord]:
        """The results of ``student`` that newer ones replaced, oldest first."""
        rows = self._db.execute("SELECT record FROM history WHERE student = ? ORDER BY id", (student,)).fetchall()
        return [self._record(row[0]) for row in rows]

    def _record(self, text: str) -> StudentRecord:
        try:
            return deserialize(text, StudentRecord)
        except InputError as error:
            raise UsageError(f"{self.path}: {error}; choose another --out folder") from None


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
