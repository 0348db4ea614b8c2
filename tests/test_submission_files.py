"""A submission's files are read one way (``grader.sandbox.files``): by ``grade check`` and ``grade batch``
alike, links refused where the grade of record is made, nothing that is not a regular file ever opened."""

from __future__ import annotations

import dataclasses
import os
import signal
import socket
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType

import numpy as np
import pytest
from click.testing import CliRunner
from conftest import ROOT
from hypothesis import strategies as st
from hypothesis.configuration import set_hypothesis_home_dir, storage_directory

from grader.api import check_submission
from grader.batch.records import GRADED, UNREADABLE
from grader.batch.run import run_batch
from grader.checks.property import run_property
from grader.cli import main
from grader.config import Settings, describe, load_settings
from grader.errors import UsageError
from grader.pipeline.grade import _text
from grader.sandbox.files import MAX_FILE_BYTES, MAX_FILES, UnreadableFile, read_submission
from grader.sandbox.limits import Limits
from grader.sandbox.replies import Returned
from grader.sandbox.session import Session

SOLUTION = (ROOT / "solutions" / "lstm_numpy.py").read_bytes()
LINK = "is a symbolic link, not graded (a submission's files must be its own, not links to files elsewhere)"


@contextmanager
def within(seconds: int) -> Iterator[None]:
    """Fail, rather than hang, where the block takes longer than ``seconds`` (a FIFO opened blocks)."""

    def expired(signum: int, frame: FrameType | None) -> None:
        raise TimeoutError(f"still running after {seconds} s: something blocked")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def folder_with(root: Path, name: str, files: dict[str, bytes]) -> Path:
    folder = root / name
    folder.mkdir(parents=True)
    for file, data in files.items():
        (folder / file).write_bytes(data)
    return folder


def refusal(call: Callable[[], object]) -> str:
    """The sentence ``call()`` refuses with."""
    with pytest.raises(UnreadableFile) as refused:
        call()
    return str(refused.value)


def check_refusal(folder: Path, settings: Settings) -> str:
    """The sentence ``grade check`` refuses ``folder`` with."""
    return refusal(lambda: check_submission(folder, settings=settings, jobs=1))


# ----------------------------------------------------------------------------- the reader


def test_regular_files_are_read_as_they_are(tmp_path: Path) -> None:
    folder = folder_with(tmp_path, "s", {"lstm_numpy.py": b"# caf\xe9\n", "helper.py": b"x = 1\n",
                                         "notes.txt": b"not code", ".hidden.py": b"", "answers.toml": b"a = 1\n"})
    (folder / "package.py").mkdir()  # a folder is not a file: passed over
    assert read_submission(folder, follow_links=False) == {"helper.py": b"x = 1\n", "lstm_numpy.py": b"# caf\xe9\n"}
    with_answers = read_submission(folder, follow_links=False, suffixes=(".py", ".toml"))
    assert sorted(with_answers) == ["answers.toml", "helper.py", "lstm_numpy.py"]


def test_a_link_is_refused_unless_links_are_followed(tmp_path: Path) -> None:
    folder = folder_with(tmp_path, "s", {})
    (folder / "lstm_numpy.py").symlink_to(ROOT / "solutions" / "lstm_numpy.py")
    assert refusal(lambda: read_submission(folder, follow_links=False)) == f"{folder / 'lstm_numpy.py'}: {LINK}"
    assert read_submission(folder, follow_links=True) == {"lstm_numpy.py": SOLUTION}


def test_a_link_loop_is_just_a_link(tmp_path: Path) -> None:
    folder = folder_with(tmp_path, "s", {"lstm_numpy.py": SOLUTION})
    (folder / "loop.py").symlink_to("loop.py")
    assert refusal(lambda: read_submission(folder, follow_links=False)) == f"{folder / 'loop.py'}: {LINK}"
    followed = refusal(lambda: read_submission(folder, follow_links=True))
    assert followed == f"{folder / 'loop.py'}: cannot be read (Too many levels of symbolic links)"


@pytest.mark.parametrize("follow_links", [False, True])
def test_a_fifo_is_refused_and_never_opened(tmp_path: Path, follow_links: bool) -> None:
    folder = folder_with(tmp_path, "s", {})
    os.mkfifo(folder / "lstm_numpy.py")
    with within(10):
        sentence = refusal(lambda: read_submission(folder, follow_links=follow_links))
    assert sentence == f"{folder / 'lstm_numpy.py'}: is not a regular file (a FIFO), not graded"


def test_a_socket_and_a_device_behind_a_followed_link_are_refused(tmp_path: Path) -> None:
    folder = folder_with(tmp_path, "s", {})
    with socket.socket(socket.AF_UNIX) as listening:
        listening.bind(str(folder / "lstm_numpy.py"))
        sentence = refusal(lambda: read_submission(folder, follow_links=False))
    assert sentence == f"{folder / 'lstm_numpy.py'}: is not a regular file (a socket), not graded"
    device = folder_with(tmp_path, "d", {})
    (device / "lstm_numpy.py").symlink_to(os.devnull)
    sentence = refusal(lambda: read_submission(device, follow_links=True))
    assert sentence == f"{device / 'lstm_numpy.py'}: is not a regular file (a device), not graded"


def test_a_file_over_the_size_limit_is_refused(tmp_path: Path) -> None:
    folder = folder_with(tmp_path, "s", {"lstm_numpy.py": b"#" * MAX_FILE_BYTES})
    assert len(read_submission(folder, follow_links=False)["lstm_numpy.py"]) == MAX_FILE_BYTES
    (folder / "lstm_numpy.py").write_bytes(b"#" * (MAX_FILE_BYTES + 1))
    sentence = refusal(lambda: read_submission(folder, follow_links=False))
    assert sentence == f"{folder / 'lstm_numpy.py'}: larger than 1 MiB, not graded"


def test_more_files_than_the_limit_are_refused(tmp_path: Path) -> None:
    folder = folder_with(tmp_path, "s", {f"m{k:02}.py": b"" for k in range(MAX_FILES)})
    assert len(read_submission(folder, follow_links=False)) == MAX_FILES
    (folder / "lstm_numpy.py").write_bytes(SOLUTION)
    sentence = refusal(lambda: read_submission(folder, follow_links=False))
    assert sentence == f"{folder}: holds 65 .py files, more than the 64 a submission may have, not graded"


def test_the_session_copies_the_bytes_that_were_read_not_the_folder_again(tmp_path: Path) -> None:
    folder = folder_with(tmp_path, "s", {"lstm_numpy.py": b"def twice(x):\n    return 2 * x\n"})
    files = read_submission(folder, follow_links=False)
    (folder / "lstm_numpy.py").write_bytes(b"def twice(x):\n    return 3 * x\n")  # changed after it was read
    limits = Limits.from_settings(Settings(call_timeout=2.0))
    with Session(folder, "lstm_numpy.py", files=files, limits=limits) as session:
        reply = session.call("twice", [np.ones(2)])
    assert isinstance(reply, Returned) and reply.value.tolist() == [2.0, 2.0]


def test_the_static_checks_read_any_bytes_as_python_does() -> None:
    assert _text(b"x = 1  # caf\xe9\n") == "x = 1  # caf\ufffd\n"
    assert _text(b"# -*- coding: latin-1 -*-\nname = 'caf\xe9'\n").endswith("name = 'caf\xe9'\n")
    assert _text(b"# -*- coding: no-such-codec -*-\nx = 1\n").endswith("x = 1\n")
    assert _text(b"\xef\xbb\xbfx = 1\n") == "x = 1\n" and _text(None) == ""


# ----------------------------------------------------------------------------- grade check and grade batch agree


@pytest.fixture
def ci_fast() -> Settings:
    """The ci profile's settings (links refused, hidden checks run), with fewer cases."""
    return dataclasses.replace(load_settings(ROOT, profile="ci"), examples_scale=0.2, call_timeout=2.0)


def test_the_ci_profile_refuses_links_and_the_local_one_follows_them(ci_fast: Settings) -> None:
    assert not ci_fast.follow_links and not load_settings(ROOT, profile="exam").follow_links
    assert load_settings(ROOT).follow_links
    assert ("follow_links", "False", "default of the ci profile") in describe(load_settings(ROOT, profile="ci"))
    assert ("follow_links", "True", "default") in describe(load_settings(ROOT))


@pytest.mark.slow
def test_check_under_ci_and_batch_give_the_same_verdict(tmp_path: Path, ci_fast: Settings) -> None:
    root = tmp_path / "class"
    folder_with(root, "accent", {"lstm_numpy.py": b"# caf\xe9: a comment that is not UTF-8\n" + SOLUTION})
    folder_with(root, "linked", {})
    (root / "linked" / "lstm_numpy.py").symlink_to(ROOT / "solutions" / "lstm_numpy.py")
    folder_with(root, "large", {"lstm_numpy.py": SOLUTION + b"#" * MAX_FILE_BYTES})
    folder_with(root, "piped", {})
    os.mkfifo(root / "piped" / "lstm_numpy.py")
    with within(300):
        batch = {r.student: r for r in run_batch(root, out=tmp_path / "out", settings=ci_fast, workers=1).records}
        checked = check_submission(root / "accent", settings=ci_fast, jobs=1)
        refusals = {name: check_refusal(root / name, ci_fast) for name in ("linked", "large", "piped")}
    assert batch["accent"].status == GRADED and batch["accent"].report is not None
    assert {e["id"]: e["score"] for e in batch["accent"].report.to_dict()["exercises"]} == {
        e.id: e.points for e in checked.exercises}
    assert checked.points == checked.max_points > 0
    for name, sentence in refusals.items():
        assert batch[name].status == UNREADABLE and batch[name].problem == sentence
    assert refusals["linked"].endswith(LINK) and refusals["large"].endswith("larger than 1 MiB, not graded")
    assert refusals["piped"].endswith("is not a regular file (a FIFO), not graded")


def test_the_cli_refuses_a_link_under_ci_with_one_sentence_and_exit_code_2(tmp_path: Path) -> None:
    folder = folder_with(tmp_path, "s", {})
    (folder / "lstm_numpy.py").symlink_to(ROOT / "solutions" / "lstm_numpy.py")
    result = CliRunner().invoke(main, ["--profile", "ci", "check", str(folder), "-e", "forget_gate"])
    assert result.exit_code == 2
    assert result.output == f"Error: {folder / 'lstm_numpy.py'}: {LINK}\n"


def test_check_under_the_local_profile_grades_a_linked_file(tmp_path: Path, settings: Settings) -> None:
    elsewhere = folder_with(tmp_path, "work", {"lstm_numpy.py": SOLUTION})
    folder = folder_with(tmp_path, "exercises", {})
    (folder / "lstm_numpy.py").symlink_to(elsewhere / "lstm_numpy.py")
    local = dataclasses.replace(settings, examples_scale=0.2)
    assert local.follow_links
    report = check_submission(folder, exercise="forget_gate", settings=local, jobs=1)
    assert report.points == report.max_points > 0
    with pytest.raises(UsageError, match="is a symbolic link"):
        check_submission(folder, exercise="forget_gate", settings=dataclasses.replace(local, follow_links=False))


def test_check_under_the_local_profile_still_refuses_a_fifo(tmp_path: Path, settings: Settings) -> None:
    folder = folder_with(tmp_path, "s", {})
    os.mkfifo(folder / "lstm_numpy.py")
    with within(30), pytest.raises(UsageError, match=r"is not a regular file \(a FIFO\), not graded"):
        check_submission(folder, settings=settings, jobs=1)


# ----------------------------------------------------------------------------- nothing left behind


def test_a_search_gives_hypothesis_its_own_storage_folder_back(tmp_path: Path) -> None:
    set_hypothesis_home_dir(tmp_path / "theirs")
    try:
        outcome = run_property(lambda batch: None, st.integers(0, 9), seed=1, cases=16)
        assert outcome.status.value == "passed" and storage_directory().path == tmp_path / "theirs"
    finally:
        set_hypothesis_home_dir(None)


@pytest.mark.slow
def test_grading_leaves_nothing_in_the_folder_it_is_run_from(tmp_path: Path) -> None:
    """Hypothesis's storage folder (``.hypothesis``) included; a batch writes only under ``--out``."""
    here = tmp_path / "here"
    here.mkdir()
    learner = folder_with(tmp_path, "learner", {"lstm_numpy.py": SOLUTION})
    folder_with(tmp_path / "class", "alice", {"lstm_numpy.py": SOLUTION})
    env = {k: v for k, v in os.environ.items() if k != "HYPOTHESIS_STORAGE_DIRECTORY"}
    grade = [sys.executable, "-m", "grader"]
    commands = [[*grade, "check", str(learner / "lstm_numpy.py"), "-e", "forget_gate"],
                [*grade, "batch", str(tmp_path / "class"), "--out", str(tmp_path / "out"), "-j", "1", "-q"]]
    for command in commands:
        done = subprocess.run(command, cwd=here, env=env, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stdout + done.stderr
    assert list(here.iterdir()) == []
    assert sorted(p.name for p in learner.iterdir()) == ["lstm_numpy.py"]
    assert (tmp_path / "out" / "grades.csv").is_file()
