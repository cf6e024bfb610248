"""What one scheduler tick does. Each step is idempotent, so a retried or doubled tick is safe."""

from collections.abc import Callable
from datetime import datetime

# Steps in order; each takes the tick's time (UTC) and only flushes: the task commits.
STEPS: list[Callable[[datetime], object]] = []


def run(now: datetime) -> None:
    for step in STEPS:
        step(now)
