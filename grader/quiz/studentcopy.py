"""The student copy of the quizzes: the same files with hashed keys instead of answers.

Each fixed question's ``answer`` and ``explanation`` become ``key = { salt, hash, sealed }``
(``grader.quiz.keys``). Per-student questions keep their generator (learners print their own
numbers) and, for the students of a roster the instructor gives, a hashed answer each, so those
students can check them locally; without a roster they are graded when handed in.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from grader.errors import InputError, UsageError
from grader.quiz.keys import key_token, make_key, salt_for, student_tag
from grader.quiz.loader import load_quiz
from grader.quiz.marking import Reference
from grader.quiz.model import HashedKey, Kdf, Question, Quiz
from grader.quiz.tomltext import toml_text, toml_value
from grader.quiz.variants import draw, normalise_student, solve


def read_roster(path: Path) -> list[str]:
    """Student ids, one per line ('#' starts a comment), trimmed and lower-cased like --student."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as error:
        raise InputError(f"{path}: cannot read the roster ({getattr(error, 'strerror', None) or error})") from None
    students = [normalise_student(line.split("#", 1)[0]) for line in lines]
    roster = list(dict.fromkeys(s for s in students if s))
    if not roster:
        raise InputError(f"{path}: the roster lists no student ids (one per line)")
    return roster


def write_copy(quizzes: Sequence[Quiz], directory: Path, *, secret: str, kdf: Kdf, roster: Sequence[str],
               reference: Reference) -> list[Path]:
    """Write ``directory/<quiz>.toml`` for every quiz; returns the files written."""
    sources = {q.file.parent.resolve() for q in quizzes}
    if directory.resolve() in sources:
        raise UsageError(f"{directory} is the instructor's quiz folder: write the student copy somewhere else")
    copies = [q.id for q in quizzes if q.student_copy]
    if copies:
        folder = quizzes[0].file.parent
        raise UsageError(f"{folder} holds student copies ({copies[0]}): write the student copy from the instructor's")
    ours = {f"{q.id}.toml" for q in quizzes}
    if directory.is_dir():
        other = sorted(p.name for p in directory.glob("*.toml") if p.name not in ours)
        if other:
            raise UsageError(f"{directory} already holds {other[0]}, which is not one of the quizzes: "
                             "choose an empty folder")
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise UsageError(f"{directory}: cannot create the folder ({error.strerror})") from None
    written = []
    for quiz in quizzes:
        path = directory / f"{quiz.id}.toml"
        path.write_text(copy_text(quiz, secret=secret, kdf=kdf, roster=roster, reference=reference), encoding="utf-8")
        load_quiz(path)  # what we wrote must read back
        written.append(path)
    return written


def copy_text(quiz: Quiz, *, secret: str, kdf: Kdf, roster: Sequence[str], reference: Reference) -> str:
    lines = [
        f"# Student copy of quiz {quiz.id!r}, written by `grade quiz --student-copy`: do not edit.",
        "# Keys are salted scrypt hashes of the normalised answers, and each explanation is sealed with its",
        "# right answer. Check your answers with:  grade quiz ANSWERS --quizzes THIS_FOLDER [--student YOUR_ID]",
        'copy = "student"',
        f"title = {toml_value(quiz.title)}",
    ]
    if quiz.variant_salt:
        lines.append(f"variant_salt = {toml_value(quiz.variant_salt)}")
    lines += ["", "[kdf]", 'name = "scrypt"', f"n = {kdf.n}", f"r = {kdf.r}", f"p = {kdf.p}"]
    for question in quiz.questions:
        lines += ["", *_question_lines(quiz, question, secret, kdf, roster, reference)]
    return "\n".join(lines) + "\n"


def _question_lines(quiz: Quiz, question: Question, secret: str, kdf: Kdf, roster: Sequence[str],
                    reference: Reference) -> list[str]:
    points = int(question.points) if question.points.is_integer() else question.points
    lines = ["[[questions]]", f"id = {toml_value(question.id)}", f"kind = {toml_value(question.kind)}",
             f"topic = {toml_value(question.topic)}", f"points = {toml_value(points)}",
             f"prompt = {toml_text(question.prompt)}"]
    for name, options in (("choices", question.choices), ("items", question.items)):
        if options and len(toml_value(options)) <= 100:
            lines.append(f"{name} = {toml_value(options)}")
        elif options:
            lines += [f"{name} = [", *(f"    {toml_value(option)}," for option in options), "]"]
    if question.tolerance is not None:
        lines.append(f"tolerance = {toml_value(question.tolerance.as_table())}")
    if not question.computed:
        assert question.answer is not None
        salt = salt_for(secret, quiz.id, question.id)
        key = make_key(key_token(question, question.answer), salt, kdf, question.explanation)
        return [*lines, f"key = {toml_value(_key_table(key))}"]
    lines.append(f"compute = {toml_value(question.compute)}")
    entries = {}
    for student in roster:
        answer, _ = solve(question, draw(quiz, question, student), reference())
        assert question.tolerance is not None
        salt = salt_for(secret, quiz.id, question.id, student)
        tag = student_tag(f"{quiz.variant_salt}/{quiz.id}/{question.id}", student)
        entries[tag] = make_key(question.tolerance.cell(answer), salt, kdf)
    if entries:
        lines += ["", "[questions.roster]"]
        lines += [f"{tag} = {toml_value(_key_table(entries[tag]))}" for tag in sorted(entries)]
    return lines


def _key_table(key: HashedKey) -> dict[str, str]:
    table = {"salt": key.salt, "hash": key.digest}
    return table | {"sealed": key.sealed} if key.sealed else table
