"""Pictures for the demo street's rewards, drawn here: a flat pictogram of the thing (a bag, a
bottle, a sack of rice…) on a coloured tile, as a PNG the reward's picture field already takes.

Nothing is copied from anywhere and nothing is installed for it: a few filled shapes are painted
into a byte buffer and written with zlib, the way a PNG is made by hand. Each picture is a
function of the reward's motif and name, so the same reward is drawn the same on every machine.
"""

from __future__ import annotations

import hashlib
import math
import struct
import zlib

#: pixels a side (shown at 88 px, twice that for sharp phone screens)
SIZE = 176

Colour = tuple[int, int, int]

#: tile colours (a light one behind the pictogram, a darker one around it)
TILES: list[tuple[Colour, Colour]] = [
    ((255, 236, 229), (250, 214, 200)),
    ((232, 245, 233), (205, 232, 208)),
    ((227, 242, 253), (197, 225, 247)),
    ((255, 248, 225), (252, 234, 185)),
    ((243, 229, 245), (228, 205, 234)),
    ((224, 247, 250), (190, 234, 240)),
]
RED, DARK_RED = (214, 69, 65), (163, 38, 36)
GREEN, DARK_GREEN = (67, 160, 71), (46, 125, 50)
BLUE, DARK_BLUE = (30, 136, 229), (21, 101, 192)
YELLOW, AMBER = (253, 216, 53), (255, 160, 0)
WHITE, CREAM, BROWN, GREY = (255, 255, 255), (255, 246, 220), (141, 110, 99), (120, 144, 156)


class Canvas:
    """An RGB image painted with filled shapes, in coordinates from 0 to 1, a row span at a time
    (a pixel is painted when its centre is inside the shape)."""

    def __init__(self, background: Colour) -> None:
        self.pixels = bytearray(bytes(background) * SIZE * SIZE)

    def _rows(self, y0: float, y1: float):
        """Each pixel row between ``y0`` and ``y1``: its index and its centre's y."""
        for py in range(max(0, math.ceil(y0 * SIZE - 0.5)), min(SIZE, int(y1 * SIZE + 0.5))):
            yield py, (py + 0.5) / SIZE

    def _span(self, py: int, x0: float, x1: float, colour: Colour) -> None:
        first = max(0, math.ceil(x0 * SIZE - 0.5))
        last = min(SIZE - 1, math.floor(x1 * SIZE - 0.5))
        if last >= first:
            start = (py * SIZE + first) * 3
            self.pixels[start : start + (last - first + 1) * 3] = bytes(colour) * (last - first + 1)

    def rect(self, x0, y0, x1, y1, colour: Colour, radius: float = 0.0) -> None:
        for py, y in self._rows(y0, y1):
            dy = max(y0 + radius - y, 0.0, y - (y1 - radius))
            inset = radius - math.sqrt(max(radius * radius - dy * dy, 0.0)) if dy else 0.0
            self._span(py, x0 + inset, x1 - inset, colour)

    def ellipse(self, cx, cy, rx, ry, colour: Colour, hole: float = 0.0) -> None:
        """A filled ellipse; with ``hole`` (0–1 of its size), a ring."""
        for py, y in self._rows(cy - ry, cy + ry):
            v = ((y - cy) / ry) ** 2
            if v > 1:
                continue
            half = rx * math.sqrt(1 - v)
            inner = rx * math.sqrt(hole * hole - v) if hole * hole > v else None
            if inner is None:
                self._span(py, cx - half, cx + half, colour)
            else:
                self._span(py, cx - half, cx - inner, colour)
                self._span(py, cx + inner, cx + half, colour)

    def polygon(self, points: list[tuple[float, float]], colour: Colour) -> None:
        """A convex polygon, its points in order."""
        ys = [p[1] for p in points]
        edges = list(zip(points, points[1:] + points[:1], strict=True))
        for py, y in self._rows(min(ys), max(ys)):
            xs = [
                ax + (bx - ax) * (y - ay) / (by - ay)
                for (ax, ay), (bx, by) in edges
                if ay != by and min(ay, by) <= y <= max(ay, by)
            ]
            if xs:
                self._span(py, min(xs), max(xs), colour)

    def png(self) -> bytes:
        raw = b"".join(
            b"\x00" + bytes(self.pixels[y * SIZE * 3 : (y + 1) * SIZE * 3]) for y in range(SIZE)
        )

        def chunk(kind: bytes, data: bytes) -> bytes:
            body = kind + data
            return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

        header = struct.pack(">IIBBBBB", SIZE, SIZE, 8, 2, 0, 0, 0)
        return (
            b"\x89PNG\r\n\x1a\n"
            + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(raw, 9))
            + chunk(b"IEND", b"")
        )


# --- the pictograms ------------------------------------------------------------------------------


def _bag(c: Canvas, a: Colour, b: Colour) -> None:
    c.ellipse(0.5, 0.36, 0.16, 0.16, b, hole=0.7)
    c.rect(0.26, 0.38, 0.74, 0.82, a, radius=0.04)
    c.ellipse(0.5, 0.6, 0.09, 0.09, WHITE)
    c.ellipse(0.5, 0.6, 0.05, 0.05, GREEN)


def _bottle(c: Canvas, a: Colour, b: Colour) -> None:
    c.rect(0.42, 0.16, 0.58, 0.28, b, radius=0.02)
    c.rect(0.3, 0.26, 0.7, 0.84, a, radius=0.08)
    c.rect(0.34, 0.44, 0.66, 0.68, WHITE, radius=0.03)
    c.ellipse(0.5, 0.56, 0.07, 0.07, b)


def _sack(c: Canvas, a: Colour, b: Colour) -> None:
    c.polygon([(0.36, 0.2), (0.64, 0.2), (0.76, 0.84), (0.24, 0.84)], CREAM)
    c.rect(0.34, 0.26, 0.66, 0.31, b)
    for n, (x, y) in enumerate([(0.42, 0.5), (0.5, 0.46), (0.58, 0.5), (0.46, 0.58), (0.54, 0.58),
                                (0.5, 0.66)]):  # fmt: skip
        c.ellipse(x, y, 0.025, 0.04 if n % 2 else 0.035, a)


def _plant(c: Canvas, a: Colour, b: Colour) -> None:
    for cx, cy, rx, ry in [(0.38, 0.36, 0.12, 0.08), (0.62, 0.36, 0.12, 0.08),
                           (0.5, 0.26, 0.08, 0.12), (0.34, 0.5, 0.11, 0.07),
                           (0.66, 0.5, 0.11, 0.07)]:  # fmt: skip
        c.ellipse(cx, cy, rx, ry, GREEN)
    c.rect(0.485, 0.3, 0.515, 0.58, DARK_GREEN)
    c.polygon([(0.3, 0.56), (0.7, 0.56), (0.64, 0.84), (0.36, 0.84)], a)
    c.rect(0.28, 0.55, 0.72, 0.61, b, radius=0.02)


def _ticket(c: Canvas, a: Colour, b: Colour, background: Colour) -> None:
    c.rect(0.14, 0.3, 0.86, 0.7, a, radius=0.04)
    c.ellipse(0.14, 0.5, 0.06, 0.06, background)
    c.ellipse(0.86, 0.5, 0.06, 0.06, background)
    for y in (0.34, 0.42, 0.5, 0.58, 0.64):
        c.rect(0.64, y, 0.655, y + 0.03, WHITE)
    c.ellipse(0.4, 0.5, 0.11, 0.11, b)
    c.ellipse(0.4, 0.5, 0.07, 0.07, YELLOW)


def _towel(c: Canvas, a: Colour, b: Colour) -> None:
    for n, colour in enumerate((b, a, WHITE)):
        y = 0.3 + n * 0.16
        c.rect(0.22 + n * 0.02, y, 0.78 - n * 0.02, y + 0.2, colour, radius=0.05)
    c.rect(0.26, 0.68, 0.74, 0.7, a)


def _eggs(c: Canvas, a: Colour, b: Colour) -> None:
    c.rect(0.18, 0.52, 0.82, 0.78, b, radius=0.05)
    for x in (0.3, 0.5, 0.7):
        c.ellipse(x, 0.46, 0.085, 0.11, CREAM)
    for x in (0.3, 0.5, 0.7):
        c.rect(x - 0.09, 0.6, x + 0.09, 0.63, a)


def _umbrella(c: Canvas, a: Colour, b: Colour, background: Colour) -> None:
    c.ellipse(0.5, 0.5, 0.34, 0.3, a)
    c.rect(0.14, 0.5, 0.86, 0.82, background)
    for x in (0.27, 0.5, 0.73):
        c.ellipse(x, 0.5, 0.115, 0.05, background)
    c.rect(0.49, 0.2, 0.51, 0.74, b)
    c.ellipse(0.45, 0.74, 0.06, 0.06, b, hole=0.6)
    c.rect(0.36, 0.66, 0.45, 0.75, background)


def _cup(c: Canvas, a: Colour, b: Colour) -> None:
    c.rect(0.36, 0.18, 0.64, 0.3, b, radius=0.03)
    c.rect(0.34, 0.28, 0.66, 0.84, a, radius=0.06)
    c.rect(0.34, 0.48, 0.66, 0.54, b)


def _book(c: Canvas, a: Colour, b: Colour) -> None:
    c.rect(0.26, 0.2, 0.76, 0.82, b, radius=0.03)
    c.rect(0.3, 0.2, 0.76, 0.78, a, radius=0.03)
    c.rect(0.32, 0.74, 0.74, 0.78, WHITE)
    c.rect(0.42, 0.34, 0.66, 0.38, WHITE)
    c.rect(0.42, 0.42, 0.6, 0.45, WHITE)


MOTIFS = {
    "bag": (_bag, GREEN, DARK_GREEN),
    "bottle": (_bottle, BLUE, DARK_BLUE),
    "sack": (_sack, AMBER, RED),
    "plant": (_plant, BROWN, (109, 76, 65)),
    "ticket": (_ticket, RED, DARK_RED),
    "towel": (_towel, (236, 64, 122), (173, 20, 87)),
    "eggs": (_eggs, BROWN, (215, 204, 200)),
    "oil": (_bottle, AMBER, (230, 81, 0)),
    "umbrella": (_umbrella, (94, 53, 177), GREY),
    "cup": (_cup, (0, 137, 123), (0, 77, 64)),
    "book": (_book, DARK_BLUE, BLUE),
}


def draw(motif: str, name: str) -> bytes:
    """The PNG of ``motif`` (a key of MOTIFS) on a tile whose colour follows ``name``."""
    painter, a, b = MOTIFS[motif]
    light, dark = TILES[hashlib.sha256(name.encode()).digest()[0] % len(TILES)]
    canvas = Canvas(dark)
    canvas.ellipse(0.5, 0.52, 0.44, 0.44, light)
    if painter in (_ticket, _umbrella):
        painter(canvas, a, b, light)
    else:
        painter(canvas, a, b)
    return canvas.png()
