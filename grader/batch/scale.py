"""Grade a batch on an existing ``dask.distributed`` cluster.

Each student becomes one task: the files travel as bytes, the worker grades them with the same
``grade_student`` a local batch uses (sandbox included) and returns the record as JSON
(``grader.results.serialize``), not as a pickled object. Results come back as they finish and
this process, alone, writes them to the gradebook, so a cluster run and a local run leave the
same grades. Every worker needs this grader installed, the course folder at the same path
(``--course``), and bubblewrap where the sandbox uses it.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from typing import Any

from grader.batch.jobs import grade_student
from grader.batch.pool import Done, Job, failed, record_cases, tracks_of
from grader.batch.records import StudentRecord
from grader.config import Settings
from grader.errors import UsageError
from grader.results import deserialize, serialize

CONNECT_SECONDS = 20


def run_dask(jobs: Sequence[Job], *, address: str, settings: Settings, isolation: str, done: Done,
             tick: Callable[[], None] = lambda: None) -> None:
    """Grade ``jobs`` on the cluster whose scheduler listens at ``address``; ``done(record)`` for each."""
    try:
        distributed: Any = importlib.import_module("distributed")  # untyped: used through Any
    except ImportError:
        raise UsageError("--scheduler needs dask.distributed, which is not installed here "
                         "(pip install 'distributed>=2024.1', or the grader's batch extra)") from None
    try:
        client = distributed.Client(address, timeout=CONNECT_SECONDS)
    except (OSError, TimeoutError, ValueError) as error:
        raise UsageError(f"cannot reach the Dask scheduler at {address} ({error})") from None
    with client:
        client.run(record_cases, settings, tracks_of(jobs))  # each worker process records the checks' cases once
        futures = {
            client.submit(grade_as_json, job.student, job.files, job.content_hash, settings, isolation,
                          key=f"grade-{job.student}-{job.content_hash[:16]}", pure=False, retries=1): job
            for job in jobs
        }
        for future in distributed.as_completed(futures):
            job = futures[future]
            try:
                done(deserialize(future.result(), StudentRecord))
            except Exception as error:  # a lost worker or a failure inside it: this student only
                done(failed(job, f"the Dask cluster could not grade this submission ({type(error).__name__}: "
                                 f"{error})"))
            finally:
                future.release()
            tick()


def grade_as_json(student: str, files: dict[str, bytes], content_hash: str, settings: Settings, isolation: str) -> str:
    """``grade_student`` on a Dask worker: the record as JSON, for the client to read back."""
    return serialize(grade_student(student, files, content_hash, settings, isolation))
