"""The idle timer: how long since the patient last did something, and when that is too long.

The clock is passed in, so tests move time on by hand instead of sleeping.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable


@dataclass
class IdleTimer:
    clock: Callable[[], float]
    idle_timeout: float  # seconds at a question (and the welcome of a staff screen left open)
    result_timeout: float  # a result waits longer: the patient may be showing it at the desk
    last_activity: float = field(init=False)

    def __post_init__(self) -> None:
        self.last_activity = self.clock()

    @property
    def check_every(self) -> float:
        """How often to check: a few times per timeout, never busier than ten times a second."""
        return max(0.1, min(1.0, self.idle_timeout / 4))

    def touch(self) -> None:
        """The patient (or staff) did something."""
        self.last_activity = self.clock()

    def quiet_for(self) -> float:
        return self.clock() - self.last_activity

    def due(self, at_result: bool) -> bool:
        """True when nothing happened for the timeout of the screen shown."""
        return self.quiet_for() >= (self.result_timeout if at_result else self.idle_timeout)
