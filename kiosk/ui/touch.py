"""The staff gesture for touch-only kiosks: tap the top-left corner five times quickly, or hold
it for three seconds. Either opens the PIN keypad, exactly as the staff key does.

A patient does not do this by chance: the corner holds no button, and the welcome screen ignores
touches there (so staff do not start an interview on the way to the PIN).
"""

from __future__ import annotations

from dataclasses import dataclass, field

CORNER_COLUMNS = 6
CORNER_ROWS = 3
TAPS = 5
TAPS_WITHIN_S = 4.0
HOLD_S = 3.0


def in_staff_corner(x: int, y: int) -> bool:
    return 0 <= x < CORNER_COLUMNS and 0 <= y < CORNER_ROWS


@dataclass
class CornerGesture:
    """Feed it every mouse down and up (screen cells, seconds); it says when staff asked."""

    taps: list[float] = field(default_factory=list)
    pressed_at: float | None = None

    def down(self, x: int, y: int, now: float) -> bool:
        if not in_staff_corner(x, y):
            self.taps.clear()
            self.pressed_at = None
            return False
        self.pressed_at = now
        self.taps = [t for t in self.taps if now - t <= TAPS_WITHIN_S] + [now]
        if len(self.taps) >= TAPS:
            self.taps.clear()
            return True
        return False

    def up(self, x: int, y: int, now: float) -> bool:
        held = self.pressed_at is not None and in_staff_corner(x, y) and now - self.pressed_at >= HOLD_S
        self.pressed_at = None
        if held:
            self.taps.clear()
        return held
