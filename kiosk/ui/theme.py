"""The kiosk's colours: high contrast, yellow and cyan on black, for older eyes and bright rooms.
Colour is never the only signal (every urgency level has its own icon and words)."""

from __future__ import annotations

from textual.theme import Theme

HIGH_CONTRAST = Theme(
    name="kiosk-high-contrast",
    primary="#FFD700",
    secondary="#00E5FF",
    accent="#00E5FF",
    warning="#FFD700",
    error="#FF3030",
    success="#00E676",
    foreground="#FFFFFF",
    background="#000000",
    surface="#000000",
    panel="#202020",
    dark=True,
)
