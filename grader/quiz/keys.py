"""Hashed keys: what a student copy holds instead of answers, and how an answer is checked.

An answer is first normalised to a *token* (``key_token``): the letter, the sorted letters, the
letters in order, or the numeric grid cell (``Tolerance.cell``). The token goes through scrypt
with a per-question salt; the first 32 bytes are the stored digest, the other 32 seal the
question's explanation, so a right answer also unlocks its explanation and nothing else does.

The salts are HMAC-SHA256 of the course secret (``course_secret``) and the question's id: the
same secret gives byte-identical student copies, and no salt can be known before a copy is
written. The salts are then public, inside the copy: the secret is not what protects keys; the
one-way, deliberately slow hash is. See docs/quizzes.md for what that does and does not stop.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from collections.abc import Iterable, Mapping
from pathlib import Path

from grader.errors import UsageError
from grader.quiz.model import Answer, HashedKey, Kdf, Question

SECRET_ENV = "GRADER_COURSE_SECRET"
SECRET_FILE = "quiz_secret"  # in the course folder; keep it out of the student bundle
MIN_SECRET = 16


def course_secret(*, course: Path, environ: Mapping[str, str] | None = None) -> str:
    """The course secret: ``$GRADER_COURSE_SECRET``, else the first line of ``<course>/quiz_secret``."""
    environ = os.environ if environ is None else environ
    file = course / SECRET_FILE
    value, source = environ.get(SECRET_ENV, "").strip(), SECRET_ENV
    if not value and file.is_file():
        lines = file.read_text(encoding="utf-8", errors="replace").strip().splitlines()
        value, source = (lines[0].strip() if lines else ""), str(file)
    if not value:
        raise UsageError(
            f"writing a student copy needs the course secret: set {SECRET_ENV} or write it to {file} "
            "(and keep that file out of the student bundle)"
        )
    if len(value) < MIN_SECRET:
        raise UsageError(
            f"the course secret in {source} is {len(value)} characters long; use at least {MIN_SECRET}, for example "
            "the output of: python -c \"import secrets; print(secrets.token_urlsafe(24))\""
        )
    return value


def salt_for(secret: str, *parts: str) -> bytes:
    """A per-question (or per-question-and-student) salt: HMAC-SHA256 of the secret and the ids."""
    message = "\0".join(("grade-quiz-salt", *parts)).encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).digest()[:16]


def student_tag(context: str, student: str) -> str:
    """How a roster entry names a student without writing the id in plain text."""
    return hashlib.sha256(f"{context}\0{student}".encode()).hexdigest()[:24]


def derive(token: str, salt: bytes, kdf: Kdf) -> bytes:
    memory = 128 * kdf.n * kdf.r * kdf.p + 2**20
    return hashlib.scrypt(token.encode(), salt=salt, n=kdf.n, r=kdf.r, p=kdf.p, maxmem=memory, dklen=64)


def make_key(token: str, salt: bytes, kdf: Kdf, explanation: str = "") -> HashedKey:
    out = derive(token, salt, kdf)
    return HashedKey(salt=salt.hex(), digest=out[:32].hex(), sealed=seal(explanation, out[32:]) if explanation else "")


def open_key(tokens: Iterable[str], key: HashedKey, kdf: Kdf) -> str | None:
    """The unsealed explanation ("" if none) when one of ``tokens`` is the key's answer, else None."""
    salt = bytes.fromhex(key.salt)
    for token in dict.fromkeys(tokens):
        out = derive(token, salt, kdf)
        if hmac.compare_digest(out[:32].hex(), key.digest):
            return unseal(key.sealed, out[32:]) if key.sealed else ""
    return None


def _stream(key: bytes, length: int) -> bytes:
    blocks = (hashlib.sha256(key + i.to_bytes(4, "big")).digest() for i in range((length + 31) // 32))
    return b"".join(blocks)[:length]


def seal(text: str, key: bytes) -> str:
    """XOR with a SHA-256 keystream: each key seals one text only, and is opened only after a match."""
    data = text.encode()
    return base64.b64encode(bytes(a ^ b for a, b in zip(data, _stream(key, len(data)), strict=True))).decode()


def unseal(blob: str, key: bytes) -> str:
    data = base64.b64decode(blob)
    return bytes(a ^ b for a, b in zip(data, _stream(key, len(data)), strict=True)).decode(errors="replace")


def key_token(question: Question, answer: Answer) -> str:
    """The normalised form of a key: what is hashed."""
    if question.kind == "numeric":
        assert question.tolerance is not None and isinstance(answer, float)
        return question.tolerance.cell(answer)
    if isinstance(answer, tuple):  # multiple (sorted letters) or ordering (letters in order)
        return f"{question.kind}:" + ",".join(sorted(answer) if question.kind == "multiple" else answer)
    return f"single:{answer}"


def answer_tokens(question: Question, answer: Answer) -> list[str]:
    """The tokens to try for a learner's answer (for numbers, every grid cell near it)."""
    if question.kind == "numeric":
        assert question.tolerance is not None and isinstance(answer, float)
        return question.tolerance.cells_near(answer)
    return [key_token(question, answer)]
