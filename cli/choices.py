"""The choices the CLI offers, built from the library's own tuples so the two never drift."""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum
from typing import TYPE_CHECKING

from ledger.events import SCAN_ACTIONS
from ledger.handover import RELATIONSHIPS
from ledger.reasons import TRANSFER_ROUTES


def choices(name: str, values: Iterable[str]) -> type[StrEnum]:
    """A typer choice (an enum) whose values are exactly `values`, in order."""
    return StrEnum(name, {str(v).replace("-", "_"): str(v) for v in values})  # type: ignore[return-value]


if TYPE_CHECKING:  # mypy sees each as an enum of str; at run time it is built below
    from enum import StrEnum as Relationship
    from enum import StrEnum as Route
    from enum import StrEnum as ScanAction
else:
    ScanAction = choices("ScanAction", SCAN_ACTIONS)
    Route = choices("Route", TRANSFER_ROUTES)
    Relationship = choices("Relationship", RELATIONSHIPS)
