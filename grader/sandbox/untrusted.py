"""Text that came from a submission, made safe once, where the parent first reads it.

The child's output and every string of its replies (exception records, symbol names, type names,
the frames it was stuck in) pass through ``clean`` before the grader keeps them, so every report
format can show them as they are: a terminal, JSON, Gradescope, HTML and the batch's CSV never meet
a lone surrogate (which no UTF-8 file can hold), an escape sequence that clears or retitles a
terminal, or a bidi override that makes text read differently than it is.

This module is parent-side only: the child never loads it.
"""

from __future__ import annotations

import re

REPLACEMENT = "\ufffd"  # U+FFFD REPLACEMENT CHARACTER, for what is not text at all

# Terminal escape sequences (ECMA-48), removed whole: control strings (OSC, DCS, SOS, PM, APC) up to
# their terminator, CSI sequences (7-bit and 8-bit), then any other two-part escape (ESC c, ESC ( B).
_SEQUENCE = (r"(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])[^\x07\x1b\x80-\x9f]*(?:\x07|\x1b\\|\x9c)"
             r"|(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]"
             r"|\x1b[ -/]*[0-~]")
# Every other character that is not plain text: C0 controls but tab and newline (a carriage return, with
# the newline after it if any, becomes one newline: ``\r\n?`` is tried first), DEL and C1, surrogates,
# line and paragraph separators, and format characters (Unicode category Cf: bidi embeddings, overrides
# and isolates, zero-width characters, the byte order mark, tags, ...), which can disguise text.
_CHARACTER = ("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\u2028\u2029"
              "\u00ad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u180e\u200b-\u200f\u202a-\u202e"
              "\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb\U000110bd\U000110cd\U00013430-\U0001343f"
              "\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0001\U000e0020-\U000e007f]")
_UNSAFE = re.compile(f"{_SEQUENCE}|\r\n?|{_CHARACTER}")
_ANY = re.compile(_CHARACTER)  # every match of _UNSAFE starts with one of these: a quicker search


def clean(raw: str | bytes, limit: int) -> str:
    """``raw`` (text, or bytes read as UTF-8) as safe text of at most ``limit`` characters.

    Undecodable bytes and lone surrogates become U+FFFD; terminal escape sequences are removed;
    a carriage return becomes a newline; every other control or format character is written as
    its escape (``\\x00``, ``\\u202e``), so a reader sees it was there; tab and newline stay.
    """
    text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw
    text = text[:limit]  # the work is bounded by the cap, not by what the child sent
    if _ANY.search(text) is None:
        return text
    return _UNSAFE.sub(_replace, text)[:limit]


def _replace(match: re.Match[str]) -> str:
    found = match.group()
    if found[0] == "\r":
        return "\n"
    if len(found) > 1:  # an escape sequence
        return ""
    if "\ud800" <= found <= "\udfff":
        return REPLACEMENT
    return ascii(found)[1:-1]  # '\x00', '\u202e', '\U000e0001'
