"""Headless chromium for the tests of the HTML pages: load a page, dump its DOM, take a screenshot,
and count a screenshot's colours (a PNG decoder in the standard library, so no image package is needed)."""

from __future__ import annotations

import shutil
import struct
import subprocess
import zlib
from collections import Counter
from pathlib import Path

import pytest


@pytest.fixture(scope="module")
def chromium() -> list[str]:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        pytest.skip("chromium is not installed (apt-get install chromium)")
    return [found, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def browse(chromium: list[str], tmp_path: Path, *args: str) -> str:
    profile = tmp_path / "profile"
    done = subprocess.run([*chromium, f"--user-data-dir={profile}", *args], capture_output=True, text=True,
                          timeout=60, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def close(colour: tuple[int, ...], hex_colour: str, within: int = 12) -> bool:
    target = bytes.fromhex(hex_colour[1:])
    return all(abs(a - b) <= within for a, b in zip(colour, target, strict=True))


def decode_png(data: bytes) -> tuple[int, int, Counter[tuple[int, ...]]]:
    """Width, height and how many pixels of each RGB colour an 8-bit RGB(A) PNG holds (standard library only)."""
    pos, idat = 8, bytearray()
    width = height = channels = 0
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos:pos + 4])
        kind, body = data[pos + 4:pos + 8], data[pos + 8:pos + 8 + length]
        pos += 12 + length
        if kind == b"IHDR":
            width, height, depth, colour_type, _, _, interlace = struct.unpack(">IIBBBBB", body)
            assert depth == 8 and colour_type in (2, 6) and interlace == 0, (depth, colour_type, interlace)
            channels = 3 if colour_type == 2 else 4
        elif kind == b"IDAT":
            idat += body
    raw, stride = zlib.decompress(bytes(idat)), width * channels
    previous, colours = bytearray(stride), Counter[tuple[int, ...]]()
    for y in range(height):
        start = y * (stride + 1)
        method, line = raw[start], bytearray(raw[start + 1:start + 1 + stride])  # each row's filter method
        if method == 2:  # up
            line = bytearray((a + b) & 255 for a, b in zip(line, previous, strict=True))
        elif method in (1, 3, 4):
            for i in range(stride):
                left = line[i - channels] if i >= channels else 0
                up, corner = previous[i], previous[i - channels] if i >= channels else 0
                if method == 1:
                    line[i] = (line[i] + left) & 255
                elif method == 3:
                    line[i] = (line[i] + (left + up) // 2) & 255
                else:
                    guess = left + up - corner
                    pa, pb, pc = abs(guess - left), abs(guess - up), abs(guess - corner)
                    line[i] = (line[i] + (left if pa <= pb and pa <= pc else up if pb <= pc else corner)) & 255
        colours.update(zip(line[0::channels], line[1::channels], line[2::channels], strict=True))
        previous = line
    return width, height, colours
