"""Run a property under the deterministic grading profile and turn its end into an Outcome.

The profile: a fixed seed per check (``@seed``), derandomized, no deadline (first calls can
be slow), no example database, quiet, one bug reported.

Two stages. The search draws batches of ``BATCH`` cases per hypothesis example, so one
round trip to the sandbox serves the whole batch and hypothesis's per-example cost is
shared. Only when a case fails does the shrink stage run: hypothesis searches single cases
and shrinks the first failing one, so every shrinking step re-runs one case, and the
outcome carries the smallest failing input. (If the shrink stage cannot find the failure
again, the case the search found is reported as it is.) Equal cases in a batch are run once.
A batch replays the search's cases where it can (``grader.checks.replay``), all of a check's
at once, with the same outcome; a replay that meets a failing case goes straight to the
shrink stage, since the search would have found that same case first.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
from hypothesis import HealthCheck, Phase, Verbosity, given, settings
from hypothesis import seed as hypothesis_seed
from hypothesis import strategies as st
from hypothesis.configuration import set_hypothesis_home_dir, storage_directory
from hypothesis.errors import Flaky
from hypothesis.internal.conjecture import providers
from hypothesis.internal.constants_ast import Constants

from grader.catalog import Check
from grader.checks import replay
from grader.checks.cases import PUBLISHED_SIZES, cases, published, saturating
from grader.checks.context import CheckContext
from grader.checks.outcome import Failure, Outcome, Stop
from grader.results import Counterexample, Status

BATCH = 8  # cases per example in the search stage: their calls share one round trip
SHRINK_EXAMPLES = 200  # single cases the shrink stage may draw to find the failure again
FLAKY = ("gave different answers for the same input when called again (does it use randomness, or state kept "
         "between calls?)")


Body = Callable[["CheckContext", list[Any]], None]


def property_check(
    id: str,
    title: str,
    body: Body,
    *,
    points: float,
    examples: int,
    hint: str,
    strategy_options: dict[str, Any] | None = None,
    explain: bool = False,
    visibility: str = "visible",
    saturate: bool = False,
    loud: bool = True,
) -> Check:
    """A check that runs ``body(ctx, cases)`` on about ``examples`` generated cases, then, with ``saturate``,
    on the saturating cases (``loud=False``: without loud events). The checks that compare values with an
    oracle saturate: every exercise meets exp's overflow there, in its forward pass and its gradients.
    ``explain``: a failure is worth the composite exercise's explanation (a step of the pipeline)."""
    options = strategy_options or {}
    fixed = saturating(**options, loud=loud) if saturate else ()
    own = published(**options, loud=loud) if saturate else published(**options)[:len(PUBLISHED_SIZES)]

    def run(ctx: CheckContext) -> Outcome:
        name = f"{ctx.exercise}:{id}"
        given = ctx.answers.cases_for(name, own)
        if given is not None:  # the edition's published cases (or a release recording them), in order
            return run_published(lambda batch: body(ctx, batch), given)
        return run_property(lambda batch: body(ctx, batch), cases(**options), seed=ctx.seed,
                            cases=ctx.examples(examples), name=name, fixed=fixed)

    return Check(id=id, title=title, points=points, hint=hint, run=run, visibility=visibility,
                 examples=examples, explained=explain)


def check_seed(seed: int, *names: str) -> int:
    """A stable seed per (run seed, exercise, check)."""
    return zlib.crc32(":".join([str(seed), *names]).encode())


def run_property(
    body: Callable[[list[Any]], None],
    strategy: st.SearchStrategy[Any],
    *,
    seed: int,
    cases: int,
    name: str = "",
    fixed: Sequence[Any] = (),
) -> Outcome:
    """Check ``body`` on about ``cases`` generated cases, then on the ``fixed`` ones.

    ``body`` gets a list of cases and raises a ``Failure`` (with its ``case`` set) for the
    first one that is wrong, or a ``Stop`` to end the check at once. ``name`` ("exercise:check")
    identifies the search for replay. The ``fixed`` cases (the saturating ones, already as small
    as they can be) run only once every generated case passed, so a mistake that shows on ordinary
    inputs is reported on the smallest ordinary input hypothesis finds; the first fixed case that
    fails is reported as it is.
    """
    body = _once_each(body)
    batches = st.lists(strategy, min_size=BATCH, max_size=BATCH)
    examples = max(2, math.ceil(cases / BATCH))
    known = replay.key(seed, examples, name)
    seen: set[Any] = set()
    replay.pin(fixed)
    replayed = _replayed(body, replay.recorded(known), seen, fixed)
    if isinstance(replayed, Outcome):
        replayed.cases = len(seen)
        return replayed
    if replayed is True:
        return Outcome(Status.PASSED, cases=len(seen))
    if replayed == "fixed":  # every recorded case passed: the fixed ones, one by one, say which fails
        return _fixed_stage(body, fixed, seen)
    found: Failure | Outcome | None
    if isinstance(replayed, Failure):  # the search would have found it first: the shrink stage starts from it
        found = replayed
    else:
        seen.clear()
        drawn: list[Any] = []
        found = _search(body, batches, seed, examples=examples, shrink=False, seen=seen, drawn=drawn)
        if found is None:
            replay.keep(known, drawn)
    if isinstance(found, Failure):
        smallest = _search(lambda case: body([case]), strategy, seed, examples=SHRINK_EXAMPLES, shrink=True,
                           seen=seen)
        found = smallest if isinstance(smallest, (Failure, Outcome)) else found
    if found is None:
        return _fixed_stage(body, fixed, seen)
    return _ended(found, seen)


def run_published(body: Callable[[list[Any]], None], given: Sequence[Any]) -> Outcome:
    """Check ``body`` on the published cases, in order: the first that fails is reported as it is (they are
    already the smallest there are)."""
    return _fixed_stage(_once_each(body), given, set())


def _ended(found: Failure | Outcome, seen: set[Any]) -> Outcome:
    if isinstance(found, Outcome):
        found.cases = len(seen)
        return found
    return Outcome(Status.FAILED, found.message, cases=len(seen), tolerance=found.tolerance,
                   counterexample=counterexample(found), case=found.case)


def _fixed_stage(body: Callable[[list[Any]], None], fixed: Sequence[Any], seen: set[Any]) -> Outcome:
    """Run the fixed cases (one round trip); where that fails, one by one in order: the first that
    fails, or stops the check, ends it."""
    seen.update(fixed)
    if not fixed:
        return Outcome(Status.PASSED, cases=len(seen))
    try:
        body(list(fixed))
        return Outcome(Status.PASSED, cases=len(seen))
    except Stop as stop:
        return _ended(stop.outcome, seen)
    except Failure:
        pass
    for case in fixed:
        try:
            body([case])
        except Failure as failure:
            if failure.case is None:
                failure.case = case
            return _ended(failure, seen)
        except Stop as stop:
            return _ended(stop.outcome, seen)
    return _ended(Outcome(Status.FAILED, FLAKY), seen)


def _once_each(body: Callable[[list[Any]], None]) -> Callable[[list[Any]], None]:
    """``body`` run on each distinct case of a batch once. Hypothesis's first example is its simplest
    case eight times over, and the calls of equal cases are equal requests: a quarter of a check's calls."""

    def distinct(cases: list[Any]) -> None:
        body(list(dict.fromkeys(cases)))

    return distinct


def _replayed(body: Callable[[list[Any]], None], batches: list[Any] | None, seen: set[Any],
              fixed: Sequence[Any] = ()) -> bool | str | Failure | Outcome:
    """Replay the recorded batches, and the ``fixed`` cases after them: True if every case passes;
    False if there is no record; "fixed" if every recorded case passes but a fixed one does not (the
    fixed stage then says which); the failure the search would have found first (the shrink stage
    then starts from it, as after the search); or, for a check that stops (not implemented, could not
    be graded), the outcome the search would have ended with on the same case.

    Every recorded case and every fixed one go to ``body`` at once, so their calls share a few round
    trips instead of one per batch. Where that fails or stops, the batches are replayed one by one,
    as the search would have met them: the first failing batch is the search's, and so is the count
    of cases. A call that ran out of time is not run again (the session answers for its symbol at
    once), so its limit is spent once.
    """
    if batches is None:
        return False
    everything = [case for batch in batches for case in batch]
    seen.update(everything, fixed)
    first: Failure | Stop
    try:
        body(everything + list(fixed))
        return True
    except (Failure, Stop) as stopped:
        first = stopped
    seen.clear()
    for batch in batches:
        seen.update(batch)
        try:
            body(batch)
        except Failure:
            return _again(body, batch)
        except Stop as stop:
            return first.outcome if isinstance(first, Stop) and stop.timed_out and first.timed_out else stop.outcome
    return "fixed"


def _again(body: Callable[[list[Any]], None], batch: list[Any]) -> Failure | Outcome:
    """Run a failing batch once more and report that run, as hypothesis does with the example it found."""
    try:
        body(batch)
    except Failure as failure:
        if failure.case is None:
            failure.case = batch[0]
        return failure
    except Stop as stop:
        return stop.outcome
    return Outcome(Status.FAILED, FLAKY)


def _search(body: Callable[[Any], None], strategy: st.SearchStrategy[Any], seed: int, *, examples: int,
            shrink: bool, seen: set[Any], drawn: list[Any] | None = None) -> Failure | Outcome | None:
    """Run one hypothesis stage: the failure it ends with, a final outcome, or None (all passed).

    ``drawn`` (if given) collects every example drawn, in order.
    """
    log = drawn if drawn is not None else []

    def test(drawn: Any) -> None:
        log.append(drawn)
        seen.update(drawn if isinstance(drawn, list) else [drawn])
        try:
            body(drawn)
        except Failure as failure:
            if failure.case is None:
                failure.case = drawn[0] if isinstance(drawn, list) else drawn
            raise

    phases = (Phase.explicit, Phase.generate, Phase.shrink) if shrink else (Phase.explicit, Phase.generate)
    profile = settings(max_examples=examples, derandomize=True, deadline=None, database=None,
                       verbosity=Verbosity.quiet, report_multiple_bugs=False,
                       suppress_health_check=list(HealthCheck), phases=phases)
    try:
        with _hermetic():
            hypothesis_seed(seed)(profile(given(drawn=strategy)(test)))()
    except Failure as failure:
        return failure
    except Stop as stop:
        return stop.outcome
    except Flaky:
        return Outcome(Status.FAILED, FLAKY)
    return None


# Hypothesis draws some values from constants it collects in the source of the "local" modules loaded in its
# process (those outside site-packages and the standard library), and caches them in its storage folder
# (``.hypothesis`` in the working folder) even with no example database. Which modules are local and loaded
# differs between a checkout and an installed grader, between check and batch, and as a run imports more, so
# the cases would too: while a search runs, no constants are collected, and the storage folder is one that
# can never be made (its parent is this file), so nothing is stored or read there. The cases then depend on
# the seed alone.
NO_STORAGE = Path(__file__) / "hypothesis-storage"


@contextmanager
def _hermetic() -> Iterator[None]:
    """Hypothesis draws from the seed alone, and stores and reads nothing, while this lasts."""
    home: Any = storage_directory()
    before = home.path if hasattr(home, "path") else home  # a StorageDirectory's (older hypothesis: a Path)
    set_hypothesis_home_dir(NO_STORAGE)
    collect = getattr(providers, "_get_local_constants", None)  # private: where it is gone, nothing to turn off
    if collect is not None:
        providers._get_local_constants = Constants
        providers.CONSTANTS_CACHE.cache.clear()
    try:
        yield
    finally:
        set_hypothesis_home_dir(before)
        if collect is not None:
            providers._get_local_constants = collect
            providers.CONSTANTS_CACHE.cache.clear()


def counterexample(failure: Failure) -> Counterexample | None:
    case = failure.case
    if case is None or not failure.inputs:
        return None
    return Counterexample(
        sizes=dict(case.sizes),
        dtype=str(case.dtype),
        inputs={k: jsonable(v) for k, v in failure.inputs.items()},
        expected=None if failure.expected is None else {k: jsonable(v) for k, v in failure.expected.items()},
        got=None if failure.got is None else {k: jsonable(v) for k, v in failure.got.items()},
        worst=failure.worst,
    )


def jsonable(value: Any) -> Any:
    """Arrays as nested lists; NaN and infinities as strings so the JSON stays strict."""
    if isinstance(value, np.ndarray):
        return jsonable(value.tolist())
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, bool) or value is None or isinstance(value, (int, str)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    return str(value)
