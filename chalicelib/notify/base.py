"""The shared base of every notification provider.

Each backend implements ``_compose`` only; ``compose`` runs the same output
checks for all of them, so a provider cannot store something a customer
should not see (the template is checked too: its tests prove it passes).
"""

from __future__ import annotations

from abc import ABC, abstractmethod

from chalicelib.notify import checks
from chalicelib.notify.case import Case


class ProviderError(RuntimeError):
    """The provider could not write a message; ``reason`` is short, for logs."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Notifier(ABC):
    source: str = ""

    def compose(self, case: Case) -> str:
        """A checked message, or :class:`ProviderError`."""
        raw = self._compose(case)
        try:
            return checks.check(raw)
        except checks.UnsafeMessage as exc:
            raise ProviderError(f"unsafe_output:{exc.reason}") from exc

    @abstractmethod
    def _compose(self, case: Case) -> str:
        """The provider's own text, before the checks."""
