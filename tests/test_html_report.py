"""The HTML feedback page: the terminal report's content, a drawing of the cell coloured by the
gates' statuses, hidden checks kept hidden, learner strings escaped, nothing fetched; checked in
a real browser (headless chromium) too."""

from __future__ import annotations

import dataclasses
import html
import re
import shutil
from html.parser import HTMLParser
from importlib import resources
from pathlib import Path

import pytest
from browser import browse, close, decode_png
from click.testing import CliRunner
from conftest import ROOT

from grader.api import check_submission
from grader.cli import main
from grader.config import Settings
from grader.report import render
from grader.report.text import format_array, total_line
from grader.results import (
    CheckResult,
    Counterexample,
    Diagnosis,
    ExerciseResult,
    Report,
    Status,
    Tolerance,
    Worst,
)

PARTIAL = ROOT / "examples" / "partial"
GREEN, RED, MAGENTA, GREY = "#1a7f37", "#cf222e", "#a21caf", "#6e7781"  # passed, failed, not graded, stub/absent


@pytest.fixture(scope="module")
def partial(settings: Settings) -> Report:
    return check_submission(PARTIAL, settings=settings)


@pytest.fixture(scope="module")
def reference(settings: Settings) -> Report:
    return check_submission(ROOT / "solutions" / "lstm_numpy.py", settings=settings)


BLOCKS = {"p", "div", "li", "pre", "h1", "h2", "h3", "th", "td", "tr", "dt", "dd", "section", "article", "text",
          "title", "figcaption", "br"}


def text_of(page: str) -> str:
    """The page's text as a reader sees it (tags dropped, entities decoded, whitespace collapsed)."""

    class Text(HTMLParser):
        def __init__(self) -> None:
            super().__init__(convert_charrefs=True)
            self.parts: list[str] = []
            self.skip = 0

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            self.skip += tag == "style"
            self.parts.append(" " if tag in BLOCKS else "")

        def handle_endtag(self, tag: str) -> None:
            self.skip -= tag == "style"
            self.parts.append(" " if tag in BLOCKS else "")

        def handle_data(self, data: str) -> None:
            if not self.skip:
                self.parts.append(data)

    parser = Text()
    parser.feed(page)
    return squash("".join(parser.parts))


def squash(text: str) -> str:
    return " ".join(text.split())


def drawn_parts(page: str) -> dict[str, dict[str, str]]:
    """Each gate and badge of the drawing: its status, its box's fill and its label text."""

    class Parts(HTMLParser):
        def __init__(self) -> None:
            super().__init__(convert_charrefs=True)
            self.parts: dict[str, dict[str, str]] = {}
            self.current: dict[str, str] | None = None

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            found = {k: v or "" for k, v in attrs}
            if tag == "g" and found.get("class") in ("gate", "badge"):
                self.current = {"kind": found["class"], "status": found["data-status"], "fill": "", "text": ""}
                self.parts[found["data-exercise"]] = self.current
            elif tag == "rect" and self.current is not None:
                self.current["fill"] = found["fill"]

        def handle_endtag(self, tag: str) -> None:
            if tag == "g":
                self.current = None

        def handle_data(self, data: str) -> None:
            if self.current is not None and data.strip():
                self.current["text"] = squash(f"{self.current['text']} {data}")

    parser = Parts()
    parser.feed(page)
    return parser.parts


def section_classes(page: str) -> dict[str, str]:
    return dict((m[2], m[1]) for m in re.finditer(r'<section class="exercise (\w+)" id="ex-(\w+)">', page))


def assert_self_contained(page: str) -> None:
    assert page.startswith("<!DOCTYPE html>")
    assert "http://" not in page and "https://" not in page
    assert not re.search(r"<(script|link|img|iframe|object|embed)\b", page, re.I)
    assert not re.search(r"\b(src|srcset)\s*=", page, re.I) and "@import" not in page
    assert not re.search(r"url\((?!#)", page), "only in-page references (url(#marker))"
    assert all(href.startswith("#") for href in re.findall(r'href="([^"]*)"', page))


def test_the_template_ships_as_package_data() -> None:
    template = resources.files("grader.report").joinpath("templates/feedback.html.j2")
    assert template.is_file() and "<!DOCTYPE html>" in template.read_text(encoding="utf-8")


def test_partial_page_has_the_terminal_reports_content(partial: Report) -> None:
    page = render(partial, "html")
    text = text_of(page)
    assert_self_contained(page)
    assert f"Total: {total_line(partial)}." in text
    assert f"<code>grade check {partial.submission}</code> (seed 0, " in page
    assert section_classes(page) == {
        "learn_gate": "passed", "forget_gate": "failed", "remember_gate": "passed", "use_gate": "failed",
        "lstm_cell": "failed", "lstm_forward": "stub", "lstm_cell_backward": "stub",
    }
    for exercise in partial.exercises:
        assert squash(f"{exercise.id} {exercise.title} {exercise.points:g}/{exercise.max_points:g}") in text
    forget = next(e for e in partial.exercises if e.id == "forget_gate")
    check = forget.checks[0]
    assert check.status is Status.FAILED and check.counterexample and check.counterexample.worst and check.tolerance
    worst = check.counterexample.worst
    assert squash(check.message) in text
    assert f"✘ {check.title} (0/{check.max_points:g})" in text
    assert "Smallest failing input (B=1, I=1, H=1, float64)" in text
    for name, value in check.counterexample.inputs.items():
        assert squash(f"{name} {format_array(value)}") in text
    assert f"Worst element: [{', '.join(map(str, worst.index))}]: expected {worst.expected:.6g}, got {worst.got:.6g}" \
        in text
    assert f"abs error {worst.abs_error:.3g}, rel error {worst.rel_error:.3g}" in text
    assert f"{worst.mismatched} of {worst.total} elements differ" in text
    assert f"Tolerance: {check.tolerance.describe()}" in text
    assert f"Hint: {check.hint}" in text
    assert f"Reproduce: grade check {PARTIAL} --seed 0 --exercise forget_gate" in text
    diagnoses = [c.diagnosis for c in partial.checks() if c.diagnosis is not None]
    assert diagnoses, "the partial example makes a mistake the grader names"
    for diagnosis in diagnoses:
        assert f"Likely mistake: {diagnosis.id} {squash(diagnosis.message)}" in text
    passed = [c for c in forget.checks if c.status is Status.PASSED]
    assert f"✔ {len(passed)} other checks passed ({sum(c.cases for c in passed)} generated cases)" in text
    assert "lstm_forward The LSTM over a sequence 0/10 not implemented yet" in text
    for note in partial.notes:
        assert squash(note) in text
    assert f"isolation {partial.environment['isolation']}" in text and f"numpy {partial.environment['numpy']}" in text


def test_drawing_colours_and_labels_each_gate_by_its_status(partial: Report) -> None:
    parts = drawn_parts(render(partial, "html"))
    expected = {
        "learn_gate": ("passed", GREEN, "learn gate passed · 10/10"),
        "forget_gate": ("failed", RED, "forget gate failed · 4/10"),
        "remember_gate": ("passed", GREEN, "remember gate passed · 5/5"),
        "use_gate": ("failed", RED, "use gate failed · 5/10"),
        "lstm_cell": ("failed", RED, "lstm_cell failed · 6/10"),
        "lstm_forward": ("stub", GREY, "lstm_forward not implemented · 0/10"),
        "lstm_cell_backward": ("stub", GREY, "lstm_cell_backward not implemented · 0/10"),
    }
    assert {name: (p["status"], p["fill"], p["text"]) for name, p in parts.items()} == expected
    assert [p["kind"] for p in parts.values()].count("gate") == 4


def test_reference_page_says_every_check_passes(reference: Report) -> None:
    page = render(reference, "html")
    text = text_of(page)
    assert_self_contained(page)
    assert f"Total: {total_line(reference)}." in text and "every exercise passes every check" in text
    assert set(section_classes(page).values()) == {"passed"} and "✘" not in text
    learn = next(e for e in reference.exercises if e.id == "learn_gate")
    assert f"✔ {len(learn.checks)} checks passed ({sum(c.cases for c in learn.checks)} generated cases)" in text
    assert {p["status"] for p in drawn_parts(page).values()} == {"passed"}
    assert {p["fill"] for p in drawn_parts(page).values()} == {GREEN}


def make_check(exercise: str, id: str, status: Status, **fields: object) -> CheckResult:
    points = 1.0 if status is Status.PASSED else 0.0
    return CheckResult(exercise=exercise, id=id, title=f"{exercise} {id}", status=status, points=points,
                       max_points=0.0 if status is Status.SKIPPED else 1.0, **fields)  # type: ignore[arg-type]


def handmade() -> Report:
    """A report no submission gives today: hidden checks, a diagnosis, a script in the output, NaN inputs."""
    example = Counterexample(
        sizes={"B": 1, "H": 2}, dtype="float32",
        inputs={"ltm_prev": [["nan", 1.5]], "params": {"W_f": [[0.25, "inf"]]}},
        expected={"forget_out": [[0.5, 0.75]]}, got={"forget_out": [[0.5, -3.0]]},
        worst=Worst(output="forget_out", index=(0, 1), expected=0.75, got=-3.0, abs_error=3.75, rel_error=5.0,
                    mismatched=1, total=2),
    )
    forget = ExerciseResult("forget_gate", "Forget gate", "lstm_numpy.py", (
        make_check("forget_gate", "visible_fail", Status.FAILED, message="forget_out is off <b>here</b>",
              hint="scale LTM, not STM", tolerance=Tolerance(1e-5, 1e-6, "float32 result"), counterexample=example,
              diagnosis=Diagnosis("forget_on_stm", "the forget factor scales STM"),
              output="<script>alert(1)</script>\nDEBUG & done", reproduce="grade check sub --seed 0 -e forget_gate"),
        make_check("forget_gate", "secret_fail", Status.FAILED, visibility="hidden", message="SECRET message 4242",
              hint="think about saturation", counterexample=Counterexample({"B": 9}, "float64", {"x": [123.456]}),
              output="SECRET print", reproduce="SECRET reproduce", tolerance=Tolerance(1e-3, 1e-3, "SECRET tol"),
              diagnosis=Diagnosis("SECRET_diag", "SECRET diagnosis")),
        make_check("forget_gate", "published_pass", Status.PASSED, visibility="after_published", cases=7,
              message="SECRET passed message"),
        make_check("forget_gate", "range", Status.PASSED, cases=9),
    ))
    use = ExerciseResult("use_gate", "Use gate", "lstm_numpy.py", (
        make_check("use_gate", "crash", Status.ERROR, message="timed out after 2 s", hint="no infinite loops"),
        make_check("use_gate", "crash_again", Status.ERROR, message="timed out after 2 s"),
        make_check("use_gate", "gpu", Status.SKIPPED, message="skipped: no CUDA device here"),
    ))
    remember = ExerciseResult("remember_gate", "Remember gate", "lstm_numpy.py",
                              (make_check("remember_gate", "m", Status.PASSED, cases=3),))
    return Report(submission="sub<i>", seed=0, exercises=(forget, remember, use),
                  environment={"isolation": "process", "device": "cpu"}, notes=("a <note>",))


def test_hidden_checks_show_title_status_and_hint_only() -> None:
    page = render(handmade(), "html")
    text = text_of(page)
    assert_self_contained(page)
    assert "SECRET" not in page and "123.456" not in page and "B=9" not in text
    assert "✘ forget_gate secret_fail (0/1, failed)" in text and "Hint: think about saturation" in text
    assert "✔ forget_gate published_pass (1/1, passed)" in text
    assert "✔ 1 other check passed (9 generated cases)" in text  # the hidden pass is not counted among them
    # the visible failure shows everything, the diagnosis first
    assert "Likely mistake: forget_on_stm the forget factor scales STM" in text
    assert "Smallest failing input (B=1, H=2, float32)" in text
    assert "ltm_prev [[nan, 1.5]]" in text and "params['W_f'] [[0.25, inf]]" in text
    assert "forget_out [[0.5 , 0.75]] [[ 0.5, -3. ]]" in text
    assert "Worst element: forget_out[0, 1]: expected 0.75, got -3 (abs error 3.75, rel error 5); 1 of 2" in text
    assert "Tolerance: |got - expected| <= 1.0e-06 + 1.0e-05·|expected| (float32 result)" in text
    assert "Reproduce: grade check sub --seed 0 -e forget_gate" in text
    # could not be graded (magenta), the same reason once, skipped with its reason
    assert "! use_gate crash (0/1, could not be graded) timed out after 2 s" in text
    assert "use_gate crash_again (0/1, could not be graded) not graded, same reason" in text
    assert "skipped: use_gate gpu: no CUDA device here" in text
    parts = drawn_parts(page)
    assert (parts["use_gate"]["status"], parts["use_gate"]["fill"]) == ("error", MAGENTA)
    assert parts["use_gate"]["text"] == "use gate not graded · 0/2"
    assert (parts["learn_gate"]["status"], parts["learn_gate"]["fill"]) == ("absent", GREY)
    assert parts["learn_gate"]["text"] == "learn gate absent"
    assert parts["lstm_forward"]["text"] == "lstm_forward absent"


def test_learner_strings_are_escaped() -> None:
    page = render(handmade(), "html")
    assert "<script" not in page and "<b>here" not in page and "<note>" not in page and "sub<i>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;\nDEBUG &amp; done</pre>" in page
    assert "forget_out is off &lt;b&gt;here&lt;/b&gt;" in page
    assert "Your code printed: <script>alert(1)</script> DEBUG & done" in text_of(page)


def test_all_visible_checks_passed_never_says_every_check() -> None:
    """A local check: the hidden checks were not run, every visible one passed."""
    report = handmade()
    later = [dataclasses.replace(c, status=Status.SKIPPED, points=0.0, max_points=0.0,
                                 message="runs at grading time, not in a local check")
             for c in report.exercises[0].checks if c.visibility != "visible"]
    visible = [c for c in report.exercises[0].checks if c.visibility == "visible" and c.status is Status.PASSED]
    forget = ExerciseResult("forget_gate", "Forget gate", "lstm_numpy.py", (*visible, *later))
    report = Report("sub", 0, (forget, report.exercises[1]))
    text = text_of(render(report, "html"))
    assert "Total: 2/2 points; all visible checks passed; 2 more run at grading time" in text
    assert "every check" not in text and "all tests passed" not in text


def test_torch_only_report_has_no_drawing_and_still_renders() -> None:
    lstm = ExerciseResult("LSTMCell", "torch LSTMCell", "lstm_torch.py", (
        make_check("LSTMCell", "matches_float32", Status.FAILED, message="float32 output differs"),
        make_check("LSTMCell", "state_dict", Status.PASSED, cases=2),
    ))
    page = render(Report("lstm_torch.py", 0, (lstm,), environment={"torch": "2.13.0"}), "html")
    text = text_of(page)
    assert_self_contained(page)
    assert "<svg" not in page and drawn_parts(page) == {}
    assert "LSTMCell torch LSTMCell 1/2" in text and "float32 output differs" in text and "torch 2.13.0" in text


def test_cli_writes_the_page(runner: CliRunner, tmp_path: Path) -> None:
    target = tmp_path / "feedback.html"
    result = runner.invoke(main, ["check", str(PARTIAL), "--format", "html", "--output", str(target)],
                           catch_exceptions=False)
    assert result.exit_code == 1
    assert f"wrote {target}" in result.output
    page = target.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and "forget_gate" in page and page.rstrip().endswith("</html>")


# ---- in a real browser -------------------------------------------------------------------------


def test_chromium_renders_the_page(chromium: list[str], partial: Report, tmp_path: Path) -> None:
    page = tmp_path / "feedback.html"
    page.write_text(render(partial, "html"), encoding="utf-8")
    dom = browse(chromium, tmp_path, "--dump-dom", page.as_uri())
    text = html.unescape(text_of(dom))
    for exercise in partial.exercises:
        assert exercise.id in text
    assert f"Total: {total_line(partial)}." in text
    assert squash(partial.exercises[1].checks[0].message) in text
    assert {name: p["text"] for name, p in drawn_parts(dom).items() if p["kind"] == "gate"} == {
        "learn_gate": "learn gate passed · 10/10", "forget_gate": "forget gate failed · 4/10",
        "remember_gate": "remember gate passed · 5/5", "use_gate": "use gate failed · 5/10",
    }


def test_chromium_screenshot_shows_red_and_green_gates(chromium: list[str], partial: Report, tmp_path: Path) -> None:
    page = tmp_path / "feedback.html"
    page.write_text(render(partial, "html"), encoding="utf-8")
    shots = tmp_path / "shots"
    shots.mkdir()
    browse(chromium, tmp_path, f"--screenshot={shots / 'feedback.png'}", "--window-size=1200,1600", page.as_uri())
    screenshot = tmp_path / "feedback.png"
    shutil.copyfile(shots / "feedback.png", screenshot)
    print(f"screenshot: {screenshot}")
    data = screenshot.read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    width, height, counts = decode_png(data)
    assert (width, height) == (1200, 1600)
    assert len(counts) > 100, "a blank or nearly blank page"
    near = {name: sum(n for colour, n in counts.items() if close(colour, name)) for name in (RED, GREEN)}
    # the gates' boxes (170x56 each at this width): 2 red gates and a red badge, 2 green gates; more than the
    # page's red and green borders and marks alone (about 7000 and 600 pixels)
    assert near[RED] > 15000 and near[GREEN] > 12000, near
