"""A text progress bar for long management commands (rebuilds, re-syncs)."""

from __future__ import annotations

from django.core.management.base import OutputWrapper


class ProgressBar:
    """``[#####.....] 120/300``, redrawn in place every ``every`` steps and at the end."""

    def __init__(
        self, total: int, out: OutputWrapper, *, label: str = "", every: int = 100, width=30
    ):
        self.total, self.out, self.label = total, out, label
        self.every, self.width, self.done = every, width, 0

    def __enter__(self) -> ProgressBar:
        self.draw()
        return self

    def __exit__(self, *exc) -> None:
        self.draw()
        self.out.write("\n")

    def update(self, done: int, total: int | None = None) -> None:
        self.done = done
        if total is not None:
            self.total = total
        if done == self.total or done % self.every == 0:
            self.draw()

    def advance(self) -> None:
        self.update(self.done + 1)

    def draw(self) -> None:
        filled = self.width * min(self.done, self.total) // max(self.total, 1)
        prefix = f"{self.label} " if self.label else ""
        bar = "#" * filled + "." * (self.width - filled)
        self.out.write(f"\r{prefix}[{bar}] {self.done}/{self.total}", ending="")
        self.out.flush()
