"""A QR code drawn with Unicode half blocks: two modules a character cell, so modules are square.

The terminal draws on black, so the blocks are the code's LIGHT modules (and its quiet zone) and
the spaces are its dark ones: what a phone camera sees is ordinary dark-on-light.
segno makes the matrix (see pyproject.toml); nothing here touches the screen or a file.
"""

from __future__ import annotations

import segno
from textual.widgets import Static

QUIET_ZONE = 2  # modules of light border; phone scanners read 2 as well as the standard 4
# upper half light, lower half light -> the character for that cell
HALF_BLOCKS = {(True, True): "\u2588", (True, False): "\u2580", (False, True): "\u2584", (False, False): " "}


def qr_lines(text: str, border: int = QUIET_ZONE) -> list[str]:
    """The QR code of ``text`` as lines of half-block characters (light modules drawn)."""
    code = segno.make(text, error="l", micro=False)  # "l": most data in the smallest code; a screen does not get dirty
    rows = [[not dark for dark in row] for row in code.matrix_iter(scale=1, border=border)]
    if len(rows) % 2:
        rows.append([True] * len(rows[0]))  # an extra light row keeps the pairs whole (more quiet zone)
    return ["".join(HALF_BLOCKS[(top, bottom)] for top, bottom in zip(rows[i], rows[i + 1]))
            for i in range(0, len(rows), 2)]


class QrCode(Static):
    """Shows the code, or says the screen is too small for it (never a code that cannot scan)."""

    def __init__(self, text: str, too_small: str, **kwargs) -> None:
        super().__init__("", markup=False, **kwargs)
        self.lines = qr_lines(text)
        self.too_small = too_small

    def on_resize(self) -> None:
        self._draw()

    def on_mount(self) -> None:
        self._draw()

    def _draw(self) -> None:
        fits = self.size.height >= len(self.lines) and self.size.width >= len(self.lines[0])
        self.set_class(not fits, "too-small")
        self.update("\n".join(self.lines) if fits else self.too_small)
